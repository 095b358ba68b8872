"""Savings by measure: the deterministic to-be minus as-is, split among the measures.

Measures act in the scenario's order. A step's time multipliers are attributed in
sequence (the j-th effect saves hours × Π earlier multipliers × (1 − its own)); channel
measures take their share of the remaining counter visits or mailings in sequence;
certificate fees and fetching go to dropping attachments. What no effect explains
(changed rework probabilities, paper costs) is reported as その他 (other), so the
parts add up to the total exactly — the waterfall in the report and the app.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.compare import Comparison
from analysis.params import resolved_values
from cost_model.costs import COST_COLUMNS, procedure_coefficients, step_coefficients
from cost_model.unit_costs import UnitCostTable

OTHER = "other"
COLUMNS = [*COST_COLUMNS, "citizen_visits"]


def attribute_savings(comparison: Comparison, unit_costs: UnitCostTable,
                      values: dict[str, float] | None = None
                      ) -> tuple[dict[str, np.ndarray], dict[str, set[str]]]:
    """Per measure (plus 'other'): a (procedures × COLUMNS) array of yearly savings, rows in
    the order of ``comparison.as_is.procedures``; and the procedures each measure touched.

    Summed over measures, a procedure's row is its as-is minus to-be exactly.
    """
    as_is_t, to_be_t = comparison.as_is_tables, comparison.to_be_tables
    steps = to_be_t.steps
    n_cols = len(COST_COLUMNS)
    order = comparison.as_is.procedures["procedure_id"].reset_index(drop=True)
    row_of = pd.Series(np.arange(len(order)), index=order.to_numpy())
    # Rows of the tables' procedures (and steps) in the comparison's procedure order.
    table_rows = row_of.reindex(to_be_t.procedures["procedure_id"].to_numpy()).to_numpy()
    step_rows = row_of.reindex(steps["procedure_id"].to_numpy()).to_numpy()
    totals: dict[str, np.ndarray] = {}
    procedures_of: dict[str, set[str]] = {}
    resolved = resolved_values(values)

    def add(measure: str, row: int, amounts: np.ndarray) -> None:
        if measure not in totals:
            totals[measure] = np.zeros((len(order), len(COLUMNS)))
        totals[measure][row] += amounts

    # 1. Step effects, in sequence, on the to-be executions.
    coefficients = step_coefficients(to_be_t.procedures, steps, unit_costs).per_hour
    cases = steps["procedure_id"].map(
        to_be_t.procedures.set_index("procedure_id")["annual_cases"]).fillna(0).to_numpy(float)
    executions = comparison.to_be.steps["executions_per_case"].to_numpy() * cases
    hours = executions * steps["typical_minutes"].astype(float).to_numpy() / 60
    remaining = hours.copy()
    step_procedure = steps["procedure_id"].to_numpy()  # not .at per effect: 50,000 lookups
    for effect in to_be_t.effects.itertuples(index=False):
        a = 1.0 if not isinstance(effect.adoption, str) else max(effect.floor,
                                                                 resolved[effect.adoption])
        m = effect.k0 + (effect.k1 * resolved[effect.param]
                         if isinstance(effect.param, str) else 0.0)
        factor = max(1.0 - a * (1.0 - m), 0.0)
        saved_hours = remaining[effect.step_row] * (1.0 - factor)
        remaining[effect.step_row] *= factor
        amounts = np.zeros(len(COLUMNS))
        amounts[:n_cols] = saved_hours * coefficients[effect.step_row]
        add(effect.measure, step_rows[effect.step_row], amounts)
        procedures_of.setdefault(effect.measure, set()).add(step_procedure[effect.step_row])

    # 2. Channels: each takes its share of the remaining offline cases.
    extra = procedure_coefficients(to_be_t.procedures, unit_costs)
    procedures = to_be_t.procedures
    proc_cases = procedures["annual_cases"].fillna(0).to_numpy(float)
    as_is_online = np.minimum(as_is_t.procedures["online_cases"].fillna(0).to_numpy(float),
                              proc_cases)
    offline = np.where(proc_cases > 0, 1 - as_is_online / np.maximum(proc_cases, 1e-12), 1.0)
    running = np.ones(len(procedures))
    procedure_ids = procedures["procedure_id"].to_numpy()
    for channel in to_be_t.channels.itertuples(index=False):
        row = channel.procedure_row
        running[row] *= 1 - max(channel.floor, resolved[channel.adoption])
        new_offline = min(offline[row], running[row])
        moved = (offline[row] - new_offline) * proc_cases[row]
        offline[row] = new_offline
        per = extra.per_visit[row] if extra.visit_required[row] else extra.per_mailed[row]
        amounts = np.zeros(len(COLUMNS))
        amounts[:n_cols] = moved * per
        amounts[-1] = moved if extra.visit_required[row] else 0.0
        add(channel.measure, table_rows[row], amounts)
        procedures_of.setdefault(channel.measure, set()).add(procedure_ids[row])

    # 3. Certificates no longer fetched.
    before = procedure_coefficients(as_is_t.procedures, unit_costs).per_case
    fees = (before - extra.per_case) * proc_cases[:, None]
    if np.any(fees):
        for row in np.flatnonzero(np.any(fees, axis=1)):
            amounts = np.zeros(len(COLUMNS))
            amounts[:n_cols] = fees[row]
            add("drop_attachments", table_rows[row], amounts)

    # 4. The rest, so that the parts add up to the total of every procedure.
    a = comparison.as_is.procedures[COLUMNS].to_numpy(dtype=float)
    b = comparison.to_be.procedures[COLUMNS].to_numpy(dtype=float)
    explained = np.sum(list(totals.values()), axis=0) if totals else np.zeros_like(a)
    totals[OTHER] = (a - b) - explained
    return totals, procedures_of


def savings_by_measure(comparison: Comparison, unit_costs: UnitCostTable,
                       values: dict[str, float] | None = None,
                       order: list[str] | None = None,
                       attributed: tuple[dict[str, np.ndarray], dict[str, set[str]]] | None = None
                       ) -> pd.DataFrame:
    """One row per measure (plus 'other'): yearly savings in every cost, and procedures.

    ``attributed``: what :func:`attribute_savings` returned for the same arguments, if the
    caller has it already (it takes about a second on 3,000 procedures).
    """
    by_procedure, procedures_of = attributed or attribute_savings(comparison, unit_costs, values)
    totals = {measure: amounts.sum(axis=0) for measure, amounts in by_procedure.items()}
    order = [m for m in dict.fromkeys(order or []) if m in totals]
    order += [m for m in totals if m not in order and m != OTHER] + [OTHER]
    rows = []
    for measure in order:
        if measure not in totals:
            continue
        row = dict(zip(COLUMNS, totals[measure], strict=True))
        row["measure"] = measure
        row["procedures"] = len(procedures_of.get(measure, ()))
        row["staff_fte"] = row["staff_time_h"] / unit_costs.value("hours_per_fte")
        rows.append(row)
    return pd.DataFrame(rows)[["measure", "procedures", *COLUMNS, "staff_fte"]]
