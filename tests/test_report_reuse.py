"""The report computes each expensive part once (issue 16: a 30,000-procedure report within
60 s and 2 GB) and its figures stay those of the parts computed on their own."""

from __future__ import annotations

import numpy as np
import pytest

import analysis.sensitivity as sensitivity_module
import bpr_studio.effect as effect_module  # before any test patches analysis.compare.compare
from analysis.scenario import DEFAULT_SCENARIO
from analysis.sensitivity import UNIT_COST_RANGES, _Joined, sensitivity
from analysis.sensitivity_part import Evaluator as _Evaluator
from analysis.sensitivity_part import sensitivity_part
from bpr_studio.io.survey_import import import_surveys
from bpr_studio.loading import get_scenario
from bpr_studio.pipeline import analyse, load_model
from bpr_studio.report.excel import build_report
from bpr_studio.store import open_project
from cost_model.costs import COST_COLUMNS
from sample_surveys.build_samples import sample_files


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    path = tmp_path_factory.mktemp("reuse") / "sample.bprproj"
    assert import_surveys(path, sample_files()).ok
    return path


@pytest.fixture(scope="module")
def dx(city):
    """The sample's model, DX標準 and its deterministic comparison (made once)."""
    with open_project(city) as project:
        model = load_model(project)
        scenario = get_scenario(project, DEFAULT_SCENARIO)
        comparison = analyse(project, scenario, model=model, counter=False).comparison
    return model, scenario, comparison


def test_a_baked_in_parameter_is_set_again_in_the_tables_without_building_a_graph(
        dx, monkeypatch):
    """rpa_check_minutes is baked into the k0 of RPA's effects: its bar sets that k0 again
    in the RPA procedures' to-be tables, building no graph (a 30,000-procedure report spent
    8.5 s building and changing them), and gives what applying the scenario to those
    procedures again gives, to the last digit."""
    from analysis.graph import ProjectGraphs

    model, scenario, comparison = dx
    built: list[str] = []
    original = ProjectGraphs._build

    def recorded(self, pids):
        built.extend(pids)
        return original(self, pids)

    evaluator = _Evaluator(model, scenario, comparison)
    rpa = sorted(set(evaluator.applied["rpa_ocr"]))
    assert 0 < len(rpa) < len(model.graphs)
    joined = _Joined(model, scenario, comparison, [sensitivity_part(model, scenario, comparison)])
    monkeypatch.setattr(ProjectGraphs, "_build", recorded)
    fast = evaluator.k0_again("rpa_check_minutes", [0.0, 2.0], rpa)
    assert built == []
    applied_again = joined._to_be_again("rpa_check_minutes", [0.0, 2.0], rpa)
    assert sorted(built) == rpa  # each graph built once for both ends
    for mine, theirs in zip(fast, applied_again, strict=True):
        assert mine["procedure_id"].tolist() == theirs["procedure_id"].tolist()
        assert np.array_equal(mine[COST_COLUMNS].to_numpy(), theirs[COST_COLUMNS].to_numpy())
        assert not np.array_equal(mine[COST_COLUMNS].to_numpy(), comparison.to_be.procedures
                                  .set_index("procedure_id").loc[rpa, COST_COLUMNS].to_numpy())


def test_a_baked_in_parameters_bar_is_the_whole_project_compared_again(dx):
    """Each end of the bar equals comparing the whole project again with the parameter at
    that end (what the tornado's figure means)."""
    from analysis.compare import compare
    from analysis.sensitivity_part import savings_frame as _savings
    from analysis.sensitivity_part import scenario_with as _scenario_with

    model, scenario, comparison = dx
    evaluator = _Evaluator(model, scenario, comparison)
    base = _savings(evaluator.base_as_is, evaluator.to_be(evaluator.values))["staff_time_h"].sum()
    ends = (0.0, 2.0)
    joined = _Joined(model, scenario, comparison, [sensitivity_part(model, scenario, comparison)])
    for end, saved in zip(ends, joined.parameter("rpa_check_minutes", ends), strict=True):
        again = compare(model, _scenario_with(scenario, "rpa_check_minutes", end))
        whole = _savings(again.as_is.procedures, again.to_be.procedures)
        assert saved is not None
        assert saved["staff_time_h"].sum() != pytest.approx(base, rel=1e-6)
        for column in ("staff_time_h", "staff_economic_yen", "citizen_visits"):
            assert saved[column].to_numpy() == pytest.approx(whole[column].to_numpy(), rel=1e-9)


