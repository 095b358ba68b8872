"""Write the sample survey workbooks: ``python -m sample_surveys.build_samples``.

The workbooks in this folder are generated from :mod:`sample_surveys.sample_data`;
re-run this after changing the data (a test checks they are in step).
"""

from __future__ import annotations

from pathlib import Path

from bpr_studio.io.template import write_survey_workbook
from sample_surveys import resurvey_data
from sample_surveys.sample_data import SECTIONS, section_rows

SAMPLE_DIR = Path(__file__).resolve().parent


def sample_files() -> list[Path]:
    return [SAMPLE_DIR / spec["file"] for spec in SECTIONS.values()]


def resurvey_files() -> list[Path]:
    """The sample re-survey of two sections (効果測定; :mod:`sample_surveys.resurvey_data`)."""
    return [SAMPLE_DIR / name for name in resurvey_data.FILES.values()]


def build_samples(out_dir: Path = SAMPLE_DIR) -> list[Path]:
    written = []
    for section, spec in SECTIONS.items():
        procedures, steps = section_rows(section)
        written.append(write_survey_workbook(out_dir / spec["file"], procedures, steps))
    for section, name in resurvey_data.FILES.items():
        procedures, steps = resurvey_data.resurvey_rows(section)
        (out_dir / name).parent.mkdir(parents=True, exist_ok=True)
        written.append(write_survey_workbook(out_dir / name, procedures, steps))
    return written


if __name__ == "__main__":
    for path in build_samples():
        print(path)
