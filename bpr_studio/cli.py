"""The ``bpr-studio`` command line. Every command runs headless; ``gui`` opens the app."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from bpr_studio.cli_common import (
    EXIT_FAILURE,
    EXIT_INPUT_ERRORS,
    EXIT_INTERNAL,
    EXIT_OK,
    project_target,
    terminal_progress,
)


def _cmd_template(args: argparse.Namespace) -> int:
    from bpr_studio.io.template import write_template

    path = write_template(args.out)
    print(f"調査票のひな形を書き出しました: {path}" if args.lang == "ja"
          else f"Survey template written: {path}")
    return EXIT_OK


def _cmd_import(args: argparse.Namespace) -> int:
    if args.round is not None:  # a re-survey kept beside the baseline (cli_effect)
        from bpr_studio.cli_effect import import_round_command

        return import_round_command(args)
    from bpr_studio.io.bpmn_import import BpmnOptions
    from bpr_studio.io.survey_import import import_surveys

    report = import_surveys(args.project, args.paths, prefer=args.prefer,
                            progress=terminal_progress, dry_run=args.dry_run,
                            bpmn=BpmnOptions.from_entries(args.section, args.lane_map),
                            workers=args.workers)
    if args.json:
        print(report.to_json(args.lang))
    else:
        for change in report.changes:
            print(("置き換え予定 " if args.dry_run else "置き換え ") + change.describe(args.lang)
                  if args.lang == "ja" else
                  ("Would replace " if args.dry_run else "Replaced ") + change.describe(args.lang))
        print(report.format_text(args.lang))
    return EXIT_OK if report.ok else EXIT_INPUT_ERRORS


def _cmd_undo_import(args: argparse.Namespace) -> int:
    import json

    from bpr_studio.io.import_history import describe_undo, list_imports, undo_last_import
    from bpr_studio.store import open_project

    with open_project(args.project) as project:
        if args.list:
            imports = list_imports(project)
            if args.json:
                print(json.dumps(imports, ensure_ascii=False, indent=1))
            for entry in imports if not args.json else []:
                mark = "*" if entry["undoable"] else " "
                print(f"{mark} {entry['id']:>4} {entry['imported_at'][:19]} "
                      f"{', '.join(entry['sections'])}  ({', '.join(entry['files'])})")
            return EXIT_OK
        undone = undo_last_import(project)
    if args.json:
        print(json.dumps({"ok": True, "undone": undone.__dict__}, ensure_ascii=False))
    else:
        print(describe_undo(undone, args.lang))
    return EXIT_OK


def _cmd_import_inventory(args: argparse.Namespace) -> int:
    from bpr_studio.io.inventory import ATTRIBUTION, import_inventory

    report = import_inventory(args.project, args.csv, args.population)
    print(report.to_json(args.lang) if args.json else report.format_text(args.lang))
    if report.written:
        from bpr_studio.loading import score_project
        from bpr_studio.store import open_project

        with open_project(args.project) as project:
            levels = score_project(project).procedures["level"].value_counts().sort_index()
        counts = "、".join(f"レベル{level}: {n:,}" for level, n in levels.items())
        print(f"オンライン化レベル {counts}" if args.lang == "ja" else
              "Online-readiness " + ", ".join(f"level {k}: {n:,}" for k, n in levels.items()))
        print(ATTRIBUTION)
    return EXIT_OK if report.ok else EXIT_INPUT_ERRORS


def _cmd_export(args: argparse.Namespace) -> int:
    from bpr_studio.loading import score_project
    from bpr_studio.store import open_snapshot
    from cost_model.export import export_frame, write_csv

    with open_snapshot(args.project) as project:
        frame = export_frame(score_project(project), args.what)
    path = write_csv(frame, args.output)
    print(f"{len(frame):,} 行を書き出しました: {path}" if args.lang == "ja"
          else f"{len(frame):,} rows written: {path}")
    return EXIT_OK


def _cmd_export_bpmn(args: argparse.Namespace) -> int:
    from bpr_studio.io.bpmn_export import export_project_bpmn
    from bpr_studio.store import open_snapshot

    with open_snapshot(args.project) as project:
        try:
            result = export_project_bpmn(project, args.output, args.scenario, args.procedure,
                                         args.section, args.lang, terminal_progress)
        except KeyError as exc:
            what = exc.args[0]
            print(f"見つかりません: {what}" if args.lang == "ja" else f"Not found: {what}",
                  file=sys.stderr)
            return EXIT_INPUT_ERRORS
    if args.prosimos_json:
        from bpr_studio.io.prosimos_json import write_prosimos_json
        from bpr_studio.messages import MessageError

        try:
            write_prosimos_json(result.path, args.prosimos_json)
        except MessageError as exc:
            print(exc.message(args.lang), file=sys.stderr)
            return EXIT_INPUT_ERRORS
    print(f"BPMN を書き出しました: {result.path}（手続 {result.procedures} 件、タスク {result.tasks} 件）"
          if args.lang == "ja" else
          f"BPMN written: {result.path} ({result.procedures} procedures, {result.tasks} tasks)")
    return EXIT_OK


def _cmd_unit_cost(args: argparse.Namespace) -> int:
    from bpr_studio.loading import load_unit_costs, reset_unit_cost, set_unit_cost
    from bpr_studio.store import open_project
    from cost_model.unit_costs import UnitCostError

    with open_project(args.project) as project:
        try:
            for assignment in args.set or []:
                key, _, value = assignment.partition("=")
                set_unit_cost(project, key.strip(), value.strip(), args.source or "")
            for key in args.reset or []:
                reset_unit_cost(project, key)
        except UnitCostError as exc:
            print(exc.message(args.lang), file=sys.stderr)
            return EXIT_INPUT_ERRORS
        table = load_unit_costs(project)
    for key, entry in table.project.items():
        mark = "" if entry.is_default else " *"
        print(f"{key:<30} {entry.value:>14,.6g}{mark}  {entry.source}")
    return EXIT_OK


def _cmd_project_info(args: argparse.Namespace) -> int:
    from bpr_studio.store import open_project

    with open_project(args.project) as project:
        for key in ("municipality", "title"):
            value = getattr(args, key)
            if value is not None:
                project.set_meta(key, value.strip())
        print(f"自治体名: {project.meta('municipality')}\nプロジェクト名: {project.meta('title')}"
              f"\nレポートの表題: {project.title}")
    return EXIT_OK


def _cmd_scenario(args: argparse.Namespace) -> int:
    from analysis.measures import MEASURES
    from analysis.scenario import MeasureUse, Rule, Scenario
    from bpr_studio.loading import (
        delete_scenario,
        get_scenario_and_version,
        list_scenarios,
        save_scenario_seen,
    )
    from bpr_studio.store import open_project

    with open_project(args.project) as project:
        if args.action == "list":
            for scenario in list_scenarios(project):
                print(f"{scenario.name}: {len(scenario.measures)} 施策 — {scenario.description}")
            return EXIT_OK
        if not args.name:
            print("シナリオ名を指定してください（--name）。", file=sys.stderr)
            return EXIT_INPUT_ERRORS
        if args.action == "delete":
            delete_scenario(project, args.name)
            return EXIT_OK
        try:
            scenario, seen = get_scenario_and_version(project, args.name)
        except KeyError:
            if args.action != "add-measure":
                print(f"シナリオ「{args.name}」はありません。", file=sys.stderr)
                return EXIT_INPUT_ERRORS
            scenario, seen = Scenario(args.name, [], args.description or ""), None
        if args.action == "add-measure":
            if args.measure not in MEASURES:
                print(f"施策「{args.measure}」はありません（{', '.join(MEASURES)}）。", file=sys.stderr)
                return EXIT_INPUT_ERRORS
            params: dict[str, object] = {}
            for assignment in args.param or []:
                key, _, value = assignment.partition("=")
                params[key.strip()] = ([int(v) for v in value.split(",")] if key.strip() == "steps"
                                       else float(value))
            rule = Rule(max_level=args.max_level, min_cases=args.min_cases,
                        sections=args.section or None, procedure_ids=args.procedure or None)
            scenario.measures.append(MeasureUse(args.measure, params, rule))
            save_scenario_seen(project, scenario, seen)
        elif args.action == "remove-measure":
            scenario.measures = [m for m in scenario.measures if m.measure != args.measure]
            save_scenario_seen(project, scenario, seen)
        for use in scenario.measures:
            print(f"{MEASURES[use.measure].ja}（{use.measure}）: {use.rule.describe('ja')} {use.params or ''}")
    return EXIT_OK


def _cmd_counter(args: argparse.Namespace) -> int:
    import json

    from analysis.counter import simulate_stationary

    result = simulate_stationary(args.arrival_rate, args.servers, args.mean_service_min,
                                 args.hours, args.seed, args.service_dist)
    data = {"mean_wait_min": result.mean_wait_min, "p90_wait_min": result.p90_wait_min,
            "utilization": result.utilization, "max_wait_min": result.max_wait_min,
            "visits": result.visits}
    if args.json:
        print(json.dumps(data))
    else:
        print(f"平均待ち {data['mean_wait_min']:.2f} 分、90%点 {data['p90_wait_min']:.2f} 分、"
              f"稼働率 {data['utilization']:.1%}")
    return EXIT_OK


def _cmd_generate(args: argparse.Namespace) -> int:
    from sample_surveys.generator import generate_survey

    files = generate_survey(args.out, procedures=args.procedures, sections=args.sections,
                            seed=args.seed, workers=args.workers)
    print(f"{len(files)} workbooks written to {args.out}")
    return EXIT_OK


def _cmd_gui(args: argparse.Namespace) -> int:
    from ui.app import run_gui  # Qt is imported only here

    return run_gui(args.project, screenshot=args.screenshot, lang=args.lang_given)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bpr-studio", description="BPR Studio")
    parser.add_argument("--lang", choices=("ja", "en"), default="ja",
                        help="language of messages (default: ja)")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("template", help="write the blank survey workbook")
    p.add_argument("out", type=Path)
    p.set_defaults(func=_cmd_template)

    p = sub.add_parser("import", help="import survey workbooks, BPMN files or folders into a project")
    p.add_argument("--project", required=True, help="project file (.bprproj), created if missing")
    p.add_argument("--prefer", action="append", default=[], metavar="FILE",
                   help="when a procedure ID is in two files, keep the one from FILE")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument("--dry-run", action="store_true",
                   help="check and list what would be replaced, write nothing")
    p.add_argument("--section", help="BPMN files: the section (課) their procedures belong to")
    p.add_argument("--lane-map", action="append", default=[], metavar="LANE=ACTOR",
                   help="BPMN files: the actor of a lane whose name is not one "
                        "(e.g. '審査係=担当職員'); repeatable")
    p.add_argument("--workers", type=int, metavar="N",
                   help="processes reading files side by side (default: every core when there "
                        "is more than a few MB to read; 1: this process only)")
    p.add_argument("--round", metavar="NAME",
                   help="keep the files as re-survey round NAME beside the baseline (効果測定)")
    p.add_argument("--surveyed", default="", metavar="WHEN",
                   help="with --round: when the re-survey was taken, e.g. 2026-06")
    p.add_argument("--fiscal-year", type=int, metavar="YEAR",
                   help="with --round: the fiscal year (年度) it describes, e.g. 2026")
    p.add_argument("paths", nargs="+", type=Path)
    p.set_defaults(func=_cmd_import)

    p = sub.add_parser("undo-import", help="undo the last survey import (restores what it replaced)")
    p.add_argument("--project", required=True)
    p.add_argument("--list", action="store_true", help="list the import history instead")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_cmd_undo_import)

    p = sub.add_parser("import-inventory", help="import the national procedure inventory CSV")
    p.add_argument("--project", required=True)
    p.add_argument("--population", type=int, required=True, help="the city's population")
    p.add_argument("--json", action="store_true")
    p.add_argument("csv", type=Path)
    p.set_defaults(func=_cmd_import_inventory)

    p = sub.add_parser("export", help="export scored procedures or steps as CSV")
    p.add_argument("--project", required=True)
    p.add_argument("--what", choices=("procedures", "steps"), default="procedures")
    p.add_argument("-o", "--output", type=Path, required=True)
    p.set_defaults(func=_cmd_export)

    p = sub.add_parser("export-bpmn", help="export procedures as BPMN 2.0 (with diagram) for "
                       "bpmn.io, Camunda Modeler, Bizagi; docs/bpmn.md")
    p.add_argument("--project", required=True)
    p.add_argument("--scenario", help="export the to-be of this scenario (default: as-is)")
    p.add_argument("--procedure", action="append", default=[], metavar="ID",
                   help="only this procedure (repeatable)")
    p.add_argument("--section", action="append", default=[], metavar="NAME",
                   help="only this section's procedures (repeatable)")
    p.add_argument("-o", "--output", type=Path, required=True, help="the .bpmn file to write")
    p.add_argument("--prosimos-json", type=Path, metavar="JSON",
                   help="also write Prosimos' simulation parameters (one procedure)")
    p.set_defaults(func=_cmd_export_bpmn)

    p = sub.add_parser("unit-cost", help="show or set the project's unit costs")
    p.add_argument("--project", required=True)
    p.add_argument("--set", action="append", metavar="KEY=VALUE")
    p.add_argument("--reset", action="append", metavar="KEY")
    p.add_argument("--source", help="where the value comes from (shown in the report)")
    p.set_defaults(func=_cmd_unit_cost)

    p = sub.add_parser("project-info", help="show or set the municipality and project name")
    p.add_argument("--project", required=True)
    p.add_argument("--municipality", help="自治体名, e.g. 岩見沢市 (the report's title)")
    p.add_argument("--title", help="プロジェクト名, e.g. 窓口DX")
    p.set_defaults(func=_cmd_project_info)

    from bpr_studio.cli_simulation import add_commands as add_simulation_commands

    add_simulation_commands(sub)  # simulate, economics, roadmap, report

    from bpr_studio.cli_peers import add_commands as add_peer_commands

    add_peer_commands(sub)  # compare-cities (issue 16, item 5)

    p = sub.add_parser("scenario", help="list, show or edit the project's scenarios")
    p.add_argument("action", choices=("list", "show", "add-measure", "remove-measure", "delete"))
    p.add_argument("--project", required=True)
    p.add_argument("--name", help="scenario name")
    p.add_argument("--description")
    p.add_argument("--measure", help="measure key (e.g. online_application)")
    p.add_argument("--max-level", type=int)
    p.add_argument("--min-cases", type=int)
    p.add_argument("--section", action="append")
    p.add_argument("--procedure", action="append")
    p.add_argument("--param", action="append", metavar="KEY=VALUE")
    p.set_defaults(func=_cmd_scenario)

    p = sub.add_parser("counter", help="simulate one counter queue (stationary arrivals)")
    p.add_argument("--arrival-rate", type=float, required=True, help="arrivals per hour")
    p.add_argument("--servers", type=int, required=True)
    p.add_argument("--mean-service-min", type=float, required=True)
    p.add_argument("--service-dist", choices=("exponential", "lognormal", "triangular"),
                   default="exponential")
    p.add_argument("--hours", type=float, default=2000)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_cmd_counter)

    from bpr_studio.cli_journeys import add_commands as add_journey_commands

    add_journey_commands(sub)  # journeys, events (life events, issue 14)

    p = sub.add_parser("generate-survey", help="write a synthetic survey of any size")
    p.add_argument("--procedures", type=int, default=3000)
    p.add_argument("--sections", type=int, default=40)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--workers", type=int, metavar="N",
                   help="processes writing workbooks (default: every core above 5,000 "
                        "procedures; 1: this process)")
    p.set_defaults(func=_cmd_generate)

    from bpr_studio.cli_effect import add_parsers as add_effect_parsers

    add_effect_parsers(sub)

    from bpr_studio.cli_team import add_commands as add_team_commands

    add_team_commands(sub)  # project copy (issue 16, item 4)

    p = sub.add_parser("gui", help="open the desktop app (the sample project if none given)")
    p.add_argument("project", nargs="?", type=project_target,
                   help=".bprproj file or postgresql://user@host/db")
    p.add_argument("--screenshot", type=Path, help="render the main window to PNG and exit")
    p.set_defaults(func=_cmd_gui)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    import multiprocessing

    # Import and generate-survey start reading/writing processes with spawn; in an app
    # frozen into one .exe (Windows) a spawned child must stop here, not run the command.
    multiprocessing.freeze_support()
    args = build_parser().parse_args(argv)
    # The app remembers a language chosen in its menu; an explicit --lang overrides it.
    args.lang_given = args.lang if "--lang" in (argv if argv is not None else sys.argv) else None
    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # noqa: BLE001 — the command boundary: nothing escapes as a traceback
        return _report_failure(exc, args)


def _report_failure(exc: Exception, args: argparse.Namespace) -> int:
    import json

    from bpr_studio.edits import EditError
    from bpr_studio.errors import as_project_error, internal_error_message, log_exception
    from bpr_studio.store import display_location

    location = display_location(getattr(args, "project", "") or "")
    problem = as_project_error(exc, location)
    if problem is not None:
        kind, code, text = "project", EXIT_FAILURE, problem.message(args.lang)
    elif isinstance(exc, EditError):  # e.g. someone saved the scenario meanwhile: nothing written
        kind, code, text = "edit", EXIT_FAILURE, exc.message(args.lang)
    elif isinstance(exc, OSError):
        kind, code = "file", EXIT_FAILURE
        text = f"{exc.filename or ''}: {exc.strerror or exc}"
    else:
        log = log_exception(exc, f"command {args.command}")
        kind, code, text = "internal", EXIT_INTERNAL, internal_error_message(exc, log, args.lang)
    if getattr(args, "json", None) is True:
        print(json.dumps({"ok": False, "error": {"kind": kind, "message": text}},
                         ensure_ascii=False))
    print(text, file=sys.stderr)
    return code


if __name__ == "__main__":
    sys.exit(main())
