"""Build the executive Excel report of a scenario (``bpr-studio report``).

Written under a temporary name and renamed, so a failure never leaves a broken report;
a target that is open in Excel or read-only gives a clear message.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

from openpyxl import Workbook

from analysis.compute import ComputeOptions, paused_gc
from analysis.result import SimulationResult
from analysis.sensitivity import SensitivityResult
from bpr_studio.atomic import atomic_write
from bpr_studio.messages import BilingualError
from bpr_studio.queries import stored_issues_frame
from bpr_studio.report import appendix, assumptions, pictures, priorities, sheets
from bpr_studio.report.chunk_parts import ReportChunk, ReportPart, joined_paper
from bpr_studio.report.economics_sheet import economics_sheet
from bpr_studio.report.effect_sheet import effect_sheet
from bpr_studio.report.life_events_sheet import life_events_sheet, timeline_events
from bpr_studio.report.pictures import (
    FLOW_PICTURES,
    Drawn,
    Flow,
    PictureProcess,
    Pictures,
    draw_flows,
    top_flows,
)
from bpr_studio.report.roadmap_sheet import roadmap_sheet
from bpr_studio.report.streamed_rows import ReportWorkbook
from bpr_studio.report.writer import print_setup, use_japanese_font
from bpr_studio.store import Project

# The same number of replications as `bpr-studio simulate` and the app: the report's
# P5–P95 are the figures the DX officer saw on screen, not a cheaper, wider estimate.
DEFAULT_REPLICATIONS = 1000
# 投資効果 (three pages with its cost rows and sources) opens the detail: the main story
# keeps to about ten printed pages.
# 効果測定 (only when the project has a re-survey) follows the economics in the detail.
READING_ORDER = ("概要", "優先順位", "施策別", "窓口", "前提条件",  # the main story
                 "部署別", "投資効果", "工程表", "効果測定", "ライフイベント", "感度分析", "業務フロー",
                 "手続別", "データ品質")

Progress = Callable[[int, int, str], None]
CancelCheck = Callable[[], bool]


class ReportError(BilingualError):
    """A report that cannot be written (read-only target, file open in Excel …)."""


def _check_target(out: Path) -> None:
    if out.exists() and (not os.access(out, os.W_OK) or not out.stat().st_mode & stat.S_IWUSR):
        raise ReportError(f"レポートを書き込めません（読み取り専用のファイルです）: {out}",
                          f"Cannot write the report (the file is read-only): {out}")
    folder = out.parent if str(out.parent) else Path(".")
    if not folder.exists() or not os.access(folder, os.W_OK):
        raise ReportError(f"レポートを保存するフォルダに書き込めません: {folder}",
                          f"Cannot write to the folder: {folder}")


def _flow_pictures(project: Project, ranking: list[Any], scenario_name: str, model: Any = None
                   ) -> Pictures:
    """As-is and to-be pictures of the procedures at the top of ``ranking`` (its rows),
    drawn here."""
    return draw_flows(_top_flows(project, ranking, scenario_name, model))


def _start_pictures(process: PictureProcess, result: SimulationResult, journeys: Any,
                    flows: list[Flow], sensitivity: SensitivityResult) -> Drawn:
    """Every picture of the report started in ``process``, in the order the sheets take
    them (the priority matrix goes onto 概要 last)."""
    rows = result.ranking.rows
    drawn = Drawn(journeys={event.key: process.draw(pictures.journey_timeline, event)
                            for event in timeline_events(journeys)})
    drawn.flows = process.draw(draw_flows, flows)
    if rows:
        drawn.matrix = process.draw(priorities.priority_matrix_png, rows[:priorities.MATRIX_TOP])
    if sensitivity.bars:
        drawn.tornado = process.draw(pictures.tornado, sensitivity)
    return drawn


def _top_flows(project: Project, ranking: list[Any], scenario_name: str, model: Any = None
               ) -> list[Flow]:
    from bpr_studio.loading import get_scenario
    from bpr_studio.pipeline import load_model

    if not ranking[:FLOW_PICTURES]:
        return []
    return top_flows(ranking, get_scenario(project, scenario_name),
                                   model or load_model(project))


def _effect(project: Project, scenario_name: str, model: Any = None, analysis: Any = None,
            parts: list[ReportPart] | None = None) -> Any:
    """Planned vs actual against the newest re-survey round; None when there is none.
    ``analysis``: the scenario's, when the simulation has made it (joined from its chunks,
    whose ``parts`` carry the paper sheets)."""
    from bpr_studio.effect import latest_round, run_effect

    if latest_round(project) is None:
        return None
    if analysis is None:
        return run_effect(project, scenario_name, model=model)
    return run_effect(project, scenario_name, model=model, comparison=analysis.comparison,
                      attributed=analysis.attributed[0], paper=joined_paper(parts or []))


def _journeys(project: Project, frames: Any = None, cancel: CancelCheck | None = None) -> Any:
    """The life events as the app shows them (ワンストップ窓口 + 書かない窓口), or None when
    the project's events cannot be simulated (the app says why)."""
    return _journeys_of(project, frames, cancel)()


