"""Long work in workers is done in small pieces, so the GUI thread gets Python's lock
between them (benchmarks/bench_gui.py measures the blocks), and gives the same result as
the one-call version: the step table (from_records), the import snapshot (json.dumps)."""

from __future__ import annotations

import numpy as np
import pandas as pd

import analysis.tabular as tabular
from analysis.tabular import records_frame


def test_records_frame_equals_from_records_on_the_sample_city(monkeypatch, tmp_path):
    from bpr_studio.pipeline import load_model
    from bpr_studio.sample_project import ensure_sample_project
    from bpr_studio.store import open_project

    # Its own copy: the one in the user's data folder may be being rebuilt by another run.
    with open_project(ensure_sample_project(tmp_path)) as project:
        graphs = load_model(project).graphs
    records = [g._node[n] for pid in sorted(graphs) for g in [graphs[pid]]
               for n in sorted(k for k in g._node if k != "END")]
    monkeypatch.setattr(tabular, "RECORDS_CHUNK", 37)  # many chunks, a ragged last one
    pd.testing.assert_frame_equal(records_frame(records), pd.DataFrame.from_records(records))
    procedures = [graphs[pid].graph for pid in sorted(graphs)]
    pd.testing.assert_frame_equal(records_frame(procedures),
                                  pd.DataFrame.from_records(procedures))


def test_records_frame_fills_missing_keys_and_infers_like_from_records(monkeypatch):
    monkeypatch.setattr(tabular, "RECORDS_CHUNK", 2)
    records = [{"n": 1, "x": 1.5, "s": "a", "o": None}, {"n": 2, "s": "b", "o": 3.0},
               {"n": 3, "x": np.nan, "s": None, "extra": True}, {"n": 4, "x": 2.0, "s": "d"}]
    pd.testing.assert_frame_equal(records_frame(records), pd.DataFrame.from_records(records))
    assert records_frame([]).empty


def test_import_snapshot_text_equals_json_dumps():
    import datetime
    import json

    from bpr_studio.io.import_history import _dumps_by_row

    payload = {"procedures": [{"procedure_id": "SM-001", "name": "住民票", "when":
                               datetime.date(2026, 4, 1), "cases": None, "x": 1.5}],
               "steps": [], "links": [{"from": 1, "to": [2, 3]}, {"from": 2}]}
    text = _dumps_by_row(payload)
    assert text == json.dumps(payload, ensure_ascii=False, default=str)
    assert json.loads(text)["procedures"][0]["when"] == "2026-04-01"
