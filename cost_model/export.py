"""CSV export of the scored procedures and steps (``bpr-studio export``).

UTF-8 with BOM, so Excel on a Japanese Windows PC opens it without garbling. The same
figures feed the UI and the report.
"""

from __future__ import annotations

import os
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


def write_csv(frame: pd.DataFrame, out: str | Path) -> Path:
    """Write atomically (temporary name, then rename)."""
    path = Path(out)
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        frame.to_csv(tmp, index=False, encoding="utf-8-sig")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path
