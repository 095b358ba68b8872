"""Survey rounds (調査回): later re-surveys of the same procedures, kept beside the baseline.

The project's live tables are the baseline every view and the scenarios work on. A
re-survey taken after the reform (効果測定) is imported as a named round instead: it is
read and checked exactly like a survey import (:func:`survey_import.parse_batch`, the same
file/sheet/cell messages, all or nothing) and stored in ``survey_round`` as compressed
rows, leaving the live data untouched. Importing into an existing round replaces only the
sections of the new files, so two sections surveyed months apart make one round.
:func:`round_frames` gives a round's (procedures, steps, links) with the columns of
:func:`bpr_studio.loading.load_frames`, so both rounds are costed by the same model.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import Connection, delete, select

from bpr_studio.io import checks
from bpr_studio.io.import_history import _dumps_by_row
from bpr_studio.io.report import WARNING, ImportReport
from bpr_studio.io.survey_import import (
    CancelCheck,
    ParsedBatch,
    Progress,
    existing_sections,
    parse_batch,
)
from bpr_studio.io.survey_write import procedure_row, step_row
from bpr_studio.model import tables
from bpr_studio.model.unit_costs import DEFAULTS_BY_KEY
from bpr_studio.store import Project, ProjectError, open_project

__all__ = ["BASELINE", "RoundInfo", "delete_round", "import_round", "list_rounds",
           "round_frames", "round_unit_costs"]

# How the live data is named where rounds are listed.
BASELINE = "ベースライン"
KIND_RESURVEY = "resurvey"


@dataclass
class RoundInfo:
    """One stored round, as ``bpr-studio rounds`` lists it."""

    name: str
    kind: str
    surveyed_on: str
    fiscal_year: int | None
    imported_at: str
    files: list[str] = field(default_factory=list)
    sections: list[str] = field(default_factory=list)
    procedures: int = 0
    steps: int = 0

    def describe(self, lang: str = "ja") -> str:
        year = (f"{self.fiscal_year}年度" if lang == "ja" else f"FY{self.fiscal_year}") \
            if self.fiscal_year else "-"
        sections = ("、" if lang == "ja" else ", ").join(self.sections)
        if lang == "ja":
            return (f"{self.name}（{self.surveyed_on or '調査日未記入'}、{year}）: {sections} — "
                    f"手続 {self.procedures} 件、工程 {self.steps} 件")
        return (f"{self.name} ({self.surveyed_on or 'date not given'}, {year}): {sections} — "
                f"{self.procedures} procedures, {self.steps} steps")


def _t() -> Any:
    return tables.SurveyRound.__table__


def _info(row: Any) -> RoundInfo:
    return RoundInfo(row["name"], row["kind"], row["surveyed_on"] or "", row["fiscal_year"],
                     str(row["imported_at"])[:19], json.loads(row["files"] or "[]"),
                     json.loads(row["sections"] or "[]"), row["procedures"], row["steps"])


def list_rounds(project: Project) -> list[RoundInfo]:
    """Stored re-survey rounds, oldest first (the baseline is the live data, not listed)."""
    t = _t()
    columns = [c for c in t.c if c.name != "payload"]
    with project.engine.connect() as conn:
        rows = conn.execute(select(*columns).order_by(t.c.id)).mappings().all()
    return [_info(r) for r in rows]


def _payload(conn: Connection, name: str) -> dict[str, list[dict[str, Any]]] | None:
    t = _t()
    blob = conn.execute(select(t.c.payload).where(t.c.name == name)).scalar_one_or_none()
    if blob is None:
        return None
    data: dict[str, list[dict[str, Any]]] = json.loads(zlib.decompress(blob).decode("utf-8"))
    return data


def _require(project: Project, name: str) -> dict[str, list[dict[str, Any]]]:
    with project.engine.connect() as conn:
        payload = _payload(conn, name)
    if payload is None:
        known = ", ".join(r.name for r in list_rounds(project)) or "-"
        raise ProjectError("round_missing", name=name, known=known)
    return payload


def round_frames(project: Project, name: str) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(procedures, steps, links) of round ``name``, with the columns the live tables give
    (``bpr_studio.loading.load_frames``). Raises ProjectError naming the known rounds."""
    from bpr_studio.loading import STEP_COLUMNS, with_missing_times

    payload = _require(project, name)
    procedure_columns = [c.name for c in tables.Procedure.__table__.columns]
    procedures = pd.DataFrame(payload["procedures"], columns=procedure_columns)
    procedures = procedures.sort_values(["section", "procedure_id"], kind="stable")
    steps = pd.DataFrame(payload["steps"], columns=list(STEP_COLUMNS))
    links = pd.DataFrame(payload["links"], columns=["procedure_id", "from_step_no", "to_step_no",
                                                    "probability", "parallel"])
    links["parallel"] = links["parallel"].fillna(False).astype(bool)
    for column in ("typical_minutes", "min_minutes", "max_minutes", "share_pct", "wait_days"):
        steps[column] = steps[column].astype(float)
    links["probability"] = links["probability"].astype(float)
    return procedures.reset_index(drop=True), with_missing_times(steps), links


