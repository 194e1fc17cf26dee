"""The `datastore` command: serve, and the admin commands of the operating contract."""

from __future__ import annotations

import argparse
import faulthandler
import os
import signal
import sys
import threading

from server.cli.admin import open_db
from server.config import DEFAULT_GRPC, DEFAULT_HTTP, STUCK_STOP_S, Settings
from server.domain import types as t
from server.domain.errors import DomainError


def _say(line: str) -> None:
    sys.stdout.write(line)
    sys.stdout.flush()


def cmd_serve(ns: argparse.Namespace) -> int:
    from server.app import DatastoreServer
    from server.observability import configure_logging

    configure_logging(ns.log_format, worker=ns.worker_index)
    settings = Settings.from_env(
        db_url=ns.db,
        grpc_addr=ns.grpc,
        http_addr=ns.http,
        encryption_key_file=ns.encryption_key_file,
        tls_cert=ns.tls_cert,
        tls_key=ns.tls_key,
        tls_client_ca=ns.tls_client_ca,
        durability=getattr(ns, "durability", None),
        worker_processes=ns.workers,
        worker_index=ns.worker_index,
    )
    if settings.worker_processes < 1:
        raise ValueError("--workers (DATASTORE_WORKERS_PROCESSES) must be at least 1")
    if settings.worker_processes > 1 and ns.worker_index is None:
        from server.workers import Supervisor

        return Supervisor(settings, ns.log_format).run()
    stop = threading.Event()  # handlers first: a SIGTERM right after the lines below drains too
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    if ns.worker_of is not None:
        from server.workers import follow_supervisor

        follow_supervisor(ns.worker_of)
    server = DatastoreServer(settings)
    grpc_addr, http_addr = server.start()
    # One write a line: log lines come from another thread into the same stream, and a
    # print() of text and newline in two writes could be split by one of them.
    _say(f"grpc listening on {grpc_addr}\n")
    if http_addr:
        _say(f"http listening on {http_addr}\n")
    stop.wait()
    # A stop that hangs (a call that never returns keeps the drain waiting, and its pool
    # thread keeps the interpreter from exiting) ends anyway: past the grace period and
    # STUCK_STOP_S more, every thread's stack goes to stderr and the process exits 1.
    faulthandler.dump_traceback_later(settings.grace_s + STUCK_STOP_S, exit=True)
    server.stop()
    return 0


def cmd_customer_add(ns: argparse.Namespace) -> int:
    from server.services.auth import add_customer

    open_db(ns)
    add_customer(ns.id, ns.name)
    print(f"customer {ns.id} added")
    return 0


def cmd_user_add(ns: argparse.Namespace) -> int:
    from server.services.auth import AuthService
    from server.storage.cache import CacheRegistry

    open_db(ns)
    AuthService(CacheRegistry()).add_user(
        ns.username, ns.password, customer_id=ns.customer, admin=ns.admin, global_data=ns.global_data
    )
    print(f"user {ns.username} added")
    return 0


def cmd_grant(ns: argparse.Namespace) -> int:
    from server.services.sharing import SharingService
    from server.storage.cache import CacheRegistry

    open_db(ns)
    SharingService(CacheRegistry()).set(
        None, t.GrantInfo(customer_id=ns.customer, access=t.Access(ns.access), username=ns.username)
    )
    print(f"granted {ns.access} on customer {ns.customer} to {ns.username}")
    return 0


def cmd_group_add(ns: argparse.Namespace) -> int:
    from server.services.auth import add_group

    open_db(ns)
    add_group(ns.name)
    print(f"group {ns.name} added")
    return 0


def cmd_group_add_user(ns: argparse.Namespace) -> int:
    from server.services.auth import AuthService
    from server.storage.cache import CacheRegistry

    open_db(ns)
    AuthService(CacheRegistry()).add_group_member(ns.name, ns.username)
    print(f"user {ns.username} added to group {ns.name}")
    return 0


def cmd_token_create(ns: argparse.Namespace) -> int:
    from server.services.auth import AuthService
    from server.storage.cache import CacheRegistry

    open_db(ns)
    print(AuthService(CacheRegistry()).token_for_user(ns.username, ns.days).token)
    return 0


