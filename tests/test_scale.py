"""The Monte Carlo at prefecture scale (issue 16): chunks of procedures within a memory
budget, on one core, a process pool or Dask — and the same figures whichever.

A 690-procedure model (the sample city's 69 procedures ten times, with new IDs) makes
chunks of 50 and 500 differ from one chunk of all.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest

from analysis.chunked import FIXED_POINT, group_stats
from analysis.compare import ProjectModel, compare, parameter_values
from analysis.compute import ComputeOptions, parse_size, plan_run, run_monte_carlo
from analysis.graph import END
from analysis.montecarlo import SimulationCancelled, draw_theta, simulate_tables
from analysis.simulate import simulate_scenario
from bpr_studio.loading import get_scenario
from bpr_studio.pipeline import load_model
from bpr_studio.sample_project import ensure_sample_project
from bpr_studio.store import open_project

REPLICATIONS = 40


def replicated(model: ProjectModel, copies: int) -> ProjectModel:
    """The model's procedures ``copies`` times, each copy with its own IDs."""
    graphs = {}
    for k in range(copies):
        for pid, graph in model.graphs.items():
            copy = graph.copy()
            new = f"{pid}-{k:02d}"
            copy.graph = dict(graph.graph, procedure_id=new)
            for node in copy.nodes:
                if node != END:
                    copy.nodes[node]["procedure_id"] = new
            graphs[new] = copy
    return ProjectModel(graphs, model.unit_costs, model.rubric)


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    with open_project(ensure_sample_project(tmp_path_factory.mktemp("sample"))) as project:
        return load_model(project), get_scenario(project, "DX標準")


@pytest.fixture(scope="module")
def big(sample):
    model, scenario = sample
    model = replicated(model, 10)
    comparison = compare(model, scenario)
    procedures = comparison.as_is.procedures.reset_index(drop=True)
    sections = sorted(procedures["section"].dropna().unique())
    codes = pd.Categorical(procedures["section"], categories=sections).codes
    return model, scenario, comparison, codes, len(sections)


def summary_of(big, options: ComputeOptions, **more):
    model, scenario, comparison, codes, n_sections = big
    return run_monte_carlo(comparison.as_is_tables, comparison.to_be_tables, model.unit_costs,
                           REPLICATIONS, 5, parameter_values(scenario), codes, n_sections,
                           1860.0, options, **more)


def assert_same(a, b):
    assert np.array_equal(a.stats, b.stats, equal_nan=True)
    assert np.array_equal(a.section_stats, b.section_stats)
    assert np.array_equal(a.city_sums, b.city_sums)


