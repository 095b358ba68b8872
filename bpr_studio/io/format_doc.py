"""Render ``docs/survey-format.md`` from the format spec, so the document cannot drift.

    python -m bpr_studio.io.format_doc > docs/survey-format.md
"""

from __future__ import annotations

from bpr_studio.io.survey_format import FORMAT_VERSION, SHEETS, Column
from bpr_studio.model.unit_costs import DEFAULT_UNIT_COSTS

_KIND_TEXT = {
    "id": "text (ID; full-width letters folded)", "text": "text", "int": "whole number",
    "number": "number", "minutes": ("duration in minutes (30, 30分, 1時間30分, 1.5h, 1:30, 10～15分, 3日, "
                "1日4時間; a day = 465 working minutes)"),
    "bool": "yes/no (○/×, 有/無, はい/いいえ, y/n, 1/0)", "code": "one of the choices",
    "months": "months (3,4 / 3～4月)", "next": "next steps (3 / 4(85%); 2(15%) / 終了 / 4&5 parallel)",
    "rating": "rating 0–4",
}

INTRO = f"""# Survey workbook format v{FORMAT_VERSION}

*This file is generated from `bpr_studio/io/survey_format.py` by
`python -m bpr_studio.io.format_doc`; a test fails when the two disagree.*

A section fills in one workbook (業務量調査票). `bpr-studio template OUT.xlsx` writes a
blank one with drop-downs, input messages and an example row. The importer accepts
`.xlsx`, `.xlsm`, `.xls` and `.csv` (UTF-8 or Shift_JIS/cp932; one sheet per file, the
sheet named in the file name, e.g. `市民課_工程.csv`).

## How the importer reads a sheet

- **Sheets** are found by name (Japanese, English or an alias); failing that, by a header row
  that holds all required columns.
- **The header row** is the row among the first 20 that matches the most known headers.
  Headers are compared after NFKC folding, without spaces and required-marks (`※`, `*`,
  `(必須)`), so `最短（分）`, `最短 (分)` and `最短(分)` are the same column. Old and alternative
  names (the aliases in the tables below, e.g. `標準時間` for `標準(分)`) are accepted and listed
  in one information line per sheet ("標準時間 → 標準(分)"). **Two header rows** are read
  when a group header (`所要時間(分)`, often merged across columns) stands over sub-headers
  (`最短` / `標準` / `最長`): the sub-header names the column. Unknown columns are reported as
  information and ignored; merged header cells are an error when they hide a required column.
  A missing required column is reported at the header cell that looks most like it, with
  the name to type (`標準的な作業時間(分/件)` → rename it to `標準(分)`).
- **Rows**: blank rows are skipped (so are thousands of blank rows at the end); a row whose
  first filled cell starts with `※`, `*`, `#`, `注` or `【` is a note; a row whose ID starts
  with `例` is the template's example and is skipped. Hidden rows are imported with a warning.
- **Values** are normalised: full-width digits and spaces, thousands separators, units
  (`1,200件`, `300円`), durations (`30分`, `1時間30分`, `1.5h`, `1:30`), yes/no marks, stray
  spaces. A task of days is typed in days: `3日`, `1日4時間`, `2.5時間` (a day in a minutes
  column is a **working day of 7 h 45 min = 465 minutes**, the standard working day of
  public servants, 一般職の職員の勤務時間、休暇等に関する法律 (平成6年法律第33号) 第5条, which
  cities copy into their 勤務時間条例: these columns hold work time that is costed at a clerk's
  hourly cost, so a 24-hour day would triple it; the reading is said back). A step may take
  up to 129,600 minutes (90 days, the bound BPMN tasks have too: a task of Prosimos' padua
  example may take up to 56,529); above 480 minutes (8 hours) the cell gets a warning that
  suggests 待ち日数 when the case only waits (calendar days).
  Formulas are read as the value Excel cached; a formula error (`#REF!`, `#DIV/0!`) is an
  error naming the cell.
- **What Excel stores, not only what it shows**, in `.xlsx` and `.xls` alike: a cell
  formatted as percent shows `15%` but stores `0.15` — in `通過割合(%)` it is read as 15. A
  time or duration cell (`h:mm`, `[h]:mm`, `mm:ss`) is read as minutes (`0:05` is 5). A
  number stored as text (`'15`, `３０`) is read as the number. A date where none belongs
  (Excel turns `10-15` or `3/4` typed into a General cell into a date) is an error saying
  so, except in `繁忙月`, where the date 3/4 is read as months 3～4 with a warning.
- **Readings said back to the sender** (information, one line per kind of reading and
  column, naming the first cell and listing the others): approximate counts (`約5.8万件`,
  `2,400件程度`, `5万件強`, `1,200件～`) read as the number; ranges (`1,000～1,500件` → the
  middle, 1,250; `10～15分` in `標準(分)` → 最短 10, 標準 12.5, 最長 15 where those are blank);
  ditto marks (`〃`, `同上`) read as the value of the cell above; cells merged down several
  rows (a 手続ID merged over its steps) give the value shown to each row.
- **Ambiguous values are warnings naming both readings**: a bare `0.15` in `通過割合(%)` is
  read as 15 % ("if you meant 0.15 %, type 0.15%").
- **Severity**: errors block the whole batch (nothing is written); warnings are imported and
  kept in the project's data-quality list; information is only shown.

## Cross-checks over the batch

- a step naming a procedure that is not on any procedures sheet of the batch (error);
- the same procedure ID twice in one file, or in two files (error; choose the file to keep
  with `--prefer FILE` or in the import dialog), or owned by another section in the project;
- minimum ≤ typical ≤ maximum minutes (error at the bound that breaks the order: the
  maximum cell when the maximum is below the typical time, the minimum cell when the
  minimum is above it; the typical cell when both are);
- next-step percentages that do not add up to 100 % (±0.5), several next steps without
  percentages, a next step that does not exist (errors; the message lists the step numbers
  of the procedure and 終了);
- steps that cannot be reached from the first step (warning) and steps from which the end can
  never be reached — a rework loop with no way out (error, one per loop, at the next-step
  cell of the loop's last step, naming the loop's steps and rows);
- online cases above annual cases (error); a procedure without steps (warning; not
  reported when the steps sheet itself could not be read).

## The import report

Errors come first (they block the batch), then warnings, then information; each line names
the file, the cell (`工程!J5`) and what to type instead where that is not obvious: the
allowed choices, "a number in minutes (10, 1時間30分, 0:45, 10～15分)", the valid next steps.
Messages are in Japanese, in English with `--lang en`. `docs/import-messages.md` shows
examples before and after these rules.

## Replacing a section

A section (課) is the unit of re-import: importing a workbook replaces every procedure
of the sections it contains (with their steps, links, unit costs and open warnings) in one
transaction. Other sections are untouched.

## Next steps, branches and rework

`次工程` holds the step number(s) that follow. Blank means the next higher step number,
and the process ends after the last step. Branches carry percentages: `4(85%); 2(15%)`
sends 15 % of cases back to step 2 (rework). `終了` ends the process, and can be a branch
too: `5(70%); 終了(30%)`.

**Parallel branches**: `4&5` (also `4＆5`, `4+5`) sends every case down both 4 and 5 at
the same time; they join at the first step both lead to (the lowest step number reachable
from each). Staff and citizen minutes of both branches add up, the joining step is done
once per case, and the lead time (待ち日数) takes the branch with the longer waiting, not
the sum. `4&5(30%)` means step 5 runs in only 30 % of cases (an inclusive split). A
parallel branch goes forward (to a higher step number); rework stays `4(85%); 2(15%)`.
"""


