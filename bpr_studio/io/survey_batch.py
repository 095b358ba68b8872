"""A batch of survey files read and checked: what it holds, and the checks that need
every file of it at once.

:class:`ParsedBatch` is what :func:`survey_import.parse_batch` gives and
:func:`survey_write.write_batch` writes. The checks here run after every file was read
on its own (a procedure ID in two files, a row naming a section its file does not
declare, a procedure another section owns, unit costs); the per-sheet and per-procedure
checks run where the file is read (sheet_parser, checks, step_rows).
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bpr_studio.io import checks
from bpr_studio.io.parked_rows import ParkedRows
from bpr_studio.io.report import ERROR, INFO, WARNING, ImportIssue, ImportReport
from bpr_studio.io.step_rows import FileSteps
from bpr_studio.model.unit_costs import DEFAULTS_BY_KEY

Record = dict[str, Any]


@dataclass
class ParsedBatch:
    report: ImportReport
    procedures: list[Record] = field(default_factory=list)
    steps: list[Record] = field(default_factory=list)
    unit_costs: list[Record] = field(default_factory=list)
    # Procedures from a file with no steps part (a procedures-only CSV): their stored
    # steps are kept, never deleted with the old procedure row.
    keep_steps: set[str] = field(default_factory=set)
    # Procedure IDs whose steps come from a steps-only file while the procedure stays.
    step_updates: set[str] = field(default_factory=set)
    # BPMN files: they replace the procedures they hold, not their whole section.
    bpmn_files: set[str] = field(default_factory=set)
    # parse_batch(step_rows=...): the steps as checked table rows instead of records in
    # ``steps`` (step_rows.py); ``rows_for_sqlite`` says which values they hold.
    step_rows: FileSteps | None = None
    rows_for_sqlite: bool = False
    # Where the reading processes parked those rows (SQLite projects): ``step_rows``
    # then holds the counts and issues only. Removed when written or dropped.
    parked: ParkedRows | None = None

    def step_counts(self) -> dict[str, int]:
        """Procedure ID → how many steps the batch gives it."""
        if self.step_rows is not None:
            return self.step_rows.counts
        counts: dict[str, int] = defaultdict(int)
        for s in self.steps:
            counts[s["procedure_id"]] += 1
        return counts

    @property
    def sections(self) -> list[str]:
        return sorted({p["section"] for p in self.procedures if p.get("section")})

    @property
    def replaced_sections(self) -> list[str]:
        """Sections replaced whole: those of survey workbooks (a BPMN file adds to its
        section or replaces its own procedures, and leaves the rest of the section)."""
        return sorted({p["section"] for p in self.procedures
                       if p.get("section") and p["_file"] not in self.bpmn_files})

    @property
    def partial_sections(self) -> list[str]:
        return sorted(set(self.sections) - set(self.replaced_sections))



def rows_hold(per_file: list[tuple[Path, dict[str, list[Record]]]],
               rows_per_file: list[FileSteps | None]) -> bool:
    """Whether the per-file step rows are what the whole batch's check gives: every
    file's steps belong to its own procedures, and no procedure ID is in two files."""
    if any(rows is None for rows in rows_per_file):
        return False
    file_of: dict[str, Path] = {}
    for path, records in per_file:
        for p in records.get("procedures", []):
            pid = p.get("procedure_id")
            if pid is None:
                continue
            first = file_of.setdefault(pid, path)
            if first is not path and first != path:  # Path == is slow; each file's is one
                return False
    return True


def merge_rows(rows_per_file: list[FileSteps | None]) -> FileSteps:
    merged = FileSteps()
    for rows in rows_per_file:
        assert rows is not None
        merged.rows.extend(rows.rows)
        merged.links.extend(rows.links)
        merged.counts.update(rows.counts)
        merged.issues.extend(rows.issues)
    return merged


