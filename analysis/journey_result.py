"""The typed result of a journey simulation: per event, as-is and to-be, and the counters.

Every distribution is over the simulated citizens (one a replication): ``mean`` and the
P5 / P50 / P95 of ``analysis.draws.PERCENTILES``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from analysis.draws import PERCENTILES


@dataclass(frozen=True)
class Stat:
    mean: float
    p5: float
    p50: float
    p95: float

    @classmethod
    def of(cls, values: np.ndarray) -> Stat:
        if values.size == 0:
            return cls(0.0, 0.0, 0.0, 0.0)
        low, mid, high = np.percentile(values, PERCENTILES)
        return cls(float(values.mean()), float(low), float(mid), float(high))


@dataclass(frozen=True)
class CounterStop:
    """One counter on an event's route: who goes there, how long they wait and are served,
    how often they write their name and address there (means over the citizens who go)."""

    counter: str
    procedures: list[dict[str, Any]]     # procedure_id, name, share
    visit_share: float                   # share of the event's citizens who go there
    wait_min: float
    service_min: float
    write_min: float
    name_writes: float
    address_writes: float


@dataclass(frozen=True)
class JourneySide:
    label: str                  # as_is | to_be
    measures: list[str]
    counters: Stat              # counters visited
    name_writes: Stat           # times the name is written
    address_writes: Stat
    birth_writes: Stat
    minutes: Stat               # minutes in the building, every visit
    wait_minutes: Stat
    walk_minutes: Stat
    visits: Stat                # visits needed (a missing attachment: another visit)
    revisit_share: float
    stops: list[CounterStop]


@dataclass(frozen=True)
class EventJourney:
    key: str
    name: str
    name_en: str
    events_per_year: float
    members: list[dict[str, Any]]   # procedure_id, name, share, matched, source, counter, visit
    as_is: JourneySide
    to_be: JourneySide


@dataclass
class JourneyResult:
    events: list[EventJourney]
    measures: list[str]
    seed: int
    replications: int
    fiscal_year: int
    # each counter's queue, as-is and to-be (only those the events visit when simulated
    # with all_counters=False, as for the report)
    counters: list[dict[str, Any]]
    closed_weekdays: list[tuple[str, str]]
    assumptions: list[dict[str, Any]]
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    def event(self, key_or_name: str) -> EventJourney:
        """The event with this key (moving_in …) or Japanese name; a name may be partial."""
        for event in self.events:
            if key_or_name in (event.key, event.name):
                return event
        for event in self.events:
            if key_or_name in event.name or key_or_name.lower() in event.name_en.lower():
                return event
        raise KeyError(key_or_name)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def table(self) -> list[dict[str, Any]]:
        """One row per event and side: what the app's and the report's event table show."""
        rows = []
        for event in self.events:
            for side in (event.as_is, event.to_be):
                rows.append({
                    "event": event.name, "side": side.label, "events_per_year": event.events_per_year,
                    "counters": side.counters.mean, "name_writes": side.name_writes.mean,
                    "address_writes": side.address_writes.mean,
                    "birth_writes": side.birth_writes.mean, "minutes": side.minutes.mean,
                    "minutes_p5": side.minutes.p5, "minutes_p50": side.minutes.p50,
                    "minutes_p95": side.minutes.p95, "wait_minutes": side.wait_minutes.mean,
                    "visits": side.visits.mean, "measures": side.measures})
        return rows
