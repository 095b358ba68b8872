"""Every assumption as rows for display (app and report): unit costs, burden defaults, rubric."""

from __future__ import annotations

from typing import Any

from bpr_studio.model import codes
from bpr_studio.model.unit_costs import DEFAULTS_BY_KEY
from cost_model.burden import BURDEN_DEFAULTS
from cost_model.readiness import AXES, ReadinessRubric
from cost_model.unit_costs import UnitCostTable

_AXIS_LABELS = {"legal": ("法的根拠", "legal basis"), "identity": ("本人確認", "identity check"),
                "attachments": ("添付書類", "attachments"), "fee": ("手数料", "fee")}
_LISTS = {"legal": codes.LEGAL_BASIS, "identity": codes.IDENTITY_CHECK,
          "attachments": codes.ATTACHMENT_KIND, "fee": codes.FEE_PAYMENT}
_EXTRA = {"requirement": ("書面・対面・原本の法的要件", "legal requirement for paper/meeting/original"),
          "unknown": ("不明", "unknown"), "none": ("なし", "none")}


def unit_cost_rows(table: UnitCostTable, lang: str = "ja") -> list[dict[str, Any]]:
    rows = []
    for key, entry in table.project.items():
        default = DEFAULTS_BY_KEY[key]
        rows.append({"key": default.ja if lang == "ja" else default.en, "value": entry.value,
                     "unit": default.unit, "source": entry.source,
                     "changed": "" if entry.is_default else (
                         "変更あり" if lang == "ja" else "changed")})
    return rows


def burden_rows(lang: str = "ja") -> list[dict[str, Any]]:
    return [{"kind": codes.WORK_KIND.label(b.work_kind, lang), "physical": b.physical,
             "cognitive": b.cognitive, "psychological": b.psychological, "reason": b.reason}
            for b in BURDEN_DEFAULTS.values()]


def rubric_rows(rubric: ReadinessRubric, lang: str = "ja") -> list[dict[str, Any]]:
    ja = lang == "ja"

    def label(axis: str, key: str) -> str:
        if key in _EXTRA:
            return _EXTRA[key][0 if ja else 1]
        return _LISTS[axis].label(key, lang)

    rows = [{"axis": _AXIS_LABELS[a][0 if ja else 1],
             "scores": ("、" if ja else ", ").join(f"{label(a, k)}={v}"
                                                  for k, v in getattr(rubric, a).items())}
            for a in AXES]
    b = rubric.thresholds
    rows.append({"axis": "レベルの境界" if ja else "level bounds",
                 "scores": f"合計0～{b[0]}→1、～{b[1]}→2、～{b[2]}→3、それ以上または3点の軸→4" if ja
                 else f"sum 0–{b[0]}→1, ≤{b[1]}→2, ≤{b[2]}→3, more or any axis at 3→4"})
    rows.append({"axis": "出典" if ja else "source", "scores": rubric.source})
    return rows
