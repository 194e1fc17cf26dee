"""What the commands that work on the database itself share: the --db option, opening
the database, a command group's subparsers, and a password from stdin, a flag or a prompt."""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable
from typing import Any

from server.config import Settings

Command = Callable[[argparse.Namespace], int]

DB_HELP = "database URL (default $DATASTORE_DB or sqlite:///datastore.db)"
KEY_FILE_HELP = "key file of DHIS2 ?encrypt=true (default $DATASTORE_ENCRYPTION_KEY_FILE, else DB.key beside SQLite)"
JSON_HELP = "one JSON document"
PASSWORD_HELP = "the password (visible to other local users: prefer --password-stdin)"
PASSWORD_STDIN_HELP = "read the password from stdin's first line"
PASSWORD_WARNING = (
    "warning: --password puts the password in the process list and shell history; prefer --password-stdin"
)


def command(subparsers: Any, name: str, func: Command, help_text: str) -> argparse.ArgumentParser:
    """A command on the database: its subparser, with --db, running `func`."""
    p: argparse.ArgumentParser = subparsers.add_parser(name, help=help_text)
    p.add_argument("--db", help=DB_HELP)
    p.set_defaults(func=func)
    return p


def group(subparsers: Any, name: str, help_text: str) -> Any:
    """A command with subcommands (`datastore user add`): the subparsers of its actions."""
    return subparsers.add_parser(name, help=help_text).add_subparsers(dest="action", required=True)


def open_db(ns: argparse.Namespace) -> None:
    """Opens the database of --db / DATASTORE_DB and brings its schema up to date."""
    from server.storage.db import connection_errors
    from server.storage.migrations import init_database

    with connection_errors():
        init_database(Settings.from_env(db_url=ns.db).db_url)


def read_password(ns: argparse.Namespace, prompt: bool = True) -> str | None:
    """--password-stdin (first line of stdin), --password (with a warning), else a prompt."""
    if getattr(ns, "password_stdin", False):
        return sys.stdin.readline().rstrip("\r\n")
    if getattr(ns, "password", None) is not None:
        print(PASSWORD_WARNING, file=sys.stderr)
        return ns.password
    if not prompt:
        return None
    if not sys.stdin.isatty():
        raise ValueError("no password: give --password-stdin (and the password on stdin) or run in a terminal")
    first = getpass.getpass("password: ")
    if getpass.getpass("again: ") != first:
        raise ValueError("the passwords differ")
    return first