def test_figures_do_not_depend_on_chunk_size_or_workers(big):
    whole = summary_of(big, ComputeOptions(workers=1, chunk_size=10_000))
    assert whole.chunks == 1
    for options in (ComputeOptions(workers=1, chunk_size=50),
                    ComputeOptions(workers=1, chunk_size=500),
                    ComputeOptions(workers=2, chunk_size=50)):
        other = summary_of(big, options)
        assert other.chunks == -(-690 // options.chunk_size)
        assert_same(whole, other)
    assert "2 processes" in other.plan
    # … and they do depend on the seed.
    model, scenario, comparison, codes, n_sections = big
    reseeded = run_monte_carlo(comparison.as_is_tables, comparison.to_be_tables,
                               model.unit_costs, REPLICATIONS, 6, parameter_values(scenario),
                               codes, n_sections, 1860.0, ComputeOptions(chunk_size=50))
    assert not np.array_equal(whole.city_sums, reseeded.city_sums)


def test_the_sums_are_the_sums_of_the_samples(big):
    summary = summary_of(big, ComputeOptions(workers=1, chunk_size=97), keep_samples=True)
    as_is = np.concatenate([mc.as_is for mc in summary.samples], axis=1).astype(float)
    visits = np.concatenate([mc.visits_as_is for mc in summary.samples], axis=1).astype(float)
    codes, n_sections = big[3], big[4]
    one_hot = (codes[:, None] == np.arange(n_sections)[None, :]).astype(float)
    tolerance = len(codes) / FIXED_POINT
    # Each section's percentiles are those of its sums over the replications.
    to_be = np.concatenate([mc.to_be for mc in summary.samples], axis=1).astype(float)
    visits_to_be = np.concatenate([mc.visits_to_be for mc in summary.samples],
                                  axis=1).astype(float)
    sums = np.stack([np.concatenate([np.einsum("rpc,pg->rgc", costs, one_hot),
                                     (v @ one_hot)[:, :, None]], axis=2)
                     for costs, v in ((as_is, visits), (to_be, visits_to_be))])
    for g in range(n_sections):
        assert summary.section_stats[:, :, g] == pytest.approx(
            group_stats(sums[:, :, g], 1860.0), rel=1e-6, abs=tolerance)
    assert summary.city_sums[0, :, :-1] == pytest.approx(as_is.sum(axis=1), rel=1e-9,
                                                          abs=tolerance)


def test_a_procedure_draws_the_same_alone_or_with_others(big):
    """Each procedure's draws come from (seed, its ID): simulating it alone gives exactly
    its samples from the whole run."""
    model, scenario, comparison, _codes, _n = big
    from analysis.chunked import TableSlicer

    theta = draw_theta(5, REPLICATIONS, parameter_values(scenario))
    whole = simulate_tables(comparison.as_is_tables, comparison.to_be_tables, model.unit_costs,
                            theta, 5, parameter_values(scenario))
    row = 123
    alone = simulate_tables(TableSlicer(comparison.as_is_tables)(row, row + 1),
                            TableSlicer(comparison.to_be_tables)(row, row + 1),
                            model.unit_costs, theta, 5, parameter_values(scenario))
    assert alone.procedure_ids == [whole.procedure_ids[row]]
    assert np.array_equal(alone.as_is[:, 0], whole.as_is[:, row])
    assert np.array_equal(alone.to_be[:, 0], whole.to_be[:, row])
    assert np.array_equal(alone.visits_to_be[:, 0], whole.visits_to_be[:, row])


def test_simulate_scenario_gives_the_same_result_for_any_chunking(sample):
    model, scenario = sample

    def figures(options):
        result = simulate_scenario(model, scenario, 60, 3, counter=False, compute=options)
        areas = [result.city, *result.sections, *result.procedures]
        return [(e.deterministic, e.p5, e.p50, e.p95) for area in areas
                for reading in (area.as_is, area.to_be, area.savings)
                for e in reading.values()], result.city_samples

    one = figures(ComputeOptions(workers=1, chunk_size=1_000))
    assert figures(ComputeOptions(workers=1, chunk_size=7)) == one


def test_cancel_stops_a_pool_run_promptly(big):
    calls = []

    def progress(done, total, _label):
        calls.append(done)

    def cancel():
        return len(calls) > 1   # after the first chunk's result

    started = time.perf_counter()
    with pytest.raises(SimulationCancelled):
        summary_of(big, ComputeOptions(workers=2, chunk_size=10), progress=progress,
                   cancel=cancel)
    assert time.perf_counter() - started < 60
    # 69 chunks: far from all of them ran.
    assert max(calls) < 690 / 2


def test_the_budget_sets_the_chunk_size(monkeypatch):
    """A chunk's draws fill what the budget leaves after this process and the results,
    and no more: one procedure more would not fit (this process's size pinned)."""
    from analysis import compute

    resident = 100 * 1024 ** 2
    monkeypatch.setattr(compute, "_resident_bytes", lambda: resident)
    per_procedure = 1000 * (15 * compute.BYTES_PER_STEP_REPLICATION
                            + compute.BYTES_PER_PROCEDURE_REPLICATION) * 4 / 3
    results = 30_000 * 9 * 12 * 8 + 2 * 1000 * 401 * 11 * 8
    sizes = []
    for budget in ("600MB", "1GB"):
        plan = plan_run(ComputeOptions(workers=1, memory_budget=parse_size(budget)),
                        30_000, 450_000, 1000, 400)
        room = parse_size(budget) - resident - results
        assert plan.chunk_size * per_procedure <= room < (plan.chunk_size + 1) * per_procedure
        sizes.append(plan.chunk_size)
    assert sizes[0] < sizes[1]
    large = plan_run(ComputeOptions(workers=1, memory_budget=parse_size("4GB")),
                     30_000, 450_000, 1000, 400)
    two = plan_run(ComputeOptions(workers=2, memory_budget=parse_size("4GB")),
                   30_000, 450_000, 1000, 400)
    assert two.workers == 2
    assert two.chunk_size <= large.chunk_size // 2 + 1
    # A small project stays in this process unless workers are asked for.
    assert plan_run(ComputeOptions(), 69, 900, 1000, 8).workers == 1
    with pytest.raises(ValueError, match="memory size"):
        parse_size("lots")


def test_the_environment_sets_budget_and_workers(monkeypatch):
    monkeypatch.setenv("BPR_STUDIO_MEMORY_BUDGET", "1GB")
    monkeypatch.setenv("BPR_STUDIO_WORKERS", "3")
    options = ComputeOptions()
    assert options.budget() == 1024 ** 3
    assert options.requested_workers() == 3
    assert ComputeOptions(memory_budget=5, workers=1).budget() == 5


# --- Dask --------------------------------------------------------------------------------

def test_dask_local_cluster_of_two_processes_gives_the_same_figures(big):
    # No importorskip: the test extra installs dask[distributed], and a missing install
    # fails here (EngineUnavailable) instead of passing unnoticed.
    whole = summary_of(big, ComputeOptions(workers=1, chunk_size=10_000))
    on_dask = summary_of(big, ComputeOptions(engine="dask", workers=2, chunk_size=50))
    assert on_dask.chunks == 14
    assert on_dask.plan.endswith("Dask")
    assert_same(whole, on_dask)


def test_dask_on_a_given_client_and_cancel(big):
    import distributed
    with distributed.Client(processes=False, n_workers=2, threads_per_worker=1,
                            dashboard_address=None) as client:
        calls = []
        with pytest.raises(SimulationCancelled):
            summary_of(big, ComputeOptions(engine="dask", chunk_size=10, dask_client=client),
                       progress=lambda done, _total, _label: calls.append(done),
                       cancel=lambda: len(calls) > 1)
        assert max(calls) < 690 / 2
        # The client stays usable: nothing of the cancelled run is left running on it.
        again = summary_of(big, ComputeOptions(engine="dask", chunk_size=200,
                                               dask_client=client))
        assert_same(again, summary_of(big, ComputeOptions(workers=1, chunk_size=10_000)))


def test_without_dask_the_engine_says_how_to_install_it(big, monkeypatch):
    import builtins

    from analysis.compute import EngineUnavailable

    real_import = builtins.__import__

    def no_dask(name, *args, **kwargs):
        if name == "distributed" or name.startswith("distributed."):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_dask)
    with pytest.raises(EngineUnavailable, match=r"pip install \"bpr-studio\[distributed\]\""):
        summary_of(big, ComputeOptions(engine="dask", chunk_size=100))


