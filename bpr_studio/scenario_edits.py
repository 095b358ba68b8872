"""Scenario edits as plain command objects (create, change, rename, delete), like
``bpr_studio.edits``: applying one writes the project in one transaction and returns its
inverse, so the GUI can undo and redo every scenario change. A scenario keeps its place
in the list when it is changed, and gets it back when a deletion is undone.

Examples
--------
>>> parse_parameter("online_adoption", "0.6")
0.6
>>> try:
...     parse_parameter("online_adoption", "0.9")
... except EditError as problem:
...     print(problem.message("en"))
'online adoption rate' must be between 0.25 and 0.75 (typed: 0.9); the range is what the sources support.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, insert, select

from analysis.params import PARAMETERS
from analysis.scenario import Scenario
from bpr_studio import team
from bpr_studio.edits import EditError, guarded_update, stale_error
from bpr_studio.model import tables
from bpr_studio.store import Project

_T = tables.Scenario.__table__


def parse_parameter(key: str, text: Any) -> float:
    """A parameter value typed by a user, checked against its published range.

    Raises EditError naming the parameter, the allowed range and what was typed; the
    caller keeps the typed text so it can be corrected.
    """
    parameter = PARAMETERS[key]
    raw = str(text).strip().replace("，", ".").replace("％", "%")
    try:
        number = float(raw[:-1]) / 100 if raw.endswith("%") and parameter.unit == "割合" \
            else float(raw)
    except ValueError:
        raise EditError("parameter_not_number", parameter=parameter.ja, parameter_en=parameter.en,
                        value=raw) from None
    if not parameter.low <= number <= parameter.high:
        raise EditError("parameter_out_of_range", parameter=parameter.ja,
                        parameter_en=parameter.en,
                        low=f"{parameter.low:g}", high=f"{parameter.high:g}", value=raw)
    return number


def _row(conn: Any, name: str) -> Any:
    return conn.execute(select(_T.c.id, _T.c.name, _T.c.description, _T.c.measures,
                               _T.c.row_version, _T.c.updated_by)
                        .where(_T.c.name == name)).mappings().first()


def _what(name: str) -> str:
    return f"シナリオ「{name}」"


def _stale(name: str, row: Any) -> EditError:
    return stale_error(_what(name), "measures", None if row is None else
                       {**row, "measures": "…"}, "…")


def _check_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise EditError("scenario_name_blank")
    return name


@dataclass
class SaveScenario:
    """Create a scenario, or replace the one of the same name in its place.

    ``row_id`` puts a re-created scenario back where it was (undoing a deletion);
    ``expected_version`` is the version the user saw (None: not checked). Scenarios are
    the project's plan: DX staff's to change (docs/team.md).
    """

    scenario: Scenario
    row_id: int | None = None
    expected_version: int | None = None
    scope = "scenario"

    @property
    def focus(self) -> str | None:
        return self.scenario.name

    def apply(self, project: Project) -> SaveScenario | DeleteScenario:
        name = _check_name(self.scenario.name)
        project.require_writable()
        values: dict[str, Any] = {"name": name, "description": self.scenario.description,
                  "measures": self.scenario.to_json()}
        with project.engine.begin() as conn:
            team.require_section(project, conn, None, _what(name))
            old = _row(conn, name)
            if old is not None:
                version = guarded_update(conn, _T, _T.c.id == old["id"], old,
                                         self.expected_version, values, project.user,
                                         lambda now: _stale(name, now))
                return SaveScenario(Scenario.from_row(old["name"], old["description"],
                                                      old["measures"]),
                                    expected_version=version)
            if self.expected_version is not None:
                raise _stale(name, None)  # it was deleted (or renamed) meanwhile
            if self.row_id is not None and conn.execute(
                    select(_T.c.id).where(_T.c.id == self.row_id)).first() is None:
                values["id"] = self.row_id
            conn.execute(insert(_T).values({**values, "updated_by": project.user}))
        return DeleteScenario(name, expected_version=1)

    def describe(self, lang: str = "ja") -> str:
        return (f"シナリオ「{self.scenario.name}」の変更" if lang == "ja"
                else f"change scenario '{self.scenario.name}'")


@dataclass
class DeleteScenario:
    name: str
    expected_version: int | None = None
    scope = "scenario"
    focus = None

    def apply(self, project: Project) -> SaveScenario:
        project.require_writable()
        with project.engine.begin() as conn:
            team.require_section(project, conn, None, _what(self.name))
            old = _row(conn, self.name)
            if old is None:
                raise EditError("scenario_missing", name=self.name)
            if self.expected_version is not None and old["row_version"] != self.expected_version:
                raise _stale(self.name, old)
            if conn.execute(select(func.count()).select_from(_T)).scalar_one() <= 1:
                raise EditError("last_scenario")
            conn.execute(delete(_T).where(_T.c.id == old["id"]))
        return SaveScenario(Scenario.from_row(old["name"], old["description"], old["measures"]),
                            old["id"])

    def describe(self, lang: str = "ja") -> str:
        return f"シナリオ「{self.name}」の削除" if lang == "ja" else f"delete scenario '{self.name}'"


@dataclass
class RenameScenario:
    old: str
    new: str
    scope = "scenario"

    @property
    def focus(self) -> str | None:
        return self.new.strip()

    def apply(self, project: Project) -> RenameScenario:
        new = _check_name(self.new)
        project.require_writable()
        with project.engine.begin() as conn:
            team.require_section(project, conn, None, _what(self.old))
            row = _row(conn, self.old)
            if row is None:
                raise EditError("scenario_missing", name=self.old)
            if new != self.old and _row(conn, new) is not None:
                raise EditError("scenario_exists", name=new)
            guarded_update(conn, _T, _T.c.id == row["id"], row, None, {"name": new},
                           project.user, lambda now: _stale(self.old, now))
        return RenameScenario(new, self.old)

    def describe(self, lang: str = "ja") -> str:
        return (f"シナリオ名の変更「{self.old}」→「{self.new}」" if lang == "ja"
                else f"rename scenario '{self.old}' to '{self.new}'")


def new_scenario(name: str, copy_of: Scenario | None = None) -> SaveScenario:
    """The edit that creates a scenario: blank (no measures) or a copy of ``copy_of``."""
    import copy

    if copy_of is None:
        return SaveScenario(Scenario(name.strip(), [], ""))
    twin = copy.deepcopy(copy_of)
    twin.name = name.strip()
    return SaveScenario(twin)
