"""A frozen snapshot's steps and links read partly by worker processes (a report's run's,
started before the project is read; issue 16) are the frames one process reads."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import Executor, ProcessPoolExecutor

import pandas as pd
import pytest

from bpr_studio import loading
from bpr_studio.io.survey_import import import_surveys
from bpr_studio.loading import load_frames
from bpr_studio.store import open_project, open_snapshot
from sample_surveys.build_samples import sample_files


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    path = tmp_path_factory.mktemp("frames") / "city.bprproj"
    assert import_surveys(path, sample_files()).ok
    return path


def _same(left: tuple, right: tuple) -> None:
    for a, b in zip(left, right, strict=True):
        pd.testing.assert_frame_equal(a, b, check_exact=True)
        assert list(a.dtypes) == list(b.dtypes)
        assert a.index.equals(b.index)


def test_a_snapshot_read_with_helper_processes_gives_the_same_frames(city, monkeypatch):
    monkeypatch.setattr(loading, "HELPED_STEPS", 0)  # the sample is read here alone otherwise
    with open_snapshot(city) as project, ProcessPoolExecutor(
            2, multiprocessing.get_context("spawn")) as helpers:
        alone = load_frames(project)
        helped = load_frames(project, helpers=helpers)
    assert len(alone[1]) > 400
    _same(alone, helped)


class _Refusing(Executor):
    def submit(self, *_args, **_kwargs):
        raise AssertionError("a project others may write is read here alone")


def test_a_project_that_is_not_a_snapshot_is_read_here_alone(city):
    with open_project(city) as project:
        _same(load_frames(project), load_frames(project, helpers=_Refusing()))
