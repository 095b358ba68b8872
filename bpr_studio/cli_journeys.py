"""``bpr-studio journeys`` and ``bpr-studio events``: life events from the command line.

    bpr-studio journeys --project F [--scenario NAME] [--event 転入] [--measures one_stop,no_form] [--json]
    bpr-studio events --project F [--import events.csv | --reset]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from bpr_studio.cli_common import EXIT_INPUT_ERRORS, EXIT_OK, project_target


def _progress(done: int, total: int, label: str) -> None:
    if sys.stderr.isatty():
        end = "\n" if done >= total else ""
        print(f"\r[{done}/{total}] {label[:60]:<60}", end=end, file=sys.stderr, flush=True)


def _side_line(label: str, side: Any, ja: bool) -> str:
    m = side.minutes
    if ja:
        return (f"  {label}: 窓口 {side.counters.mean:.1f} か所、氏名 {side.name_writes.mean:.1f} 回・"
                f"住所 {side.address_writes.mean:.1f} 回記入、庁舎内 {m.mean:.0f} 分"
                f"（P5–P95 {m.p5:.0f}–{m.p95:.0f}）、待ち {side.wait_minutes.mean:.0f} 分、"
                f"来庁 {side.visits.mean:.2f} 回")
    return (f"  {label}: {side.counters.mean:.1f} counters, name written {side.name_writes.mean:.1f}×,"
            f" address {side.address_writes.mean:.1f}×, {m.mean:.0f} min in the building "
            f"(P5–P95 {m.p5:.0f}–{m.p95:.0f}), waiting {side.wait_minutes.mean:.0f} min, "
            f"{side.visits.mean:.2f} visits")


def _cmd_journeys(args: argparse.Namespace) -> int:
    from analysis.journey import MEASURE_LABELS
    from analysis.life_events import EventDataError
    from bpr_studio.journey_pipeline import run_journeys
    from bpr_studio.store import open_snapshot

    measures = tuple(m.strip() for m in args.measures.split(",") if m.strip()) \
        if args.measures is not None else None
    ja = args.lang == "ja"
    with open_snapshot(args.project) as project:
        try:
            result = run_journeys(project, args.scenario, args.event or None, measures,
                                  args.seed, args.replications, progress=_progress,
                                  fiscal_year=args.fiscal_year)
        except KeyError as exc:
            print(exc.args[0], file=sys.stderr)
            return EXIT_INPUT_ERRORS
        except EventDataError as problem:
            print(problem.message(args.lang), file=sys.stderr)
            return EXIT_INPUT_ERRORS
    if args.json:
        text = json.dumps({"ok": True, **result.to_dict()}, ensure_ascii=False, indent=1)
        if args.json == "-":
            print(text)
            return EXIT_OK
        Path(args.json).write_text(text, encoding="utf-8")
    labels = "＋".join(MEASURE_LABELS[m][0 if ja else 1] for m in result.measures)
    for event in result.events:
        head = (f"{event.name}（年 {event.events_per_year:,.0f} 件）" if ja
                else f"{event.name_en} ({event.events_per_year:,.0f} a year)")
        print(head)
        print(_side_line("現状" if ja else "as-is", event.as_is, ja))
        print(_side_line(f"改善後（{labels}）" if ja else f"to-be ({labels})", event.to_be, ja))
    seconds = f"{result.seconds:.1f} s"
    print(f"{result.replications} 人/イベント、seed {result.seed}、{result.fiscal_year}年度 ({seconds})"
          if ja else f"{result.replications} citizens an event, seed {result.seed}, "
          f"FY{result.fiscal_year} ({seconds})")
    if args.json and args.json != "-":
        print(args.json)
    return EXIT_OK


def _cmd_events(args: argparse.Namespace) -> int:
    from analysis.life_events import EventDataError
    from bpr_studio.life_event_store import load_events, read_events_csv, reset_events, save_events
    from bpr_studio.queries import procedures_frame
    from bpr_studio.store import open_project

    with open_project(args.project) as project:
        try:
            if args.reset:
                reset_events(project)
            elif args.import_csv:
                ids = set(procedures_frame(project)["procedure_id"].astype(str))
                save_events(project, read_events_csv(args.import_csv, ids))
            events = load_events(project)
        except EventDataError as problem:
            print(problem.message(args.lang), file=sys.stderr)
            return EXIT_INPUT_ERRORS
    if args.json:
        print(json.dumps([{"key": e.key, "name": e.name, "events_per_year": e.events_per_year,
                           "origin": e.origin, "members": [m.__dict__ for m in e.members]}
                          for e in events], ensure_ascii=False, indent=1))
        return EXIT_OK
    for e in events:
        origin = "既定" if e.origin == "default" else "プロジェクト"
        print(f"{e.name} [{e.key}]（{origin}、年 {e.events_per_year:,.0f} 件）")
        for m in e.members:
            print(f"  {m.procedure_id:<10} {m.share:>5.0%}  {m.matched}")
    return EXIT_OK


def add_commands(sub: Any) -> None:
    """Register ``journeys`` and ``events`` on the CLI's sub-parsers."""
    p = sub.add_parser("journeys", help="simulate the citizen's visit per life event, as-is and to-be")
    p.add_argument("--project", type=project_target, required=True)
    p.add_argument("--scenario", help="add the journey measures the scenario's measures imply")
    p.add_argument("--event", action="append", help="an event (key or name, e.g. 転入); repeatable")
    p.add_argument("--measures", help="comma-separated: one_stop,no_form,okuyami,prefill,"
                                      "reservation (default one_stop,no_form)")
    p.add_argument("--replications", type=int, default=1000)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--fiscal-year", type=int, help="the fiscal year whose opening days and "
                                                   "holidays to use (default 2025)")
    p.add_argument("--json", nargs="?", const="-", help="write JSON to a file (or stdout)")
    p.set_defaults(func=_cmd_journeys)

    p = sub.add_parser("events", help="list the project's life events, or set them from a CSV")
    p.add_argument("--project", type=project_target, required=True)
    group = p.add_mutually_exclusive_group()
    group.add_argument("--import", dest="import_csv", type=Path,
                       help="CSV with イベント, 手続ID, 割合(%%) [, 年間件数, 起点の手続ID]")
    group.add_argument("--reset", action="store_true", help="back to the default set")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_cmd_events)
