"""What every benchmark starts from: the generated whole-city survey, imported."""

from __future__ import annotations

from pathlib import Path


def generated_city(folder: Path, procedures: int = 3000, sections: int = 40) -> tuple[Path, Path]:
    """(survey folder, project file) of the synthetic city, written under ``folder``."""
    from bpr_studio.io.survey_import import import_surveys
    from sample_surveys.generator import generate_survey

    survey = folder / "survey"
    generate_survey(survey, procedures=procedures, sections=sections)
    project = folder / "city.bprproj"
    report = import_surveys(project, [survey])
    if not report.ok:
        raise RuntimeError(report.format_text("en"))
    return survey, project
