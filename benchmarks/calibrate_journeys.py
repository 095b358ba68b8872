"""Published journey results against the model on the sample city (issue 14, item 3).

    .venv/bin/python -m benchmarks.calibrate_journeys [--replications 1000]

Imports the sample surveys into a temporary project, runs the journeys with the measure
sets of ``analysis.journey_calibration.RUNS`` and prints the comparison as the Markdown
table docs/life-events.md shows.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from analysis.journey_calibration import RUNS, comparison_rows
from bpr_studio.io.survey_import import import_surveys
from bpr_studio.journey_pipeline import run_journeys
from bpr_studio.store import open_project
from sample_surveys.build_samples import sample_files


def _fmt(value: float | None, digits: int = 0) -> str:
    return "—" if value is None else f"{value:,.{digits}f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--replications", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "sample.bprproj"
        import_surveys(path, sample_files())
        with open_project(path) as project:
            runs = {key: run_journeys(project, measures=measures, replications=args.replications)
                    for key, measures in RUNS.items()}
    print("| municipality | event | metric | model run | published before → after (ratio) "
          "| model before → after (ratio) | reading |")
    print("|---|---|---|---|---|---|---|")
    for row in comparison_rows(runs):
        digits = 2 if row["unit"] in ("比", "回", "か所") else 0
        published = (f"{_fmt(row['published_before'], digits)} → {_fmt(row['published_after'], digits)}"
                     f" {row['unit']} ({_fmt(row['published_ratio'], 2)})")
        model = (f"{_fmt(row['model_before'], digits)} → {_fmt(row['model_after'], digits)}"
                 f" ({_fmt(row['model_ratio'], 2)})")
        print(f"| {row['municipality']} | {row['event']} | {row['metric']} | {row['measures']} "
              f"| {published} | {model} | {row['reading']} |")


if __name__ == "__main__":
    main()
