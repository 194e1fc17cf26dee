"""What every `datastore` command prints: the listings of the database commands (aligned
columns, or one JSON document with --json), the entries and stores of the data commands
(rich tables, or JSON with --json), errors, the version line, and an example in every
command's --help."""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from rich.console import Console
from rich.table import Table

from datastore_client import Descriptor, Entry

# Examples for --help, by command path. Commands not listed get one built from their usage.
EXAMPLES = {
    "serve": "datastore serve --db sqlite:///datastore.db --grpc 127.0.0.1:50051 --http 127.0.0.1:8080",
    "customer add": "datastore customer add 7 'Acme Ltd'",
    "user add": "datastore user add alice --password 'alice-pass-1' --customer 7",
    "user list": "datastore user list --json",
    "user delete": "datastore user delete alice",
    "grant": "datastore grant bob --customer 7 --access read",
    "group add": "datastore group add ops",
    "group add-user": "datastore group add-user ops alice",
    "token create": "export DATASTORE_TOKEN=$(datastore token create alice --days 30)",
    "token revoke": 'datastore token revoke "$DATASTORE_TOKEN"',
    "migrate": "datastore migrate --db postgresql://datastore:secret@db.internal:5432/datastore",
    "index add": "datastore index add size",
    "index drop": "datastore index drop size",
    "index list": "datastore index list",
    "encryption status": "datastore encryption status --db sqlite:///datastore.db",
    "encryption rotate": "datastore encryption rotate --encryption-key-file /etc/datastore/key",
    "export": "datastore export --store myStore --out backup.ndjson",
    "import": "datastore import backup.ndjson",
    "get": "datastore get myStore myKey --json | jq .value",
    "put": 'datastore put myStore myKey \'{"color": "red", "size": 3}\'\n  echo \'[1, 2]\' | datastore put myStore other -',
    "delete": "datastore delete myStore myKey other",
    "query": "datastore query myStore --filter size:ge:2 --filter color:eq:red --order size:desc --limit 10",
    "descriptors list": "datastore descriptors list --json",
    "descriptors get": "datastore descriptors get myStore",
    "descriptors create": "datastore descriptors create myStore --type MAP --description 'colours'",
    "descriptors update": "datastore descriptors update myStore --expire-data --life-time 86400000",
    "descriptors delete": "datastore descriptors delete myStore",
}
_SAMPLES = {"username": "alice", "name": "myStore", "store": "myStore", "key": "myKey", "path": "size", "id": "7"}


def version() -> str:
    from importlib import metadata

    import datastore_client

    try:
        server = metadata.version("datastore-service")
    except metadata.PackageNotFoundError:  # pragma: no cover - run from a source tree
        server = "unknown"
    return f"datastore {server} (datastore-client {datastore_client.__version__})"


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def _built_example(path: str, parser: argparse.ArgumentParser) -> str:
    words = [f"datastore {path}"]
    for action in parser._actions:
        if not action.option_strings and action.dest != "help":
            words.append(_SAMPLES.get(action.dest, (action.metavar or action.dest).upper()))
        elif action.required:
            words.append(f"{action.option_strings[-1]} {(action.metavar or action.dest).upper()}")
    return " ".join(words)


def add_examples(parser: argparse.ArgumentParser, exit_help: str, path: str = "") -> list[str]:
    """Puts an example into the --help of every command below `parser` (a group's help
    shows its commands' examples); returns the examples."""
    found = []
    for name, child in _subparsers(parser).items():
        child_path = f"{path} {name}".strip()
        if _subparsers(child):
            examples = add_examples(child, exit_help, child_path)
        elif child.epilog and "example" in child.epilog.lower():
            continue
        else:
            examples = [EXAMPLES.get(child_path) or _built_example(child_path, child)]
        found += examples
        epilog = ("examples:\n  " if len(examples) > 1 else "example:\n  ") + "\n  ".join(examples)
        if any(a.dest == "target" for a in child._actions):
            epilog += "\n\n" + textwrap.fill(exit_help, 100)
        _set_epilog(child, epilog)
    if not path:
        _set_epilog(parser, "examples:\n  " + "\n  ".join(EXAMPLES[c] for c in ("serve", "put", "get", "query")))
    return found


def _set_epilog(parser: argparse.ArgumentParser, epilog: str) -> None:
    if not (parser.epilog and "example" in parser.epilog.lower()):
        parser.epilog = epilog
        parser.formatter_class = argparse.RawDescriptionHelpFormatter


# ---------------------------------------------------------------- output


def _console() -> Console:
    return Console(width=None if sys.stdout.isatty() else 160, soft_wrap=False, highlight=False)


def _print_json(data: Any) -> None:
    print(json.dumps(data, ensure_ascii=False))


def _compact(value: Any, limit: int = 80) -> str:
    text = json.dumps(value, ensure_ascii=False, separators=(", ", ": "), sort_keys=True)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def error(
    ns: argparse.Namespace, code: str, message: str, reason: str = "", violations: Sequence[tuple[str, ...]] = ()
) -> None:
    """A data command's error on stderr: one JSON object with --json, else a line (and
    the field violations the message does not already say)."""
    if getattr(ns, "json", False):
        body = {"code": code, "message": message, "reason": reason}
        if violations:
            body["field_violations"] = [{"field": f, "description": d} for f, d in violations]
        print(json.dumps({"error": body}, ensure_ascii=False), file=sys.stderr)
        return
    print(f"error: {code}: {message}" + (f" [{reason}]" if reason else ""), file=sys.stderr)
    for field, description in violations:
        if description not in message:  # the message often says it already
            print(f"  {field}: {description}", file=sys.stderr)