def round_unit_costs(project: Project, name: str) -> list[dict[str, Any]]:
    """The 単価 rows the round's workbooks carried (scope = section), e.g. a measured
    counter wait; the comparison costs both rounds with the project's unit costs."""
    return list(_require(project, name)["unit_costs"])


def delete_round(project: Project, name: str) -> None:
    project.require_writable()
    _require(project, name)
    with project.write_transaction() as conn:
        conn.execute(delete(_t()).where(_t().c.name == name))


def _round_rows(batch: ParsedBatch) -> dict[str, list[dict[str, Any]]]:
    """The batch as the rows the live tables would get (same conversion as an import)."""
    procedures = [procedure_row(p, 0) for p in batch.procedures]
    for row in procedures:
        row["batch_id"] = None
        row["origin"] = "survey"
    steps = [step_row(s) for s in batch.steps]
    links = [{"procedure_id": s["procedure_id"], "from_step_no": s["step_no"],
              "to_step_no": target, "probability": probability,
              "parallel": bool(s.get("_parallel"))}
             for s in batch.steps for target, probability in s.get("_links", [])]
    section_of_file = {p["_file"]: p["section"] for p in batch.procedures}
    unit_costs: dict[tuple[str, str], dict[str, Any]] = {}
    for record in batch.unit_costs:
        if record.get("key") in DEFAULTS_BY_KEY and record.get("value") is not None:
            scope = section_of_file.get(record["_file"], "")
            unit_costs[(scope, record["key"])] = {
                "scope": scope, "key": record["key"], "value": record["value"],
                "source": record.get("source") or Path(record["_file"]).name}
    return {"procedures": procedures, "steps": steps, "links": links,
            "unit_costs": list(unit_costs.values())}


def _merge(old: dict[str, list[dict[str, Any]]] | None, new: dict[str, list[dict[str, Any]]],
           sections: list[str]) -> dict[str, list[dict[str, Any]]]:
    """A round's rows with the batch's sections replaced (like an import replaces them)."""
    if old is None:
        return new
    ids = {p["procedure_id"] for p in new["procedures"]}
    kept = [p for p in old["procedures"]
            if p["section"] not in sections and p["procedure_id"] not in ids]
    kept_ids = {p["procedure_id"] for p in kept}
    return {
        "procedures": kept + new["procedures"],
        "steps": [s for s in old["steps"] if s["procedure_id"] in kept_ids] + new["steps"],
        "links": [link for link in old["links"] if link["procedure_id"] in kept_ids] + new["links"],
        "unit_costs": [u for u in old["unit_costs"] if u["scope"] not in sections]
        + new["unit_costs"],
    }