def check_declared_sections(per_file: list[tuple[Path, dict[str, list[Record]]]],
                             owners: dict[str, str], report: ImportReport) -> None:
    """A file replaces only the section it declares: the section in its file name, else
    the one its 課 column agrees on. A row naming another section is an error at that
    cell, so one mistyped 課 never wipes another section's procedures."""
    known_sections = set(owners.values())
    for path, records in per_file:
        procedures = [p for p in records.get("procedures", []) if p.get("section")]
        in_name = sorted({p["section"] for p in procedures} | known_sections, key=len,
                         reverse=True)
        named = next((section for section in in_name if section in path.stem), None)
        if named is not None:
            declared, why = named, f"ファイル名 {path.name}"
        elif procedures:
            counts: dict[str, int] = defaultdict(int)
            for p in procedures:
                counts[p["section"]] += 1
            declared = max(counts, key=lambda section: counts[section])  # first on a tie
            first = procedures[0]
            why = f"{first['_sheet']}!{first['_cells'].get('section', first['_row'])} ほか"
        else:
            declared, why = "", ""
        for p in procedures:
            if p["section"] != declared:
                report.issues.append(checks._issue(
                    p, ERROR, "section_not_declared", "section", p["section"],
                    declared=declared, why=why, section=p["section"]))
        if named is not None:
            for step in records.get("steps", []):
                owner = owners.get(step.get("procedure_id") or "")
                if owner is not None and owner != named and not procedures:
                    report.issues.append(checks._issue(
                        step, ERROR, "section_not_declared", "procedure_id",
                        step["procedure_id"], declared=named, why=why, section=owner))


def dedupe_procedures(per_file: list[tuple[Path, dict[str, list[Record]]]],
                       preferred: set[str], report: ImportReport) -> list[Record]:
    first_in_file: dict[tuple[str, str], Record] = {}
    by_id: dict[str, list[Record]] = defaultdict(list)
    for _path, records in per_file:
        for p in records.get("procedures", []):
            pid = p.get("procedure_id")
            if pid is None:
                continue
            key = (p["_file"], pid)
            if key in first_in_file:
                first = first_in_file[key]
                report.issues.append(checks._issue(
                    p, ERROR, "duplicate_procedure_in_file", "procedure_id", pid, id=pid,
                    first=f"{first['_sheet']}!{first['_cells']['procedure_id']}"))
                continue
            first_in_file[key] = p
            by_id[pid].append(p)
    kept = []
    for pid, copies in by_id.items():
        if len(copies) == 1:
            kept.append(copies[0])
            continue
        chosen = [c for c in copies if str(Path(c["_file"]).resolve()) in preferred]
        if len(chosen) == 1:
            kept.append(chosen[0])
            for other in copies:
                if other is not chosen[0]:
                    report.issues.append(checks._issue(
                        other, INFO, "duplicate_procedure_across_files", "procedure_id", pid,
                        id=pid, other=Path(chosen[0]["_file"]).name + " を採用"))
            continue
        for copy in copies:
            others = ", ".join(f"{Path(o['_file']).name} {o['_sheet']}!{o['_cells']['procedure_id']}"
                               for o in copies if o is not copy)
            report.issues.append(checks._issue(copy, ERROR, "duplicate_procedure_across_files",
                                               "procedure_id", pid, id=pid, other=others))
    return kept


def check_ownership(procedures: list[Record], existing: dict[str, str],
                     report: ImportReport) -> None:
    replaced = {p.get("section") for p in procedures}
    for p in procedures:
        owner = existing.get(p["procedure_id"])
        if owner is not None and owner != p.get("section") and owner not in replaced:
            report.issues.append(checks._issue(p, ERROR, "procedure_owned_by_other_section",
                                               "procedure_id", p["procedure_id"],
                                               id=p["procedure_id"], section=owner))


MAX_UNIT_COST = 1e12  # far above any yen rate or hour count; 1e308 overflowed every total


def check_unit_costs(unit_costs: list[Record], report: ImportReport) -> None:
    known = ", ".join(DEFAULTS_BY_KEY)
    for record in unit_costs:
        key = record.get("key")
        value = record.get("value")
        if key is not None and key not in DEFAULTS_BY_KEY:
            # Built here, not with checks._issue: its own 'key' argument is the message key.
            report.issues.append(ImportIssue(
                WARNING, "unit_cost_unknown", record["_file"], record["_sheet"],
                record["_cells"].get("key", str(record["_row"])), str(key),
                {"key": key, "known": known}))
        if isinstance(value, float) and (not math.isfinite(value) or value > MAX_UNIT_COST):
            record["value"] = None
            report.issues.append(checks._issue(
                record, ERROR, "above_max" if math.isfinite(value) else "not_a_number", "value",
                value, column="値", max=f"{MAX_UNIT_COST:g}"))


def tag_sections(batch: ParsedBatch, report: ImportReport) -> None:
    """Give each issue the section of its file, so stored warnings follow re-imports."""
    section_of_file: dict[str, str] = {}
    for p in batch.procedures:
        section_of_file.setdefault(p["_file"], p.get("section") or "")
    report.issues = [
        ImportIssue(i.severity, i.key, i.file, i.sheet, i.cell, i.value, i.params,
                    section_of_file.get(i.file, ""))
        for i in report.issues
    ]

