"""The one journey run the CLI, the GUI and the report share: load, simulate, result.

``run_journeys`` reads the project's procedures, steps and life events, takes the journey
measures (ワンストップ窓口 + 書かない窓口 unless told otherwise; a scenario adds the ones its
catalogue measures imply: 書かない窓口 for ``no_form_counter``, online pre-fill for the
online channels) and simulates every event (or the ones named).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd

from analysis.journey import DEFAULT_REPLICATIONS, DEFAULT_TO_BE, MEASURES, simulate_journeys
from analysis.journey_data import journey_inputs
from analysis.journey_result import JourneyResult
from analysis.life_events import EventDataError, LifeEvent, validate_events
from analysis.montecarlo import CancelCheck, Progress
from bpr_studio.life_event_store import events_of
from bpr_studio.loading import get_scenario, load_frames
from bpr_studio.store import Project, open_snapshot

# Catalogue measures of a scenario and the journey measure each implies.
SCENARIO_MEASURES = {"no_form_counter": "no_form", "online_application": "prefill",
                     "line_counter": "prefill"}


def scenario_measures(project: Project, scenario: str) -> tuple[str, ...]:
    """The journey measures a stored scenario implies (its name must exist)."""
    found = get_scenario(project, scenario)
    return tuple(dict.fromkeys(SCENARIO_MEASURES[m.measure] for m in found.measures
                               if m.measure in SCENARIO_MEASURES))


def select_events(events: list[LifeEvent], names: list[str] | None) -> list[LifeEvent]:
    """The events named (key, Japanese name or part of it, English name); all if none."""
    if not names:
        return events
    out = []
    for name in names:
        match = [e for e in events if name in (e.key, e.name)] or [
            e for e in events if name in e.name or name.lower() in e.name_en.lower()]
        if not match:
            known = "、".join(e.name for e in events)
            raise EventDataError(f"ライフイベント「{name}」はありません（あるもの: {known}）",
                                 f"No life event '{name}' (known: {known})")
        out += [e for e in match if e not in out]
    return out


def run_journeys(project: Project, scenario: str | None = None,
                 events: list[str] | None = None, measures: tuple[str, ...] | None = None,
                 seed: int = 1, replications: int = DEFAULT_REPLICATIONS,
                 progress: Progress | None = None, cancelled: CancelCheck | None = None,
                 fiscal_year: int | None = None,
                 frames: tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame] | None = None,
                 all_counters: bool = True) -> JourneyResult:
    """``frames``: the project's (procedures, steps, links) as ``load_frames`` reads them,
    when the caller has them (the report reads them once for its model and its journeys);
    ``all_counters=False``: the queues of the counters no event visits are not simulated
    (``analysis.journey.simulate_journeys``; the report does not print them)."""
    return journeys_of(project, scenario, events, measures, seed, replications, progress,
                       cancelled, fiscal_year, frames, all_counters)()


def journeys_of(project: Project, scenario: str | None = None,
                events: list[str] | None = None, measures: tuple[str, ...] | None = None,
                seed: int = 1, replications: int = DEFAULT_REPLICATIONS,
                progress: Progress | None = None, cancelled: CancelCheck | None = None,
                fiscal_year: int | None = None,
                frames: tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame] | None = None,
                all_counters: bool = True) -> Callable[[], JourneyResult]:
    """:func:`run_journeys` in two parts: the project is read (and the measures checked)
    now; the journeys are simulated when the function returned is called, which reads no
    project (another thread may: the report's run while its simulation runs)."""
    procedures, steps, links = frames if frames is not None else load_frames(project)
    chosen = tuple(measures) if measures is not None else DEFAULT_TO_BE
    if scenario:
        chosen = tuple(dict.fromkeys((*chosen, *scenario_measures(project, scenario))))
    unknown = [m for m in chosen if m not in MEASURES]
    if unknown:
        raise EventDataError(f"施策「{'、'.join(unknown)}」はありません（{', '.join(MEASURES)}）",
                             f"Unknown journey measure {', '.join(unknown)} ({', '.join(MEASURES)})")
    stored_or_default = events_of(project, procedures)

    def simulated() -> JourneyResult:
        all_events = stored_or_default()
        validate_events(all_events, set(procedures["procedure_id"].astype(str)))
        inputs = journey_inputs(procedures, steps, links)
        # Every event loads the counters, also those not shown: the queues are the same.
        result = simulate_journeys(inputs, all_events, chosen, seed, replications,
                                   fiscal_year=fiscal_year, progress=progress,
                                   cancelled=cancelled, all_counters=all_counters)
        if events:
            keep = {e.key for e in select_events(all_events, events)}
            result.events = [e for e in result.events if e.key in keep]
        return result
    return simulated


def run_journeys_at(path: Path | str, **options: object) -> JourneyResult:
    """:func:`run_journeys` on a frozen snapshot of the project file (for workers)."""
    with open_snapshot(path) as project:
        return run_journeys(project, **options)  # type: ignore[arg-type]