def _whole_re_costing(linear, values, unit_costs):
    """What the sensitivity analysis computed before it re-costed only what a change
    touches: every step and procedure costed again (the figures must stay these)."""
    from analysis.tabular import offline_shares
    from cost_model.costs import procedure_coefficients, step_coefficients

    tables = linear.tables
    theta = linear._theta(values)
    multipliers = np.ones(len(linear.minutes))
    np.multiply.at(multipliers, linear.effect_rows, linear._factors(theta, slice(None)))
    hours = linear.executions * linear.minutes * multipliers / 60
    step = step_coefficients(tables.procedures, tables.steps, unit_costs)
    per_step = hours[:, None] * step.per_hour + linear.executions[:, None] * step.per_execution
    n = len(linear.cases)
    out = np.stack([np.bincount(linear.step_proc, weights=per_step[:, j], minlength=n)
                    for j in range(per_step.shape[1])], axis=1)
    offline = offline_shares(tables, values) * linear.cases
    extra = procedure_coefficients(tables.procedures, unit_costs)
    visits = offline * extra.visit_required
    out += (visits[:, None] * extra.per_visit
            + (offline * ~extra.visit_required)[:, None] * extra.per_mailed
            + linear.cases[:, None] * extra.per_case)
    return out, visits


def test_re_costing_what_a_change_touches_gives_the_whole_re_costing_to_the_last_digit(dx):
    """A parameter's bar re-costs only the procedures its effects and channels reach, a
    unit cost's only the cost columns it enters (a 30,000-procedure report spent 18 s
    re-costing everything): the figures are those of costing everything again, exactly."""
    from analysis.params import PARAMETERS
    from analysis.sensitivity_part import scaled as _scaled

    model, scenario, comparison = dx
    evaluator = _Evaluator(model, scenario, comparison)
    linear = evaluator.to_be_linear
    checked = 0
    for key, parameter in PARAMETERS.items():
        for end in (parameter.low, parameter.high):
            values = {**evaluator.values, key: end}
            out, visits = _whole_re_costing(linear, values, model.unit_costs)
            fast = linear.costs(values)
            assert np.array_equal(fast[COST_COLUMNS].to_numpy(), out), key
            assert np.array_equal(fast["citizen_visits"].to_numpy(), visits), key
            checked += not np.array_equal(out, linear.base)
    assert checked > 10  # most parameters move some procedure
    for key in UNIT_COST_RANGES:
        table = _scaled(model.unit_costs, key, 1.5)
        for side, values in ((evaluator.as_is_linear, {}), (linear, evaluator.values)):
            out, _visits = _whole_re_costing(side, values, table)
            assert np.array_equal(side.with_unit_costs(table)[COST_COLUMNS].to_numpy(), out), key


def test_steps_and_procedures_alike_share_their_coefficients(dx):
    """Coefficients made once per kind of step (of procedure) are every step's (every
    procedure's) own."""
    from cost_model.costs import procedure_coefficients, step_coefficients

    model, scenario, comparison = dx
    evaluator = _Evaluator(model, scenario, comparison)
    for linear in (evaluator.as_is_linear, evaluator.to_be_linear):
        kinds, tables = linear.kinds, linear.tables
        assert len(kinds.steps) < len(tables.steps) / 3
        for factor in (1.0, 1.5):
            table = _scaled_every(model.unit_costs, factor)
            mine = kinds.coefficients(table)
            whole = step_coefficients(tables.procedures, tables.steps, table)
            assert np.array_equal(mine.per_hour[kinds.kind], whole.per_hour)
            assert np.array_equal(mine.per_execution[kinds.kind], whole.per_execution)
            procedures = linear.procedure_kinds
            assert len(procedures.procedures) < len(tables.procedures)
            spread = procedures.coefficients(table)
            every = procedure_coefficients(tables.procedures, table)
            for name in ("per_visit", "per_mailed", "per_case", "visit_required"):
                assert np.array_equal(getattr(spread, name), getattr(every, name)), name


def _scaled_every(table, factor):
    from analysis.sensitivity_part import scaled as _scaled

    for key in UNIT_COST_RANGES:
        table = _scaled(table, key, factor)
    return table


