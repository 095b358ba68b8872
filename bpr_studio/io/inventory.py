"""Import the Digital Agency's national procedure inventory as a starting catalogue.

``bpr-studio import-inventory --project FILE --population N CSV`` creates one procedure
per row, keeping the national 手続ID as its ID, scales national case counts to the
city by population, and derives legal basis, identity check, attachments and fee from
the coded columns. Rows with missing or miscoded values import with a warning naming
row and column, and a conservative default; no row is dropped silently.

Outcome-only columns. The survey filled 懸念点, 本人確認手法 and 処理期間(オンライン)
only for procedures in one state of オンライン化の実施状況 (the first two only where the
procedure is not online, the last only where it is), and it records how attachments
are submitted and fees paid through the channels that exist today. A field that is
present (or worded) one way for online procedures and another way for the rest says
whether the procedure is online, not how hard it is to put online; scored, it would
make the readiness level restate the outcome. So the importer derives the four axes
only from columns whose meaning is the same for every row (法令名, 手続主体, 申請時に
添付させる書類, 添付書類等提出の撤廃/省略状況, 手数料等の納付有無/方法) and keeps the
outcome-only answers as a note for people to read. See docs/cost-model.md, section 6.

Source attribution required by the licence (PDL1.0) is :data:`ATTRIBUTION`.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select

from bpr_studio.io.normalize import CellProblem, nfkc, parse_number
from bpr_studio.io.report import ERROR, INFO, WARNING, ImportIssue, ImportReport, cell_ref
from bpr_studio.io.workbook_reader import decode_text
from bpr_studio.model import tables
from bpr_studio.store import Project, open_project

ATTRIBUTION = ("出典：「行政手続等の悉皆調査結果」（デジタル庁）"
               "（https://www.digital.go.jp/resources/procedures-survey-results）を加工して作成"
               "（公共データ利用規約 第1.0版 PDL1.0）")
INVENTORY_SECTION = "国の手続一覧（未割当）"
REQUIRED_COLUMNS = ("手続ID", "手続名", "総手続件数", "オンライン手続件数")

_CERTIFICATE_WORDS = ("住民票", "戸籍", "所得証明", "納税証明", "登記事項証明", "印鑑登録証明",
                      "資格証明", "納入証明", "課税証明")
# Who files (手続主体) → the identity check the survey recorded most often for that kind
# of filer, among the 883 rows of the training half that have 本人確認手法: individuals
# (5 国民等) an ID document (101 of 231); public bodies (1–4), businesses (6) and
# "individuals or businesses" (7) none. 手続主体 is recorded for every row whatever its
# online state, so it can be scored; 本人確認手法 cannot (only not-yet-online rows have it).
_FILER_IDENTITY = {"1": "none", "2": "none", "3": "none", "4": "none", "5": "id_document",
                   "6": "none", "7": "none"}
# Columns the survey filled for one state of オンライン化の実施状況 only: never scored.
OUTCOME_ONLY_COLUMNS = ("オンライン化の実施予定及び検討時の懸念点", "申請等における本人確認手法",
                        "処理期間(オンライン)")


def _codes(cell: str) -> list[str]:
    """Leading codes of a coded cell: '0 電子…; 2 原紙…' → ['0', '2']; '1-5 その他' → ['1-5']."""
    return [m.group(1) for part in cell.split(";")
            if (m := re.match(r"\s*([0-9]+(?:-[0-9]+)?)\s", part + " "))]


@dataclass
class InventoryResult:
    report: ImportReport
    rows: list[dict[str, Any]] = field(default_factory=list)


def _read_csv(path: Path) -> tuple[list[str], list[list[str]]]:
    text = decode_text(path.read_bytes())
    rows = list(csv.reader(io.StringIO(text, newline="")))
    if not rows:
        raise CellProblem("file_empty")
    return [h.strip() for h in rows[0]], rows[1:]


def parse_inventory(path: Path, population: int, national_population: float) -> InventoryResult:
    """Read the inventory CSV into procedure rows (no project change)."""
    report = ImportReport(files=[str(path)])
    result = InventoryResult(report)
    sheet = path.stem
    try:
        headers, rows = _read_csv(path)
    except FileNotFoundError:
        report.issues.append(ImportIssue(ERROR, "file_missing", str(path)))
        return result
    except CellProblem as problem:
        report.issues.append(ImportIssue(ERROR, problem.key, str(path)))
        return result
    index = {h: i for i, h in enumerate(headers)}
    missing = [c for c in REQUIRED_COLUMNS if c not in index]
    for column in missing:
        report.issues.append(ImportIssue(ERROR, "column_missing", str(path), sheet,
                                         params={"column": column}))
    if missing:
        return result
    scale = population / national_population
    seen: set[str] = set()

    for r, row in enumerate(rows, start=2):
        if not any(cell.strip() for cell in row):
            continue

        def get(column: str, row: list[str] = row) -> str:
            i = index.get(column)
            return nfkc(row[i]) if i is not None and i < len(row) else ""

        def warn(column: str, key: str, value: str = "", r: int = r, **params: Any) -> None:
            col = index.get(column)
            report.issues.append(ImportIssue(WARNING, key, str(path), sheet, cell_ref(col, r), value,
                                             {"column": column, **params},
                                             INVENTORY_SECTION))

        pid = get("手続ID")
        if not pid:
            pid = f"INV-{r}"
            warn("手続ID", "inventory_id_missing", id=pid)
        if pid in seen:
            new_id = f"{pid}-{r}"
            warn("手続ID", "inventory_id_duplicate", pid, id=new_id)
            pid = new_id
        seen.add(pid)
        counts = {}
        for column in ("総手続件数", "オンライン手続件数"):
            raw = get(column)
            try:
                counts[column] = max(0.0, parse_number(raw)) if raw else 0.0
            except CellProblem:
                warn(column, "inventory_bad_count", raw)
                counts[column] = 0.0
        total, online = counts["総手続件数"], counts["オンライン手続件数"]
        if online > total:
            warn("オンライン手続件数", "online_exceeds_total", f"{online:g}",
                 online=f"{online:g}", total=f"{total:g}")
            online = total
        result.rows.append({
            "procedure_id": pid,
            "name": get("手続名") or pid,
            "department": get("所管府省庁") or None,
            "section": INVENTORY_SECTION,
            "team": (get("手続が行われるイベント(個人)").split(";")[0].strip() or None),
            "category": "other",
            "legal_basis": _legal_basis(get("法令名"), warn),
            "legal_basis_name": " ".join(x for x in (get("法令名"), get("根拠条項号")) if x) or None,
            # Not from 懸念点 (outcome-only): a legal requirement for paper is the city's to
            # record in its survey; the inventory's answer is kept in the note below.
            "legal_form_requirement": None,
            "identity_check": _identity(get("手続主体"), get("申請時に添付させる書類"), warn),
            **_attachments(get("申請時に添付させる書類"), get("添付書類等提出の撤廃/省略状況"), warn),
            **_fee(get("手数料等の納付有無"), get("手数料等の納付方法"), warn),
            "annual_cases": int(round(total * scale)),
            "online_cases": int(round(online * scale)),
            "visit_required": None,
            "lead_time_days": None,
            "notes": _note(total, online, get),
            "origin": "inventory",
            "source_file": path.name,
            "source_row": r,
        })
    report.procedures = len(result.rows)
    report.sections = [INVENTORY_SECTION]
    return result


def _legal_basis(law: str, warn: Callable[..., None]) -> str:
    if not law:
        warn("法令名", "inventory_default", "", default="法律・政令")
        return "law"  # conservative: national law (2 points), not the city's own rule
    if re.search(r"(省令|施行規則|規則)$", law) or "省令" in law:
        return "ministerial"
    if "条例" in law:
        return "ordinance"
    return "law"


def _identity(filer: str, attachments: str, warn: Callable[..., None]) -> str:
    if "印鑑登録証明" in attachments:
        return "registered_seal"   # the certificate proves the registered seal on the form
    codes = _codes(filer)
    known = [_FILER_IDENTITY[c.split("-")[0]] for c in codes if c.split("-")[0] in _FILER_IDENTITY]
    if not known:
        warn("手続主体", "inventory_unknown_code" if filer else "inventory_default", filer,
             default="本人確認書類")
        return "id_document"   # conservative: as if individuals file
    return "id_document" if "id_document" in known else "none"


def _note(total: float, online: float, get: Callable[[str], str]) -> str:
    """Counts, and the survey's outcome-only answers for a person to read (not scored)."""
    parts = [f"全国件数 {total:,.0f}（うちオンライン {online:,.0f}）"]
    status = get("オンライン化の実施状況")
    if status:
        parts.append(f"国の調査のオンライン化の実施状況：{status}")
    if get("手続主体"):
        parts.append(f"本人確認は手続主体「{get('手続主体')}」から推定")
    labels = {"オンライン化の実施予定及び検討時の懸念点": "懸念点",
              "申請等における本人確認手法": "本人確認（紙の手続）",
              "処理期間(オンライン)": "処理期間（オンライン）"}
    answers = [f"{label}：{get(column)}" for column, label in labels.items() if get(column)]
    if answers:
        parts.append("（未実施または実施済の手続にだけ記入された項目。難易度の採点には使わない）"
                     + "、".join(answers))
    return "。".join(parts)