def test_a_project_that_fills_the_budget_still_gets_workable_chunks(monkeypatch):
    """At 30,000 procedures the model alone takes about the whole budget: the chunks then
    get a floor share of it (not one procedure each, which would never finish)."""
    import analysis.compute as compute

    budget = parse_size("2GB")
    monkeypatch.setattr(compute, "_resident_bytes", lambda: budget)
    crowded = plan_run(ComputeOptions(workers=2, memory_budget=budget), 30_000, 450_000,
                       1000, 400)
    monkeypatch.setattr(compute, "_resident_bytes", lambda: 200 * 1024 ** 2)
    roomy = plan_run(ComputeOptions(workers=2, memory_budget=budget), 30_000, 450_000,
                     1000, 400)
    per_procedure = 1000 * (15 * compute.BYTES_PER_STEP_REPLICATION
                            + compute.BYTES_PER_PROCEDURE_REPLICATION) * 4 / 3
    assert crowded.chunk_size == int(budget * compute.MIN_CHUNK_SHARE / (2 * per_procedure))
    assert 16 <= crowded.chunk_size < roomy.chunk_size


def test_counters_give_the_same_figures_on_a_pool_of_two(big, monkeypatch):
    """The counters' batches of queues run on worker processes (issue 16): the same
    waits as one after another here, and a cancel stops them."""
    from analysis import counter
    from analysis.compute import task_runner
    from analysis.counter import counter_comparison

    monkeypatch.setattr(counter, "_BATCH_VISITORS", 200_000)  # several batches
    comparison = big[2]
    here = counter_comparison(comparison, 3)
    batches = []

    def progress(done, total, _label):
        batches.append(total)

    pooled = counter_comparison(comparison, 3, run=task_runner(ComputeOptions(workers=2),
                                                               progress))
    assert batches
    assert batches[-1] > 2
    assert pooled == here
    assert here[0]["as_is"]["mean_wait_min"] > 0
    with pytest.raises(SimulationCancelled):
        counter_comparison(comparison, 3, run=task_runner(ComputeOptions(workers=2),
                                                          cancel=lambda: True))


