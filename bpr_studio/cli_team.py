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


def _cmd_team(args: argparse.Namespace) -> int:
    from bpr_studio import team
    from bpr_studio.store import open_project

    ja = args.lang == "ja"
    with open_project(args.project) as project:
        if args.action == "add-user":
            password = None
            if args.password:
                import getpass

                password = getpass.getpass("パスワード: " if ja else "Password: ")
            member = team.add_user(project, args.name, args.section, args.dx, password)
            print(f"{member.name} を登録しました: {member.describe('ja')}" if ja
                  else f"added {member.name}: {member.describe('en')}")
        elif args.action == "remove-user":
            team.remove_user(project, args.name)
            print(f"{args.name} をチームから外しました" if ja
                  else f"removed {args.name} from the team")
        else:
            members = team.list_members(project)
            if not members:
                print("チームは未設定です（だれでもすべてを変更できます）。" if ja else
                      "No team set up yet (everyone may change everything).")
            for member in members:
                print(f"{member.name}\t{member.describe(args.lang)}")
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

    p = sub.add_parser("team", help="who may change which section's rows of a PostgreSQL "
                       "project: add-user, remove-user, list (docs/team.md)")
    actions = p.add_subparsers(dest="action", required=True)
    a = actions.add_parser("add-user", help="create the user's login (if new) and give it "
                           "one section's rows, or everything with --dx")
    a.add_argument("name", help="the user's PostgreSQL login name, e.g. yamada")
    who = a.add_mutually_exclusive_group(required=True)
    who.add_argument("--section", help="the section whose rows the user may change, e.g. 市民課")
    who.add_argument("--dx", action="store_true", help="DX staff: may change everything")
    a.add_argument("--password", action="store_true",
                   help="ask for the user's password (not echoed) and set it")
    r = actions.add_parser("remove-user", help="take a user off the team")
    r.add_argument("name")
    actions.add_parser("list", help="the team: each user and their section")
    for parser in (a, r, actions.choices["list"]):
        parser.add_argument("--project", type=project_target, required=True,
                            help="postgresql://owner@server/database")
        parser.set_defaults(func=_cmd_team)
