"""The schema: `datastore migrate` creates or upgrades it, `datastore index` adds, drops
and lists expression indexes over a JSON path of entry values."""

from __future__ import annotations

import argparse
from typing import Any

from server.cli.common import command, open_db


def migrate_command(sub: Any) -> None:
    command(sub, "migrate", cmd_migrate, "create or upgrade the schema")


def cmd_migrate(ns: argparse.Namespace) -> int:
    from server.storage.db import database
    from server.storage.migrations import current_version

    open_db(ns)
    print(f"schema at version {current_version(database.obj)}")
    return 0


def index_command(sub: Any) -> None:
    index = sub.add_parser("index", help="expression indexes over a JSON path of entry values")
    actions = index.add_subparsers(dest="action", required=True)
    for action, help_text in (("add", "index a path (e.g. 'n' or 'a.b') in every store"), ("drop", "drop it")):
        p = command(actions, action, cmd_index, help_text)
        p.add_argument("path")
    command(actions, "list", cmd_index, "list the path indexes")


def cmd_index(ns: argparse.Namespace) -> int:
    from server.storage import indexes
    from server.storage.db import database

    open_db(ns)
    db = database.obj
    if ns.action == "add":
        print(indexes.add(db, ns.path))
    elif ns.action == "drop":
        print("dropped" if indexes.drop(db, ns.path) else "no such index")
    else:
        for name, sql in indexes.listing(db):
            print(f"{name}\t{sql}")
    return 0


def add_parser(sub: Any) -> None:
    migrate_command(sub)
    index_command(sub)
