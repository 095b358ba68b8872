"""CSV export of the scored procedures and steps (``bpr-studio export``).

UTF-8 with BOM, so Excel on a Japanese Windows PC opens it without garbling. The same
figures feed the UI and the report.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pandas as pd

from cost_model.costs import COST_COLUMNS, CostResult

PROCEDURE_EXPORT = {
    "procedure_id": "手続ID", "name": "手続名", "department": "部", "section": "課",
    "annual_cases": "年間件数", "online_share": "オンライン利用率", "level": "オンライン化レベル",
    "level_reasons_ja": "レベルの理由", "staff_fte": "人工(FTE)", "citizen_visits": "来庁回数/年",
    "expected_lead_time_days": "待ち日数/件",
}
STEP_EXPORT = {
    "procedure_id": "手続ID", "step_no": "工程番号", "name": "工程名", "section": "課",
    "actor": "実施者", "work_kind": "作業の種類", "executions_per_case": "1件あたり実行回数",
    "executions": "年間実行回数",
}
_COST_HEADERS = {
    "economic_yen": "経済的コスト(円/年)", "time_h": "時間的コスト(時間/年)",
    "physical_bh": "肉体的コスト(負担時間/年)", "cognitive_bh": "頭脳的コスト(負担時間/年)",
    "psychological_bh": "精神的コスト(負担時間/年)",
}


def _cost_headers() -> dict[str, str]:
    headers = {}
    for column in COST_COLUMNS:
        side, cost = column.split("_", 1)
        headers[column] = f"{'職員' if side == 'staff' else '市民'}_{_COST_HEADERS[cost]}"
    return headers


def export_frame(result: CostResult, what: str) -> pd.DataFrame:
    if what == "procedures":
        columns = {**PROCEDURE_EXPORT, **_cost_headers()}
        frame = result.procedures
    elif what == "steps":
        columns = {**STEP_EXPORT, **_cost_headers()}
        frame = result.steps
    else:
        raise ValueError(f"unknown export '{what}' (procedures or steps)")
    out = frame[list(columns)].rename(columns=columns)
    numeric = out.select_dtypes("float").columns
    out[numeric] = out[numeric].round(3)
    return out


FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> object:
    """OWASP CSV-injection guidance: text starting = + - @ TAB CR gets a leading quote,
    so a spreadsheet shows it instead of running it. Numbers stay numbers."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def unneutralise(text: str) -> str:
    """The text :func:`neutralise` was given, read back from our CSV."""
    if text.startswith("'") and text[1:].startswith(FORMULA_TRIGGERS):
        return text[1:]
    return text


def write_csv(frame: pd.DataFrame, out: str | Path) -> Path:
    """Write atomically: a unique temporary name in the target folder, flushed, renamed."""
    path = Path(out)
    safe = frame.copy()
    for column in safe.columns:
        if not pd.api.types.is_numeric_dtype(safe[column]):
            safe[column] = safe[column].map(neutralise)
    handle, name = tempfile.mkstemp(prefix=f".~{path.stem}.", suffix=".tmp.csv", dir=path.parent)
    tmp = Path(name)
    try:
        with os.fdopen(handle, "w", encoding="utf-8-sig", newline="") as stream:
            # CRLF as Excel writes it; it also makes the csv module quote a lone CR in a cell.
            safe.to_csv(stream, index=False, lineterminator="\r\n")
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path
