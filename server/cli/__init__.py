"""The `datastore` command. One module per command group, each declaring its commands'
subparsers beside the code that runs them (`add_parser(subparsers)`); output.py prints.

    serve.py        serve
    accounts.py     customer, user, grant, group, token
    index.py        migrate, index
    encryption.py   encryption rotate|status
    data.py         get, put, delete, query (over gRPC)
    descriptors.py  descriptors list|get|create|update|delete (over gRPC)
    backup.py       init, export, import, backup

`datastore --help` lists the commands in the order of GROUPS. main() is the one place a
failed command becomes its message on stderr and its exit status.
"""

from __future__ import annotations

import argparse
import sys

from datastore_client import DatastoreError
from server.cli import accounts, backup, data, descriptors, encryption, index, output, remote, serve
from server.domain.errors import DomainError

GROUPS = (serve, accounts, index, encryption, data, descriptors, backup)


def build_parser() -> argparse.ArgumentParser:
    """The whole `datastore` parser, with an example in every command's --help."""
    parser = argparse.ArgumentParser(prog="datastore", description="Data-store service")
    parser.add_argument("--version", action="version", version=output.version())
    sub = parser.add_subparsers(dest="command", required=True)
    for group in GROUPS:
        group.add_parser(sub)
    output.add_examples(parser, remote.EXIT_HELP)
    return parser


def main(argv: list[str] | None = None) -> int:
    ns = build_parser().parse_args(argv)
    try:
        return ns.func(ns)
    except (DatastoreError, remote.BadInput) as exc:
        return remote.failed(ns, exc)
    except OSError as exc:
        if getattr(ns, "remote", False):
            return remote.failed(ns, exc)
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except DomainError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 1
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
