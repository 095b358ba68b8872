"""Benchmark: score the generated 3,000-procedure project; import a ~3,100-row inventory.

    python -m benchmarks.bench_cost_model

Targets (issue 3): scoring ≤ 0.5 s wall (loading the tables included);
national inventory import of ~3,100 rows ≤ 3 s.
"""

from __future__ import annotations

import csv
import tempfile
import time
from pathlib import Path

from benchmarks.common import generated_city
from bpr_studio.io.inventory import import_inventory
from bpr_studio.loading import score_project
from bpr_studio.store import open_project

INVENTORY = Path(__file__).resolve().parents[1] / "tests" / "data" / "national_inventory_sample.csv"


def _big_inventory(out: Path, rows_wanted: int = 3100) -> Path:
    """The sample's rows repeated under new IDs, to the size of the real municipal list."""
    with INVENTORY.open(encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        headers = reader.fieldnames or []
        rows = list(reader)
    with out.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.DictWriter(handle, headers)
        writer.writeheader()
        for i in range(rows_wanted):
            row = dict(rows[i % len(rows)])
            row["手続ID"] = f"{row['手続ID']}-{i}"
            writer.writerow(row)
    return out


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        _survey, project_path = generated_city(Path(tmp))
        with open_project(project_path) as project:
            score_project(project)  # warm-up: imports, caches
            runs = []
            for _ in range(5):
                start = time.perf_counter()
                result = score_project(project)
                runs.append(time.perf_counter() - start)
        print(f"scoring: {len(result.procedures):,} procedures, {len(result.steps):,} steps: "
              f"best {min(runs):.3f} s, median {sorted(runs)[2]:.3f} s (load + compute)")
        csv_path = _big_inventory(Path(tmp) / "inventory.csv")
        start = time.perf_counter()
        report = import_inventory(Path(tmp) / "inv.bprproj", csv_path, population=200_000)
        wall = time.perf_counter() - start
        print(f"inventory import: {report.procedures:,} rows: {wall:.2f} s (ok={report.ok})")


if __name__ == "__main__":
    main()