def _attachments(items_cell: str, dropped_cell: str, warn: Callable[..., None]) -> dict[str, Any]:
    items = [i.strip() for i in items_cell.split(";") if i.strip()]
    if not items:
        warn("申請時に添付させる書類", "inventory_default", "", default="写し・画像で可")
        return {"attachment_kind": "image", "attachment_count": 1, "attachment_names": None}
    if items == ["添付書類なし"]:
        return {"attachment_kind": "none", "attachment_count": 0, "attachment_names": None}
    names = "; ".join(items)
    count = len(items)
    # Not from 添付書類等の提出方法: "原紙での提出のみ" is how attachments travel while the
    # procedure is on paper (72 of 385 未実施 rows, 3 of 701 実施済), not a need for originals.
    if "1" in _codes(dropped_cell):
        kind = "linkable"        # 撤廃・省略済
    elif any(word in item for item in items for word in _CERTIFICATE_WORDS):
        kind = "certificate"
    else:
        kind = "image"
    return {"attachment_kind": kind, "attachment_count": count, "attachment_names": names}


def _fee(has_fee: str, methods: str, warn: Callable[..., None]) -> dict[str, Any]:
    codes = _codes(has_fee)
    if codes == ["1"]:
        return {"fee_yen": None, "fee_payment": None}
    if codes != ["2"]:
        warn("手数料等の納付有無", "inventory_unknown_code" if has_fee else "inventory_default",
             has_fee, default="手数料等有り")
    # 2-x are online methods; 1-2 bank, 1-3 Pay-easy ATM, 1-4 convenience store take no cash
    # at the counter; 1-1 行政機関の窓口 and 1-5 その他 (or nothing stated) count as cash.
    paid = _codes(methods)
    if any(code.startswith("2-") for code in paid):
        payment = "online"
    elif set(paid) & {"1-2", "1-3", "1-4"}:
        payment = "cashless"
    else:
        payment = "cash"
    return {"fee_yen": None, "fee_payment": payment}