def _journeys_of(project: Project, frames: Any = None, cancel: CancelCheck | None = None
                 ) -> Callable[[], Any]:
    """:func:`_journeys` in two parts: the project is read now, the journeys simulated
    when the function returned is called (it reads no project: another thread may)."""
    from analysis.life_events import EventDataError
    from bpr_studio.journey_pipeline import journeys_of

    def none() -> None:
        return None
    try:
        # The sheet prints the events, not every counter's queue: only the counters the
        # events visit are simulated (their waits are the same).
        simulated = journeys_of(project, frames=frames, cancelled=cancel, all_counters=False)
    except EventDataError:
        return none

    def made() -> Any:
        try:
            return simulated()
        except EventDataError:
            return None
    return made


_NOT_MADE: Any = object()  # an effect measurement not made yet (None: the project has none)


def build_workbook(project: Project, result: SimulationResult, model: Any = None,
                   sensitivity: SensitivityResult | None = None, journeys: Any = None,
                   progress: Progress | None = None,
                   drawn: Drawn | None = None, effect: Any = _NOT_MADE) -> Workbook:
    """The report's sheets. ``progress(done, 100, label)`` names each part as it starts
    (the benchmark times them). ``drawn``: pictures being drawn meanwhile in another
    process (``pictures.Drawn``; the others are drawn here). The parts that need the
    model (the flow pictures, ``effect``: the effect measurement or None) are made here
    unless given, so that a caller can make them first and let the model go before the
    sheets are built."""
    from bpr_studio.loading import load_rubric
    from cost_model.assumptions import burden_rows, rubric_rows

    def step(done: int, label: str) -> None:
        if progress:
            progress(done, 100, label)

    step(88, "表")
    wb = ReportWorkbook()  # its long tables are streamed (streamed_rows)
    use_japanese_font(wb)
    ranking = result.ranking.rows
    title = project.title
    summary = sheets.summary_sheet(wb, result, ranking[0] if ranking else None, title)
    priorities.priority_sheet(wb, result)
    drawn = drawn or Drawn()
    sheets.section_sheet(wb, result)
    sheets.procedure_sheet(wb, result)
    sheets.measure_sheet(wb, result)
    economics_sheet(wb, result)
    roadmap_sheet(wb, result)
    step(90, "効果測定")
    if effect is _NOT_MADE:
        effect = _effect(project, result.scenario.name, model)
    if effect is not None:  # no sheet until the project has a re-survey round
        effect_sheet(wb, effect)
    step(91, "ライフイベントと窓口のシート")
    life_events_sheet(wb, journeys if journeys is not None else _journeys(project),
                      drawn.journeys)
    sheets.counter_sheet(wb, result)
    step(94, "業務フロー")
    appendix.flow_sheet(wb, drawn.flows() if drawn.flows is not None else _flow_pictures(
        project, result.ranking.rows, result.scenario.name, model))
    # The matrix goes onto 概要 now (its picture may be drawn elsewhere meanwhile): the
    # sheet's charts and pictures are written by kind, so the file is the same.
    priorities.priority_matrix(summary, result, priorities.matrix_anchor(summary), drawn.matrix)
    step(95, "前提条件・感度分析・データ品質")
    attribution = project.meta("attribution")
    assumptions.assumptions_sheet(wb, result, burden_rows(), rubric_rows(load_rubric(project)),
                             attribution)
    appendix.sensitivity_sheet(wb, sensitivity, drawn.tornado)
    issues = stored_issues_frame(project)
    appendix.quality_sheet(wb, issues.to_dict("records"))
    _in_reading_order(wb)
    step(96, "印刷設定")
    today = date.today().isoformat()
    for ws in wb.worksheets:
        print_setup(ws, title, result.scenario.name, today)
    return wb


