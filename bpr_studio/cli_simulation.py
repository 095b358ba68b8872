"""``bpr-studio simulate``, ``economics``, ``roadmap`` and ``report``: the commands that run a
scenario's Monte Carlo (``bpr_studio.pipeline``) and print or write its results.

Kept apart from :mod:`bpr_studio.cli` (which registers them) as cli_effect, cli_journeys
and cli_peers; the exit codes are the CLI's.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bpr_studio.cli_common import (
    EXIT_FAILURE,
    EXIT_INPUT_ERRORS,
    EXIT_OK,
    REPLICATIONS,
    terminal_progress,
)

if TYPE_CHECKING:
    from analysis.compute import ComputeOptions
    from analysis.result import SimulationResult


def _add_compute_arguments(parser: argparse.ArgumentParser) -> None:
    """Where the Monte Carlo runs (issue 16, docs/scale.md); the figures are the same."""
    group = parser.add_argument_group("computation (the figures do not depend on it)")
    group.add_argument("--memory-budget", metavar="SIZE",
                       help="memory the Monte Carlo may use, e.g. 2GB (default: "
                            "$BPR_STUDIO_MEMORY_BUDGET, else 2GB); sets the chunk size")
    group.add_argument("--workers", type=int, metavar="N",
                       help="processes (default: $BPR_STUDIO_WORKERS, else every core; one "
                            "for a small project)")
    group.add_argument("--engine", choices=("local", "dask"), default="local",
                       help="local: this PC; dask: a Dask cluster (pip install "
                            "\"bpr-studio[distributed]\"), docs/scale.md")
    group.add_argument("--scheduler", metavar="ADDRESS",
                       help="with --engine dask: the scheduler, e.g. tcp://10.0.0.5:8786 "
                            "(default: a local cluster on this PC)")


def _compute_options(args: argparse.Namespace) -> ComputeOptions:
    from analysis.compute import ComputeOptions, parse_size

    budget = getattr(args, "memory_budget", None)
    try:
        size = parse_size(budget) if budget else None
    except ValueError as exc:
        raise SystemExit(f"--memory-budget: {exc}") from None
    return ComputeOptions(workers=getattr(args, "workers", None), memory_budget=size,
                          engine=getattr(args, "engine", "local"),
                          scheduler=getattr(args, "scheduler", None))


def _run_pipeline(args: argparse.Namespace, **options: Any) -> SimulationResult | int:
    """``run_pipeline`` on a snapshot of ``args.project`` for ``simulate`` and ``economics``;
    an unknown scenario or bad cost data is told on stderr and gives the exit code."""
    from analysis.compute import EngineUnavailable
    from analysis.measure_costs import CostDataError
    from analysis.roadmap_settings import RoadmapSettingError
    from bpr_studio.pipeline import SimulationCancelled, run_pipeline
    from bpr_studio.store import open_snapshot

    with open_snapshot(args.project) as project:
        try:
            return run_pipeline(project, args.scenario, args.replications, args.seed,
                                compute=_compute_options(args), **options)
        except EngineUnavailable as problem:
            print(problem, file=sys.stderr)
            return EXIT_FAILURE
        except KeyError as exc:
            print(exc.args[0], file=sys.stderr)
            return EXIT_INPUT_ERRORS
        except (CostDataError, RoadmapSettingError) as problem:
            print(problem.message(args.lang), file=sys.stderr)
            return EXIT_INPUT_ERRORS
        except SimulationCancelled:
            return EXIT_FAILURE


def _cmd_simulate(args: argparse.Namespace) -> int:
    import time

    from analysis.simulate import write_json

    start = time.perf_counter()
    result = _run_pipeline(args, progress=terminal_progress)
    if isinstance(result, int):
        return result
    path = write_json(result, args.json)
    saved = result.city.savings
    hours, fte, yen = saved["staff_time_h"], saved["staff_fte"], saved["staff_economic_yen"]
    visits = saved["citizen_visits"]
    ja = args.lang == "ja"
    # The same figure as the report and the app: the estimate (the Monte Carlo mean).
    line = (f"職員 {hours.deterministic:,.0f} 時間/年（P5–P95 {hours.p5:,.0f}–{hours.p95:,.0f}）、"
            f"{fte.deterministic:,.1f} 人工、{yen.deterministic / 1e6:,.1f} 百万円/年を削減; 来庁 "
            f"{visits.deterministic:,.0f} 回/年を削減" if ja else
            f"Saves {hours.deterministic:,.0f} staff h/yr (P5–P95 {hours.p5:,.0f}–"
            f"{hours.p95:,.0f}), {fte.deterministic:,.1f} FTE, ¥{yen.deterministic / 1e6:,.1f}M/yr; "
            f"{visits.deterministic:,.0f} visits/yr avoided")
    print(line)
    if result.band is not None:
        print(result.band.text(args.lang))
        print(result.band.potential_text(args.lang))
    if result.economics is not None:
        print(_economics_line(result.economics.total, ja))
    if result.roadmap is not None:
        print(_break_even_line(result.roadmap, args.lang))
    print(result.ranking.explanation(args.lang))
    print(f"{path} ({time.perf_counter() - start:.1f} s)")
    return EXIT_OK


def _economics_line(total: Any, ja: bool) -> str:
    """The scenario's investment in one line (``bpr-studio simulate``, ``economics``)."""
    back = total.payback_text("ja" if ja else "en")
    if ja:
        return (f"投資効果: 初期費用 {total.initial_yen / 1e6:,.1f} 百万円（補助後）、純削減 "
                f"{total.net_saving_yen / 1e6:,.1f} 百万円/年（P5–P95 {total.net_saving_p5 / 1e6:,.1f}–"
                f"{total.net_saving_p95 / 1e6:,.1f}）、回収 {back} 年、NPV "
                f"{total.npv_yen / 1e6:,.1f} 百万円")
    return (f"Investment: initial ¥{total.initial_yen / 1e6:,.1f}M (after subsidy), net saving "
            f"¥{total.net_saving_yen / 1e6:,.1f}M/yr (P5–P95 {total.net_saving_p5 / 1e6:,.1f}–"
            f"{total.net_saving_p95 / 1e6:,.1f}), payback {back} years, NPV "
            f"¥{total.npv_yen / 1e6:,.1f}M")


