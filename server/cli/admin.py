"""Administration commands of `datastore` (issue 14): listings with --json, user delete
and passwd, token list and revoke, init of the first administrator, export/import,
SQLite backup, and serve's --durability and first-start hint.

`add_commands` hooks them into server/cli.py's parser, also extending `user add`
(--password-stdin) and `grant` (`grant list`) without changing what they accept.
"""

from __future__ import annotations

import argparse
import contextlib
import getpass
import json
import logging
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

from server.config import Settings

PASSWORD_WARNING = (
    "warning: --password puts the password in the process list and shell history; prefer --password-stdin"
)


def db_url(ns: argparse.Namespace) -> str:
    return Settings.from_env(db_url=ns.db).db_url


def open_db(ns: argparse.Namespace) -> None:
    """Opens the database of --db / DATASTORE_DB and brings its schema up to date."""
    from server.storage.db import connection_errors
    from server.storage.migrations import init_database

    with connection_errors():
        init_database(db_url(ns))


def _when(ms: int | None) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if ms else "-"


def _print_rows(rows: list[dict], columns: list[str], as_json: bool, key: str) -> None:
    """One JSON document ({key: rows}) with --json, else aligned columns."""
    if as_json:
        json.dump({key: rows}, sys.stdout)
        sys.stdout.write("\n")
        return

    def text(row: dict, col: str) -> str:
        value = row.get(col)
        if col in ("created", "expires"):
            return _when(value)
        if isinstance(value, list):
            return ",".join(value) or "-"
        if isinstance(value, bool):
            return "yes" if value else "no"
        return "-" if value is None else str(value)

    table = [[c.upper() for c in columns]] + [[text(r, c) for c in columns] for r in rows]
    widths = [max(len(line[i]) for line in table) for i in range(len(columns))]
    for line in table:
        print("  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip())


def _password(ns: argparse.Namespace, prompt: bool = True) -> str | None:
    """--password-stdin (first line of stdin), --password (with a warning), else a prompt."""
    if getattr(ns, "password_stdin", False):
        return sys.stdin.readline().rstrip("\r\n")
    if getattr(ns, "password", None) is not None:
        print(PASSWORD_WARNING, file=sys.stderr)
        return ns.password
    if not prompt:
        return None
    first = getpass.getpass("password: ")
    if getpass.getpass("again: ") != first:
        raise ValueError("the passwords differ")
    return first


# ------------------------------------------------------------------ listings


def cmd_user_list(ns: argparse.Namespace) -> int:
    from server.storage import admin
    from server.storage.db import connection

    open_db(ns)
    with connection():
        rows = admin.list_users()
    _print_rows(rows, ["username", "customer", "admin", "global_data", "groups", "created"], ns.json, "users")
    return 0


def cmd_token_list(ns: argparse.Namespace) -> int:
    from server.storage import admin
    from server.storage.db import connection

    open_db(ns)
    with connection():
        rows = admin.list_tokens(ns.username)
    _print_rows(rows, ["id", "created", "expires"], ns.json, "tokens")
    return 0


def cmd_group_list(ns: argparse.Namespace) -> int:
    from server.storage import admin
    from server.storage.db import connection

    open_db(ns)
    with connection():
        rows = admin.list_groups()
    _print_rows(rows, ["name", "members", "created"], ns.json, "groups")
    return 0


def cmd_grant_list(ns: argparse.Namespace) -> int:
    from server.storage import admin
    from server.storage.db import connection

    open_db(ns)
    with connection():
        rows = admin.list_grants()
    _print_rows(rows, ["customer", "user", "group", "access"], ns.json, "grants")
    return 0


# ------------------------------------------------------------------ changes


def cmd_user_delete(ns: argparse.Namespace) -> int:
    from server.services.auth import AuthService
    from server.storage.cache import CacheRegistry
    from server.storage.db import connection

    open_db(ns)
    with connection():
        AuthService(CacheRegistry()).delete_user(ns.username)
    print(f"user {ns.username} deleted (its tokens are revoked)")
    return 0


def cmd_user_passwd(ns: argparse.Namespace) -> int:
    from server.domain.errors import InvalidArgument
    from server.services.auth import AuthService
    from server.storage.cache import CacheRegistry
    from server.storage.db import connection

    password = _password(ns)
    if len(password or "") < 8:
        raise InvalidArgument.for_field("password", "must be at least 8 characters")
    open_db(ns)
    with connection():
        AuthService(CacheRegistry()).set_password(ns.username, password)
    print(f"password of {ns.username} changed")
    return 0


def cmd_token_revoke(ns: argparse.Namespace) -> int:
    from server.services.auth import AuthService
    from server.storage.cache import CacheRegistry
    from server.storage.db import connection

    open_db(ns)
    with connection():
        username = AuthService(CacheRegistry()).revoke_token(ns.token)
    print(f"token of {username} revoked")
    return 0


def cmd_init(ns: argparse.Namespace) -> int:
    """First administrator of an empty database; prints a token for it, once."""
    import secrets as random

    from server.services.auth import AuthService
    from server.storage import admin
    from server.storage.cache import CacheRegistry
    from server.storage.db import connection, write_transaction

    password = _password(ns, prompt=False) or random.token_urlsafe(24)  # without one: log in by the token
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


def cmd_user_add(original: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    def run(ns: argparse.Namespace) -> int:
        ns.password = _password(ns)
        return original(ns)

    return run


def cmd_grant(original: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """`grant list` lists; otherwise the contract's `grant USERNAME --customer --access`."""

    def run(ns: argparse.Namespace) -> int:
        if ns.username == "list" and ns.customer is None and ns.access is None:
            return cmd_grant_list(ns)
        if ns.customer is None or ns.access is None:
            raise ValueError("grant needs --customer ID and --access read|write (or: datastore grant list)")
        return original(ns)

    return run


# ------------------------------------------------------------ export, import


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


def cmd_backup(ns: argparse.Namespace) -> int:
    import shutil

    from server.storage import dump

    open_db(ns)
    pages = dump.backup_sqlite(ns.file)
    from server.storage.db import database

    key = f"{database.obj.database}.key"
    if os.path.exists(key):  # the DHIS2 encryption key goes with its database
        shutil.copyfile(key, f"{ns.file}.key")
        os.chmod(f"{ns.file}.key", 0o600)
    print(f"backup written to {ns.file} ({pages} pages)" + (f", key file {ns.file}.key" if os.path.exists(key) else ""))
    return 0


# ------------------------------------------------------------------ serve


def first_start_hint() -> None:
    """Logs how to create the first administrator when the served database has no user."""
    from server.storage import admin
    from server.storage.db import connection, database

    deadline = time.monotonic() + 60
    while True:  # once the server has opened the database and migrated it
        try:
            if database.obj is not None:
                with connection():
                    empty = admin.count_users() == 0
                break
        except Exception:  # noqa: BLE001 - a hint only; the server reports database trouble itself
            pass
        if time.monotonic() > deadline:
            return
        time.sleep(0.2)
    if empty:
        logging.getLogger("datastore").warning(
            "the database has no users: create the first administrator with "
            "'datastore init --admin NAME [--password-stdin]' (prints a token) or "
            "'datastore user add NAME --password-stdin --admin --global-data'"
        )


def cmd_serve(original: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    def run(ns: argparse.Namespace) -> int:  # --durability reaches the server through Settings
        from server.config import Settings

        if ns.worker_index is None and Settings.from_env(worker_processes=ns.workers).worker_processes <= 1:
            # a lone server; a supervisor (--workers N) gives the hint itself, its workers never
            threading.Thread(target=first_start_hint, name="first-start-hint", daemon=True).start()
        return original(ns)

    return run


# ------------------------------------------------------------------ parser


def add_commands(sub, command, user, token, group) -> None:
    """Adds the commands to cli.py's parser (`command` is its helper: name, func, help)."""
    serve = sub.choices["serve"]
    serve.add_argument(
        "--durability",
        choices=("durable", "relaxed"),
        help="SQLite: durable = synchronous=FULL, every acknowledged write survives power loss (default); "
        "relaxed = synchronous=NORMAL, faster (env DATASTORE_DURABILITY)",
    )
    serve.set_defaults(func=cmd_serve(serve.get_default("func")))

    add = user.choices["add"]
    for action in add._actions:
        if action.dest == "password":
            action.required = False
            action.help = "the password (visible to other local users: prefer --password-stdin)"
    add.add_argument("--password-stdin", action="store_true", help="read the password from stdin's first line")
    add.set_defaults(func=cmd_user_add(add.get_default("func")))

    p = command(user, "list", cmd_user_list, "list users")
    p.add_argument("--json", action="store_true", help="one JSON document")
    p = command(user, "delete", cmd_user_delete, "delete a user, its tokens, grants and userDataStore")
    p.add_argument("username")
    p = command(user, "passwd", cmd_user_passwd, "set a user's password (prompted, or --password-stdin)")
    p.add_argument("username")
    p.add_argument("--password-stdin", action="store_true", help="read the password from stdin's first line")
    p.add_argument("--password", help="the password (visible to other local users: prefer --password-stdin)")

    p = command(token, "list", cmd_token_list, "a user's tokens: id, created, expires (never the token)")
    p.add_argument("username")
    p.add_argument("--json", action="store_true", help="one JSON document")
    p = command(token, "revoke", cmd_token_revoke, "revoke a token")
    p.add_argument("token")

    p = command(group, "list", cmd_group_list, "list groups and their members")
    p.add_argument("--json", action="store_true", help="one JSON document")

    grant = sub.choices["grant"]
    for action in grant._actions:
        if action.dest in ("customer", "access"):
            action.required = False
    grant.add_argument("--json", action="store_true", help="with 'grant list': one JSON document")
    grant.set_defaults(func=cmd_grant(grant.get_default("func")))
    grant.usage = "datastore grant USERNAME --customer ID --access read|write | datastore grant list [--json]"

    p = command(sub, "init", cmd_init, "create the first administrator of an empty database; prints its token")
    p.add_argument("--admin", required=True, metavar="NAME")
    p.add_argument("--password-stdin", action="store_true", help="read its password from stdin (default: none)")
    p.add_argument("--days", type=int, default=None, help="token lifetime in days (default 14)")

    p = command(sub, "export", cmd_export, "write the database (or some stores) as NDJSON")
    p.add_argument("--store", action="append", metavar="NAME", help="only this store (repeatable)")
    p.add_argument("--out", metavar="FILE", help="write to FILE (mode 0600) instead of stdout")
    p = command(sub, "import", cmd_import, "restore an export (idempotent; one transaction per batch)")
    p.add_argument("file", metavar="FILE", help="the export ('-': stdin)")
    p.add_argument("--batch-size", type=int, default=500, help="rows per transaction (default 500)")
    p = command(sub, "backup", cmd_backup, "SQLite: a consistent copy of the live database (and its key file)")
    p.add_argument("file", metavar="FILE")
