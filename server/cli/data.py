"""The data commands over gRPC: get, put, delete and query. Each command's subparser is
declared beside the function that runs it; `add_parser` adds them in the order of
`COMMANDS`, so a new command is its two functions and one entry there."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

import server.cli.output as out
from datastore_client import DatastoreClient
from server.cli.remote import CUSTOMER_HELP, BadInput, command


def get_command(sub: Any) -> None:
    p = command(sub, "get", cmd_get, "print one entry")
    p.add_argument("store")
    p.add_argument("key")
    p.add_argument("--customer", metavar="ID", type=int, help=CUSTOMER_HELP)


def cmd_get(ns: argparse.Namespace, ds: DatastoreClient) -> int:
    out.entry(ns, ds.get_entry(ns.store, ns.key, customer_id=ns.customer))
    return 0


def put_command(sub: Any) -> None:
    p = command(sub, "put", cmd_put, "create or replace one entry")
    p.add_argument("store")
    p.add_argument("key")
    p.add_argument("value", nargs="?", help="the value as JSON, or - to read it from stdin; none for a LIST store")
    p.add_argument("--customer", metavar="ID", type=int, help=CUSTOMER_HELP)
    p.add_argument(
        "--expected-revision",
        metavar="N",
        type=int,
        help="write only if the entry is at this revision (0: does not exist yet)",
    )


def cmd_put(ns: argparse.Namespace, ds: DatastoreClient) -> int:
    value = () if ns.value is None else (_json_value(ns.value),)  # none: a LIST store's key
    entry = ds.put_entry(ns.store, ns.key, *value, customer_id=ns.customer, expected_revision=ns.expected_revision)
    out.written(ns, entry)
    return 0


def _json_value(text: str) -> Any:
    if text == "-":
        text = sys.stdin.read()
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        hint = " (a string is quoted: '\"text\"')" if text and text.lstrip()[:1] not in '{["-0123456789tfn' else ""
        raise BadInput(f"the value is not JSON: {exc}{hint}") from None


def delete_command(sub: Any) -> None:
    p = command(sub, "delete", cmd_delete, "delete entries (keys that do not exist are ignored)")
    p.add_argument("store")
    p.add_argument("keys", nargs="+", metavar="key")
    p.add_argument("--customer", metavar="ID", type=int, help=CUSTOMER_HELP)


def cmd_delete(ns: argparse.Namespace, ds: DatastoreClient) -> int:
    deleted = ds.delete_entries(ns.store, ns.keys, customer_id=ns.customer)
    out.deleted(ns, ns.keys, deleted)
    return 0


def query_command(sub: Any) -> None:
    p = command(sub, "query", cmd_query, "list the entries of a store that match filters")
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


COMMANDS = (get_command, put_command, delete_command, query_command)


def add_parser(sub: Any) -> None:
    for add in COMMANDS:
        add(sub)