def test_the_report_takes_simulates_path_and_never_applies_the_whole_scenario_itself(
        city, tmp_path, monkeypatch):
    """The report takes `simulate`'s path: the workers apply the scenario to their chunks
    and this process keeps per-procedure figures only (at 30,000 procedures the report
    applied the whole scenario itself to keep the step tables for the sensitivity
    analysis: 2.2 GB). Neither the simulation nor the sensitivity analysis applies or
    compares the whole project here."""
    import analysis.compare as compare_module
    import analysis.simulate as simulate_module

    def refused(*_args, **_options):
        raise AssertionError("the whole scenario applied in the report's process")

    chunks: list[int] = []
    original_apply = simulate_module._apply_jobs

    def counted(*args, **options):
        for job in original_apply(*args, **options):
            assert job.extra is not None  # the report's sensitivity part, made with the chunk
            chunks.append(len(job.procedure_ids))
            yield job

    monkeypatch.setattr(simulate_module, "_compare_and_simulate", refused)
    monkeypatch.setattr(simulate_module, "_apply_jobs", counted)
    monkeypatch.setattr(sensitivity_module, "compare", refused)
    monkeypatch.setattr(compare_module, "compare", refused)
    # Patched where it is bound too (imported at the top of this file, so it never keeps
    # `refused` for later tests, as it did when the report imported it first here).
    monkeypatch.setattr(effect_module, "compare", refused)
    with open_project(city) as project:
        everything = len(load_model(project).graphs)
        build_report(project, DEFAULT_SCENARIO, tmp_path / "r.xlsx", replications=20)
    assert sum(chunks) == everything


def test_the_effect_measurement_reuses_the_simulations_comparison(tmp_path, monkeypatch):
    """A project with a re-survey round: its 効果測定 sheet is planned from the comparison
    the simulation made, not from the whole project compared once more."""
    import openpyxl

    from bpr_studio.sample_project import ensure_sample_project

    path = ensure_sample_project(tmp_path)
    compared: list[int] = []
    original = effect_module.compare

    def recorded(model, scenario):
        compared.append(len(model.graphs))
        return original(model, scenario)

    monkeypatch.setattr(effect_module, "compare", recorded)
    with open_project(path) as project:
        build_report(project, DEFAULT_SCENARIO, tmp_path / "r.xlsx", replications=20)
    assert "効果測定" in openpyxl.load_workbook(tmp_path / "r.xlsx").sheetnames
    assert compared == []


def test_a_reused_comparison_gives_the_same_sensitivity(dx):
    model, scenario, comparison = dx
    assert sensitivity(model, scenario, comparison) == sensitivity(model, scenario)


def test_a_unit_cost_bar_leaves_the_base_costs_as_they_were(dx):
    model, scenario, comparison = dx
    evaluator = _Evaluator(model, scenario, comparison)
    before = evaluator.to_be(evaluator.values)
    for key in UNIT_COST_RANGES:
        evaluator.unit_cost(key, 1.5)
    assert np.array_equal(evaluator.to_be(evaluator.values).to_numpy(), before.to_numpy())
    assert np.array_equal(evaluator.as_is_linear.costs({}).to_numpy(),
                          evaluator.base_as_is.to_numpy())


# --- life events --------------------------------------------------------------------------


def test_a_counter_the_measures_leave_alone_is_simulated_once_with_the_same_waits():
    from analysis.journey_queue import CounterLoad, simulate_counter_sides, simulate_counters

    busy = np.array([900.0, 800, 1500, 1400, 700, 700, 700, 700, 700, 700, 700, 900])
    as_is = [CounterLoad("住民異動", busy, 8.0, 2), CounterLoad("税証明", busy / 2, 5.0, 1)]
    # The to-be moves visits off the first counter to a one-stop counter of its own.
    to_be = [CounterLoad("住民異動", busy * 0.6, 8.0, 2), CounterLoad("税証明", busy / 2, 5.0, 1),
             CounterLoad("ワンストップ窓口", busy * 0.4, 12.0, 1)]
    together = simulate_counter_sides([as_is, to_be], seed=3, years=2)
    for side, alone in zip(together, (simulate_counters(as_is, seed=3, years=2),
                                      simulate_counters(to_be, seed=3, years=2)), strict=True):
        assert side.names == alone.names
        assert np.array_equal(side.key, alone.key)
        assert np.array_equal(side.waits, alone.waits)
        assert side.stats == alone.stats


def test_journeys_of_the_visited_counters_only_are_those_of_the_whole_run(city):
    from bpr_studio.journey_pipeline import run_journeys

    with open_project(city) as project:
        whole = run_journeys(project, replications=100)
        visited = run_journeys(project, replications=100, all_counters=False)
    assert visited.events
    assert visited.events == whole.events
    simulated = {(row["side"], row["counter"]) for row in visited.counters}
    assert simulated < {(row["side"], row["counter"]) for row in whole.counters}
    assert [r for r in whole.counters if (r["side"], r["counter"]) in simulated] == visited.counters


def _values(path):
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True)
    return {sheet.title: [tuple(row) for row in sheet.iter_rows(values_only=True)]
            for sheet in book.worksheets}


