"""Fuzzed survey files (cell, XML and byte mutations of the samples, and CSVs): the import
never escapes with an exception, exits 0 or 1, and a refused import changes nothing.

A few hundred cases here; ``python -m benchmarks.fuzz --cases 10000`` runs thousands."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benchmarks import fuzz


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    folder = tmp_path_factory.mktemp("fuzz")
    project = fuzz.build_base_project(folder)
    return project, fuzz.fingerprint(project), folder


@pytest.fixture(autouse=True)
def _log_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("BPR_STUDIO_LOG_DIR", str(tmp_path / "logs"))


@settings(max_examples=150, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(min_value=0, max_value=2**31))
def test_mutated_surveys_never_crash_nor_change_a_refused_project(base, seed):
    project, base_print, folder = base
    result = fuzz.run_case(seed, project, folder / "work", base_print)
    assert result["error"] == "", result
    assert result["code"] in (0, 1), result
    assert not result["changed"], result
    assert result["seconds"] < 10, result
