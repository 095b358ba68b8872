"""The citizen's journey through a life event, as-is and after journey measures.

A simulated citizen of an event (one per replication) needs each member procedure with its
share, arrives on an opening day of the fiscal year drawn from the event's season (the
anchor procedure's peak months, holidays closed) and goes from counter to counter in the
event's order: at each, writes the forms of the procedures there (their fields: name,
address, date of birth), waits in that counter's queue (``analysis.journey_queue``: fed by
every procedure and event together), is served, and walks to the next counter. An
attachment left at home means another visit. Measures:

- ``one_stop`` ワンストップ窓口: one counter serves the whole event (its own queue, fed by
  the event's visits); no walking; staff time × ``one_stop_service_retained``;
- ``no_form`` 書かない窓口: staff fill the forms from one interview: writing + reception ×
  ``no_form_visit_retained`` (岩見沢市), each field written at most once (別府市);
- ``okuyami`` おくやみコーナー: one-stop and booking for the bereavement event;
- ``prefill`` online pre-fill before the visit (``prefill_uptake``): nothing written there;
- ``reservation`` 予約: booked visits wait ``reserved_wait_minutes`` and their arrivals
  spread over the opening hours (flattening the peaks of the counters they go to).

As-is and to-be use the same citizens, days and draws (common random numbers); the same
seed gives the same figures.
"""

from __future__ import annotations

import time
import zlib
from dataclasses import dataclass, replace

import numpy as np

from analysis import journey_params as JP
from analysis.counter import default_servers
from analysis.journey_data import JourneyInputs
from analysis.journey_queue import (
    BUCKET_LEN,
    BUCKET_START,
    HOUR_SHARE,
    YEARS,
    CounterLoad,
    QueueYears,
    simulate_counter_sides,
)
from analysis.journey_result import CounterStop, EventJourney, JourneyResult, JourneySide, Stat
from analysis.life_events import LifeEvent
from analysis.montecarlo import CancelCheck, Progress, SimulationCancelled

MEASURES = ("one_stop", "no_form", "okuyami", "prefill", "reservation")
MEASURE_LABELS = {"one_stop": ("ワンストップ窓口", "one-stop counter"),
                  "no_form": ("書かない窓口", "no-form-filling counter"),
                  "okuyami": ("おくやみコーナー", "bereavement corner"),
                  "prefill": ("来庁前のオンライン事前入力", "online pre-fill"),
                  "reservation": ("予約", "reservation")}
DEFAULT_TO_BE = ("one_stop", "no_form")
DEFAULT_REPLICATIONS = 1000
SPREAD_CV = 0.5   # writing and service minutes around their mean, as the counter model


@dataclass(frozen=True)
class _Side:
    """One side's counters (loads) and per member: counter, writing and service minutes."""

    measures: tuple[str, ...]
    loads: list[CounterLoad]
    counter_index: dict[str, np.ndarray]    # event key → counter of each visiting member
    write_min: dict[str, np.ndarray]
    service_min: dict[str, np.ndarray]
    write_once: dict[str, bool]
    booked: dict[str, bool]


def _flags(event: LifeEvent, measures: tuple[str, ...]) -> tuple[bool, bool, bool]:
    """(one-stop, booked, write-once) of an event under ``measures``."""
    okuyami = "okuyami" in measures and event.key == "death"
    return ("one_stop" in measures or okuyami, "reservation" in measures or okuyami,
            "no_form" in measures)


def _one_stop_name(event: LifeEvent) -> str:
    return (event.one_stop_name if event.one_stop_name != "ワンストップ窓口"
            else f"ワンストップ窓口（{event.name}）")


