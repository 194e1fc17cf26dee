"""Queries of the administration commands (`datastore user|token|group|grant list`,
`user delete`, `token revoke`): plain dicts for the CLI's tables and --json.

Timestamps are epoch milliseconds, as stored.
"""

from __future__ import annotations

from peewee import JOIN, fn

from server.domain.errors import NotFound
from server.storage import users as user_repo
from server.storage.db import write_transaction
from server.storage.models import Descriptor, Entry, EntryAccess, Grant, Group, GroupMember, Token, User


def count_users() -> int:
    return User.select().count()


def list_users() -> list[dict]:
    groups: dict[int, list[str]] = {}
    members = GroupMember.select(GroupMember.user, Group.name).join(Group).order_by(Group.name).tuples()
    for user_id, name in members:
        groups.setdefault(user_id, []).append(name)
    rows = User.select(User.id, User.username, User.customer, User.admin, User.global_data, User.created_at)
    return [
        {
            "username": u.username,
            "customer": u.customer_id,
            "admin": bool(u.admin),
            "global_data": bool(u.global_data),
            "groups": groups.get(u.id, []),
            "created": u.created_at,
        }
        for u in rows.order_by(User.username)
    ]


def list_tokens(username: str) -> list[dict]:
    """A user's tokens: id, created, expires; never the token (only its hash is stored)."""
    user_id = user_repo.user_id_by_name(username)
    rows = Token.select(Token.id, Token.created_at, Token.expires_at).where(Token.user == user_id)
    return [{"id": r.id, "created": r.created_at, "expires": r.expires_at} for r in rows.order_by(Token.id)]


def revoke_token(token_hash: str) -> str:
    """Deletes the token with this hash; returns its user's name."""
    row = Token.select(Token.id, User.username).join(User).where(Token.token_hash == token_hash).tuples().first()
    if row is None:
        raise NotFound("no such token", reason="TOKEN_NOT_FOUND")
    Token.delete().where(Token.id == row[0]).execute()
    return row[1]


def delete_user(username: str) -> None:
    """Deletes a user and with it its tokens, group memberships, grants, DHIS2 sharing
    with it and its userDataStore. Entries and descriptors it created or updated keep
    no reference to it (created_by/updated_by become NULL), so a later user that gets
    the same id (SQLite reuses the highest one) inherits nothing."""
    with write_transaction():
        user_id = user_repo.user_id_by_name(username)
        EntryAccess.delete().where(EntryAccess.grantee == f"u:{user_id}").execute()
        private = Entry.select(Entry.id).where(Entry.owner_user_id == user_id)
        EntryAccess.delete().where(EntryAccess.entry.in_(private)).execute()
        Entry.delete().where(Entry.owner_user_id == user_id).execute()
        Entry.update(created_by=None).where(Entry.created_by == user_id).execute()
        Entry.update(updated_by=None).where(Entry.updated_by == user_id).execute()
        Descriptor.update(created_by=None).where(Descriptor.created_by == user_id).execute()
        Descriptor.update(updated_by=None).where(Descriptor.updated_by == user_id).execute()
        # tokens, memberships and grants go with the row (ON DELETE CASCADE)
        Token.delete().where(Token.user == user_id).execute()
        GroupMember.delete().where(GroupMember.user == user_id).execute()
        Grant.delete().where(Grant.user == user_id).execute()
        User.delete().where(User.id == user_id).execute()


def list_groups() -> list[dict]:
    members: dict[int, list[str]] = {}
    rows = GroupMember.select(GroupMember.group, User.username).join(User).order_by(User.username).tuples()
    for group_id, username in rows:
        members.setdefault(group_id, []).append(username)
    groups = Group.select(Group.id, Group.name, Group.created_at).order_by(Group.name)
    return [{"name": g.name, "members": members.get(g.id, []), "created": g.created_at} for g in groups]


def list_grants() -> list[dict]:
    query = (
        Grant.select(Grant.customer, Grant.access, User.username, Group.name.alias("group_name"))
        .join(User, JOIN.LEFT_OUTER, on=(Grant.user == User.id))
        .switch(Grant)
        .join(Group, JOIN.LEFT_OUTER, on=(Grant.group == Group.id))
        .order_by(Grant.customer, fn.COALESCE(User.username, Group.name))
        .dicts()
    )
    return [
        {
            "customer": r["customer"],
            "user": r["username"] or None,
            "group": r["group_name"] or None,
            "access": r["access"],
        }
        for r in query
    ]
