"""A project's life events: the stored ones, else the default set resolved on its procedures.

Events are edited as a whole set (one write transaction): ``save_events`` validates every
share and procedure ID first and names the field it refuses. ``read_events_csv`` reads
an event table a user keeps in Excel/CSV (columns イベント, 手続ID, 割合(%), and optionally
年間件数, 起点の手続ID), naming the cell of each problem (``events.csv C4``).
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd
from sqlalchemy import Connection, delete, select

from analysis.life_events import EventDataError, EventMember, LifeEvent, resolve_default_events
from analysis.life_events import validate_events as _validate
from bpr_studio.model import tables
from bpr_studio.queries import procedures_frame
from bpr_studio.store import Project

# What resolving the default events and counting an event's cases read of a procedure.
EVENT_COLUMNS = ("procedure_id", "name", "annual_cases", "national_id")
CSV_COLUMNS = {"event": ("イベント", "event"), "procedure_id": ("手続ID", "procedure_id"),
               "share": ("割合(%)", "share_pct", "割合"),
               "events_per_year": ("年間件数", "events_per_year"),
               "anchor": ("起点の手続ID", "anchor_procedure_id")}


def load_events(project: Project, procedures: pd.DataFrame | None = None) -> list[LifeEvent]:
    """The project's stored events, or the default set resolved on its procedures
    (``procedures``: the project's procedures frame, when the caller has read it)."""
    return events_of(project, procedures)()


def events_of(project: Project, procedures: pd.DataFrame | None = None
              ) -> Callable[[], list[LifeEvent]]:
    """:func:`load_events` in two parts: the project is read now; the events are made
    when the function returned is called, which reads no project (another thread may:
    the report resolves a city's default events while its simulation runs)."""
    frame = procedures_frame(project) if procedures is None else procedures
    stored = _stored(project)

    def made() -> list[LifeEvent]:
        # Only the columns the events read: records of every column of 30,000 procedures
        # took seconds.
        records = frame[[c for c in EVENT_COLUMNS if c in frame.columns]].to_dict("records")
        if not stored:
            return resolve_default_events(records)
        cases = {str(r["procedure_id"]): float(r.get("annual_cases") or 0) for r in records}
        # No count given: the anchor procedure's cases are the events of a year.
        return [e if e.events_per_year > 0 else replace(
            e, events_per_year=cases.get(e.anchor_procedure_id or "", 0.0)) for e in stored]
    return made


def _stored(project: Project) -> list[LifeEvent]:
    with project.engine.connect() as conn:
        return _stored_in(conn)


def _stored_in(conn: Connection) -> list[LifeEvent]:
    e, m = tables.LifeEventRow.__table__, tables.LifeEventMemberRow.__table__
    events = conn.execute(select(e)).mappings().all()
    members = conn.execute(select(m).order_by(m.c.id)).mappings().all()
    out = []
    for row in events:
        mine = tuple(EventMember(r["procedure_id"], float(r["share"]), r["matched"] or "利用者",
                                 r["source"] or "")
                     for r in members if r["event_key"] == row["key"])
        out.append(LifeEvent(row["key"], row["name"], row["name_en"] or row["name"],
                             float(row["events_per_year"]), mine, row["anchor_procedure_id"],
                             row["one_stop_name"], origin="project"))
    return out


VERSION_KEY = "life_events_version"  # meta: the stored set's version (0 = never stored)
UPDATED_BY_KEY = "life_events_updated_by"


def events_version(project: Project) -> int:
    """The version of the stored set of events (each save or reset adds one)."""
    return int(project.meta(VERSION_KEY, "0") or 0)


def save_events(project: Project, events: list[LifeEvent]) -> None:
    """Replace the project's events by ``events`` (validated first; nothing written if not)."""
    SetLifeEvents(tuple(events)).apply(project)


def reset_events(project: Project) -> None:
    """Forget the stored events: the default set applies again."""
    SetLifeEvents(None).apply(project)


def _write_events(conn: Connection, events: list[LifeEvent]) -> None:
    e, m = tables.LifeEventRow.__table__, tables.LifeEventMemberRow.__table__
    conn.execute(delete(m))
    conn.execute(delete(e))
    for event in events:
        conn.execute(e.insert().values(
            key=event.key, name=event.name, name_en=event.name_en,
            events_per_year=event.events_per_year,
            anchor_procedure_id=event.anchor_procedure_id, one_stop_name=event.one_stop_name))
        if event.members:
            conn.execute(m.insert(), [{"event_key": event.key, "procedure_id": x.procedure_id,
                                       "share": x.share, "matched": x.matched,
                                       "source": x.source} for x in event.members])


def _meta_values(conn: Connection) -> dict[str, str]:
    t = tables.Meta.__table__
    rows = conn.execute(select(t.c.key, t.c.value).where(
        t.c.key.in_((VERSION_KEY, UPDATED_BY_KEY))))
    return {key: value for key, value in rows}


def _set_meta_values(conn: Connection, values: dict[str, str]) -> None:
    t = tables.Meta.__table__
    conn.execute(delete(t).where(t.c.key.in_(list(values))))
    conn.execute(t.insert(), [{"key": k, "value": v} for k, v in values.items()])


def _column(header: list[str], key: str) -> int | None:
    names = {n.strip().lower() for n in CSV_COLUMNS[key]}
    return next((i for i, h in enumerate(header) if h.strip().lower() in names), None)


def _cell(path: Path, row: int, column: int) -> str:
    return f"{path.name} {chr(ord('A') + column)}{row}"


def _number(path: Path, text: str, row: int, column: int, what: tuple[str, str]) -> float:
    try:
        return float(text.replace(",", "").replace("%", "").strip())
    except ValueError:
        raise EventDataError(f"{_cell(path, row, column)}: {what[0]}「{text}」が数値ではありません",
                             f"{_cell(path, row, column)}: {what[1]} '{text}' is not a number") from None


def read_events_csv(path: Path, procedure_ids: set[str]) -> list[LifeEvent]:
    """Events from a CSV (UTF-8 or cp932); a problem names its cell.

    A share is in per cent (15 = 15 %); outside 0–100 or an unknown procedure ID is refused.
    """
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp932")
    rows = list(csv.reader(text.splitlines()))
    if not rows:
        raise EventDataError(f"{path.name}: 空のファイルです", f"{path.name}: the file is empty")
    header = rows[0]
    at = {key: _column(header, key) for key in CSV_COLUMNS}
    for key in ("event", "procedure_id", "share"):
        if at[key] is None:
            raise EventDataError(f"{path.name} 1行目: 列「{CSV_COLUMNS[key][0]}」がありません",
                                 f"{path.name} row 1: column '{CSV_COLUMNS[key][1]}' is missing")
    drafts: dict[str, _Draft] = {}
    for n, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        cells = row + [""] * (len(header) - len(row))
        c_event, c_id, c_share = at["event"] or 0, at["procedure_id"] or 0, at["share"] or 0
        name, pid = cells[c_event].strip(), cells[c_id].strip()
        if not name:
            raise EventDataError(f"{_cell(path, n, c_event)}: イベント名が空です",
                                 f"{_cell(path, n, c_event)}: the event name is empty")
        if pid not in procedure_ids:
            raise EventDataError(
                f"{_cell(path, n, c_id)}: 手続ID「{pid}」はプロジェクトにありません",
                f"{_cell(path, n, c_id)}: procedure ID '{pid}' is not in the project")
        share = _number(path, cells[c_share], n, c_share, ("割合", "share"))
        if not 0 <= share <= 100:
            raise EventDataError(
                f"{_cell(path, n, c_share)}: 割合 {share:g}% は0～100%の範囲外です",
                f"{_cell(path, n, c_share)}: share {share:g}% is outside 0–100%")
        draft = drafts.setdefault(name, _Draft())
        draft.members.append(EventMember(pid, share / 100, "利用者（CSV）", ""))
        column = at["events_per_year"]
        if column is not None and cells[column].strip():
            draft.per_year = _number(path, cells[column], n, column, ("年間件数", "events a year"))
        column = at["anchor"]
        if column is not None and cells[column].strip():
            draft.anchor = cells[column].strip()
    return [LifeEvent(name, name, name, d.per_year, tuple(d.members),
                      d.anchor or d.members[0].procedure_id, origin="project")
            for name, d in drafts.items()]


@dataclass
class _Draft:
    members: list[EventMember] = field(default_factory=list)
    per_year: float = 0.0
    anchor: str | None = None


def write_events_csv(path: Path, events: list[LifeEvent]) -> Path:
    """The events as a CSV a user edits in Excel and reads back (UTF-8 with BOM)."""
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["イベント", "手続ID", "割合(%)", "年間件数", "起点の手続ID"])
        for event in events:
            for n, member in enumerate(event.members):
                writer.writerow([event.name, member.procedure_id, f"{member.share * 100:g}",
                                 f"{event.events_per_year:g}" if n == 0 else "",
                                 event.anchor_procedure_id or "" if n == 0 else ""])
    return path