def _column_rows(columns: tuple[Column, ...]) -> list[str]:
    rows = ["| column | English header | required | type | accepted values / range | note |",
            "|---|---|---|---|---|---|"]
    for column in columns:
        if column.code_list is not None:
            accepted = " / ".join(column.code_list.ja_labels)
        elif column.minimum is not None:
            high = f"{column.maximum:g}" if column.maximum is not None else "∞"
            accepted = f"{column.minimum:g} – {high}"
            if column.warn_above is not None:
                accepted += f" (warning above {column.warn_above:g})"
        else:
            accepted = ""
        aliases = ", ".join(column.aliases)
        note = column.help_ja + (f" Also: {aliases}." if aliases else "")
        if column.percent:
            note += " A cell formatted as percent (15%) is read as shown."
        rows.append(f"| {column.ja} | {column.en} | {'yes' if column.required else ''} | "
                    f"{_KIND_TEXT[column.kind]} | {accepted} | {note} |")
    return rows


def render() -> str:
    parts = [INTRO]
    for spec in SHEETS:
        optional = "" if spec.required else " (optional)"
        parts.append(f"## Sheet 「{spec.ja}」 ({spec.en}){optional}\n")
        if spec.aliases:
            parts.append(f"Also recognised as: {', '.join(spec.aliases)}.\n")
        parts.append("\n".join(_column_rows(spec.columns)) + "\n")
    parts.append("## Unit-cost keys (sheet 単価)\n")
    parts.append("A blank value means the project's value. Defaults and their sources:\n")
    parts.append("| key | item | default | unit | source |\n|---|---|---|---|---|")
    parts.extend(f"| {u.key} | {u.ja} | {u.value:,g} | {u.unit} | {u.source} |"
                 for u in DEFAULT_UNIT_COSTS)
    return "\n".join(parts) + "\n"


if __name__ == "__main__":
    print(render(), end="")
