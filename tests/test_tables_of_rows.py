"""A chunk's as-is tables made from its rows (analysis.tabular.tables_of_rows) are the
tables of the graphs those rows make, cell for cell and dtype for dtype — or, where a graph
would not be its rows as they are, none (the graphs are used)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.graph import ProjectGraphs
from analysis.tabular import graphs_to_tables, tables_of_rows

TABLES = ("procedures", "steps", "links", "effects", "channels")


def assert_same_tables(rows: tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]) -> None:
    graphs = ProjectGraphs(*rows)
    expected = graphs_to_tables({pid: graphs[pid] for pid in graphs})
    made = tables_of_rows(*rows)
    assert made is not None
    for name in TABLES:
        a, b = getattr(expected, name), getattr(made, name)
        pd.testing.assert_frame_equal(b, a, check_exact=True)
        assert list(b.dtypes) == list(a.dtypes)


def test_the_sample_citys_rows_in_any_order_give_its_graphs_tables(tmp_path):
    from bpr_studio.pipeline import load_model
    from bpr_studio.sample_project import ensure_sample_project
    from bpr_studio.store import open_project

    with open_project(ensure_sample_project(tmp_path)) as project:
        graphs = load_model(project).graphs
    assert isinstance(graphs, ProjectGraphs)
    rows = graphs.rows_of(sorted(graphs))
    assert_same_tables(rows)
    rng = np.random.default_rng(3)
    shuffled = tuple(frame.iloc[rng.permutation(len(frame))] for frame in rows)
    assert_same_tables(shuffled)  # type: ignore[arg-type]


def _rows() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    procedures = pd.DataFrame({"procedure_id": ["B", "A", "C", "D"],
                               "annual_cases": [10, 20, np.nan, 5],
                               "section": ["s1", None, "s2", "s1"]})
    steps = pd.DataFrame({
        "procedure_id": ["B", "B", "B", "A", "A", "C", "X"],
        "step_no": [3, 1, 2, 2, 1, 1, 1],
        "typical_minutes": [5.0, np.nan, 2.5, 1.0, 4.0, 3.0, 9.0],
        "actor": ["clerk", "citizen", None, "clerk", "counter", "clerk", "clerk"],
        "seal": [True, False, True, False, False, True, False]})
    links = pd.DataFrame({
        "procedure_id": ["B", "B", "B", "B", "B", "X"],
        "from_step_no": [2, 1, 2, 3, 1, 1],
        "to_step_no": [3.0, 2.0, 1.0, np.nan, 3.0, np.nan],
        "probability": [0.8, 0.5, 0.2, 1.0, 0.5, 1.0],
        "parallel": [0, 1, 0, 0, 1, 0]})
    return procedures, steps, links


def test_arrows_in_their_order_a_straight_sequence_and_a_procedure_without_steps():
    """B: arrows out of order, a parallel split, a loop back and an end; A: no arrows (a
    straight sequence); C: one step; D: no step; X: rows of no procedure (left out)."""
    assert_same_tables(_rows())


@pytest.mark.parametrize("change", ["arrow twice", "arrow to no step", "arrow from no step",
                                    "step twice", "procedure twice", "float step numbers"])
def test_rows_a_graph_would_change_are_left_to_the_graphs(change):
    procedures, steps, links = _rows()
    if change == "arrow twice":
        links = pd.concat([links, links.iloc[[0]]], ignore_index=True)
    elif change == "arrow to no step":
        links.loc[0, "to_step_no"] = 7.0
    elif change == "arrow from no step":
        links.loc[0, "from_step_no"] = 7
    elif change == "step twice":
        steps.loc[0, "step_no"] = 1
    elif change == "procedure twice":
        procedures = pd.concat([procedures, procedures.iloc[[0]]], ignore_index=True)
    else:
        steps["step_no"] = steps["step_no"].astype(float)
    assert tables_of_rows(procedures, steps, links) is None
