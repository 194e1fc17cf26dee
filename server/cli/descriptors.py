"""`datastore descriptors`: list, get, create, update and delete stores over gRPC. Each
action's subparser is declared beside the function that runs it."""

from __future__ import annotations

import argparse
from typing import Any

import server.cli.output as out
from datastore_client import DatastoreClient
from server.cli.remote import BadInput, command


def list_command(actions: Any) -> None:
    p = command(actions, "list", cmd_list, "list the stores")
    p.add_argument("--show-deleted", action="store_true")


def cmd_list(ns: argparse.Namespace, ds: DatastoreClient) -> int:
    out.descriptors(ns, list(ds.iter_descriptors(show_deleted=ns.show_deleted)))
    return 0


def get_command(actions: Any) -> None:
    p = command(actions, "get", cmd_get, "print one store's descriptor")
    p.add_argument("name")
    p.add_argument("--show-deleted", action="store_true")


def cmd_get(ns: argparse.Namespace, ds: DatastoreClient) -> int:
    out.descriptor(ns, ds.get_descriptor(ns.name, show_deleted=ns.show_deleted))
    return 0


def create_command(actions: Any) -> None:
    p = command(actions, "create", cmd_create, "create a store (admins only)")
    p.add_argument("name")
    p.add_argument("--type", choices=("MAP", "LIST"), type=str.upper, default="MAP", help="default MAP")
    p.add_argument(
        "--behaviour",
        choices=("CENTRAL", "LOCAL", "DISTRIBUTED"),
        type=str.upper,
        default="CENTRAL",
        help="default CENTRAL",
    )
    _settings_options(p)


def cmd_create(ns: argparse.Namespace, ds: DatastoreClient) -> int:
    fields = _settings(ns)
    out.descriptor(ns, ds.create_descriptor(ns.name, data_type=ns.type, behaviour_type=ns.behaviour, **fields))
    return 0


def update_command(actions: Any) -> None:
    p = command(actions, "update", cmd_update, "change a store's settings (admins only)")
    p.add_argument("name")
    _settings_options(p)


def cmd_update(ns: argparse.Namespace, ds: DatastoreClient) -> int:
    fields = _settings(ns)
    if not fields:
        raise BadInput("nothing to change: give at least one of the options")
    out.descriptor(ns, ds.update_descriptor(ns.name, **fields))
    return 0


def delete_command(actions: Any) -> None:
    p = command(actions, "delete", cmd_delete, "delete a store, softly (admins only)")
    p.add_argument("name")


def cmd_delete(ns: argparse.Namespace, ds: DatastoreClient) -> int:
    out.descriptor(ns, ds.delete_descriptor(ns.name))
    return 0


def _settings_options(p: argparse.ArgumentParser) -> None:
    """The settings of a store that create and update accept."""
    p.add_argument("--description")
    p.add_argument("--life-time", metavar="MS", type=int, help="entry lifetime in milliseconds (with --expire-data)")
    p.add_argument("--expire-data", action=argparse.BooleanOptionalAction, help="entries older than life-time vanish")
    p.add_argument("--global-data", action=argparse.BooleanOptionalAction, help="a global store (customer 0 only)")
    p.add_argument("--lower-case-keys", action=argparse.BooleanOptionalAction, help="keys are stored lower-cased")


def _settings(ns: argparse.Namespace) -> dict[str, Any]:
    fields = {
        "description": ns.description,
        "life_time": ns.life_time,
        "expire_data": ns.expire_data,
        "global_data": ns.global_data,
        "use_lower_case_keys": ns.lower_case_keys,
    }
    return {k: v for k, v in fields.items() if v is not None}


COMMANDS = (list_command, get_command, create_command, update_command, delete_command)


def add_parser(sub: Any) -> None:
    descriptors = sub.add_parser("descriptors", help="manage stores (descriptors) over gRPC")
    actions = descriptors.add_subparsers(dest="action", required=True)
    for add in COMMANDS:
        add(actions)
