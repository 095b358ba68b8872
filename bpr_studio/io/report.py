"""The import report: every problem found, with file, sheet, cell and severity."""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bpr_studio.messages import message

ERROR = "error"
WARNING = "warning"
INFO = "info"

_SEVERITY_LABEL = {
    ERROR: ("エラー", "error"),
    WARNING: ("警告", "warning"),
    INFO: ("情報", "info"),
}


def column_letter(index: int) -> str:
    """0-based column index → Excel letters (0 → A, 26 → AA)."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def cell_ref(col_index: int | None, row: int | None) -> str:
    """Excel cell reference from a 0-based column and a 1-based row ('F12', '12', '')."""
    if row is None:
        return column_letter(col_index) if col_index is not None else ""
    if col_index is None:
        return str(row)
    return f"{column_letter(col_index)}{row}"


_SEVERITY_RANK = {ERROR: 0, WARNING: 1, INFO: 2}
_CELL_PARTS = re.compile(r"^([A-Z]*)(\d*)")


def reading_order(issue: ImportIssue, file_rank: dict[str, int]) -> tuple[int, int, str, int, int]:
    """Sort key: errors first, then warnings, then information; within each, file by file
    (in the order they were given) and cell by cell, top to bottom, as the sender reads."""
    match = _CELL_PARTS.match(issue.cell)
    letters, digits = (match.group(1), match.group(2)) if match else ("", "")
    column = 0
    for char in letters:
        column = column * 26 + ord(char) - 64
    return (_SEVERITY_RANK[issue.severity], file_rank.get(issue.file, len(file_rank)),
            issue.sheet, int(digits) if digits else 0, column)


@dataclass(frozen=True)
class ImportIssue:
    """One problem. ``cell`` is 'F12', a row number, or '' for the whole sheet/file."""

    severity: str
    key: str
    file: str = ""
    sheet: str = ""
    cell: str = ""
    value: str = ""
    params: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)
    section: str = ""

    def message(self, lang: str = "ja") -> str:
        return message(self.key, lang, **self.params)

    @property
    def place(self) -> str:
        """'工程!F12' as Excel writes it, or the sheet alone."""
        if self.sheet and self.cell:
            return f"{self.sheet}!{self.cell}"
        return self.sheet or self.cell

    def severity_label(self, lang: str = "ja") -> str:
        ja, en = _SEVERITY_LABEL[self.severity]
        return ja if lang == "ja" else en

    def to_dict(self, lang: str = "ja") -> dict[str, Any]:
        return {
            "severity": self.severity, "file": self.file, "sheet": self.sheet, "cell": self.cell,
            "message": self.message(lang), "value": self.value, "key": self.key,
        }


@dataclass
class ImportReport:
    issues: list[ImportIssue] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    sections: list[str] = field(default_factory=list)
    procedures: int = 0
    steps: int = 0
    written: bool = False
    changes: list[Any] = field(default_factory=list)  # import_history.SectionChange per section

    @property
    def errors(self) -> list[ImportIssue]:
        return [i for i in self.issues if i.severity == ERROR]

    @property
    def warnings(self) -> list[ImportIssue]:
        return [i for i in self.issues if i.severity == WARNING]

    @property
    def ok(self) -> bool:
        return not self.errors

    def format_text(self, lang: str = "ja") -> str:
        """A plain-text report for the terminal, errors first, grouped by file."""
        lines: list[str] = []
        # Errors of every file first (they block the import), then warnings, then information.
        for severity in (ERROR, WARNING, INFO):
            block = [i for i in self.issues if i.severity == severity]
            if not block:
                continue
            ja, en = _SEVERITY_LABEL[severity]
            lines.append(f"【{ja} {len(block)} 件】" if lang == "ja" else f"[{en}: {len(block)}]")
            by_file: dict[str, list[ImportIssue]] = {}
            for issue in block:
                by_file.setdefault(issue.file, []).append(issue)
            for file, issues in by_file.items():
                lines.append(f"■ {Path(file).name if file else '(全体)' if lang == 'ja' else '(batch)'}")
                for issue in issues:
                    place = issue.place or "-"
                    value = f"  [{issue.value}]" if issue.value else ""
                    lines.append(f"  {issue.severity_label(lang):<4} {place:<14} "
                                 f"{issue.message(lang)}{value}")
        counts = Counter(i.severity for i in self.issues)
        if lang == "ja":
            summary = (f"{len(self.files)} ファイル: エラー {counts[ERROR]} 件、警告 {counts[WARNING]} 件。")
            if self.written:
                summary += (f" 取り込みました（{self._sections_text('、')}: 手続 {self.procedures} 件、"
                            f"工程 {self.steps} 件）。")
            else:
                summary += " エラーがあるため、何も取り込んでいません。" if counts[ERROR] else " 取り込んでいません。"
        else:
            summary = (f"{len(self.files)} file(s): {counts[ERROR]} error(s), "
                       f"{counts[WARNING]} warning(s).")
            if self.written:
                summary += (f" Imported ({self._sections_text(', ')}: {self.procedures} procedures, "
                            f"{self.steps} steps).")
            else:
                summary += " Nothing was imported because of errors." if counts[ERROR] else " Nothing imported."
        lines.append(summary)
        return "\n".join(lines)

    def _sections_text(self, separator: str) -> str:
        if len(self.sections) <= 6:
            return separator.join(self.sections)
        return f"{len(self.sections)} sections" if separator == ", " else f"{len(self.sections)} 課"

    def to_json(self, lang: str = "ja") -> str:
        return json.dumps({
            "ok": self.ok, "written": self.written, "files": self.files,
            "sections": self.sections, "procedures": self.procedures, "steps": self.steps,
            "issues": [i.to_dict(lang) for i in self.issues],
            "changes": [{**vars(c), "text": c.describe(lang)} for c in self.changes],
        }, ensure_ascii=False, indent=1)
