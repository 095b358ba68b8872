"""The where-to-start list as a Qt table: one row per procedure, read from the pipeline's
typed rows (:class:`analysis.result.RankedProcedure`). The landing view and the 比較
view's top-20 tab show it with different column sets; both open a row's process flow on
a double-click.

Long headers carry a line break, and columns are sized to their header and first rows,
so nothing is cut to "F均待ち" on a 1024×700 screen.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView

from ui.i18n import language

Index = QModelIndex | QPersistentModelIndex

# Column key → (JA header, EN header, JA tip, EN tip). "\n" breaks a long header.
COLUMNS: dict[str, tuple[str, str, str, str]] = {
    "rank": ("順位", "Rank", "", ""),
    "procedure_id": ("手続ID", "ID", "", ""),
    "name": ("手続名", "Procedure", "", ""),
    "section": ("課", "Section", "", ""),
    "measures_label": ("施策", "Measures", "この手続に当てはまるシナリオの施策（まとめて適用）",
                       "The scenario's measures that apply to this procedure (together)"),
    "staff_hours_saved": ("職員時間の削減\n（時間/年）", "Staff h saved\n/yr",
                          "職員が手続にかける時間の削減", "Staff time saved on this procedure"),
    "staff_yen_saved": ("人件費等の削減\n（万円/年）", "Staff cost saved\n(¥10k/yr)",
                        "職員の人件費と事務費の削減", "Staff pay and office costs saved"),
    "fte_saved": ("人工", "FTE", "職員時間の削減を常勤職員の人数に換算",
                  "Staff hours saved in full-time staff"),
    "citizen_hours_saved": ("市民時間の削減\n（時間/年）", "Citizen h saved\n/yr",
                            "申請者が使う時間（移動・待ち・記入）の削減",
                            "Applicants' time saved (travel, waiting, forms)"),
    "citizen_yen_saved": ("市民負担額の削減\n（万円/年）", "Citizen cost saved\n(¥10k/yr)",
                          "申請者が払う交通費・手数料などの削減",
                          "Applicants' out-of-pocket costs saved (fares, fees …)"),
    "visits_avoided": ("来庁の削減\n（回/年）", "Visits avoided\n/yr", "", ""),
    "benefit_yen": ("効果額\n（万円/年）", "Benefit\n(¥10k/yr)",
                    "職員の人件費等の削減と市民の便益（負担額と時間）を合わせた額。順位の計算に使います",
                    "Staff cost saved plus citizen benefit (money and time); used for the rank"),
    "citizen_share": ("うち\n市民時間", "of which\ncitizen time",
                      "効果額のうち市民の時間を円に換算した分の割合",
                      "Share of the benefit that is citizens' time valued in yen"),
    "effort": ("実施の手間\n（点）", "Effort\n(points)",
               "施策ごとの手間（1 小 ～ 3 大: 調達・規則改正・研修）の合計。オンライン化する施策は"
               "難易度レベル−1 を加えます。セルにその内訳",
               "Each measure's effort (1 small – 3 large: procurement, rules, training) added up, "
               "plus level − 1 when going online. The cell shows the sum's parts"),
    "level": ("難易度", "Level", "オンライン化の難易度レベル（1 易しい ～ 4 難しい）",
              "Online-readiness level (1 easy – 4 hard)"),
    "rank_staff_only": ("職員のみ\nの順位", "Rank,\nstaff only",
                        "市民の便益を数えず、職員の削減額だけで並べたときの順位",
                        "The rank if only staff savings counted (citizen benefit left out)"),
}
LANDING_COLUMNS = ["rank", "procedure_id", "name", "section", "measures_label",
                   "staff_hours_saved", "fte_saved", "visits_avoided", "benefit_yen", "effort",
                   "level"]
# The 比較 tab: staff and citizen savings side by side, and what citizen time does.
COMPARISON_COLUMNS = ["rank", "procedure_id", "name", "section", "measures_label",
                      "staff_hours_saved", "staff_yen_saved", "fte_saved", "citizen_hours_saved",
                      "citizen_yen_saved", "visits_avoided", "benefit_yen", "citizen_share",
                      "effort", "level", "rank_staff_only"]
# Columns whose text comes in two languages (field_ja / field_en on the ranked row).
LANGUAGE_FIELDS = {"measures_label": "measures", "effort_reason": "effort_reason",
                   "level_reasons": "level_reasons"}
TIPS = {"effort": "effort_reason", "level": "level_reasons", "measures_label": "measures_label"}


def _ten_thousand(v: Any) -> str:
    return f"{v / 1e4:,.0f}"


def _whole(v: Any) -> str:
    return f"{v:,.0f}"


FORMATS: dict[str, Any] = {
    "rank": str, "fte_saved": lambda v: f"{v:,.2f}", "benefit_yen": _ten_thousand,
    "staff_yen_saved": _ten_thousand, "citizen_yen_saved": _ten_thousand,
    "staff_hours_saved": _whole, "citizen_hours_saved": _whole, "visits_avoided": _whole,
    "citizen_share": lambda v: f"{v:.0%}", "effort": lambda v: f"{v:g}", "level": str,
    "rank_staff_only": lambda v: f"{int(v)}"}
NARROW = {"name": 220, "measures_label": 220}  # widest they open at (the tooltip has it all)


class RankedRowsModel(QAbstractTableModel):
    """The ranked procedures as a table, read straight from the typed rows: no DataFrame
    is built on the GUI thread for each new comparison (thousands of rows in a city)."""

    def __init__(self, parent: Any = None, columns: list[str] | None = None) -> None:
        super().__init__(parent)
        self.rows: list[Any] = []
        self.keys = list(columns or LANDING_COLUMNS)
        self.ja = language() == "ja"

    def set_rows(self, rows: list[Any]) -> None:
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self.keys)

    def value(self, row: int, key: str) -> Any:
        record = self.rows[row]
        if key in LANGUAGE_FIELDS:
            return getattr(record, f"{LANGUAGE_FIELDS[key]}_{'ja' if self.ja else 'en'}", "")
        return getattr(record, key, None)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        key = self.keys[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            value = self.value(index.row(), key)
            return FORMATS.get(key, str)(value) if value is not None else ""
        if role == Qt.ItemDataRole.ToolTipRole and key in TIPS:
            return str(self.value(index.row(), TIPS[key]) or "")
        if role == Qt.ItemDataRole.TextAlignmentRole and key in FORMATS:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self.keys):
            return None
        ja_header, en_header, ja_tip, en_tip = COLUMNS[self.keys[section]]
        if role == Qt.ItemDataRole.DisplayRole:
            return ja_header if self.ja else en_header
        if role == Qt.ItemDataRole.ToolTipRole:
            return (ja_tip if self.ja else en_tip) or None
        return None

    def column_key(self, column: int) -> str:
        return self.keys[column]

    def procedure_at(self, row: int) -> str | None:
        return self.rows[row].procedure_id if 0 <= row < len(self.rows) else None


class _FillingTable(QTableView):
    """On a wide screen the capped text columns (names, measures) take the width left
    over, up to what their text needs; on a narrow one they keep their cap."""

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        fill_width(self)


def fill_width(table: QTableView) -> None:
    model = table.model()
    if not isinstance(model, RankedRowsModel) or not getattr(table, "_natural", None):
        return
    header = table.horizontalHeader()
    natural: dict[int, tuple[int, int]] = table._natural  # type: ignore[attr-defined]
    spare = table.viewport().width() - sum(
        header.sectionSize(c) for c in range(model.columnCount()))
    for column, (capped, wanted) in natural.items():
        if spare == 0:
            break
        width = header.sectionSize(column)
        new = max(capped, min(wanted, width + spare))
        spare -= new - width
        header.resizeSection(column, new)


def ranked_table(model: RankedRowsModel) -> QTableView:
    """A read-only, row-selecting table over ``model``."""
    table = _FillingTable()
    table.setModel(model)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.verticalHeader().setVisible(False)
    table.verticalHeader().setDefaultSectionSize(table.fontMetrics().height() + 8)
    table.setWordWrap(False)
    return table


def size_columns(table: QTableView, model: RankedRowsModel) -> None:
    """Columns as wide as their (two-line) header and first rows; names capped. Done once:
    measuring every cell again on each comparison costs ~0.2 s with a city's list."""
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    header.setResizeContentsPrecision(40)  # the first rows are enough to size on
    table.resizeColumnsToContents()
    natural: dict[int, tuple[int, int]] = {}
    for column in range(model.columnCount()):
        cap = NARROW.get(model.column_key(column))
        if cap is not None:
            wanted = table.columnWidth(column)
            natural[column] = (min(wanted, cap), wanted)
            table.setColumnWidth(column, min(wanted, cap))
    table._natural = natural  # type: ignore[attr-defined]
    fill_width(table)
