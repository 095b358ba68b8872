"""``bpr-studio compare-cities``: several cities' projects side by side on their shared
手続ID (issue 16, item 5; docs/peers.md)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from bpr_studio.cli_common import EXIT_INPUT_ERRORS


def compare_cities_command(args: argparse.Namespace) -> int:
    """Several cities' projects side by side on their shared 手続ID (issue 16, item 5)."""
    import json

    from bpr_studio.pipeline import compare_projects
    from bpr_studio.store import ProjectError

    ja = args.lang == "ja"
    try:
        comparison = compare_projects(args.project, args.scenario, args.name, args.slower_at)
    except (ValueError, KeyError) as exc:
        print(exc.args[0], file=sys.stderr)
        return EXIT_INPUT_ERRORS
    except ProjectError as exc:
        print(exc.message(args.lang), file=sys.stderr)
        return EXIT_INPUT_ERRORS
    if args.json:
        print(json.dumps(comparison.to_json(), ensure_ascii=False, indent=1))
        return 0
    print(f"共通の手続: {len(comparison.rows):,} 件（2自治体以上）" if ja else
          f"procedures shared by two or more cities: {len(comparison.rows):,}")
    for summary in comparison.summaries:
        print(f"{summary.city}: 手続 {summary.procedures:,}、共通 {summary.matched:,}、"
              f"中央値の{comparison.slower_at:g}倍より遅い {summary.slower:,} 件"
              f"（差 {summary.gap_hours:,.0f} 時間/年）{_after(summary, ja)}" if ja else
              f"{summary.city}: {summary.procedures:,} procedures, {summary.matched:,} shared, "
              f"{summary.slower:,} slower than {comparison.slower_at:g}x the median "
              f"(gap {summary.gap_hours:,.0f} h a year){_after(summary, ja)}")
        for pid, row in comparison.slowest(summary.city, 5).iterrows():
            if row[f"ratio_{summary.city}"] <= comparison.slower_at:
                break
            print(f"  {pid} {row['name']}: {row[f'minutes_per_case_{summary.city}']:,.1f} 分/件、"
                  f"中央値 {row['minutes_per_case_median']:,.1f}（{row[f'ratio_{summary.city}']:.2f} 倍）"
                  if ja else
                  f"  {pid} {row['name']}: {row[f'minutes_per_case_{summary.city}']:,.1f} min a case, "
                  f"median {row['minutes_per_case_median']:,.1f} "
                  f"({row[f'ratio_{summary.city}']:.2f}x)")
    if args.output:
        from bpr_studio.report.peers_sheet import write_peers_workbook

        path = write_peers_workbook(comparison, args.scenario, args.output)
        print(f"書き出しました: {path}" if ja else f"written: {path}")
    return 0


def _after(summary: Any, ja: bool) -> str:
    """Where the scenario leaves the city against its peers' as-is (a project only)."""
    if summary.slower_after is None:
        return ""
    return (f"、改善後も遅い {summary.slower_after:,} 件" if ja
            else f"; {summary.slower_after:,} still slower after the scenario")


def add_commands(sub: Any) -> None:
    """Register ``compare-cities`` on the CLI's sub-parsers."""
    p = sub.add_parser("compare-cities",
                       help="several cities' projects side by side on their shared 手続ID: "
                            "minutes per case, online share, level, saving; against the median")
    p.add_argument("--project", action="append", required=True,
                   help="a city's project, or its 'bpr-studio export --what procedures' CSV "
                        "(give two or more)")
    p.add_argument("--name", action="append", help="the cities' names, in --project order "
                   "(default: each project's 自治体名・プロジェクト名)")
    p.add_argument("--scenario", default="DX標準")
    p.add_argument("--slower-at", type=float, default=1.25,
                   help="'slower' above this many times the median minutes per case")
    p.add_argument("-o", "--output", type=Path, help="write the comparison as an Excel workbook")
    p.add_argument("--json", action="store_true", help="print the comparison as JSON")
    p.set_defaults(func=compare_cities_command)