def test_simulate_on_a_pool_runs_the_counters_beside_with_the_same_result(big, monkeypatch,
                                                                          tmp_path):
    """With worker processes, ``simulate_scenario`` costs the comparison while the last
    chunks run and queues the counters' batches on the same workers, so they run while
    this process ranks and sums (issue 16): the result is the one computed in this
    process, to the last figure; a cancel while the counters run stops the run."""
    import json

    from analysis import counter
    from analysis.simulate import write_json

    monkeypatch.setattr(counter, "_BATCH_VISITORS", 200_000)  # several batches
    model, scenario = big[0], big[1]

    def result_json(options, name):
        result = simulate_scenario(model, scenario, REPLICATIONS, 3, compute=options)
        data = json.loads(write_json(result, tmp_path / name).read_text(encoding="utf-8"))
        data.pop("generated_at")
        return data

    here = result_json(ComputeOptions(workers=1, chunk_size=100), "here.json")
    assert here["counter"]
    assert result_json(ComputeOptions(workers=2, chunk_size=100), "pool.json") == here
    labels = []

    def progress(_done, _total, label):
        labels.append(label)

    started = time.perf_counter()
    with pytest.raises(SimulationCancelled):
        simulate_scenario(model, scenario, REPLICATIONS, 3, progress=progress,
                          cancel=lambda: any(label.startswith("窓口") for label in labels),
                          compute=ComputeOptions(workers=2, chunk_size=100))
    assert time.perf_counter() - started < 120
    assert not any(label.startswith("書き出し") for label in labels)


def test_a_sections_counters_are_queued_once_its_last_procedure_is_in(sample, monkeypatch):
    """Each section's counters go to the workers as soon as the section's last procedure is
    in, beside the chunks still to come, not after the last chunk (issue 16: the wait for
    the counters after the Monte Carlo was 13 s of 65 at 30,000 procedures); every
    section's counters are there, in the sections' order."""
    from analysis import chunk_apply, counter
    from analysis.compute import SharedPool
    from analysis.counter import simulate_batch

    monkeypatch.setattr(counter, "_BATCH_VISITORS", 1)   # a batch per counter
    chunks_in: list[int] = []
    seen_at_submit: list[int] = []
    add, submit = chunk_apply.AppliedParts.add, SharedPool.submit

    def counting_add(self, result):
        chunks_in.append(result.index)
        add(self, result)

    def recording_submit(self, function, items):
        if function is simulate_batch:
            seen_at_submit.append(len(chunks_in))
        return submit(self, function, items)

    monkeypatch.setattr(chunk_apply.AppliedParts, "add", counting_add)
    monkeypatch.setattr(SharedPool, "submit", recording_submit)
    model, scenario = sample
    result = simulate_scenario(model, scenario, REPLICATIONS, 3,
                               compute=ComputeOptions(workers=2, chunk_size=10))
    assert len(chunks_in) == 7                           # 69 procedures
    assert seen_at_submit
    assert min(seen_at_submit) < len(chunks_in)
    sections = [c.section for c in result.counters]
    assert sections == sorted(sections)
    assert len(sections) >= 5


