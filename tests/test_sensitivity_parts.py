"""What a run's chunks make of their own comparison beside the Monte Carlo (issue 16: the
report's sensitivity analysis from the chunks' per-procedure figures, so that the report
takes `simulate`'s path and holds no step table of the whole project)."""

from __future__ import annotations

import pytest

from analysis.compare import compare
from analysis.compute import ComputeOptions
from analysis.simulate import ChunkWork, simulate_scenario
from bpr_studio.loading import get_scenario
from bpr_studio.pipeline import load_model
from bpr_studio.sample_project import ensure_sample_project
from bpr_studio.store import open_project

REPLICATIONS = 20


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    with open_project(ensure_sample_project(tmp_path_factory.mktemp("sample"))) as project:
        return load_model(project), get_scenario(project, "DX標準")


def _ids_and_steps(_model, _scenario, comparison):
    return comparison.as_is.procedures["procedure_id"].tolist(), len(comparison.to_be_tables.steps)


def test_every_chunk_gives_what_the_caller_asks_of_its_comparison_in_procedure_order(sample):
    model, scenario = sample
    whole = compare(model, scenario)
    kept = []
    work = ChunkWork(_ids_and_steps)
    result = simulate_scenario(model, scenario, REPLICATIONS, compute=ComputeOptions(
        workers=1, chunk_size=7), keep_analysis=kept.append, per_chunk=work)
    assert len(work.results) == -(-len(model.graphs) // 7) > 2
    assert [pid for ids, _steps in work.results for pid in ids] == sorted(model.graphs)
    assert sum(steps for _ids, steps in work.results) == len(whole.to_be_tables.steps)
    # The analysis kept is the joined one (no step tables), and the result is the run's.
    (analysis,) = kept
    assert analysis.comparison.to_be_tables.steps.empty
    assert analysis.comparison.as_is.procedures["procedure_id"].tolist() == sorted(model.graphs)
    plain = simulate_scenario(model, scenario, REPLICATIONS,
                              compute=ComputeOptions(workers=1, chunk_size=7))
    assert result.procedures == plain.procedures
    assert result.ranking == plain.ranking
