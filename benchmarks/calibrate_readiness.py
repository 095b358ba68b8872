"""Calibration check of the online-readiness level against the national inventory.

    python -m benchmarks.calibrate_readiness [CSV] [--markdown]

For an inventory CSV (default: the 1,599-row training half of the national inventory,
tests/data/inventory_train_R6.csv, a copy of ../shared/data/) it imports the
rows exactly as ``bpr-studio import-inventory`` does, scores them with the default
rubric and prints, twice — AS PUBLISHED and WITH THE THREE OUTCOME-ONLY COLUMNS BLANK
(懸念点, 本人確認手法, 処理期間(オンライン)) —

- per level: procedures, how many are 実施済 / 未実施, national cases, online cases and
  the case-weighted online use (オンライン手続件数 / 総手続件数);
- the same per summed score (before the thresholds cut it into levels), to recalibrate by;
- the AUC of the level against オンライン化の実施状況: the chance that a 実施済 procedure
  has a lower level than a 未実施 one (ties count half; 0.5 = no information).

A level that depends on those columns would differ between the two runs.
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from bpr_studio.io.inventory import OUTCOME_ONLY_COLUMNS, parse_inventory
from bpr_studio.io.workbook_reader import decode_text
from cost_model.readiness import ReadinessRubric, score_frame

ROOT = Path(__file__).resolve().parents[1]
# A copy of ../shared/data/inventory_train_R6.csv ships with the tests (CI has no ../shared).
TRAIN = ROOT / "tests" / "data" / "inventory_train_R6.csv"
STATUS = "オンライン化の実施状況"


@dataclass
class Calibration:
    """The level of every row and the figures printed for one reading of the CSV."""

    rows: pd.DataFrame       # procedure_id, status code, total, online, score, level, reasons
    by_level: pd.DataFrame   # per level: procedures, implemented, not_implemented, cases, use
    by_score: pd.DataFrame   # the same per summed score
    auc: float


def _read(path: Path) -> tuple[list[str], list[list[str]]]:
    rows = list(csv.reader(io.StringIO(decode_text(path.read_bytes()), newline="")))
    return [h.strip() for h in rows[0]], rows[1:]


def blanked_copy(path: Path, folder: Path) -> Path:
    """The CSV with the outcome-only columns emptied (written under ``folder``)."""
    headers, rows = _read(path)
    drop = [headers.index(c) for c in OUTCOME_ONLY_COLUMNS if c in headers]
    out = folder / f"{path.stem}_blanked.csv"
    with out.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(headers)
        for row in rows:
            writer.writerow(["" if i in drop else cell for i, cell in enumerate(row)])
    return out


def level_auc(levels: pd.Series, implemented: pd.Series) -> float:
    """P(level of a 実施済 row < level of a 未実施 row) + ½ P(equal) (Mann–Whitney)."""
    ranks = levels.rank(method="average")
    n_yes, n_no = int(implemented.sum()), int((~implemented).sum())
    if not n_yes or not n_no:
        return float("nan")
    rank_sum = ranks[implemented].sum()
    greater = rank_sum - n_yes * (n_yes + 1) / 2   # pairs where 実施済 has the higher level
    return float(1 - greater / (n_yes * n_no))


def calibrate(path: Path, rubric: ReadinessRubric | None = None) -> Calibration:
    result = parse_inventory(path, population=1, national_population=1)  # national counts
    if not result.report.ok:
        raise SystemExit(result.report.format_text("en"))
    procedures = pd.DataFrame(result.rows)
    scored = score_frame(rubric or ReadinessRubric(), procedures)
    headers, raw = _read(path)
    status_at = headers.index(STATUS)
    status = {r + 2: (row[status_at].strip()[:1] if status_at < len(row) else "")
              for r, row in enumerate(raw)}
    rows = pd.DataFrame({
        "procedure_id": procedures["procedure_id"],
        "status": procedures["source_row"].map(status),
        "total": procedures["annual_cases"].astype(float),
        "online": procedures["online_cases"].astype(float),
        "score": scored["readiness_score"], "level": scored["level"],
        "reasons_ja": scored["level_reasons_ja"], "reasons_en": scored["level_reasons_en"],
    })
    decided = rows[rows["status"].isin(["1", "2"])]
    auc = level_auc(decided["level"], decided["status"] == "1")
    by_level = _summary(rows, "level").reindex(range(1, 5), fill_value=0)
    by_level["online_use"] = by_level["online_cases"] / by_level["cases"].where(by_level["cases"] > 0)
    return Calibration(rows, by_level, _summary(rows, "score"), auc)


def _summary(rows: pd.DataFrame, key: str) -> pd.DataFrame:
    table = rows.assign(implemented=rows["status"] == "1",
                        not_implemented=rows["status"] == "2").groupby(key).agg(
        procedures=(key, "size"), implemented=("implemented", "sum"),
        not_implemented=("not_implemented", "sum"), cases=("total", "sum"),
        online_cases=("online", "sum"))
    table["online_use"] = table["online_cases"] / table["cases"].where(table["cases"] > 0)
    return table


def _table(cal: Calibration, markdown: bool, key: str = "level") -> str:
    table = cal.by_level if key == "level" else cal.by_score
    lines = []
    if markdown:
        lines += [f"| {key} | procedures | 実施済 | 未実施 | cases (総手続件数) | online cases | "
                  "case-weighted online use |", "|---|---:|---:|---:|---:|---:|---:|"]
    else:
        lines.append(f"{key:>5} {'procs':>6} {'実施済':>5} {'未実施':>5} {'cases':>12} "
                     f"{'online':>11} {'use':>8}")
    for level, r in table.iterrows():
        use = "—" if pd.isna(r["online_use"]) else f"{100 * r['online_use']:.1f} %"
        cells = [str(level), f"{r['procedures']:,.0f}", f"{r['implemented']:,.0f}",
                 f"{r['not_implemented']:,.0f}", f"{r['cases']:,.0f}",
                 f"{r['online_cases']:,.0f}", use]
        if markdown:
            lines.append("| " + " | ".join(cells) + " |")
        else:
            widths = (5, 6, 5, 5, 12, 11, 8)
            lines.append(" ".join(c.rjust(w) for c, w in zip(cells, widths, strict=True)))
    if key == "level":
        lines.append(f"AUC of the level against 実施済 vs 未実施: {cal.auc:.3f}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("csv", nargs="?", type=Path, default=TRAIN,
                        help="inventory CSV (default: tests/data/inventory_train_R6.csv)")
    parser.add_argument("--markdown", action="store_true", help="print markdown tables")
    args = parser.parse_args(argv)
    path = args.csv
    published = calibrate(path)
    with tempfile.TemporaryDirectory() as folder:
        blank = calibrate(blanked_copy(path, Path(folder)))
    same = int((published.rows["level"].to_numpy() == blank.rows["level"].to_numpy()).sum())
    print(f"{path.name}: {len(published.rows):,} procedures")
    print("\nAS PUBLISHED")
    print(_table(published, args.markdown))
    print("\nWITH " + ", ".join(OUTCOME_ONLY_COLUMNS) + " BLANK")
    print(_table(blank, args.markdown))
    print(f"\nsame level in both readings: {same:,} of {len(published.rows):,} procedures")
    bounds = ReadinessRubric().thresholds
    print(f"\nBY SUMMED SCORE, as published (level 1 up to {bounds[0]}, 2 up to {bounds[1]}, "
          f"3 up to {bounds[2]}; an axis at 3 → 4)")
    print(_table(published, args.markdown, key="score"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
