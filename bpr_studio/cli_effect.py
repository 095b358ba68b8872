"""Commands of effect measurement (効果測定): ``import --round``, ``rounds`` and ``effect``.

Kept apart from :mod:`bpr_studio.cli` (which registers them) so that the command module
stays small; the same exit codes apply.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from bpr_studio.cli_common import EXIT_INPUT_ERRORS, EXIT_OK


def _progress(done: int, total: int, label: str) -> None:
    if sys.stderr.isatty():
        end = "\n" if done >= total else ""
        print(f"\r[{done}/{total}] {label[:60]:<60}", end=end, file=sys.stderr, flush=True)


def import_round_command(args: argparse.Namespace) -> int:
    """``bpr-studio import --round NAME files…``: a re-survey kept beside the baseline."""
    from bpr_studio.io.survey_rounds import describe_written, import_round

    report = import_round(args.project, args.round, args.paths, surveyed_on=args.surveyed,
                          fiscal_year=args.fiscal_year, prefer=args.prefer,
                          progress=_progress, dry_run=args.dry_run)
    if args.json:
        print(report.to_json(args.lang))
        return EXIT_OK if report.ok else EXIT_INPUT_ERRORS
    print(report.format_text(args.lang))
    if report.written:
        print(describe_written(report, args.round, args.lang))
    return EXIT_OK if report.ok else EXIT_INPUT_ERRORS


def _cmd_rounds(args: argparse.Namespace) -> int:
    from bpr_studio.io.survey_rounds import BASELINE, delete_round, list_rounds
    from bpr_studio.loading import load_frames
    from bpr_studio.store import open_project

    with open_project(args.project) as project:
        if args.delete:
            delete_round(project, args.delete)
            print(f"調査回「{args.delete}」を削除しました。" if args.lang == "ja"
                  else f"Deleted survey round '{args.delete}'.")
            return EXIT_OK
        rounds = list_rounds(project)
        procedures = load_frames(project)[0]
    if args.json:
        print(json.dumps({"baseline": {"procedures": len(procedures),
                                       "sections": sorted(procedures["section"].unique())},
                          "rounds": [vars(r) for r in rounds]}, ensure_ascii=False, indent=1))
        return EXIT_OK
    ja = args.lang == "ja"
    print(f"{BASELINE if ja else 'baseline'}（{'現行データ' if ja else 'live data'}）: "
          f"{procedures['section'].nunique()} {'課' if ja else 'sections'}, "
          f"{len(procedures)} {'手続' if ja else 'procedures'}")
    for r in rounds:
        print(f"- {r.describe(args.lang)}  ({', '.join(r.files)})")
    if not rounds:
        print("再調査はまだありません（bpr-studio import --round 名前 ファイル… で取り込み）" if ja
              else "No re-survey yet (bpr-studio import --round NAME files…).")
    return EXIT_OK


def _fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    if unit == "%":
        return f"{value * 100:.1f}%"
    return f"{value:,.1f}" if abs(value) < 100 else f"{value:,.0f}"


def _h(value: float) -> str:
    """Hours a year, whole; never '-0'."""
    return f"{0.0 if abs(value) < 0.5 else value:,.0f}"


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.0f}%"


def effect_text(result: Any, lang: str = "ja") -> str:
    """The effect measurement as plain text (the command's output)."""
    from analysis.effect_result import KPIS, STATUS_EN, STATUS_JA

    ja = lang == "ja"
    lines = [(f"効果測定: シナリオ「{result.scenario}」（計画）対 再調査「{result.round_name}」（実績）"
              if ja else f"Effect: scenario '{result.scenario}' (plan) vs re-survey "
              f"'{result.round_name}' (actual)"),
             f"  {'測定した手続' if ja else 'measured procedures'}: {result.city.measured} / "
             f"{result.city.procedures}"]
    for step in result.chain:
        lines.append(f"  {step.ja if ja else step.en}: {step.hours:,.0f} h "
                     f"({step.share_of_surveyed:.1%})")
    lines.append(("  参考 東海村: " if ja else "  Reference, Tokai village: ") + " → ".join(
        f"{s.hours:,.0f} h" for s in result.reference_chain) + f" ({result.reference.short()})")
    lines.append("")
    head = ("指標", "現状", "計画", "再調査", "計画の削減", "実績の削減", "達成率") if ja else (
        "KPI", "baseline", "planned", "re-survey", "planned saving", "actual saving", "achieved")
    lines.append("  " + " | ".join(head))
    for kpi in KPIS:
        f = result.city.figures[kpi.key]
        unit = kpi.unit_ja if ja else kpi.unit_en
        lines.append(f"  {kpi.ja if ja else kpi.en}（{unit}） | {_fmt(f.baseline, unit)} | "
                     f"{_fmt(f.planned, unit)} | {_fmt(f.resurveyed, unit)} | "
                     f"{_fmt(f.planned_saving, unit)} | {_fmt(f.actual_saving, unit)} | "
                     f"{_pct(f.achievement)}")
    lines.append("")
    lines.append("施策別（職員の作業時間 h/年、実績は計画の内訳で按分）:" if ja else
                 "By measure (staff hours a year; actual split by the planned shares):")
    for m in result.measures:
        lines.append(f"  {m.label_ja if ja else m.label_en}: {'計画' if ja else 'planned'} "
                     f"{_h(m.planned_h)}, {'実績' if ja else 'actual'} {_h(m.actual_h)}, "
                     f"{'達成率' if ja else 'achieved'} {_pct(m.achievement)}, "
                     f"{'不足' if ja else 'shortfall'} {_h(m.shortfall_h)}")
    lines.append("")
    lines.append("手続別（職員の作業時間）:" if ja else "By procedure (staff hours):")
    status = STATUS_JA if ja else STATUS_EN
    for p in result.procedures:
        if p.status != "measured":
            continue
        f = p.figures["staff_time_h"]
        lines.append(f"  {p.key} {p.name}（{p.section}）: {'計画' if ja else 'planned'} "
                     f"{f.planned_saving:,.0f} h, {'実績' if ja else 'actual'} "
                     f"{(f.actual_saving or 0):,.0f} h, {_pct(f.achievement)}")
    skipped = [p for p in result.procedures if p.status != "measured"]
    if skipped:
        counts: dict[str, int] = {}
        for p in skipped:
            counts[p.status] = counts.get(p.status, 0) + 1
        lines.append("  " + ", ".join(f"{status[k]} {n}" for k, n in counts.items()))
    lines.append(result.note_ja if ja else result.note_en)
    return "\n".join(lines)


def _cmd_effect(args: argparse.Namespace) -> int:
    from bpr_studio.effect import run_effect
    from bpr_studio.store import open_snapshot

    with open_snapshot(args.project) as project:
        result = run_effect(project, args.scenario, args.round, progress=_progress)
    if args.json:
        from analysis.simulate import _json_safe

        print(json.dumps(_json_safe(result.to_json_dict()), ensure_ascii=False, indent=1))
    else:
        print(effect_text(result, args.lang))
    return EXIT_OK


def add_parsers(sub: Any) -> None:
    p = sub.add_parser("rounds", help="list the project's survey rounds (baseline, re-surveys)")
    p.add_argument("--project", required=True)
    p.add_argument("--delete", metavar="NAME", help="delete the stored round NAME")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_cmd_rounds)

    p = sub.add_parser("effect", help="planned (a scenario) vs actual (a re-survey round): 効果測定")
    p.add_argument("--project", required=True)
    p.add_argument("--scenario", default="DX標準")
    p.add_argument("--round", help="the re-survey round (default: the newest)")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.set_defaults(func=_cmd_effect)