@dataclass(frozen=True)
class SetLifeEvents:
    """An edit (``bpr_studio.edits`` style): store ``events``, or forget the stored ones
    (None: the default set applies again). Applying returns the inverse.

    The set is versioned as a whole (meta ``life_events_version``): ``expected_version``
    is the version the edit was made on (None: not checked — importing a CSV replaces the
    set outright). The inverse carries the version just written, so undoing after someone
    else changed the events is refused instead of putting back an older set over theirs.
    """

    events: tuple[LifeEvent, ...] | None
    expected_version: int | None = None

    def apply(self, project: Project) -> SetLifeEvents:
        from bpr_studio import team
        from bpr_studio.edits import stale_error

        project.require_writable()
        if self.events is not None:
            ids = set(procedures_frame(project)["procedure_id"].astype(str))
            _validate(list(self.events), ids)
        with project.write_transaction() as conn:
            team.require_section(project, conn, None, "ライフイベント")  # DX staff's
            meta = _meta_values(conn)
            version = int(meta.get(VERSION_KEY) or 0)
            if self.expected_version is not None and version != self.expected_version:
                count = len(self.events) if self.events is not None else 0
                raise stale_error("ライフイベント", "events",
                                  {"updated_by": meta.get(UPDATED_BY_KEY), "events": "…"},
                                  f"{count} 件" if self.events is not None else "既定")
            previous = _stored_in(conn)
            _write_events(conn, list(self.events or ()))
            _set_meta_values(conn, {VERSION_KEY: str(version + 1),
                                    UPDATED_BY_KEY: project.user})
        return SetLifeEvents(tuple(previous) if previous else None,
                             expected_version=version + 1)

    def describe(self, lang: str = "ja") -> str:
        if self.events is None:
            return "ライフイベントを既定に戻す" if lang == "ja" else "life events back to the defaults"
        return (f"ライフイベント {len(self.events)} 件を設定" if lang == "ja"
                else f"set {len(self.events)} life events")