def _in_reading_order(wb: Workbook) -> None:
    """The story first (it prints in about ten pages), then the detail and data sheets."""
    rank = {name: i for i, name in enumerate(READING_ORDER)}
    wb._sheets.sort(key=lambda ws: rank.get(ws.title, len(rank)))
    wb.active = 0


def build_report(project: Project, scenario: str, out: str | Path,
                 replications: int = DEFAULT_REPLICATIONS, seed: int = 1,
                 simulation: SimulationResult | None = None, progress: Progress | None = None,
                 cancel: CancelCheck | None = None,
                 compute: ComputeOptions | None = None) -> Path:
    """Run the pipeline (unless a result is given) and write the report. Returns the path.
    ``compute``: memory budget, workers and engine of its Monte Carlo."""
    from analysis.compute import started_pool
    from bpr_studio.loading import stored_step_count

    path = Path(out)
    _check_target(path)
    if progress:
        progress(0, 100, "読み込み")
    # The run's worker processes start now, on the other core, while this one reads the
    # project (each spends about 0.65 CPU-seconds importing); the run ends them.
    pool = None if simulation is not None else started_pool(
        compute, stored_step_count(project), replications, (ReportChunk.__module__,))
    if pool is not None:
        compute = replace(compute or ComputeOptions(), pool=pool)
    try:
        # The cyclic collector waits until the report is written (as it waits for a run:
        # analysis.compute.paused_gc): its passes over the result's million figures while
        # the sheets were built took about 15 % of this process's CPU at 3,000 procedures
        # (one full pass in the tables 0.18 s, ten times that at 30,000), and the report
        # makes next to no cyclic garbage.
        with paused_gc(), ThreadPoolExecutor(1) as thread:  # the life events' thread
            return _build_report(project, scenario, path, replications, seed, simulation,
                                 progress, cancel, compute, thread)
    finally:
        if pool is not None:
            pool.close(wait=False)  # ended with the run; here if the report failed first