def _cmd_economics(args: argparse.Namespace) -> int:
    """Costs, payback and NPV of a scenario's measures; ``--set`` saves cost overrides to
    the scenario first (checked: a bad value is refused with its key named)."""
    import json

    from analysis.measure_costs import CostDataError, parse_cost_setting
    from analysis.simulate import _json_safe
    from bpr_studio.loading import get_scenario_and_version, save_scenario_seen
    from bpr_studio.store import open_project

    ja = args.lang == "ja"
    try:
        settings = [parse_cost_setting(text) for text in args.set or []]
    except CostDataError as problem:
        print(problem.message(args.lang), file=sys.stderr)
        return EXIT_INPUT_ERRORS
    if settings:
        with open_project(args.project) as project:
            try:
                scenario, seen = get_scenario_and_version(project, args.scenario)
            except KeyError as exc:
                print(exc.args[0], file=sys.stderr)
                return EXIT_INPUT_ERRORS
            scenario.params.update(dict(settings))
            save_scenario_seen(project, scenario, seen)
    result = _run_pipeline(args, counter=False)
    if isinstance(result, int):
        return result
    economics = result.economics
    assert economics is not None  # run_pipeline always computes it
    if args.json:
        print(json.dumps(_json_safe(economics.to_json_dict()), ensure_ascii=False, indent=1))
        return EXIT_OK
    print(f"{'施策':<16} {'初期費用':>10} {'純削減/年':>10} {'回収年数':>14} {'NPV':>10}"
          if ja else f"{'measure':<28} {'initial':>10} {'net/yr':>10} {'payback':>14} {'NPV':>10}")
    for row in [*economics.measures, economics.total]:
        label = row.label_ja if ja else row.label_en
        print(f"{label:<16} {row.initial_yen / 1e6:>10,.1f} {row.net_saving_yen / 1e6:>10,.1f} "
              f"{row.payback_text(args.lang):>14} {row.npv_yen / 1e6:>10,.1f}")
    print("（金額は百万円。割引率 " if ja else "(millions of yen; discount rate ",
          f"{economics.discount_rate:.1%}）" if ja else f"{economics.discount_rate:.1%})", sep="")
    print(_economics_line(economics.total, ja))
    return EXIT_OK


