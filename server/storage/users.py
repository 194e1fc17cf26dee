"""Users, customers, groups, grants and tokens: their Peewee queries, returning domain values."""

from __future__ import annotations

from collections.abc import Iterable

import peewee
from peewee import JOIN

from server.domain import types as t
from server.domain.errors import AlreadyExists, NotFound
from server.storage.cache import Cache
from server.storage.db import database, now_ms
from server.storage.models import Customer, Grant, Group, GroupMember, Token, User


def user_refs(ids: Iterable[int | None], cache: Cache | None = None) -> dict[int, t.UserRef]:
    """id -> UserRef of the users that exist among ids; through cache when given."""

    def load(missing: set[int]) -> dict[int, t.UserRef]:
        rows = User.select(User.id, User.username, User.customer).where(User.id.in_(list(missing)))
        return {row.id: t.UserRef(row.id, row.username, row.customer_id) for row in rows}

    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return cache.get_many(wanted, load) if cache is not None else load(wanted)


def customer_exists(customer_id: int) -> bool:
    return Customer.select().where(Customer.id == customer_id).exists()


def customer_names(ids: Iterable[int]) -> dict[int, str]:
    return {c.id: c.name for c in Customer.select(Customer.id, Customer.name).where(Customer.id.in_(list(set(ids))))}


def add_customer(customer_id: int, name: str) -> None:
    try:
        with database.atomic():
            Customer.create(id=customer_id, name=name, created_at=now_ms())
    except peewee.IntegrityError:
        raise AlreadyExists(f"customer {customer_id} already exists", reason="CUSTOMER_EXISTS") from None


def ensure_customer(customer_id: int, name: str | None = None) -> None:
    Customer.insert(
        id=customer_id, name=name or f"customer {customer_id}", created_at=now_ms()
    ).on_conflict_ignore().execute()


def add_user(username: str, password_hash: str, customer_id: int, admin: bool, global_data: bool) -> int:
    try:
        with database.atomic():
            user = User.create(
                username=username,
                password_hash=password_hash,
                customer=customer_id,
                admin=admin,
                global_data=global_data,
                created_at=now_ms(),
            )
    except peewee.IntegrityError:
        raise AlreadyExists(f"user '{username}' already exists", reason="USER_EXISTS") from None
    return user.id


def find_user(username: str) -> tuple[int, str] | None:
    """(user id, password hash) of a login name, or None."""
    row = User.select(User.id, User.password_hash).where(User.username == username).first()
    return (row.id, row.password_hash) if row else None


def set_password_hash(user_id: int, password_hash: str) -> None:
    User.update(password_hash=password_hash).where(User.id == user_id).execute()


def user_id_by_name(username: str) -> int:
    row = User.select(User.id).where(User.username == username).first()
    if row is None:
        raise NotFound(f"user '{username}' does not exist", reason="USER_NOT_FOUND")
    return row.id


def group_id_by_name(name: str) -> int:
    row = Group.select(Group.id).where(Group.name == name).first()
    if row is None:
        raise NotFound(f"group '{name}' does not exist", reason="GROUP_NOT_FOUND")
    return row.id


def load_principal(user_id: int, token_id: int | None = None) -> t.Principal:
    user = User.get_or_none(User.id == user_id)
    if user is None:
        raise NotFound(f"user {user_id} does not exist", reason="USER_NOT_FOUND")
    group_rows = Group.select(Group.id, Group.name).join(GroupMember).where(GroupMember.user == user_id)
    groups = {g.id: g.name for g in group_rows}
    group_ids = GroupMember.select(GroupMember.group).where(GroupMember.user == user_id)
    grants = Grant.select(Grant.customer, Grant.access).where((Grant.user == user_id) | (Grant.group.in_(group_ids)))
    readable = {user.customer_id}
    writable = {user.customer_id}  # a user writes its own customer by default
    for g in grants:
        readable.add(g.customer_id)
        if g.access == t.Access.WRITE.value:
            writable.add(g.customer_id)
    return t.Principal(
        user_id=user.id,
        username=user.username,
        customer_id=user.customer_id,
        admin=user.admin,
        global_data=user.global_data,
        readable=frozenset(readable),
        writable=frozenset(writable),
        groups=tuple(sorted(groups.values())),
        token_id=token_id,
        group_ids=tuple(sorted(groups)),
    )


def add_token(user_id: int, token_hash: str, expires_at: int) -> int:
    return Token.create(user=user_id, token_hash=token_hash, created_at=now_ms(), expires_at=expires_at).id


def find_token(token_hash: str) -> tuple[int, int, int] | None:
    """(token id, user id, expires_at) for a token hash, or None."""
    row = Token.select(Token.id, Token.user, Token.expires_at).where(Token.token_hash == token_hash).first()
    return (row.id, row.user_id, row.expires_at) if row else None


def delete_token(token_id: int) -> None:
    Token.delete().where(Token.id == token_id).execute()


def delete_expired_tokens(now: int) -> int:
    return Token.delete().where(Token.expires_at < now).execute()


def add_group(name: str) -> None:
    try:
        with database.atomic():
            Group.create(name=name, created_at=now_ms())
    except peewee.IntegrityError:
        raise AlreadyExists(f"group '{name}' already exists", reason="GROUP_EXISTS") from None


def add_group_member(group_name: str, username: str) -> None:
    gid, uid = group_id_by_name(group_name), user_id_by_name(username)
    GroupMember.insert(group=gid, user=uid).on_conflict_ignore().execute()


def _grantee(username: str, group_name: str) -> tuple[int | None, int | None, str]:
    if username:
        uid = user_id_by_name(username)
        return uid, None, f"u:{uid}"
    gid = group_id_by_name(group_name)
    return None, gid, f"g:{gid}"


def set_grant(customer_id: int, username: str, group_name: str, access: t.Access) -> None:
    uid, gid, grantee = _grantee(username, group_name)
    Grant.insert(customer=customer_id, user=uid, group=gid, grantee=grantee, access=access.value).on_conflict(
        conflict_target=[Grant.customer, Grant.grantee], update={Grant.access: access.value}
    ).execute()


def delete_grant(customer_id: int, username: str, group_name: str) -> bool:
    _, _, grantee = _grantee(username, group_name)
    return bool(Grant.delete().where((Grant.customer == customer_id) & (Grant.grantee == grantee)).execute())


def list_grants(customer_id: int | None) -> list[t.GrantInfo]:
    query = (
        Grant.select(Grant.customer, Grant.access, User.username, Group.name)
        .join(User, JOIN.LEFT_OUTER, on=(Grant.user == User.id))
        .switch(Grant)
        .join(Group, JOIN.LEFT_OUTER, on=(Grant.group == Group.id))
        .order_by(Grant.customer, Grant.grantee)
    )
    if customer_id:
        query = query.where(Grant.customer == customer_id)
    out = []
    for row in query.objects():
        out.append(
            t.GrantInfo(
                customer_id=row.customer_id,
                access=t.Access(row.access),
                username=getattr(row, "username", None) or "",
                group_name=getattr(row, "name", None) or "",
            )
        )
    return out
