"""Run a scenario end to end: as-is and to-be, Monte Carlo, where to start, counters.

:func:`run_simulation` is the Python API (progress callback, cancel check) used by the
command line (``bpr-studio simulate``) and the GUI; the result is a plain dict in the
documented JSON schema (``docs/simulation.md``).
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analysis.attribution import savings_by_measure
from analysis.compare import Comparison, ProjectModel, compare, parameter_values
from analysis.counter import counter_comparison
from analysis.measures import MEASURES
from analysis.montecarlo import MonteCarloResult, SimulationCancelled, percentiles, simulate
from analysis.params import PARAMETERS
from analysis.ranking import where_to_start
from analysis.scenario import Scenario, get_scenario
from bpr_studio.model.unit_costs import DEFAULTS_BY_KEY
from bpr_studio.store import Project
from cost_model.costs import COST_COLUMNS

SCHEMA = "bpr-studio.simulation/1"
METRICS = [*COST_COLUMNS, "staff_fte", "citizen_visits"]
TOP_PRIORITIES = 200
RANKING_CANDIDATES = 500  # procedures with the largest scenario savings that are ranked

Progress = Callable[[int, int, str], None]
CancelCheck = Callable[[], bool]

__all__ = ["SimulationCancelled", "counter_comparison", "run_simulation", "write_json"]


def _stats(samples: np.ndarray, deterministic: np.ndarray) -> list[dict[str, float]]:
    """Per column: deterministic, P5, P50, P95. samples (R, n), deterministic (n,)."""
    p = percentiles(samples)
    return [{"deterministic": float(d), "p5": float(p[0, i]), "p50": float(p[1, i]),
             "p95": float(p[2, i])} for i, d in enumerate(deterministic)]


def _metric_block(samples: np.ndarray, fte_samples: np.ndarray, visits: np.ndarray,
                  deterministic: pd.Series) -> dict[str, dict[str, float]]:
    """samples (R, 10), fte (R,), visits (R,) → {metric: stats}."""
    stacked = np.column_stack([samples, fte_samples, visits])
    values = _stats(stacked, deterministic[METRICS].to_numpy(dtype=float))
    return dict(zip(METRICS, values, strict=True))


def _aggregate_blocks(mc: MonteCarloResult, comparison: Comparison, fte_hours: float,
                      groups: np.ndarray | None, names: list[str]) -> list[dict[str, Any]]:
    """Stats for groups of procedures (one-hot matrix P × G), or the city (groups None)."""
    a_det = comparison.as_is.procedures
    b_det = comparison.to_be.procedures
    time_col = COST_COLUMNS.index("staff_time_h")
    blocks = []
    matrix = np.ones((len(a_det), 1)) if groups is None else groups
    # (R, P, C) → (R, C, P) @ (P, G) → (R, G, C): a BLAS product, not an einsum loop.
    weights = matrix.astype(np.float32)
    a = np.matmul(mc.as_is.transpose(0, 2, 1), weights).transpose(0, 2, 1)
    b = np.matmul(mc.to_be.transpose(0, 2, 1), weights).transpose(0, 2, 1)
    va = mc.visits_as_is @ weights
    vb = mc.visits_to_be @ weights
    for g, name in enumerate(names):
        mask = matrix[:, g] > 0
        det_a = a_det.loc[mask, METRICS].sum()
        det_b = b_det.loc[mask, METRICS].sum()
        blocks.append({
            "name": name,
            "as_is": _metric_block(a[:, g], a[:, g, time_col] / fte_hours, va[:, g], det_a),
            "to_be": _metric_block(b[:, g], b[:, g, time_col] / fte_hours, vb[:, g], det_b),
            "savings": _metric_block(a[:, g] - b[:, g],
                                     (a[:, g, time_col] - b[:, g, time_col]) / fte_hours,
                                     va[:, g] - vb[:, g], det_a - det_b),
        })
    return blocks


def _procedure_blocks(mc: MonteCarloResult, comparison: Comparison, fte_hours: float
                      ) -> list[dict[str, Any]]:
    a_det = comparison.as_is.procedures.reset_index(drop=True)
    b_det = comparison.to_be.procedures.reset_index(drop=True)
    time_col = COST_COLUMNS.index("staff_time_h")

    def stats(samples: np.ndarray, visits: np.ndarray, det: pd.DataFrame) -> list[dict[str, Any]]:
        stacked = np.concatenate([samples, samples[:, :, time_col:time_col + 1] / fte_hours,
                                  visits[:, :, None]], axis=2)
        p = percentiles(stacked)  # (3, P, 12)
        d = det[METRICS].to_numpy(dtype=float)
        return [{m: {"deterministic": float(d[i, j]), "p5": float(p[0, i, j]),
                     "p50": float(p[1, i, j]), "p95": float(p[2, i, j])}
                 for j, m in enumerate(METRICS)} for i in range(len(det))]

    a_stats = stats(mc.as_is, mc.visits_as_is, a_det)
    b_stats = stats(mc.to_be, mc.visits_to_be, b_det)
    savings_det = a_det[METRICS] - b_det[METRICS]
    s_stats = stats(mc.as_is - mc.to_be, mc.visits_as_is - mc.visits_to_be,
                    savings_det.assign(procedure_id=a_det["procedure_id"]))
    applied: dict[str, list[str]] = {}
    for application in comparison.applications:
        if application.applied:
            applied.setdefault(application.procedure_id, []).append(application.measure)
    return [{
        "procedure_id": row.procedure_id, "name": row.name, "section": row.section,
        "annual_cases": float(row.annual_cases or 0), "level": int(row.level),
        "level_reasons_ja": row.level_reasons_ja, "level_reasons_en": row.level_reasons_en,
        "level_to_be": int(b_det.at[i, "level"]),
        "measures_applied": applied.get(row.procedure_id, []),
        "as_is": a_stats[i], "to_be": b_stats[i], "savings": s_stats[i],
    } for i, row in enumerate(a_det.itertuples(index=False))]


def _json_safe(value: Any) -> Any:
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_safe(v) for v in value]
    if isinstance(value, (np.floating, np.integer)):
        return _json_safe(value.item())
    return value


def run_simulation(project: Project, scenario: str | Scenario, replications: int = 1000,
                   seed: int = 1, progress: Progress | None = None,
                   cancel: CancelCheck | None = None, counter: bool = True,
                   model: ProjectModel | None = None,
                   ranking_candidates: int = RANKING_CANDIDATES) -> dict[str, Any]:
    """As-is and to-be of a scenario, with uncertainty. Raises SimulationCancelled.

    ``model`` (the project's graphs, unit costs and rubric) is loaded when not given.
    """
    def step(done: int, label: str) -> None:
        if cancel is not None and cancel():
            raise SimulationCancelled
        if progress is not None:
            progress(done, 100, label)

    step(0, "読み込み")
    scenario = scenario if isinstance(scenario, Scenario) else get_scenario(project, scenario)
    model = model or ProjectModel.load(project)
    step(5, "施策の適用")
    comparison = compare(model, scenario)
    values = parameter_values(scenario)

    def mc_progress(done: int, total: int, _label: str) -> None:
        step(10 + int(60 * done / max(total, 1)), f"シミュレーション {done}/{total}")

    mc = simulate(comparison.as_is_tables, comparison.to_be_tables, model.unit_costs,
                  replications, seed, values, progress=mc_progress, cancel=cancel)
    step(72, "集計")
    fte_hours = model.unit_costs.value("hours_per_fte")
    procedures = comparison.as_is.procedures.reset_index(drop=True)
    sections = sorted(procedures["section"].dropna().unique())
    one_hot = (procedures["section"].to_numpy()[:, None] == np.array(sections)[None, :]).astype(float)
    city = _aggregate_blocks(mc, comparison, fte_hours, None, ["city"])[0]
    section_blocks = _aggregate_blocks(mc, comparison, fte_hours, one_hot, sections)
    procedure_blocks = _procedure_blocks(mc, comparison, fte_hours)
    step(80, "優先順位")
    citizen_hour = model.unit_costs.value("citizen_hourly_value")
    saved = comparison.savings()
    benefit = (saved["staff_economic_yen"] + saved["citizen_economic_yen"]
               + saved["citizen_time_h"] * citizen_hour)
    candidates = saved.loc[benefit.sort_values(ascending=False).index[:ranking_candidates],
                           "procedure_id"].tolist()
    ranking = where_to_start(model.graphs, scenario, model.unit_costs, model.rubric, values,
                             comparison.as_is.procedures, candidates)
    by_measure = savings_by_measure(comparison, model.unit_costs, values,
                                    [u.measure for u in scenario.measures])
    step(92, "窓口")
    counters = counter_comparison(comparison, seed) if counter else []
    step(99, "書き出し")
    time_col, yen_col = COST_COLUMNS.index("staff_time_h"), COST_COLUMNS.index("staff_economic_yen")
    result = {
        "schema": SCHEMA,
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "project": project.name, "scenario": {
            "name": scenario.name, "description": scenario.description,
            "measures": [{"measure": u.measure, "label_ja": MEASURES[u.measure].ja,
                          "label_en": MEASURES[u.measure].en, "params": u.params,
                          "rule_ja": u.rule.describe("ja"), "rule_en": u.rule.describe("en")}
                         for u in scenario.measures]},
        "replications": replications, "seed": seed, "metrics": METRICS,
        "parameters": [{"key": k, "ja": p.ja, "en": p.en, "value": values.get(k, p.default),
                        "default": p.default, "low": p.low, "high": p.high, "unit": p.unit,
                        "source": p.source} for k, p in PARAMETERS.items()],
        "unit_costs": [{"key": k, "ja": DEFAULTS_BY_KEY[k].ja, "value": e.value,
                        "unit": DEFAULTS_BY_KEY[k].unit, "source": e.source,
                        "changed": not e.is_default} for k, e in model.unit_costs.project.items()],
        "city": city, "sections": section_blocks, "procedures": procedure_blocks,
        "not_applied": [{"procedure_id": a.procedure_id, "measure": a.measure,
                         "reason_ja": a.reason_ja, "reason_en": a.reason_en}
                        for a in comparison.applications if not a.applied],
        "measures": [{**row, "label_ja": MEASURES[row["measure"]].ja if row["measure"] in MEASURES
                      else "その他（差し戻し・紙など）",
                      "label_en": MEASURES[row["measure"]].en if row["measure"] in MEASURES
                      else "other (rework, paper …)"}
                     for row in by_measure.to_dict("records")],
        "where_to_start": ranking.head(TOP_PRIORITIES).to_dict("records") if len(ranking) else [],
        "counter": counters,
        # Every replication's city savings, for distribution plots.
        "city_samples": {
            "staff_time_h": (mc.as_is[:, :, time_col].sum(1) - mc.to_be[:, :, time_col].sum(1)
                             ).astype(float).tolist(),
            "staff_economic_yen": (mc.as_is[:, :, yen_col].sum(1) - mc.to_be[:, :, yen_col].sum(1)
                                   ).astype(float).tolist(),
            "citizen_visits": (mc.visits_as_is.sum(1) - mc.visits_to_be.sum(1)).astype(float).tolist(),
        },
    }
    step(100, "完了")
    return result


def write_json(result: dict[str, Any], out: str | Path) -> Path:
    path = Path(out)
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        with tmp.open("w", encoding="utf-8") as handle:
            # No indent: the C encoder is several times faster on city-sized results.
            json.dump(_json_safe(result), handle, ensure_ascii=False, separators=(",", ":"))
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path