def _side(inputs: JourneyInputs, events: list[LifeEvent], members: dict[str, np.ndarray],
          measures: tuple[str, ...], values: dict[str, float]) -> _Side:
    visits = inputs.visits_per_year.copy()
    monthly = {name: np.zeros(12) for name in dict.fromkeys(inputs.counter)}
    minutes = {name: 0.0 for name in monthly}
    booked_visits = {name: 0.0 for name in monthly}
    keep_service = JP.value("one_stop_service_retained", values)
    no_form = JP.value("no_form_visit_retained", values)
    counter_of: dict[str, np.ndarray] = {}
    one_stop_of: dict[str, str] = {}
    write_of, service_of, once_of, booked_of = {}, {}, {}, {}
    for event in events:
        rows = members[event.key]
        one_stop, booked, write_once = _flags(event, measures)
        shares = np.array([m.share for m in event.members if m.procedure_id in inputs.index
                           and inputs.visit[inputs.index[m.procedure_id]]])
        event_visits = np.minimum(visits[rows], event.events_per_year * shares)
        write = inputs.write_min[rows].copy()
        service = inputs.counter_min[rows].copy()
        if write_once:  # the staff fill the forms while the citizen is at the counter
            service = service - inputs.reception_min[rows] + (
                write + inputs.reception_min[rows]) * no_form
            write = np.zeros_like(write)
        if one_stop:
            service = service * keep_service
            name = _one_stop_name(event)
            monthly.setdefault(name, np.zeros(12))
            minutes.setdefault(name, 0.0)
            booked_visits.setdefault(name, 0.0)
            visits[rows] -= event_visits
            monthly[name] += (event_visits[:, None] * inputs.month_profile[rows]).sum(axis=0)
            minutes[name] += float((event_visits * service).sum())
            if booked:
                booked_visits[name] += float(event_visits.sum())
            one_stop_of[event.key] = name
        elif booked:
            for row, v in zip(rows, event_visits, strict=True):
                booked_visits[inputs.counter[row]] += float(v)
        write_of[event.key], service_of[event.key] = write, service
        once_of[event.key], booked_of[event.key] = write_once, booked
    for row, name in enumerate(inputs.counter):
        monthly[name] += visits[row] * inputs.month_profile[row]
        minutes[name] += float(visits[row] * inputs.counter_min[row])
    names = list(monthly)
    position = {name: i for i, name in enumerate(names)}
    loads = []
    for name in names:
        total = float(monthly[name].sum())
        mean = minutes[name] / total if total > 0 else 0.0
        servers = default_servers(total, mean) if total > 0 and mean > 0 else 1
        loads.append(CounterLoad(name, monthly[name], max(mean, 0.1), servers,
                                 min(1.0, booked_visits[name] / total) if total > 0 else 0.0))
    for event in events:
        if event.key in one_stop_of:
            counter_of[event.key] = np.full(len(members[event.key]), position[one_stop_of[event.key]])
        else:
            counter_of[event.key] = np.array([position[inputs.counter[r]]
                                              for r in members[event.key]], dtype=int)
    return _Side(measures, loads, counter_of, write_of, service_of, once_of, booked_of)


