"""Whole-database commands: `init` (the first administrator of an empty database),
`export` and `import` (NDJSON), and `backup` (a consistent copy of a live SQLite
database). Each command's subparser is declared beside the function that runs it."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any

from server.cli.common import command, open_db, read_password


def init_command(sub: Any) -> None:
    p = command(sub, "init", cmd_init, "create the first administrator of an empty database; prints its token")
    p.add_argument("--admin", required=True, metavar="NAME")
    p.add_argument("--password-stdin", action="store_true", help="read its password from stdin (default: none)")
    p.add_argument("--days", type=int, default=None, help="token lifetime in days (default 14)")


def cmd_init(ns: argparse.Namespace) -> int:
    """First administrator of an empty database; prints a token for it, once."""
    import secrets as random

    from server.services.auth import AuthService
    from server.storage import admin
    from server.storage.cache import CacheRegistry
    from server.storage.db import connection, write_transaction

    password = read_password(ns, prompt=False) or random.token_urlsafe(24)  # without one: log in by the token
    open_db(ns)
    auth = AuthService(CacheRegistry())
    with connection(), write_transaction():
        if admin.count_users():
            raise ValueError("the database already has users; add more with 'datastore user add'")
        auth.add_user(ns.admin, password, customer_id=1, admin=True, global_data=True)
        token = auth.token_for_user(ns.admin, ns.days)
    print(f"administrator {ns.admin} created; its token (shown once):", file=sys.stderr)
    print(token.token)
    return 0


def export_command(sub: Any) -> None:
    p = command(sub, "export", cmd_export, "write the database (or some stores) as NDJSON")
    p.add_argument("--store", action="append", metavar="NAME", help="only this store (repeatable)")
    p.add_argument("--out", metavar="FILE", help="write to FILE (mode 0600) instead of stdout")


def cmd_export(ns: argparse.Namespace) -> int:
    from server.storage import dump
    from server.storage.db import connection

    open_db(ns)
    started = time.monotonic()
    with connection():
        total = dump.export_count(ns.store) if sys.stderr.isatty() else None
        with _progress("export", total) as advance:
            if ns.out:
                tmp = f"{ns.out}.partial"
                fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # holds password hashes
                with open(fd, "w", encoding="utf-8") as out:
                    counts = dump.export(out, ns.store, advance)
                os.replace(tmp, ns.out)
            else:
                counts = dump.export(sys.stdout, ns.store, advance)
                sys.stdout.flush()
    if ns.out:
        took = time.monotonic() - started
        print(
            f"exported {sum(counts.values())} rows ({counts.get('entry', 0)} entries) in {took:.1f} s", file=sys.stderr
        )
    return 0


def import_command(sub: Any) -> None:
    p = command(sub, "import", cmd_import, "restore an export (idempotent; one transaction per batch)")
    p.add_argument("file", metavar="FILE", help="the export ('-': stdin)")
    p.add_argument("--batch-size", type=int, default=500, help="rows per transaction (default 500)")


def cmd_import(ns: argparse.Namespace) -> int:
    from server.storage import dump
    from server.storage.db import connection

    open_db(ns)
    source = sys.stdin if ns.file == "-" else open(ns.file, encoding="utf-8")  # noqa: SIM115 - closed below
    try:
        size = os.fstat(source.fileno()).st_size if ns.file != "-" else None
        with connection(), _progress("import", size) as advance:
            counts = dump.import_lines(source, advance, batch=ns.batch_size)
    finally:
        if source is not sys.stdin:
            source.close()
    print(f"imported {sum(counts.values())} rows ({counts.get('entry', 0)} entries)", file=sys.stderr)
    return 0


@contextlib.contextmanager
def _progress(label: str, total: int | None) -> Iterator[Callable[[int], None] | None]:
    """A rich progress bar on stderr when it is a terminal; nothing otherwise."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    with Progress(
        f"[bold]{label}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as bar:
        task = bar.add_task(label, total=total)
        yield lambda n: bar.advance(task, n)


def backup_command(sub: Any) -> None:
    p = command(sub, "backup", cmd_backup, "SQLite: a consistent copy of the live database (and its key file)")
    p.add_argument("file", metavar="FILE")


def cmd_backup(ns: argparse.Namespace) -> int:
    import shutil

    from server.storage import dump
    from server.storage.db import database

    open_db(ns)
    pages = dump.backup_sqlite(ns.file)
    key = f"{database.obj.database}.key"
    if os.path.exists(key):  # the DHIS2 encryption key goes with its database
        shutil.copyfile(key, f"{ns.file}.key")
        os.chmod(f"{ns.file}.key", 0o600)
    print(f"backup written to {ns.file} ({pages} pages)" + (f", key file {ns.file}.key" if os.path.exists(key) else ""))
    return 0


COMMANDS = (init_command, export_command, import_command, backup_command)


def add_parser(sub: Any) -> None:
    for add in COMMANDS:
        add(sub)
