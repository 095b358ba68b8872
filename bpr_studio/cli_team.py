"""Commands for a project shared by a team: ``project copy`` between a ``.bprproj`` file
and a PostgreSQL database (docs/team.md)."""

from __future__ import annotations

import argparse
from typing import Any

from bpr_studio.cli_common import EXIT_OK, project_target


def _cmd_project_copy(args: argparse.Namespace) -> int:
    from bpr_studio.project_copy import copy_project

    ja = args.lang == "ja"

    def progress(table: str, rows: int) -> None:
        print(f"  {table}: {rows:,} 行" if ja else f"  {table}: {rows:,} rows")

    result = copy_project(args.source, args.destination, replace=args.replace,
                          progress=progress)
    print(result.describe(args.lang))
    return EXIT_OK


def add_commands(sub: Any) -> None:
    """Register ``project`` (copy) on the CLI's sub-parsers."""
    p = sub.add_parser("project", help="copy a whole project between a .bprproj file and a "
                       "PostgreSQL database (postgresql://user@host/db)")
    actions = p.add_subparsers(dest="action", required=True)
    c = actions.add_parser("copy", help="copy every table, ids kept; the destination is "
                           "written all or nothing")
    c.add_argument("source", type=project_target, help=".bprproj file or postgresql:// URL")
    c.add_argument("destination", type=project_target,
                   help=".bprproj file or postgresql:// URL (refused if it holds a project)")
    c.add_argument("--replace", action="store_true",
                   help="overwrite a destination that already holds a project")
    c.set_defaults(func=_cmd_project_copy, project="")