def _cmd_roadmap(args: argparse.Namespace) -> int:
    """The roadmap by fiscal year; ``--set`` saves roadmap settings to the scenario first
    (checked), ``--years``, ``--start-fy`` and ``--budget-cap`` apply to this run only."""
    import json

    from analysis.compare import parameter_values
    from analysis.roadmap_settings import (
        BUDGET_KEY,
        START_FY_KEY,
        START_PREFIX,
        YEARS_KEY,
        RoadmapSettingError,
        parse_roadmap_setting,
        roadmap_settings,
    )
    from analysis.simulate import _json_safe
    from bpr_studio.loading import get_scenario_and_version, save_scenario_seen
    from bpr_studio.store import open_project, open_snapshot

    try:
        settings = [parse_roadmap_setting(text) for text in args.set or []]
    except RoadmapSettingError as problem:
        print(problem.message(args.lang), file=sys.stderr)
        return EXIT_INPUT_ERRORS
    opener = open_project if settings else open_snapshot
    with opener(args.project) as project:
        try:
            scenario, seen = get_scenario_and_version(project, args.scenario)
        except KeyError as exc:
            print(exc.args[0], file=sys.stderr)
            return EXIT_INPUT_ERRORS
        measures = [u.measure for u in scenario.measures]
        this_run = {key: value for key, value in ((START_FY_KEY, args.start_fy),
                                                  (YEARS_KEY, args.years),
                                                  (BUDGET_KEY, args.budget_cap))
                    if value is not None}
        try:
            chosen = roadmap_settings({**parameter_values(scenario), **dict(settings),
                                       **this_run}, measures)
        except RoadmapSettingError as problem:
            print(problem.message(args.lang), file=sys.stderr)
            return EXIT_INPUT_ERRORS
        if settings:
            scenario.params.update(dict(settings))
            # A start year is a year of this roadmap: its first year is kept with it, or
            # next April the default first year moves and the start year would be refused.
            if any(key.startswith(START_PREFIX) for key, _value in settings):
                scenario.params.setdefault(START_FY_KEY, float(chosen.start_fy))
            save_scenario_seen(project, scenario, seen)
    result = _run_pipeline(args, counter=False, roadmap=chosen)
    if isinstance(result, int):
        return result
    roadmap = result.roadmap
    assert roadmap is not None  # run_pipeline always computes it
    if args.json:
        print(json.dumps(_json_safe(roadmap.to_json_dict()), ensure_ascii=False, indent=1))
        return EXIT_OK
    _print_roadmap(roadmap, args.lang)
    return EXIT_OK


def _print_roadmap(roadmap: Any, lang: str) -> None:
    from analysis.roadmap_settings import fiscal_year_label

    ja = lang == "ja"
    print("施策の開始年度" if ja else "Start of each measure")
    for m in roadmap.measures:
        start = fiscal_year_label(m.start_fy, lang) if m.start_fy else ("期間内に開始しない" if ja else "not within")
        flags = []
        if m.chosen_by_hand:
            flags.append("指定" if ja else "set by hand")
        if m.over_cap:
            flags.append("予算上限超" if ja else "over the cap")
        if m.late:
            flags.append(f"目標{m.milestone_target_fy}年度より遅い" if ja
                          else f"after the FY{m.milestone_target_fy} target")
        name = m.label_ja if ja else m.label_en
        print(f"  {name:<18} {start}  初期 {m.initial_yen / 1e6:,.1f} 百万円"
              if ja else f"  {name:<30} {start}  initial ¥{m.initial_yen / 1e6:,.1f}M",
              f"（{'・'.join(flags)}）" if ja and flags else (f" ({', '.join(flags)})" if flags else ""),
              sep="")
    print(f"{'年度':<16}{'費用':>8}{'削減':>8}{'累計費用':>10}{'累計削減':>10}{'累計純額 (P5–P95)':>24}"
          if ja else f"{'fiscal year':<20}{'cost':>8}{'saving':>8}{'cum.cost':>10}"
          f"{'cum.saving':>11}{'cum.net (P5-P95)':>26}")
    for y in roadmap.years:
        print(f"{(y.label_ja if ja else y.label_en):<16}{y.cost_yen / 1e6:>8,.1f}"
              f"{y.saving_yen / 1e6:>8,.1f}{y.cumulative_cost_yen / 1e6:>10,.1f}"
              f"{y.cumulative_saving_yen / 1e6:>10,.1f}{y.cumulative_net_yen / 1e6:>10,.1f}"
              f" ({y.cumulative_net_p5 / 1e6:,.1f}–{y.cumulative_net_p95 / 1e6:,.1f})")
    print("（金額は百万円、割り引かない各年度の値）" if ja
           else "(millions of yen, undiscounted)")
    print(_break_even_line(roadmap, lang))