def cmd_migrate(ns: argparse.Namespace) -> int:
    from server.storage.db import database
    from server.storage.migrations import current_version

    open_db(ns)
    print(f"schema at version {current_version(database.obj)}")
    return 0


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


def _encryption_settings(ns: argparse.Namespace) -> Settings:
    return Settings.from_env(db_url=ns.db, encryption_key_file=ns.encryption_key_file)


def cmd_encryption_rotate(ns: argparse.Namespace) -> int:
    from server.services import rotation
    from server.services.crypto import parse_key
    from server.services.keyfiles import read_key_file
    from server.storage.db import connection

    new_key = parse_key(ns.new_key, "--new-key") if ns.new_key else None
    if ns.new_key_file:
        new_key = read_key_file(ns.new_key_file)
        if new_key is None:
            raise ValueError(f"no such key file: {ns.new_key_file}")
    settings = _encryption_settings(ns)
    open_db(ns)
    with connection():
        out = rotation.rotate(settings, new_key, batch_size=ns.batch_size, max_batches=ns.max_batches, settle=ns.settle)
    for note in out.notes:
        print(note)
    if not out.finished:
        print(
            f"stopped after {out.batches} batch(es), {out.reencrypted} value(s) re-encrypted under key id "
            f"{out.key_id}; run the same command again to finish"
        )
        return 3
    if out.key_id:
        print(f"done: {out.reencrypted} value(s) re-encrypted; every encrypted value is under key id {out.key_id}")
    return 0