def test_a_report_from_a_runs_result_makes_its_parts_on_the_workers_and_equals_the_full_one(
        city, tmp_path, monkeypatch):
    """A report written from a run's result (the app's simulation on screen, `report
    --simulation`) does not compare the whole project in its own process for the
    sensitivity analysis (at 30,000 procedures that took longer than the run and held every
    applied table): the chunks are applied where they run, as in the run, and the workbook
    is the one written from scratch, cell for cell."""
    import analysis.compare as compare_module
    from bpr_studio.pipeline import run_pipeline

    with open_project(city) as project:
        build_report(project, DEFAULT_SCENARIO, tmp_path / "full.xlsx", replications=20)
        result = run_pipeline(project, DEFAULT_SCENARIO, replications=20)

    def refused(*_args, **_options):
        raise AssertionError("the whole scenario compared in the report's process")

    monkeypatch.setattr(sensitivity_module, "compare", refused)
    monkeypatch.setattr(compare_module, "compare", refused)
    with open_project(city) as project:
        build_report(project, DEFAULT_SCENARIO, tmp_path / "reused.xlsx", simulation=result)
    full, reused = _values(tmp_path / "full.xlsx"), _values(tmp_path / "reused.xlsx")
    assert full.keys() == reused.keys()
    for name in full:
        assert reused[name] == full[name], name


def test_the_reports_workers_start_while_it_reads_the_project_and_run_its_chunks(
        city, tmp_path, monkeypatch):
    """The run's worker processes start before the report reads the project, so they
    import (about 0.65 CPU-seconds each) on the other core while this one reads (a
    30,000-procedure report's 4 s of reading left it idle); the run's chunks and counters
    then go to those same processes, and the workbook is the one made in one process."""
    import multiprocessing

    import bpr_studio.loading as loading
    from analysis.compute import ComputeOptions, SharedPool

    children: list[int] = []
    read = loading.load_frames

    def reading(*args, **options):
        children.append(len(multiprocessing.active_children()))
        return read(*args, **options)

    pools: list[int] = []
    make = SharedPool.__init__

    def made(self, workers):
        pools.append(workers)
        make(self, workers)

    monkeypatch.setattr(loading, "load_frames", reading)
    monkeypatch.setattr(SharedPool, "__init__", made)
    with open_project(city) as project:
        build_report(project, DEFAULT_SCENARIO, tmp_path / "pooled.xlsx", replications=20,
                     compute=ComputeOptions(workers=2, chunk_size=10))
    assert children[0] >= 2
    assert pools == [2]  # no other pool: the run took the one started first
    monkeypatch.undo()
    with open_project(city) as project:
        build_report(project, DEFAULT_SCENARIO, tmp_path / "here.xlsx", replications=20,
                     compute=ComputeOptions(workers=1))
    pooled, here = _values(tmp_path / "pooled.xlsx"), _values(tmp_path / "here.xlsx")
    assert pooled.keys() == here.keys()
    for name in pooled:
        assert pooled[name] == here[name], name


def test_the_life_events_are_simulated_beside_the_run_and_their_sheet_is_the_same(
        city, tmp_path, monkeypatch):
    """The report reads the life events with the project, then simulates their journeys on
    a thread of its own while the run's chunks are worked on (2 s on one core before the
    run of a 30,000-procedure report, the other core idle); the ライフイベント sheet is the
    one the journeys computed on their own give."""
    import threading

    import bpr_studio.journey_pipeline as journey_pipeline
    from bpr_studio.journey_pipeline import run_journeys

    threads: list[bool] = []
    simulate = journey_pipeline.simulate_journeys

    def recorded(*args, **options):
        threads.append(threading.current_thread() is threading.main_thread())
        return simulate(*args, **options)

    monkeypatch.setattr(journey_pipeline, "simulate_journeys", recorded)
    with open_project(city) as project:
        build_report(project, DEFAULT_SCENARIO, tmp_path / "r.xlsx", replications=20)
    assert threads == [False]
    monkeypatch.undo()
    with open_project(city) as project:
        alone = run_journeys(project, all_counters=False)
    sheet = _values(tmp_path / "r.xlsx")["ライフイベント"]
    for event in alone.events:
        assert any(event.name in row for row in sheet), event.name


def test_the_collector_waits_while_the_sheets_are_built_and_runs_again_after(
        city, tmp_path, monkeypatch):
    """Python's cyclic collector is off while the report is made (as during a run): its
    passes over the result's figures were about 15 % of the report's own CPU at 3,000
    procedures, ten times that per pass at 30,000; it is on again afterwards."""
    import gc

    import bpr_studio.report.excel as excel

    enabled: list[bool] = []
    build = excel.build_workbook

    def recorded(*args, **options):
        enabled.append(gc.isenabled())
        return build(*args, **options)

    monkeypatch.setattr(excel, "build_workbook", recorded)
    assert gc.isenabled()
    with open_project(city) as project:
        build_report(project, DEFAULT_SCENARIO, tmp_path / "r.xlsx", replications=20)
    assert enabled == [False]
    assert gc.isenabled()