def _round_checks(batch: ParsedBatch, baseline: dict[str, str]) -> None:
    """A re-survey is of the baseline's procedures: say which ones the baseline lacks."""
    known_sections = set(baseline.values())
    for p in batch.procedures:
        if p["procedure_id"] not in baseline:
            batch.report.issues.append(checks._issue(
                p, WARNING, "round_procedure_not_in_baseline", "procedure_id",
                p["procedure_id"], id=p["procedure_id"]))
    for section in sorted(set(batch.sections) - known_sections):
        first = next(p for p in batch.procedures if p["section"] == section)
        batch.report.issues.append(checks._issue(first, WARNING, "round_section_not_in_baseline",
                                                 "section", section, section=section))


def import_round(project_target: str | Path, name: str, paths: Sequence[str | Path], *,
                 surveyed_on: str = "", fiscal_year: int | None = None,
                 prefer: Sequence[str | Path] = (), progress: Progress | None = None,
                 cancel: CancelCheck | None = None, dry_run: bool = False) -> ImportReport:
    """Import re-survey workbooks as round ``name`` (created, or its sections replaced).

    Same reading, checks and all-or-nothing rule as a survey import; the project must
    exist (a round is compared with its baseline) and its live data is never changed.
    """
    name = name.strip()
    if not name:
        raise ProjectError("round_name_missing")
    if name == BASELINE:
        raise ProjectError("round_name_reserved", name=name)
    target = Path(project_target) if "://" not in str(project_target) else project_target
    if isinstance(target, Path) and not target.exists():
        raise ProjectError("project_missing", path=str(target))
    with open_project(target) as project:
        if not dry_run:
            project.require_writable()
        baseline = existing_sections(project)
        batch = parse_batch(paths, prefer=prefer, existing_sections=baseline, progress=progress,
                            cancel=cancel)
        report = batch.report
        if report.ok:
            _round_checks(batch, baseline)
        if not report.ok or dry_run:
            return report
        rows = _round_rows(batch)
        t = _t()
        with project.write_transaction() as conn:
            from bpr_studio import team  # a round is the project's record: DX staff's

            team.require_section(project, conn, None, f"調査回「{name}」")
            old = _payload(conn, name)
            merged = _merge(old, rows, batch.sections)
            blob = zlib.compress(_dumps_by_row(merged).encode("utf-8"))
            files = [Path(f).name for f in report.files]
            sections = sorted({p["section"] for p in merged["procedures"]})
            values = {"payload": blob, "imported_at": datetime.now(UTC),
                      "sections": json.dumps(sections, ensure_ascii=False),
                      "procedures": len(merged["procedures"]), "steps": len(merged["steps"]),
                      "surveyed_on": surveyed_on, "fiscal_year": fiscal_year}
            if old is None:
                conn.execute(t.insert().values(name=name, kind=KIND_RESURVEY,
                                               files=json.dumps(files, ensure_ascii=False),
                                               **values))
            else:
                before = conn.execute(select(t.c.files, t.c.surveyed_on, t.c.fiscal_year)
                                      .where(t.c.name == name)).one()
                all_files = list(dict.fromkeys([*json.loads(before[0] or "[]"), *files]))
                values["surveyed_on"] = surveyed_on or before[1]
                values["fiscal_year"] = fiscal_year if fiscal_year is not None else before[2]
                conn.execute(t.update().where(t.c.name == name).values(
                    files=json.dumps(all_files, ensure_ascii=False), **values))
        report.written = True
        return report


def describe_written(report: ImportReport, name: str, lang: str = "ja") -> str:
    sections = ("、" if lang == "ja" else ", ").join(report.sections)
    if lang == "ja":
        return f"調査回「{name}」に取り込みました（{sections}）。ベースラインは変わっていません。"
    return f"Imported into survey round '{name}' ({sections}). The baseline is unchanged."

