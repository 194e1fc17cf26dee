"""The `datastore` data commands: get, put, delete, query and descriptors, over gRPC with
datastore_client, like etcdctl beside etcd. Tables for people, --json for scripts, and
one exit status per kind of failure (EXIT_CODES)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from typing import Any

from datastore_client import (
    Aborted,
    AlreadyExists,
    DatastoreClient,
    DatastoreError,
    DeadlineExceeded,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    PermissionDenied,
    Unauthenticated,
    Unavailable,
)
from datastore_client._base import DEFAULT_TARGET
from server import cli_output as out

EXIT_ERROR, EXIT_NOT_FOUND, EXIT_DENIED, EXIT_INVALID, EXIT_UNAVAILABLE, EXIT_CONFLICT = 1, 4, 5, 6, 7, 8
EXIT_CODES: dict[type[DatastoreError], int] = {
    NotFound: EXIT_NOT_FOUND,
    PermissionDenied: EXIT_DENIED,
    Unauthenticated: EXIT_DENIED,
    InvalidArgument: EXIT_INVALID,
    FailedPrecondition: EXIT_INVALID,
    Unavailable: EXIT_UNAVAILABLE,
    DeadlineExceeded: EXIT_UNAVAILABLE,
    AlreadyExists: EXIT_CONFLICT,
    Aborted: EXIT_CONFLICT,
}
EXIT_HELP = (
    "exit status: 0 ok, 1 other error, 2 usage, 4 not found, 5 denied (credentials or rights), "
    "6 invalid (argument or precondition), 7 unavailable (or timed out), 8 conflict (exists, or a lost "
    "compare-and-set)"
)


class BadInput(Exception):
    """The command line itself is wrong in a way argparse cannot see (e.g. bad JSON)."""


def _client(ns: argparse.Namespace) -> DatastoreClient:
    credentials = None
    if ns.tls_ca or ns.tls_client_cert or ns.tls:
        import grpc

        def read(path: str | None) -> bytes | None:
            if not path:
                return None
            with open(path, "rb") as f:
                return f.read()

        credentials = grpc.ssl_channel_credentials(
            root_certificates=read(ns.tls_ca),
            private_key=read(ns.tls_client_key),
            certificate_chain=read(ns.tls_client_cert),
        )
    return DatastoreClient(
        ns.target,
        token=ns.token or None,
        username=ns.user or None,
        password=ns.password,
        timeout=ns.timeout,
        channel_credentials=credentials,
    )


def _run(action: Callable[[argparse.Namespace, DatastoreClient], int]) -> Callable[[argparse.Namespace], int]:
    """Runs a data command: a client from the connection options, errors as exit codes."""

    def run(ns: argparse.Namespace) -> int:
        try:
            with _client(ns) as client:
                return action(ns, client)
        except DatastoreError as err:
            out.error(ns, err.code.name, err.message, err.reason, [tuple(v) for v in err.field_violations])
            if isinstance(err, Unauthenticated) and not (ns.token or ns.user):
                print("hint: give --token (or $DATASTORE_TOKEN), or --user and --password", file=sys.stderr)
            return next((code for cls, code in EXIT_CODES.items() if isinstance(err, cls)), EXIT_ERROR)
        except BadInput as exc:
            out.error(ns, "INVALID_ARGUMENT", str(exc), "BAD_INPUT", [])
            return EXIT_INVALID
        except OSError as exc:
            out.error(ns, "ERROR", str(exc), "", [])
            return EXIT_ERROR

    return run


def _json_value(text: str) -> Any:
    if text == "-":
        text = sys.stdin.read()
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        hint = " (a string is quoted: '\"text\"')" if text and text.lstrip()[:1] not in '{["-0123456789tfn' else ""
        raise BadInput(f"the value is not JSON: {exc}{hint}") from None


# -------------------------------------------------------------- commands


def cmd_get(ns: argparse.Namespace, ds: DatastoreClient) -> int:
    out.entry(ns, ds.get_entry(ns.store, ns.key, customer_id=ns.customer))
    return 0


def cmd_put(ns: argparse.Namespace, ds: DatastoreClient) -> int:
    value = () if ns.value is None else (_json_value(ns.value),)  # none: a LIST store's key
    entry = ds.put_entry(ns.store, ns.key, *value, customer_id=ns.customer, expected_revision=ns.expected_revision)
    out.written(ns, entry)
    return 0


def cmd_delete(ns: argparse.Namespace, ds: DatastoreClient) -> int:
    deleted = ds.delete_entries(ns.store, ns.keys, customer_id=ns.customer)
    out.deleted(ns, ns.keys, deleted)
    return 0


def cmd_query(ns: argparse.Namespace, ds: DatastoreClient) -> int:
    query: dict[str, Any] = {
        "filters": ns.filter,
        "order": ns.order,
        "keys": ns.key,
        "customer_ids": ns.customer,
        "junction": "or" if ns.any else "and",
    }
    if ns.all:
        entries = list(ds.stream_entries(ns.store, **query))
        out.entries(ns, entries, len(entries), 0)
    else:
        page = ds.query_entries(ns.store, limit=ns.limit, offset=ns.offset, **query)
        out.entries(ns, page.items, page.total_size, ns.offset)
    return 0


def cmd_descriptors_list(ns: argparse.Namespace, ds: DatastoreClient) -> int:
    out.descriptors(ns, list(ds.iter_descriptors(show_deleted=ns.show_deleted)))
    return 0


def cmd_descriptors_get(ns: argparse.Namespace, ds: DatastoreClient) -> int:
    out.descriptor(ns, ds.get_descriptor(ns.name, show_deleted=ns.show_deleted))
    return 0


def _descriptor_fields(ns: argparse.Namespace) -> dict[str, Any]:
    fields = {
        "description": ns.description,
        "life_time": ns.life_time,
        "expire_data": ns.expire_data,
        "global_data": ns.global_data,
        "use_lower_case_keys": ns.lower_case_keys,
    }
    return {k: v for k, v in fields.items() if v is not None}


def cmd_descriptors_create(ns: argparse.Namespace, ds: DatastoreClient) -> int:
    fields = _descriptor_fields(ns)
    out.descriptor(ns, ds.create_descriptor(ns.name, data_type=ns.type, behaviour_type=ns.behaviour, **fields))
    return 0


def cmd_descriptors_update(ns: argparse.Namespace, ds: DatastoreClient) -> int:
    fields = _descriptor_fields(ns)
    if not fields:
        raise BadInput("nothing to change: give at least one of the options")
    out.descriptor(ns, ds.update_descriptor(ns.name, **fields))
    return 0


def cmd_descriptors_delete(ns: argparse.Namespace, ds: DatastoreClient) -> int:
    out.descriptor(ns, ds.delete_descriptor(ns.name))
    return 0


# ---------------------------------------------------------------- parser


def _connection(p: argparse.ArgumentParser) -> None:
    env = os.environ.get
    g = p.add_argument_group("connection")
    g.add_argument(
        "--target",
        metavar="HOST:PORT",
        default=env("DATASTORE_TARGET", DEFAULT_TARGET),
        help=f"the server's gRPC listener (env DATASTORE_TARGET; default {DEFAULT_TARGET})",
    )
    g.add_argument("--token", metavar="T", default=env("DATASTORE_TOKEN"), help="API token (env DATASTORE_TOKEN)")
    g.add_argument("--user", default=env("DATASTORE_USER"), help="username, instead of a token (env DATASTORE_USER)")
    g.add_argument("--password", default=env("DATASTORE_PASSWORD"), help="its password (env DATASTORE_PASSWORD)")
    g.add_argument("--timeout", metavar="SECONDS", type=float, default=30.0, help="per call (default 30)")
    g.add_argument("--tls", action="store_true", help="TLS, trusting the system's root certificates")
    g.add_argument("--tls-ca", metavar="FILE", default=env("DATASTORE_TLS_CA"), help="TLS, trusting this PEM CA bundle")
    g.add_argument(
        "--tls-client-cert", metavar="FILE", default=env("DATASTORE_TLS_CLIENT_CERT"), help="PEM client cert"
    )
    g.add_argument("--tls-client-key", metavar="FILE", default=env("DATASTORE_TLS_CLIENT_KEY"), help="its PEM key")
    p.add_argument("--json", action="store_true", help="print JSON (one object) instead of tables")


def _data_command(sub: Any, name: str, action: Callable[..., int], help_text: str) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = sub.add_parser(name, help=help_text, description=help_text)
    _connection(p)
    p.set_defaults(func=_run(action))
    return p


def _descriptor_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--description")
    p.add_argument("--life-time", metavar="MS", type=int, help="entry lifetime in milliseconds (with --expire-data)")
    p.add_argument("--expire-data", action=argparse.BooleanOptionalAction, help="entries older than life-time vanish")
    p.add_argument("--global-data", action=argparse.BooleanOptionalAction, help="a global store (customer 0 only)")
    p.add_argument("--lower-case-keys", action=argparse.BooleanOptionalAction, help="keys are stored lower-cased")


def add_commands(parser: argparse.ArgumentParser, sub: Any) -> None:
    """Adds --version and the data commands to the `datastore` parser; when it parses,
    every command's --help gets an example."""
    parser.add_argument("--version", action="version", version=out.version())
    customer_help = "customer id (default: the caller's own)"

    p = _data_command(sub, "get", cmd_get, "print one entry")
    p.add_argument("store")
    p.add_argument("key")
    p.add_argument("--customer", metavar="ID", type=int, help=customer_help)

    p = _data_command(sub, "put", cmd_put, "create or replace one entry")
    p.add_argument("store")
    p.add_argument("key")
    p.add_argument("value", nargs="?", help="the value as JSON, or - to read it from stdin; none for a LIST store")
    p.add_argument("--customer", metavar="ID", type=int, help=customer_help)
    p.add_argument(
        "--expected-revision",
        metavar="N",
        type=int,
        help="write only if the entry is at this revision (0: does not exist yet)",
    )

    p = _data_command(sub, "delete", cmd_delete, "delete entries (keys that do not exist are ignored)")
    p.add_argument("store")
    p.add_argument("keys", nargs="+", metavar="key")
    p.add_argument("--customer", metavar="ID", type=int, help=customer_help)

    p = _data_command(sub, "query", cmd_query, "list the entries of a store that match filters")
    p.add_argument("store")
    p.add_argument(
        "--filter", metavar="F", action="append", default=[], help="DHIS2-syntax filter, e.g. size:ge:2 (repeatable)"
    )
    p.add_argument("--any", action="store_true", help="match any filter instead of all")
    p.add_argument("--order", metavar="O", action="append", default=[], help="e.g. size:desc or _:asc (repeatable)")
    p.add_argument("--key", metavar="K", action="append", default=[], help="only this key (repeatable)")
    p.add_argument(
        "--customer", metavar="ID", type=int, action="append", default=[], help="only this customer (repeatable)"
    )
    p.add_argument("--limit", metavar="N", type=int, default=25, help="page size (default 25, at most 1000)")
    p.add_argument("--offset", metavar="N", type=int, default=0)
    p.add_argument("--all", action="store_true", help="every match, streamed (ignores --limit and --offset)")

    descriptors = sub.add_parser("descriptors", help="manage stores (descriptors) over gRPC")
    actions = descriptors.add_subparsers(dest="action", required=True)
    p = _data_command(actions, "list", cmd_descriptors_list, "list the stores")
    p.add_argument("--show-deleted", action="store_true")
    p = _data_command(actions, "get", cmd_descriptors_get, "print one store's descriptor")
    p.add_argument("name")
    p.add_argument("--show-deleted", action="store_true")
    p = _data_command(actions, "create", cmd_descriptors_create, "create a store (admins only)")
    p.add_argument("name")
    p.add_argument("--type", choices=("MAP", "LIST"), type=str.upper, default="MAP", help="default MAP")
    p.add_argument(
        "--behaviour",
        choices=("CENTRAL", "LOCAL", "DISTRIBUTED"),
        type=str.upper,
        default="CENTRAL",
        help="default CENTRAL",
    )
    _descriptor_options(p)
    p = _data_command(actions, "update", cmd_descriptors_update, "change a store's settings (admins only)")
    p.add_argument("name")
    _descriptor_options(p)
    p = _data_command(actions, "delete", cmd_descriptors_delete, "delete a store, softly (admins only)")
    p.add_argument("name")

    parse_known_args = parser.parse_known_args

    def parse_with_examples(*args: Any, **kwargs: Any) -> Any:
        install_examples(parser)  # here, so commands added after this module's get theirs too
        return parse_known_args(*args, **kwargs)

    parser.parse_known_args = parse_with_examples  # type: ignore[method-assign]


def install_examples(parser: argparse.ArgumentParser) -> None:
    """Puts an example (and, for data commands, the exit statuses) into every --help."""
    out.add_examples(parser, EXIT_HELP)