def test_batched_application_keeps_frames_equal_to_the_whole_tables(big):
    """The batched application keeps each batch's frames, not its cells, and joins them at
    the end (issue 16: less memory while the chunks run): the tables are those of all the
    graphs at once, value for value and dtype for dtype, for any batch size."""
    from analysis.compare import BatchedApplication
    from analysis.tabular import graphs_to_tables

    model, scenario = big[0], big[1]
    whole = graphs_to_tables(dict(model.graphs))
    one = BatchedApplication(model.graphs, scenario, model.rubric, 10_000).result()
    for size in (7, 100):
        batched = BatchedApplication(model.graphs, scenario, model.rubric, size).result()
        for name in ("procedures", "steps", "links", "effects", "channels"):
            pd.testing.assert_frame_equal(getattr(batched[0], name), getattr(whole, name),
                                          check_exact=True)
            pd.testing.assert_frame_equal(getattr(batched[1], name), getattr(one[1], name),
                                          check_exact=True)
        assert len(batched[2]) == len(one[2])


def _result_json(model, scenario, options, path, **more):
    import json

    from analysis.simulate import write_json

    result = simulate_scenario(model, scenario, REPLICATIONS, 3, compute=options, **more)
    data = json.loads(write_json(result, path).read_text(encoding="utf-8"))
    data.pop("generated_at")
    return data


def test_chunks_that_apply_the_scenario_themselves_give_the_same_result(big, sample, tmp_path,
                                                                        monkeypatch):
    """Without a caller keeping the analysis, the workers apply the scenario to their
    chunks, cost them and attribute their savings, and this process only joins their
    per-procedure figures (issue 16): every figure of the result — percentiles, savings
    by measure, ranking, potential, counters, what did not apply — is the one this
    process makes applying the scenario to the whole project itself, for any chunking, on
    one or two workers, from graphs held (a dict) or from the project's tables."""
    from analysis import counter

    monkeypatch.setattr(counter, "_BATCH_VISITORS", 200_000)  # several counter batches
    for model, scenario, runs in ((big[0], big[1], ((1, 70), (2, 100))),
                                  (*sample, ((1, 7), (1, 1_000), (2, 20)))):
        whole = _result_json(model, scenario, ComputeOptions(workers=1, chunk_size=10_000),
                             tmp_path / "whole.json", keep_analysis=lambda _analysis: None)
        assert whole["measures"]
        assert whole["ranking"]
        assert whole["counter"]
        assert whole["not_applied"]
        for workers, size in runs:
            options = ComputeOptions(workers=workers, chunk_size=size)
            assert _result_json(model, scenario, options, tmp_path / "r.json") == whole


def test_an_edited_graph_is_simulated_as_edited(sample, tmp_path):
    """A graph the app asked for and edited in place is sent to the chunk as it is (the
    others as their table rows): the simulation sees the edit, as the whole comparison
    does, and the graph itself is not changed by the measures."""
    from analysis.compare import ProjectModel as Model
    from analysis.graph import ProjectGraphs

    model, scenario = sample
    graphs = model.graphs
    assert isinstance(graphs, ProjectGraphs)
    fresh = Model(ProjectGraphs(*graphs.rows_of(list(graphs))), model.unit_costs, model.rubric)
    pid = sorted(fresh.graphs)[3]
    edited = fresh.graphs[pid]
    clerk = min(n for n in edited.nodes if n != END and edited.nodes[n]["actor"] == "clerk")
    edited.nodes[clerk]["typical_minutes"] = float(edited.nodes[clerk]["typical_minutes"]) + 60
    before = {n: dict(edited.nodes[n]) for n in edited.nodes}
    options = ComputeOptions(workers=1, chunk_size=10)
    applied = _result_json(fresh, scenario, options, tmp_path / "a.json")
    assert applied == _result_json(fresh, scenario, options, tmp_path / "w.json",
                                   keep_analysis=lambda _analysis: None)
    assert {n: dict(edited.nodes[n]) for n in edited.nodes} == before
    untouched = _result_json(model, scenario, options, tmp_path / "u.json")
    row = [p for p in applied["procedures"] if p["procedure_id"] == pid][0]
    other = [p for p in untouched["procedures"] if p["procedure_id"] == pid][0]
    assert row["as_is"]["staff_time_h"]["deterministic"] > \
        other["as_is"]["staff_time_h"]["deterministic"]
