"""Accounts on the database: customers, users, grants, groups and tokens. Each command's
subparser is declared beside the function that runs it; `add_parser` adds them in the
order `datastore --help` shows."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

import server.cli.output as output
from server.cli.common import (
    JSON_HELP,
    PASSWORD_HELP,
    PASSWORD_STDIN_HELP,
    command,
    group,
    open_db,
    read_password,
)
from server.domain import types as t


def _auth() -> Any:
    from server.services.auth import AuthService
    from server.storage.cache import CacheRegistry

    return AuthService(CacheRegistry())


def _with_auth(ns: argparse.Namespace, call: Callable[[Any], Any]) -> Any:
    """Opens the database and runs `call` with an AuthService in one connection."""
    from server.storage.db import connection

    open_db(ns)
    with connection():
        return call(_auth())


def _list(ns: argparse.Namespace, rows_of: Callable[[Any], list[dict]], columns: list[str], key: str) -> int:
    """Prints a listing: `rows_of` gets it from server/storage/admin.py."""
    from server.storage import admin
    from server.storage.db import connection

    open_db(ns)
    with connection():
        rows = rows_of(admin)
    output.listing(rows, columns, ns.json, key)
    return 0


def _listing_command(actions: Any, func: Any, help_text: str) -> argparse.ArgumentParser:
    p = command(actions, "list", func, help_text)
    p.add_argument("--json", action="store_true", help=JSON_HELP)
    return p


# ------------------------------------------------------------------ customer


def customer_add_command(customers: Any) -> None:
    p = command(customers, "add", cmd_customer_add, "add a customer")
    p.add_argument("id", type=int)
    p.add_argument("name")


def cmd_customer_add(ns: argparse.Namespace) -> int:
    from server.services.auth import add_customer

    open_db(ns)
    add_customer(ns.id, ns.name)
    print(f"customer {ns.id} added")
    return 0


# ------------------------------------------------------------------ user


def user_add_command(users: Any) -> None:
    p = command(users, "add", cmd_user_add, "add a user")
    p.add_argument("username")
    p.add_argument("--password", help=PASSWORD_HELP)
    p.add_argument("--customer", type=int, default=1, help="home customer (default 1, created on demand)")
    p.add_argument("--admin", action="store_true")
    p.add_argument("--global-data", action="store_true", help="may access global stores")
    p.add_argument("--password-stdin", action="store_true", help=PASSWORD_STDIN_HELP)


def cmd_user_add(ns: argparse.Namespace) -> int:
    password = read_password(ns)
    open_db(ns)
    _auth().add_user(ns.username, password, customer_id=ns.customer, admin=ns.admin, global_data=ns.global_data)
    print(f"user {ns.username} added")
    return 0


def user_list_command(users: Any) -> None:
    _listing_command(users, cmd_user_list, "list users")


def cmd_user_list(ns: argparse.Namespace) -> int:
    return _list(
        ns,
        lambda admin: admin.list_users(),
        ["username", "customer", "admin", "global_data", "groups", "created"],
        "users",
    )


def user_delete_command(users: Any) -> None:
    p = command(users, "delete", cmd_user_delete, "delete a user, its tokens, grants and userDataStore")
    p.add_argument("username")


def cmd_user_delete(ns: argparse.Namespace) -> int:
    _with_auth(ns, lambda auth: auth.delete_user(ns.username))
    print(f"user {ns.username} deleted (its tokens are revoked)")
    return 0


def user_passwd_command(users: Any) -> None:
    p = command(users, "passwd", cmd_user_passwd, "set a user's password (prompted, or --password-stdin)")
    p.add_argument("username")
    p.add_argument("--password-stdin", action="store_true", help=PASSWORD_STDIN_HELP)
    p.add_argument("--password", help=PASSWORD_HELP)


def cmd_user_passwd(ns: argparse.Namespace) -> int:
    from server.domain.errors import InvalidArgument

    password = read_password(ns)
    if len(password or "") < 8:
        raise InvalidArgument.for_field("password", "must be at least 8 characters")
    _with_auth(ns, lambda auth: auth.set_password(ns.username, password))
    print(f"password of {ns.username} changed")
    return 0


# ------------------------------------------------------------------ grant


def grant_command(sub: Any) -> None:
    p = command(sub, "grant", cmd_grant, "grant a user access to a customer's entries")
    p.usage = "datastore grant USERNAME --customer ID --access read|write | datastore grant list [--json]"
    p.add_argument("username")
    p.add_argument("--customer", type=int)
    p.add_argument("--access", choices=["read", "write"])
    p.add_argument("--json", action="store_true", help="with 'grant list': one JSON document")


def cmd_grant(ns: argparse.Namespace) -> int:
    """`grant list` lists; otherwise the contract's `grant USERNAME --customer --access`."""
    if ns.username == "list" and ns.customer is None and ns.access is None:
        return _list(ns, lambda admin: admin.list_grants(), ["customer", "user", "group", "access"], "grants")
    if ns.customer is None or ns.access is None:
        raise ValueError("grant needs --customer ID and --access read|write (or: datastore grant list)")
    from server.services.sharing import SharingService
    from server.storage.cache import CacheRegistry

    open_db(ns)
    SharingService(CacheRegistry()).set(
        None, t.GrantInfo(customer_id=ns.customer, access=t.Access(ns.access), username=ns.username)
    )
    print(f"granted {ns.access} on customer {ns.customer} to {ns.username}")
    return 0