def write_inventory(project: Project, result: InventoryResult) -> ImportReport:
    """Replace the inventory catalogue in one transaction; surveyed procedures are kept."""
    report = result.report
    if not report.ok:
        return report
    project.require_writable()
    t = tables.Procedure.__table__
    with project.engine.begin() as conn:
        from bpr_studio import team

        team.require_section(project, conn, None, "全国手続一覧の取り込み")
        surveyed = dict(conn.execute(select(t.c.procedure_id, t.c.section).where(
            t.c.origin != "inventory")).all())
        rows = []
        for row in result.rows:
            if row["procedure_id"] in surveyed:
                report.issues.append(ImportIssue(
                    INFO, "inventory_already_surveyed", row["source_file"], "",
                    str(row["source_row"]), row["procedure_id"],
                    {"id": row["procedure_id"], "section": surveyed[row["procedure_id"]]}))
                continue
            rows.append({k: v for k, v in row.items()})
        batch_id = conn.execute(tables.ImportBatch.__table__.insert().values(
            imported_at=datetime.now(UTC), files=f'["{report.files[0]}"]',
            sections=f'["{INVENTORY_SECTION}"]',
        ).returning(tables.ImportBatch.__table__.c.id)).scalar_one()
        conn.execute(delete(t).where(t.c.origin == "inventory"))
        issues = tables.StoredIssue.__table__
        conn.execute(delete(issues).where(issues.c.section == INVENTORY_SECTION))
        if rows:
            conn.execute(t.insert(), [{**r, "batch_id": batch_id} for r in rows])
        warnings = [i for i in report.issues if i.severity == WARNING]
        if warnings:
            import json

            conn.execute(issues.insert(), [
                {"batch_id": batch_id, "section": INVENTORY_SECTION, "severity": i.severity,
                 "key": i.key, "file": Path(i.file).name, "sheet": i.sheet, "cell": i.cell,
                 "value": i.value, "params": json.dumps(i.params, ensure_ascii=False)}
                for i in warnings])
        conn.execute(tables.Meta.__table__.delete().where(tables.Meta.__table__.c.key == "attribution"))
        conn.execute(tables.Meta.__table__.insert().values(key="attribution", value=ATTRIBUTION))
    report.procedures = len(rows)
    report.written = True
    return report


def import_inventory(project_target: str | Path, csv_path: str | Path, population: int) -> ImportReport:
    from bpr_studio.loading import load_unit_costs  # national population is a unit cost

    target = project_target if "://" in str(project_target) else Path(project_target)
    with open_project(target, create=True) as project:
        project.require_writable()
        national = load_unit_costs(project).value("national_population")
        result = parse_inventory(Path(csv_path), population, national)
        return write_inventory(project, result)
