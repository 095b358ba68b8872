"""What a journey needs to know of each procedure, as arrays (one row per procedure).

From the survey: the counter (the 窓口 column, else the section), whether the citizen
comes at all (来庁の要否 and counter steps), minutes the citizen writes (記入 steps of the
市民 lane) and the counter staff spend (窓口職員 lane; reception separately, for 書かない窓口),
each × its expected executions (rework included, ``cost_model.flow``), the fields the form
asks for (name, address, date of birth: how often each is written), attachments that may
be missing, offline visits a year and the month profile (peak months ×1.8, as the counter
model).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from analysis.counter import PEAK_MONTH_WEIGHT
from analysis.life_events import form_fields
from cost_model.flow import expected_visits

# Attachments a citizen brings and may forget (a certificate from elsewhere, an original,
# a copy); data linkage or none cannot be missing.
BROUGHT_ATTACHMENTS = ("certificate", "original", "image")
NAME, ADDRESS, BIRTH = "氏名", "住所", "生年月日"


@dataclass(frozen=True)
class JourneyInputs:
    procedure_ids: list[str]
    names: list[str]
    counter: list[str]
    visit: np.ndarray            # the citizen comes to a counter for it
    write_min: np.ndarray        # citizen's writing minutes per case
    counter_min: np.ndarray      # counter-staff minutes per case (the citizen is there)
    reception_min: np.ndarray    # of which reception
    name_writes: np.ndarray      # fields naming a person (氏名) on the form
    address_writes: np.ndarray   # fields with an address (住所)
    birth_writes: np.ndarray     # date of birth (生年月日)
    attachment: np.ndarray       # brings an attachment that may be missing
    visits_per_year: np.ndarray  # offline cases that come to the counter
    month_profile: np.ndarray    # (P, 12) share of the year's cases per calendar month
    fields: list[tuple[str, ...]]

    @cached_property
    def index(self) -> dict[str, int]:
        """Row of each procedure ID (made once: callers look it up per event member)."""
        return {pid: i for i, pid in enumerate(self.procedure_ids)}


def _month_profile(peak_months: pd.Series) -> np.ndarray:
    out = np.ones((len(peak_months), 12))
    for i, text in enumerate(peak_months.tolist()):
        if isinstance(text, str):
            for month in text.split(","):
                if month.strip().isdigit() and 1 <= int(month) <= 12:
                    out[i, int(month) - 1] = PEAK_MONTH_WEIGHT
    return out / out.sum(axis=1, keepdims=True)


def _comes(required: object) -> bool:
    """来庁の要否: blank means the survey did not say, so a counter step decides."""
    if required is None or (isinstance(required, float) and np.isnan(required)):
        return True
    return bool(required)


def _text(value: object) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def journey_inputs(procedures: pd.DataFrame, steps: pd.DataFrame, links: pd.DataFrame
                   ) -> JourneyInputs:
    """The journey arrays of every procedure (frames as ``bpr_studio.loading.load_frames``)."""
    procedures = procedures.reset_index(drop=True)
    steps = steps.reset_index(drop=True)
    ids = procedures["procedure_id"].astype(str).tolist()
    executions = (expected_visits(steps, links)
                  * steps["share_pct"].astype(float).fillna(100).to_numpy() / 100)
    minutes = steps["typical_minutes"].astype(float).fillna(0).to_numpy() * executions
    actor, kind = steps["actor"].to_numpy(), steps["work_kind"].to_numpy()
    row = pd.Series(np.arange(len(ids)), index=ids).reindex(
        steps["procedure_id"].astype(str)).to_numpy()
    known = ~np.isnan(row.astype(float))
    row = row[known].astype(int)

    def per_procedure(mask: np.ndarray) -> np.ndarray:
        return np.bincount(row, weights=(minutes * mask)[known], minlength=len(ids))

    write_min = per_procedure((actor == "citizen") & (kind == "filling_in"))
    counter_min = per_procedure(actor == "counter")
    reception_min = per_procedure((actor == "counter") & (kind == "reception"))
    column = procedures.get
    national = column("national_id", pd.Series([None] * len(ids)))
    stated = column("form_fields", pd.Series([None] * len(ids)))
    fields = [form_fields(_text(n), _text(f)) for n, f in zip(national, stated, strict=True)]
    counters = [(_text(c) or str(s)) for c, s in zip(
        column("counter", pd.Series([None] * len(ids))), procedures["section"], strict=True)]
    required = procedures["visit_required"].astype(object)
    visit = np.array([_comes(v) for v in required], dtype=bool) & (counter_min > 0)
    cases = procedures["annual_cases"].fillna(0).to_numpy(dtype=float)
    online = np.minimum(procedures["online_cases"].fillna(0).to_numpy(dtype=float), cases)
    kinds = procedures["attachment_kind"].astype(object).to_numpy()
    return JourneyInputs(
        ids, procedures["name"].astype(str).tolist(), counters, visit, write_min, counter_min,
        reception_min,
        np.array([sum(NAME in f for f in fs) for fs in fields], dtype=float),
        np.array([sum(ADDRESS in f for f in fs) for fs in fields], dtype=float),
        np.array([sum(BIRTH in f for f in fs) for fs in fields], dtype=float),
        np.isin(kinds, BROUGHT_ATTACHMENTS), (cases - online) * visit,
        _month_profile(procedures["peak_months"]), fields)