# ------------------------------------------------------------------ group


def group_add_command(groups: Any) -> None:
    p = command(groups, "add", cmd_group_add, "add a group")
    p.add_argument("name")


def cmd_group_add(ns: argparse.Namespace) -> int:
    from server.services.auth import add_group

    open_db(ns)
    add_group(ns.name)
    print(f"group {ns.name} added")
    return 0


def group_add_user_command(groups: Any) -> None:
    p = command(groups, "add-user", cmd_group_add_user, "add a user to a group")
    p.add_argument("name")
    p.add_argument("username")


def cmd_group_add_user(ns: argparse.Namespace) -> int:
    open_db(ns)
    _auth().add_group_member(ns.name, ns.username)
    print(f"user {ns.username} added to group {ns.name}")
    return 0


def group_list_command(groups: Any) -> None:
    _listing_command(groups, cmd_group_list, "list groups and their members")


def cmd_group_list(ns: argparse.Namespace) -> int:
    return _list(ns, lambda admin: admin.list_groups(), ["name", "members", "created"], "groups")


# ------------------------------------------------------------------ token


def token_create_command(tokens: Any) -> None:
    p = command(tokens, "create", cmd_token_create, "create a token; prints it alone")
    p.add_argument("username")
    p.add_argument("--days", type=int, default=None, help="lifetime in days (default 14)")


def cmd_token_create(ns: argparse.Namespace) -> int:
    open_db(ns)
    print(_auth().token_for_user(ns.username, ns.days).token)
    return 0


def token_list_command(tokens: Any) -> None:
    p = command(tokens, "list", cmd_token_list, "a user's tokens: id, created, expires (never the token)")
    p.add_argument("username")
    p.add_argument("--json", action="store_true", help=JSON_HELP)


def cmd_token_list(ns: argparse.Namespace) -> int:
    return _list(ns, lambda admin: admin.list_tokens(ns.username), ["id", "created", "expires"], "tokens")


def token_revoke_command(tokens: Any) -> None:
    p = command(tokens, "revoke", cmd_token_revoke, "revoke a token")
    p.add_argument("token")


def cmd_token_revoke(ns: argparse.Namespace) -> int:
    username = _with_auth(ns, lambda auth: auth.revoke_token(ns.token))
    print(f"token of {username} revoked")
    return 0


# ------------------------------------------------------------------ parser


def add_parser(sub: Any) -> None:
    customer_add_command(group(sub, "customer", "manage customers"))
    users = group(sub, "user", "manage users")
    for add in (user_add_command, user_list_command, user_delete_command, user_passwd_command):
        add(users)
    grant_command(sub)
    groups = group(sub, "group", "manage groups")
    for add in (group_add_command, group_add_user_command, group_list_command):
        add(groups)
    tokens = group(sub, "token", "manage tokens")
    for add in (token_create_command, token_list_command, token_revoke_command):
        add(tokens)