def _lognormal(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    sigma = float(np.sqrt(np.log(1 + SPREAD_CV ** 2)))
    return rng.lognormal(-sigma * sigma / 2, sigma, shape)


@dataclass(frozen=True)
class _Draws:
    """One event's citizens, shared by as-is and to-be (common random numbers)."""

    need: np.ndarray         # (R, M)
    write_mult: np.ndarray   # (R, M)
    service_mult: np.ndarray
    missing: np.ndarray      # (R, M) an attachment left at home
    year: np.ndarray
    day: np.ndarray
    second_day: np.ndarray
    start: np.ndarray
    prefill: np.ndarray      # (R,) uniform; pre-fills when below the uptake
    booked: np.ndarray       # (R,) uniform; books when below the share
    walk: np.ndarray
    reserved_wait: np.ndarray


def _draws(event: LifeEvent, inputs: JourneyInputs, rows: np.ndarray, shares: np.ndarray,
           seed: int, replications: int, values: dict[str, float], days_share: np.ndarray
           ) -> _Draws:
    rng = np.random.default_rng([seed, zlib.crc32(event.key.encode("utf-8"))])
    r, m = replications, len(rows)
    need = rng.random((r, m)) < shares[None, :]
    q = JP.draws(rng, "missing_attachment_share", r, values)
    missing = need & inputs.attachment[rows][None, :] & (rng.random((r, m)) < q[:, None])
    day_p = days_share / days_share.sum()
    bucket = rng.choice(len(HOUR_SHARE), r, p=HOUR_SHARE)
    start = BUCKET_START[bucket] + rng.random(r) * BUCKET_LEN[bucket]
    return _Draws(need, _lognormal(rng, (r, m)), _lognormal(rng, (r, m)), missing,
                  np.arange(r) % YEARS, rng.choice(len(day_p), r, p=day_p),
                  rng.choice(len(day_p), r, p=day_p), start,
                  rng.random(r) / np.maximum(JP.draws(rng, "prefill_uptake", r, values), 1e-9),
                  rng.random(r) / np.maximum(JP.draws(rng, "reservation_share", r, values), 1e-9),
                  JP.draws(rng, "walk_minutes", r, values),
                  JP.draws(rng, "reserved_wait_minutes", r, values))


def _walk_route(side: _Side, key: str, event: LifeEvent, inputs: JourneyInputs,
                rows: np.ndarray, d: _Draws, queues: QueueYears) -> JourneySide:
    counter = side.counter_index[key]
    prefill = ("prefill" in side.measures) & (d.prefill < 1.0)
    booked = side.booked[key] & (d.booked < 1.0)
    write = d.need * side.write_min[key][None, :] * d.write_mult * ~prefill[:, None]
    service = d.need * side.service_min[key][None, :] * d.service_mult
    r = len(d.start)
    t = d.start.copy()
    wait_total, walk_total, visited = np.zeros(r), np.zeros(r), np.zeros(r)
    written_name, written_address = np.zeros(r, dtype=bool), np.zeros(r, dtype=bool)
    stops = []
    for u in dict.fromkeys(counter.tolist()):
        here = counter == u
        goes = (d.need & here[None, :]).any(axis=1)
        if not goes.any():
            continue
        walk = np.where(goes & (visited > 0), d.walk, 0.0)
        t = t + walk
        w = write[:, here].sum(axis=1)
        t = t + w
        queue_wait = queues.wait_at(np.full(r, u), d.year, d.day, t)
        wait = np.where(booked, d.reserved_wait, queue_wait) * goes
        s = service[:, here].sum(axis=1)
        t = t + wait + s
        wait_total += wait
        walk_total += walk
        visited += goes
        names = _stop_writes(d.need[:, here] * inputs.name_writes[rows][here][None, :],
                             side.write_once[key], written_name, prefill)
        addresses = _stop_writes(d.need[:, here] * inputs.address_writes[rows][here][None, :],
                                 side.write_once[key], written_address, prefill)
        stops.append(CounterStop(
            queues.names[u], [{"procedure_id": inputs.procedure_ids[rows[i]],
                               "name": inputs.names[rows[i]], "share": _share(event, inputs, rows[i])}
                              for i in np.flatnonzero(here)],
            float(goes.mean()), float(wait[goes].mean()), float(s[goes].mean()),
            float(w[goes].mean()), float(names[goes].mean()),
            float(addresses[goes].mean())))
    minutes = t - d.start
    # A missing attachment: another visit to that counter on another day.
    again = d.missing.any(axis=1)
    first_missing = np.argmax(d.missing, axis=1)
    revisit_wait = queues.wait_at(counter[first_missing], d.year, d.second_day, d.start)
    revisit = again * (np.where(booked, d.reserved_wait, revisit_wait)
                       + (service * d.missing).sum(axis=1))
    once = side.write_once[key]

    def writes(per_form: np.ndarray) -> np.ndarray:
        count = (d.need * per_form[rows][None, :]).sum(axis=1)
        count = np.minimum(count, 1.0) if once else count
        return np.where(prefill, 0.0, count)

    return JourneySide(
        "to_be" if side.measures else "as_is", list(side.measures), Stat.of(visited),
        Stat.of(writes(inputs.name_writes)), Stat.of(writes(inputs.address_writes)),
        Stat.of(writes(inputs.birth_writes)), Stat.of(minutes + revisit), Stat.of(wait_total),
        Stat.of(walk_total), Stat.of(1.0 + again.astype(float)), float(again.mean()), stops)


def _stop_writes(per_form: np.ndarray, once: bool, written: np.ndarray,
                 prefill: np.ndarray) -> np.ndarray:
    """Times a field is written at one counter: every form's, or (write-once) only at the
    first counter where a form asks for it; ``written`` is updated in place."""
    count = per_form.sum(axis=1)
    if once:
        count = np.where(written, 0.0, np.minimum(count, 1.0))
        written |= count > 0
    return np.where(prefill, 0.0, count)


def _share(event: LifeEvent, inputs: JourneyInputs, row: int) -> float:
    pid = inputs.procedure_ids[row]
    return next(m.share for m in event.members if m.procedure_id == pid)


def _visited_only(side: _Side) -> _Side:
    """The side with only the counters its events visit (renumbered): a counter's queue
    depends on its own load alone, so their waits are those of the whole run."""
    used = sorted({int(c) for index in side.counter_index.values() for c in index})
    position = {old: new for new, old in enumerate(used)}
    return replace(side, loads=[side.loads[c] for c in used], counter_index={
        key: np.array([position[int(c)] for c in index], dtype=int)
        for key, index in side.counter_index.items()})


def simulate_journeys(inputs: JourneyInputs, events: list[LifeEvent],
                      measures: tuple[str, ...] = DEFAULT_TO_BE, seed: int = 1,
                      replications: int = DEFAULT_REPLICATIONS,
                      values: dict[str, float] | None = None, fiscal_year: int | None = None,
                      progress: Progress | None = None, cancelled: CancelCheck | None = None,
                      all_counters: bool = True) -> JourneyResult:
    """Every event's journey as-is and with ``measures`` (keys of :data:`MEASURES`).

    ``all_counters=False``: only the counters the events visit are simulated (the same
    waits there; ``result.counters`` lists only them): the report prints the events, not
    the queues of a prefecture's few hundred other counters (most of the time of a
    30,000-procedure project's journeys, all of it when no event matches a procedure)."""
    started = time.perf_counter()
    values = values or {}
    unknown = [m for m in measures if m not in MEASURES]
    if unknown:
        raise ValueError(f"unknown journey measures: {', '.join(unknown)}")
    members = {e.key: np.array([inputs.index[m.procedure_id] for m in e.members
                                if m.procedure_id in inputs.index
                                and inputs.visit[inputs.index[m.procedure_id]]], dtype=int)
               for e in events}
    sides = [_side(inputs, events, members, (), values),
             _side(inputs, events, members, tuple(measures), values)]
    if not all_counters:
        sides = [_visited_only(side) for side in sides]
    total = 2 + len(events)
    if cancelled and cancelled():
        raise SimulationCancelled
    # Both sides at once: the counters a measure leaves alone are simulated once.
    queues = simulate_counter_sides([side.loads for side in sides], seed,
                                    fiscal_year=fiscal_year)
    if progress:
        progress(2, total, "窓口の待ち行列")
    calendar = queues[0].calendar
    out = []
    for n, event in enumerate(events):
        if cancelled and cancelled():
            raise SimulationCancelled
        rows = members[event.key]
        shares = np.array([_share(event, inputs, r) for r in rows])
        anchor = (inputs.index.get(event.anchor_procedure_id or "")
                  if event.anchor_procedure_id else None)
        profile = (inputs.month_profile[anchor] if anchor is not None
                   else inputs.month_profile[rows].mean(axis=0) if len(rows) else np.ones(12))
        d = _draws(event, inputs, rows, shares, seed, replications, values,
                   calendar.day_shares(profile))
        as_is, to_be = (_walk_route(s, event.key, event, inputs, rows, d, q)
                        for s, q in zip(sides, queues, strict=True))
        out.append(EventJourney(event.key, event.name, event.name_en, event.events_per_year,
                                _members(event, inputs), as_is, to_be))
        if progress:
            progress(3 + n, total, event.name)
    return JourneyResult(out, list(measures), seed, replications, calendar.fiscal_year,
                         _counter_rows(queues), list(calendar.closed_weekdays),
                         JP.rows(values), time.perf_counter() - started)


def _members(event: LifeEvent, inputs: JourneyInputs) -> list[dict[str, object]]:
    rows = []
    for m in event.members:
        i = inputs.index.get(m.procedure_id)
        rows.append({"procedure_id": m.procedure_id, "share": m.share, "matched": m.matched,
                     "source": m.source, "name": inputs.names[i] if i is not None else "",
                     "counter": inputs.counter[i] if i is not None else "",
                     "visit": bool(inputs.visit[i]) if i is not None else False})
    return rows


def _counter_rows(queues: list[QueueYears]) -> list[dict[str, object]]:
    rows = []
    for label, q in zip(("as_is", "to_be"), queues, strict=True):
        for name, stat in zip(q.names, q.stats, strict=True):
            rows.append({"side": label, "counter": name, **stat})
    return rows