def when(at: datetime | int | None, by: str = "", *, millis: bool = False, missing: str = "-") -> str:
    """A UTC time in ISO 8601 (`at`: a datetime or epoch milliseconds) to the second, or
    the millisecond; `missing` without one; then " by NAME" when `by` is known."""
    if at is not None and not isinstance(at, datetime):
        at = datetime.fromtimestamp(at / 1000, UTC) if at else None
    text = at.isoformat(timespec="milliseconds" if millis else "seconds").replace("+00:00", "Z") if at else missing
    return f"{text} by {by}" if by else text


def _updated(item: Entry | Descriptor) -> str:
    return when(item.updated_at, item.updated_by or "", millis=True, missing="")


def listing(rows: list[dict], columns: list[str], as_json: bool, key: str) -> None:
    """One JSON document ({key: rows}) with --json, else aligned columns."""
    if as_json:
        json.dump({key: rows}, sys.stdout)
        sys.stdout.write("\n")
        return

    def text(row: dict, col: str) -> str:
        value = row.get(col)
        if col in ("created", "expires"):
            return when(value)
        if isinstance(value, list):
            return ",".join(value) or "-"
        if isinstance(value, bool):
            return "yes" if value else "no"
        return "-" if value is None else str(value)

    table = [[c.upper() for c in columns]] + [[text(r, c) for c in columns] for r in rows]
    widths = [max(len(line[i]) for line in table) for i in range(len(columns))]
    for line in table:
        print("  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip())


def _card(ns: argparse.Namespace, item: Entry | Descriptor, rows: Sequence[tuple[str, str]]) -> None:
    """One item: its JSON with --json, else a two-column table of bold labels and values."""
    if ns.json:
        _print_json(item.to_json())
        return
    table = Table(show_header=False, box=None, pad_edge=False)
    table.add_column(style="bold")
    table.add_column()
    for label, shown in rows:
        table.add_row(label, shown)
    _console().print(table)


def entry(ns: argparse.Namespace, e: Entry) -> None:
    _card(
        ns,
        e,
        (
            ("store", e.store),
            ("key", e.key),
            ("customer", str(e.customer_id)),
            ("revision", str(e.revision)),
            ("updated", _updated(e)),
            ("value", json.dumps(e.value, ensure_ascii=False, indent=2, sort_keys=True)),
        ),
    )


def written(ns: argparse.Namespace, e: Entry) -> None:
    if ns.json:
        _print_json(e.to_json())
    else:
        print(f"put {e.store}/{e.key} (customer {e.customer_id}): revision {e.revision}")


def deleted(ns: argparse.Namespace, keys: list[str], gone: list[Entry]) -> None:
    if ns.json:
        _print_json({"deleted": [e.to_json() for e in gone]})
        return
    names = ", ".join(e.key for e in gone)
    print(f"deleted {len(gone)} of {len(keys)} key(s)" + (f": {names}" if names else ""))


def entries(ns: argparse.Namespace, items: list[Entry], total: int, offset: int) -> None:
    if ns.json:
        _print_json({"entries": [e.to_json() for e in items], "total_size": total})
        return
    table = Table(title=f"{ns.store}: {len(items)} of {total} entries" + (f" from {offset}" if offset else ""))
    for column in ("key", "customer", "revision", "updated", "value"):
        table.add_column(column, overflow="fold", justify="right" if column in ("customer", "revision") else "left")
    for e in items:
        table.add_row(e.key, str(e.customer_id), str(e.revision), _updated(e), _compact(e.value))
    _console().print(table)


def descriptors(ns: argparse.Namespace, items: list[Descriptor]) -> None:
    if ns.json:
        _print_json({"descriptors": [d.to_json() for d in items], "total_size": len(items)})
        return
    table = Table(title=f"{len(items)} store(s)")
    for column in ("name", "type", "behaviour", "global", "expires after (ms)", "description"):
        table.add_column(column, overflow="fold")
    for d in items:
        expiry = str(d.life_time) if d.expire_data else "-"
        name = d.name + (" (deleted)" if d.deleted else "")
        table.add_row(name, d.data_type, d.behaviour_type, "yes" if d.global_data else "", expiry, d.description)
    _console().print(table)


def descriptor(ns: argparse.Namespace, d: Descriptor) -> None:
    _card(
        ns,
        d,
        (
            ("name", d.name),
            ("type", d.data_type),
            ("behaviour", d.behaviour_type),
            ("description", d.description),
            ("global data", "yes" if d.global_data else "no"),
            ("expire data", f"after {d.life_time} ms" if d.expire_data else "no"),
            ("lower-case keys", "yes" if d.use_lower_case_keys else "no"),
            ("deleted", "yes" if d.deleted else "no"),
            ("updated", _updated(d)),
        ),
    )
