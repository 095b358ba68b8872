"""The ``bpr-studio`` command line. Every command runs headless; ``gui`` opens the app."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from bpr_studio.store import ProjectError

EXIT_OK = 0
EXIT_INPUT_ERRORS = 1
EXIT_FAILURE = 2


def _terminal_progress(done: int, total: int, label: str) -> None:
    if sys.stderr.isatty():
        end = "\n" if done >= total else ""
        print(f"\r[{done}/{total}] {label[:60]:<60}", end=end, file=sys.stderr, flush=True)


def _cmd_template(args: argparse.Namespace) -> int:
    from bpr_studio.io.template import write_template

    path = write_template(args.out)
    print(f"調査票のひな形を書き出しました: {path}" if args.lang == "ja"
          else f"Survey template written: {path}")
    return EXIT_OK


def _cmd_import(args: argparse.Namespace) -> int:
    from bpr_studio.io.survey_import import import_surveys

    report = import_surveys(args.project, args.paths, prefer=args.prefer,
                            progress=_terminal_progress)
    print(report.to_json(args.lang) if args.json else report.format_text(args.lang))
    return EXIT_OK if report.ok else EXIT_INPUT_ERRORS


def _cmd_generate(args: argparse.Namespace) -> int:
    from sample_surveys.generator import generate_survey

    files = generate_survey(args.out, procedures=args.procedures, sections=args.sections,
                            seed=args.seed)
    print(f"{len(files)} workbooks written to {args.out}")
    return EXIT_OK


def _cmd_gui(args: argparse.Namespace) -> int:
    from ui.app import run_gui  # Qt is imported only here

    return run_gui(args.project, screenshot=args.screenshot, lang=args.lang)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bpr-studio", description="BPR Studio")
    parser.add_argument("--lang", choices=("ja", "en"), default="ja",
                        help="language of messages (default: ja)")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("template", help="write the blank survey workbook")
    p.add_argument("out", type=Path)
    p.set_defaults(func=_cmd_template)

    p = sub.add_parser("import", help="import survey workbooks or folders into a project")
    p.add_argument("--project", required=True, help="project file (.bprproj), created if missing")
    p.add_argument("--prefer", action="append", default=[], metavar="FILE",
                   help="when a procedure ID is in two files, keep the one from FILE")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument("paths", nargs="+", type=Path)
    p.set_defaults(func=_cmd_import)

    p = sub.add_parser("generate-survey", help="write a synthetic survey of any size")
    p.add_argument("--procedures", type=int, default=3000)
    p.add_argument("--sections", type=int, default=40)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--out", type=Path, required=True)
    p.set_defaults(func=_cmd_generate)

    p = sub.add_parser("gui", help="open the desktop app (the sample project if none given)")
    p.add_argument("project", nargs="?", type=Path)
    p.add_argument("--screenshot", type=Path, help="render the main window to PNG and exit")
    p.set_defaults(func=_cmd_gui)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except ProjectError as exc:
        print(exc.message(args.lang), file=sys.stderr)
        return EXIT_FAILURE
    except OSError as exc:
        print(f"{exc.filename or ''}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_FAILURE


if __name__ == "__main__":
    sys.exit(main())
