"""Another city's procedures from its ``bpr-studio export --what procedures`` CSV, for the
municipalities' comparison (``bpr-studio compare-cities``; docs/peers.md).

A city that cannot share its project file can share this export: one row per procedure
with its 手続ID, annual cases, online share, readiness level and staff hours. UTF-8 (as we
write it) or cp932 (as Excel re-saves it). A problem names the file, the row and the
column; nothing is guessed.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd

from bpr_studio.io.workbook_reader import FileProblem, decode_text
from cost_model.export import PROCEDURE_EXPORT, unneutralise

STAFF_HOURS = "職員_時間的コスト(時間/年)"  # cost_model.export's header of staff_time_h
COLUMNS = {  # our column ← the export's header
    "procedure_id": PROCEDURE_EXPORT["procedure_id"], "name": PROCEDURE_EXPORT["name"],
    "section": PROCEDURE_EXPORT["section"], "annual_cases": PROCEDURE_EXPORT["annual_cases"],
    "online_share": PROCEDURE_EXPORT["online_share"], "level": PROCEDURE_EXPORT["level"],
    "staff_time_h": STAFF_HOURS,
}
NUMERIC = ("annual_cases", "online_share", "level", "staff_time_h")


class PeerCsvError(ValueError):
    """The export cannot be read; ``args[0]`` says where, in Japanese."""


def read_procedure_export(path: str | Path) -> pd.DataFrame:
    """The procedures of an export, in the columns :func:`analysis.peers.city_figures`
    reads (procedure_id, name, section, annual_cases, online_share, level, staff_time_h)."""
    path = Path(path)
    try:
        text = decode_text(path.read_bytes())
    except FileProblem:
        raise PeerCsvError(f"{path.name}: UTF-8 でも Shift_JIS でも読めません。"
                           "bpr-studio export で書き出した CSV を指定してください。") from None
    rows = list(csv.reader(io.StringIO(text, newline="")))
    if not rows:
        raise PeerCsvError(f"{path.name}: 空のファイルです。")
    header = [h.strip() for h in rows[0]]
    missing = [title for title in COLUMNS.values() if title not in header]
    if missing:
        raise PeerCsvError(f"{path.name} 1行目: 列「{'」「'.join(missing)}」がありません"
                           "（bpr-studio export --what procedures の CSV を指定してください）。")
    at = {key: header.index(title) for key, title in COLUMNS.items()}
    records, seen = [], set()
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        record: dict[str, object] = {}
        for key, index in at.items():
            cell = unneutralise(row[index].strip()) if index < len(row) else ""
            if key in NUMERIC:
                number = pd.to_numeric(cell.replace(",", ""), errors="coerce") if cell else None
                if cell and pd.isna(number):
                    raise PeerCsvError(f"{path.name} {line}行目 列「{COLUMNS[key]}」: "
                                       f"数値ではありません（値: {cell[:40]}）。")
                record[key] = float(number) if number is not None else float("nan")
            else:
                record[key] = cell
        pid = str(record["procedure_id"])
        if not pid:
            raise PeerCsvError(f"{path.name} {line}行目 列「{COLUMNS['procedure_id']}」: 空です。")
        if pid in seen:
            raise PeerCsvError(f"{path.name} {line}行目: 手続ID「{pid}」が2回あります。")
        seen.add(pid)
        records.append(record)
    return pd.DataFrame(records, columns=list(COLUMNS))