def cmd_encryption_status(ns: argparse.Namespace) -> int:
    from server.services import keyfiles
    from server.services.crypto import key_id, parse_key
    from server.storage import secrets
    from server.storage.db import connection

    settings = _encryption_settings(ns)
    path = keyfiles.key_file_for(settings)
    if settings.encryption_key:
        print(f"key: {keyfiles.ENV} (id {key_id(parse_key(settings.encryption_key))})")
    elif path:
        key = keyfiles.read_key_file(path)
        print(f"key: file {path} " + (f"(id {key_id(key)})" if key else "(not generated yet)"))
        old = keyfiles.read_key_file(keyfiles.old_path(path))
        if old is not None:
            print(f"unfinished rotation: previous key id {key_id(old)} in {keyfiles.old_path(path)}")
    else:
        print("key: none configured")
    open_db(ns)
    with connection():
        for prefix, count in secrets.count_by_key().items():
            print(f"{count} encrypted value(s) under key id {prefix[3:11] or '?'}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="datastore", description="Data-store service")
    db_help = "database URL (default $DATASTORE_DB or sqlite:///datastore.db)"
    key_file_help = (
        "key file of DHIS2 ?encrypt=true (default $DATASTORE_ENCRYPTION_KEY_FILE, else DB.key beside SQLite)"
    )
    sub = parser.add_subparsers(dest="command", required=True)

    def command(subparsers, name: str, func, help_text: str) -> argparse.ArgumentParser:
        p = subparsers.add_parser(name, help=help_text)
        p.add_argument("--db", help=db_help)
        p.set_defaults(func=func)
        return p

    p = command(sub, "serve", cmd_serve, "run the gRPC server and the HTTP listener")
    p.add_argument("--grpc", default=DEFAULT_GRPC, help=f"gRPC HOST:PORT (default {DEFAULT_GRPC})")
    p.add_argument("--http", default=DEFAULT_HTTP, help=f"HTTP HOST:PORT (default {DEFAULT_HTTP})")
    p.add_argument("--encryption-key-file", help=key_file_help)
    p.add_argument("--tls-cert", help="PEM certificate (chain): serve TLS on both listeners (env DATASTORE_TLS_CERT)")
    p.add_argument("--tls-key", help="PEM private key of --tls-cert (env DATASTORE_TLS_KEY)")
    p.add_argument(
        "--tls-client-ca", help="PEM CA bundle: require client certificates it signed (env DATASTORE_TLS_CLIENT_CA)"
    )
    p.add_argument(
        "--workers",
        type=int,
        help="server processes sharing the ports, with a supervisor that restarts them "
        "(env DATASTORE_WORKERS_PROCESSES; default 1: one process, no supervisor)",
    )
    p.add_argument("--worker-index", type=int, help=argparse.SUPPRESS)  # set by the supervisor
    p.add_argument("--worker-of", type=int, help=argparse.SUPPRESS)  # the supervisor's pid
    p.add_argument(
        "--log-format",
        choices=("text", "json"),
        default=os.environ.get("DATASTORE_LOG_FORMAT", "text"),
        help="log lines as text or one JSON object each (env DATASTORE_LOG_FORMAT; default text)",
    )

    customer = sub.add_parser("customer", help="manage customers").add_subparsers(dest="action", required=True)
    p = command(customer, "add", cmd_customer_add, "add a customer")
    p.add_argument("id", type=int)
    p.add_argument("name")

    user = sub.add_parser("user", help="manage users").add_subparsers(dest="action", required=True)
    p = command(user, "add", cmd_user_add, "add a user")
    p.add_argument("username")
    p.add_argument("--password", required=True)
    p.add_argument("--customer", type=int, default=1, help="home customer (default 1, created on demand)")
    p.add_argument("--admin", action="store_true")
    p.add_argument("--global-data", action="store_true", help="may access global stores")

    p = command(sub, "grant", cmd_grant, "grant a user access to a customer's entries")
    p.add_argument("username")
    p.add_argument("--customer", type=int, required=True)
    p.add_argument("--access", choices=["read", "write"], required=True)

    group = sub.add_parser("group", help="manage groups").add_subparsers(dest="action", required=True)
    p = command(group, "add", cmd_group_add, "add a group")
    p.add_argument("name")
    p = command(group, "add-user", cmd_group_add_user, "add a user to a group")
    p.add_argument("name")
    p.add_argument("username")

    token = sub.add_parser("token", help="manage tokens").add_subparsers(dest="action", required=True)
    p = command(token, "create", cmd_token_create, "create a token; prints it alone")
    p.add_argument("username")
    p.add_argument("--days", type=int, default=None, help="lifetime in days (default 14)")

    command(sub, "migrate", cmd_migrate, "create or upgrade the schema")

    index = sub.add_parser("index", help="expression indexes over a JSON path of entry values")
    index_actions = index.add_subparsers(dest="action", required=True)
    for action, help_text in (("add", "index a path (e.g. 'n' or 'a.b') in every store"), ("drop", "drop it")):
        p = command(index_actions, action, cmd_index, help_text)
        p.add_argument("path")
    command(index_actions, "list", cmd_index, "list the path indexes")

    encryption = sub.add_parser("encryption", help="the key of DHIS2 ?encrypt=true values")
    encryption_actions = encryption.add_subparsers(dest="action", required=True)
    p = command(encryption_actions, "rotate", cmd_encryption_rotate, "re-encrypt every encrypted value under a new key")
    p.add_argument("--encryption-key-file", help=key_file_help)
    new = p.add_mutually_exclusive_group()
    new.add_argument("--new-key", help="the new key (32 bytes, base64 or hex; default: a random one)")
    new.add_argument("--new-key-file", help="read the new key from this file")
    p.add_argument("--batch-size", type=int, default=500, help="values per transaction (default 500)")
    p.add_argument("--max-batches", type=int, help="stop after this many batches (exit 3); run again to continue")
    p.add_argument(
        "--settle", type=float, default=2.0, help="seconds servers get to pick up a new key file (default 2)"
    )
    p = command(encryption_actions, "status", cmd_encryption_status, "where the key is; encrypted values per key")
    p.add_argument("--encryption-key-file", help=key_file_help)

    from server.cli import data as cli_data  # data commands over gRPC, --version, examples

    cli_data.add_commands(parser, sub)
    from server.cli import admin as cli_admin  # listings, delete, passwd, init, export, backup

    cli_admin.add_commands(sub, command, user, token, group)
    return parser


def main(argv: list[str] | None = None) -> int:
    ns = build_parser().parse_args(argv)
    try:
        return ns.func(ns)
    except DomainError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 1
    except (ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