def _break_even_line(roadmap: Any, lang: str) -> str:
    """The break-even year in one line, with its P5–P95 range."""
    from analysis.roadmap_settings import fiscal_year_label

    ja = lang == "ja"
    last = fiscal_year_label(roadmap.fiscal_years[-1], lang)
    if roadmap.break_even_fy is None:
        text = (f"累計の削減が累計の費用に{last}までに届かない（回収しない）" if ja
                else f"Cumulative savings do not reach cumulative costs by {last} (no break-even)")
    else:
        text = (f"累計の削減が累計の費用を上回る年度: {fiscal_year_label(roadmap.break_even_fy)}"
                if ja else f"Breaks even in {fiscal_year_label(roadmap.break_even_fy, 'en')}")
    early, late = roadmap.break_even_fy_early, roadmap.break_even_fy_late
    never = "期間内に回収しない" if ja else "not within"
    span = (f"{early or never}–{late or never}" if early or late else never)
    share = roadmap.share_breaking_even
    return (f"{text}（P5–P95 {span}年度、期間内に回収する試行 {share:.0%}）" if ja
            else f"{text} (P5-P95 FY{span}; {share:.0%} of replications break even within)")


def _cmd_report(args: argparse.Namespace) -> int:
    import time

    from analysis.compute import EngineUnavailable
    from analysis.result import read_json
    from bpr_studio.report.excel import ReportError, build_report
    from bpr_studio.store import open_snapshot

    start = time.perf_counter()
    simulation = None
    if args.simulation:
        try:
            simulation = read_json(args.simulation)
        except (OSError, ValueError, KeyError, TypeError) as exc:
            print(f"{args.simulation}: {exc}", file=sys.stderr)
            return EXIT_INPUT_ERRORS
    with open_snapshot(args.project) as project:
        try:
            path = build_report(project, args.scenario, args.output, args.replications,
                                args.seed, simulation, progress=terminal_progress,
                                compute=_compute_options(args))
        except EngineUnavailable as problem:
            print(problem, file=sys.stderr)
            return EXIT_FAILURE
        except ReportError as exc:
            print(exc.message(args.lang), file=sys.stderr)
            return EXIT_FAILURE
        except KeyError as exc:
            print(exc.args[0], file=sys.stderr)
            return EXIT_INPUT_ERRORS
    print(f"レポートを書き出しました: {path}（{time.perf_counter() - start:.1f} 秒）" if args.lang == "ja"
          else f"Report written: {path} ({time.perf_counter() - start:.1f} s)")
    return EXIT_OK


def add_commands(sub: Any) -> None:
    """Register simulate, economics, roadmap and report on the CLI's sub-parsers."""
    p = sub.add_parser("simulate", help="simulate a scenario's to-be against the as-is")
    p.add_argument("--project", required=True)
    p.add_argument("--scenario", default="DX標準")
    p.add_argument("--replications", type=int, default=REPLICATIONS)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--json", type=Path, required=True, help="output file (JSON)")
    _add_compute_arguments(p)
    p.set_defaults(func=_cmd_simulate)

    p = sub.add_parser("economics", help="costs, payback and NPV of a scenario's measures")
    p.add_argument("--project", required=True)
    p.add_argument("--scenario", default="DX標準")
    p.add_argument("--replications", type=int, default=REPLICATIONS)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--json", action="store_true", help="print the economics as JSON")
    p.add_argument("--set", action="append", metavar="ITEM.FIELD=VALUE",
                   help="save a cost override to the scenario, e.g. "
                        "rpa_licence.running_yen_per_year=1800000, rpa_licence.subsidy_share=0%%, "
                        "economics.discount_rate=2%%")
    _add_compute_arguments(p)
    p.set_defaults(func=_cmd_economics)

    p = sub.add_parser("roadmap", help="which measure starts in which fiscal year, yearly and "
                       "cumulative cost and saving, break-even year")
    p.add_argument("--project", required=True)
    p.add_argument("--scenario", default="DX標準")
    p.add_argument("--years", type=int, help="fiscal years shown (default 10; this run only)")
    p.add_argument("--start-fy", type=int, help="first fiscal year, e.g. 2027 (default: the "
                   "next fiscal year; this run only)")
    p.add_argument("--budget-cap", type=float, metavar="YEN",
                   help="most initial cost starting in one fiscal year (this run only)")
    p.add_argument("--replications", type=int, default=300)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--json", action="store_true", help="print the roadmap as JSON")
    p.add_argument("--set", action="append", metavar="MEASURE.start=FY",
                   help="save a roadmap setting to the scenario, e.g. rpa_ocr.start=2029, "
                        "budget_cap=30000000, order=payback, milestone.online=2029")
    _add_compute_arguments(p)
    p.set_defaults(func=_cmd_roadmap)

    p = sub.add_parser("report", help="write the executive Excel report of a scenario")
    p.add_argument("--project", required=True)
    p.add_argument("--scenario", default="DX標準")
    p.add_argument("-o", "--output", type=Path, required=True)
    p.add_argument("--replications", type=int, default=REPLICATIONS)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--simulation", type=Path, help="reuse a 'simulate' JSON result")
    _add_compute_arguments(p)
    p.set_defaults(func=_cmd_report)