def _build_report(project: Project, scenario: str, path: Path, replications: int, seed: int,
                  simulation: SimulationResult | None, progress: Progress | None,
                  cancel: CancelCheck | None, compute: ComputeOptions | None,
                  thread: ThreadPoolExecutor) -> Path:
    from analysis.simulate import ChunkWork, ScenarioAnalysis, analyse_in_chunks
    from bpr_studio.effect import latest_round
    from bpr_studio.loading import get_scenario, load_frames
    from bpr_studio.pipeline import load_model, run_pipeline, run_sensitivity

    # Once, for the life events and the model; the run's workers, just started, read half
    # of the steps and the links meanwhile (a frozen snapshot's, ``load_frames``).
    pool = compute.pool if compute is not None else None
    frames = load_frames(project, helpers=pool.executor() if pool is not None else None)
    if progress:
        progress(1, 100, "ライフイベント")
    # The life events read the project here and are simulated by ``thread`` while the
    # simulation runs (on its workers: this process mostly waits for them), instead of
    # before it on one core (2 s of a 30,000-procedure report). They read the tables
    # only; the journeys keep a small result.
    journeys_made = thread.submit(_journeys_of(project, frames, cancel))
    if progress:
        progress(2, 100, "モデル")
    model = load_model(project, frames)  # once, for the simulation and what follows it
    del frames
    # The simulation takes the same path as `bpr-studio simulate`: the workers apply the
    # scenario to their chunks of procedures, cost and simulate them, and this process
    # keeps per-procedure figures only (analysis.simulate). What the sensitivity analysis
    # and the effect measurement need of the chunks' step tables is made there too
    # (chunk_parts), and the run's deterministic analysis is kept for them. Then the other
    # part that needs the model's process graphs — the flow pictures — and the graphs go
    # before the sheets.
    analysis: ScenarioAnalysis | None = None
    parts: list[ReportPart] = []
    if simulation is None:
        kept: list[ScenarioAnalysis] = []
        work = ChunkWork(ReportChunk(effect=latest_round(project) is not None))

        def scaled(done: int, total: int, label: str) -> None:
            if progress:
                progress(3 + int(done * 0.77), 100, label)
        simulation = run_pipeline(project, scenario, replications, seed, scaled, cancel,
                                  model=model, compute=compute, keep_analysis=kept.append,
                                  per_chunk=work)
        analysis, parts = kept[0], work.results
        del kept, work
    else:
        # A run's result reused (the app's, `report --simulation`): what the sensitivity
        # analysis and the effect measurement need of the chunks is made the same way,
        # on the workers, without the Monte Carlo.
        work = ChunkWork(ReportChunk(effect=latest_round(project) is not None))

        def applying(done: int, total: int, _label: str) -> None:
            if progress:
                progress(3 + int(done * 0.77 / max(total, 1) * 100), 100, "施策の適用")
        analysis = analyse_in_chunks(model, get_scenario(project, simulation.scenario.name),
                                     work, compute, applying, cancel,
                                     plan_replications=simulation.replications)
        parts = work.results
        del work
    name = simulation.scenario.name
    if progress:
        progress(80, 100, "感度分析")
    tornado = run_sensitivity(project, name, cancel=cancel, model=model,
                              comparison=analysis.comparison,
                              parts=[part.sensitivity for part in parts])
    if progress:
        progress(85, 100, "効果測定")
    effect = _effect(project, name, model, analysis, parts)
    flows = _top_flows(project, simulation.ranking.rows, name, model)
    journeys = journeys_made.result()
    # The graphs go (reference counting frees them: a full collection here found nothing
    # to free and took 1.5 s of a 30,000-procedure report).
    del analysis, parts, model
    # The pictures are drawn in a process of their own while this one builds the sheets,
    # in the order the sheets take them (pictures.py); started only now, when this
    # process holds less, so that it adds nothing to the report's peak.
    process = PictureProcess()
    try:
        drawn = _start_pictures(process, simulation, journeys, flows, tornado)
        wb = build_workbook(project, simulation, None, tornado, journeys, progress=progress,
                            drawn=drawn, effect=effect)
    finally:
        process.close()
    if progress:
        progress(97, 100, "保存")
    try:
        # A unique temporary name in the target folder, flushed, then renamed: two reports
        # to one file never collide, and a failure leaves no temporary behind.
        atomic_write(path, wb.save)
    except PermissionError:
        raise ReportError(
            f"レポートを保存できません。Excel などで開いていたら閉じてから、もう一度実行してください: {path}",
            f"Cannot save the report; close it in Excel (or other programs) and try again: {path}",
        ) from None
    if progress:
        progress(100, 100, "完了")
    return path
