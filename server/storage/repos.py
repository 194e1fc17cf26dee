"""Repositories: every Peewee query of the service, returning domain values.

Peewee exceptions are translated here (IntegrityError -> AlreadyExists, ...); nothing
above this module sees a model or a peewee error.
"""

from __future__ import annotations

import functools
import operator
import threading
from collections.abc import Iterable, Iterator
from functools import reduce
from typing import Any

import peewee
from peewee import EXCLUDED, JOIN, SQL, Case, fn
from playhouse.postgres_ext import ServerSideQuery

from server.domain import types as t
from server.domain.errors import AlreadyExists, NotFound
from server.query.sql import Compiler
from server.storage.db import database, is_sqlite, now_ms
from server.storage.models import (
    KIND_ARGUS,
    KIND_MAKE,
    Customer,
    DataStructure,
    Descriptor,
    Entry,
    Grant,
    Group,
    GroupMember,
    MakeStore,
    Token,
    User,
)
from server.storage.prepared import INT, JSON, STR, Statement

# --------------------------------------------------------------------------- users


class _UserRefCache:
    """id -> UserRef. Usernames and home customers never change, so entries are final."""

    def __init__(self) -> None:
        self._refs: dict[int, t.UserRef] = {}
        self._lock = threading.Lock()

    def get_many(self, ids: Iterable[int | None]) -> dict[int, t.UserRef]:
        wanted = {i for i in ids if i is not None}
        missing = wanted - self._refs.keys()
        if missing:
            rows = User.select(User.id, User.username, User.customer).where(User.id.in_(list(missing)))
            with self._lock:
                for row in rows:
                    self._refs[row.id] = t.UserRef(row.id, row.username, row.customer_id)
        return {i: self._refs[i] for i in wanted if i in self._refs}


user_refs = _UserRefCache()


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


# --------------------------------------------------------------------- descriptors


def _descriptor(row: Descriptor) -> t.Descriptor:
    refs = user_refs.get_many([row.created_by_id, row.updated_by_id])
    return t.Descriptor(
        id=row.id,
        name=row.name,
        description=row.description,
        data_type=t.DataType(row.data_type),
        behaviour_type=t.BehaviourType(row.behaviour_type),
        life_time=row.life_time,
        global_data=row.global_data,
        expire_data=row.expire_data,
        use_lower_case_keys=row.use_lower_case_keys,
        deleted=row.deleted,
        created_at=row.created_at,
        created_by=refs.get(row.created_by_id),
        updated_at=row.updated_at,
        updated_by=refs.get(row.updated_by_id),
    )


def get_descriptor(name: str, *, include_deleted: bool = False) -> t.Descriptor:
    query = Descriptor.select().where(Descriptor.name == name)
    if not include_deleted:
        query = query.where(~Descriptor.deleted)
    row = query.first()
    if row is None:
        raise NotFound(f"store '{name}' does not exist", reason="STORE_NOT_FOUND", metadata={"store": name})
    return _descriptor(row)


def list_descriptors(limit: int, offset: int, include_deleted: bool) -> t.Page:
    return search_descriptors(t.DescriptorSearch(include_deleted=include_deleted, limit=limit, offset=offset))


DESCRIPTOR_SORT_FIELDS = {
    "name": Descriptor.name,
    "description": Descriptor.description,
    "dataType": Descriptor.data_type,
    "behaviourType": Descriptor.behaviour_type,
    "lifeTime": Descriptor.life_time,
    "lastUpdatedTimestamp": Descriptor.updated_at,
    "createdTimestamp": Descriptor.created_at,
}
DESCRIPTOR_KEYWORD_FIELDS = {"name": Descriptor.name, "description": Descriptor.description}


def search_descriptors(search: t.DescriptorSearch) -> t.Page:
    query = Descriptor.select().where(Descriptor.kind == KIND_ARGUS)
    if not search.include_deleted:
        query = query.where(~Descriptor.deleted)
    if search.deleted is not None:
        query = query.where(Descriptor.deleted == search.deleted)
    if search.keywords:
        # peewee's contains() is a case-insensitive substring match on both databases.
        per_word = [
            reduce(operator.or_, (DESCRIPTOR_KEYWORD_FIELDS[f].contains(word) for f in search.fields))
            for word in search.keywords
        ]
        matched = reduce(operator.and_ if search.match_all else operator.or_, per_word)
        query = query.where(~matched if search.exclude else matched)
    total = query.count()
    order = [DESCRIPTOR_SORT_FIELDS[f].desc() if desc else DESCRIPTOR_SORT_FIELDS[f].asc() for f, desc in search.sort]
    rows = query.order_by(*order, Descriptor.name).limit(search.limit).offset(search.offset)
    return t.Page([_descriptor(r) for r in rows], total)


def create_descriptor(d: t.DescriptorSpec, user_id: int, kind: str = KIND_ARGUS) -> t.Descriptor:
    now = now_ms()
    try:
        with database.atomic():
            row = Descriptor.create(
                name=d.name,
                kind=kind,
                description=d.description,
                data_type=d.data_type.value,  # type: ignore[union-attr] - validated
                behaviour_type=d.behaviour_type.value,  # type: ignore[union-attr]
                life_time=d.life_time,
                global_data=d.global_data,
                expire_data=d.expire_data,
                use_lower_case_keys=d.use_lower_case_keys,
                deleted=False,
                created_at=now,
                created_by=user_id,
                updated_at=now,
                updated_by=user_id,
            )
    except peewee.IntegrityError:
        existing = Descriptor.get_or_none(Descriptor.name == d.name)
        hint = " (a deleted store; names are never reused)" if existing and existing.deleted else ""
        raise AlreadyExists(
            f"store '{d.name}' already exists{hint}", reason="STORE_EXISTS", metadata={"store": d.name}
        ) from None
    return _descriptor(row)


def update_descriptor(descriptor_id: int, changes: dict[str, Any], user_id: int) -> t.Descriptor:
    """Applies changes (field -> value; "name" renames: entries follow, they refer to
    the descriptor by id)."""
    fields = {getattr(Descriptor, k): v for k, v in changes.items()}
    fields[Descriptor.updated_at] = now_ms()
    fields[Descriptor.updated_by] = user_id
    try:
        with database.atomic():
            Descriptor.update(fields).where(Descriptor.id == descriptor_id).execute()
    except peewee.IntegrityError:
        name = changes.get("name", "")
        raise AlreadyExists(f"store '{name}' already exists", reason="STORE_EXISTS", metadata={"store": name}) from None
    return _descriptor(Descriptor.get_by_id(descriptor_id))


# ------------------------------------------------------------------------- entries

_ENTRY_COLUMNS = (
    Entry.id,
    Entry.customer,
    Entry.key,
    Entry.value,
    Entry.revision,
    Entry.deleted,
    Entry.created_at,
    Entry.created_by,
    Entry.updated_at,
    Entry.updated_by,
)
_COLUMNS = {
    "key": Entry.key,
    "customer_id": Entry.customer,
    "updated_at": Entry.updated_at,
    "updated_by": Entry.updated_by,
    "created_at": Entry.created_at,
}
_CONFLICT_TARGET = [Entry.descriptor, Entry.customer, Entry.owner_user_id, Entry.key]


_CONVERTERS = [f.python_value for f in _ENTRY_COLUMNS]


def _row(raw: tuple) -> tuple:
    """Applies the columns' Python converters to a raw DB-API row (prepared statements)."""
    return tuple(conv(v) if v is not None else None for conv, v in zip(_CONVERTERS, raw, strict=True))


def _entries(d: t.Descriptor, rows: Iterable[tuple]) -> list[t.Entry]:
    """Rows are tuples in _ENTRY_COLUMNS order."""
    rows = list(rows)
    refs = user_refs.get_many(i for r in rows for i in (r[7], r[9]))
    return [_entry(d, r, refs) for r in rows]


def _entry(d: t.Descriptor, row: tuple, refs: dict[int, t.UserRef]) -> t.Entry:
    _id, customer, key, value, revision, deleted, created_at, created_by, updated_at, updated_by = row
    return t.Entry(
        store=d.name,
        customer_id=customer,
        key=key,
        value=value,
        has_value=d.data_type is t.DataType.MAP,
        revision=revision,
        deleted=bool(deleted),
        created_at=created_at,
        created_by=refs.get(created_by),
        updated_at=updated_at,
        updated_by=refs.get(updated_by),
    )


def _alive(d: t.Descriptor, now: int) -> peewee.Expression:
    """Visible to reads: not deleted and, with retention, not expired."""
    cond = ~Entry.deleted
    cutoff = d.expiry_cutoff(now)
    if cutoff is not None:
        cond &= Entry.updated_at >= cutoff
    return cond


def _dead_since(cutoff: int | None) -> peewee.Expression:
    """Counts as absent for writes: deleted or (with retention) updated before cutoff."""
    cond = Entry.deleted == True  # noqa: E712 - SQL expression
    if cutoff is not None:
        cond |= Entry.updated_at < cutoff
    return cond


def _dead(d: t.Descriptor, now: int) -> peewee.Expression:
    return _dead_since(d.expiry_cutoff(now))


def _scope(d: t.Descriptor, customer_id: int) -> peewee.Expression:
    return (Entry.descriptor == d.id) & (Entry.customer == customer_id) & (Entry.owner_user_id == 0)


def _select_one(descriptor: int, customer: int, key: str, cutoff: int | None = None) -> peewee.Query:
    where = (Entry.descriptor == descriptor) & (Entry.customer == customer) & (Entry.owner_user_id == 0)
    where &= (Entry.key == key) & ~Entry.deleted
    if cutoff is not None:
        where &= Entry.updated_at >= cutoff
    return Entry.select(*_ENTRY_COLUMNS).where(where).limit(1)


_GET_LIVE = Statement(_select_one, descriptor=INT, customer=INT, key=STR)
_GET_LIVE_EXPIRING = Statement(_select_one, descriptor=INT, customer=INT, key=STR, cutoff=INT)


def get_entry(d: t.Descriptor, customer_id: int, key: str, *, include_deleted: bool = False) -> t.Entry | None:
    if include_deleted:
        query = Entry.select(*_ENTRY_COLUMNS).where(_scope(d, customer_id) & (Entry.key == key)).tuples()
        rows = _entries(d, query.limit(1))
    else:
        cutoff = d.expiry_cutoff(now_ms())
        if cutoff is None:
            raw = _GET_LIVE.execute(descriptor=d.id, customer=customer_id, key=key)
        else:
            raw = _GET_LIVE_EXPIRING.execute(descriptor=d.id, customer=customer_id, key=key, cutoff=cutoff)
        rows = _entries(d, map(_row, raw))
    return rows[0] if rows else None


def _upsert(rows: list[dict], cutoff: int | None, create_only: bool) -> peewee.Query:
    dead = _dead_since(cutoff)
    return (
        Entry.insert_many(rows)
        .on_conflict(
            conflict_target=_CONFLICT_TARGET,
            update={
                Entry.value: EXCLUDED.value,
                Entry.revision: Entry.revision + 1,
                Entry.deleted: False,
                Entry.created_at: Case(None, [(dead, EXCLUDED.created_at)], Entry.created_at),
                Entry.created_by: Case(None, [(dead, EXCLUDED.created_by)], Entry.created_by),
                Entry.updated_at: EXCLUDED.updated_at,
                Entry.updated_by: EXCLUDED.updated_by,
            },
            # create_only (expected_revision 0): create or revive a dead entry, never overwrite.
            where=dead if create_only else None,
        )
        .returning(*_ENTRY_COLUMNS)
    )


def _new_row(descriptor: int, customer: int, key: str, value: Any, now: int, user: int) -> dict:
    return {
        Entry.descriptor: descriptor,
        Entry.customer: customer,
        Entry.owner_user_id: 0,
        Entry.key: key,
        Entry.value: value,
        Entry.revision: 1,
        Entry.deleted: False,
        Entry.created_at: now,
        Entry.created_by: user,
        Entry.updated_at: now,
        Entry.updated_by: user,
    }


def _upsert_one(descriptor, customer, key, value, now, user, cutoff=None, create_only=False):
    return _upsert([_new_row(descriptor, customer, key, value, now, user)], cutoff, create_only)


_PUT_KINDS = dict(descriptor=INT, customer=INT, key=STR, value=JSON, now=INT, user=INT)
_PUT_ONE = {
    (expiring, create_only): Statement(
        functools.partial(_upsert_one, create_only=create_only),  # cutoff only when expiring
        **_PUT_KINDS,
        **({"cutoff": INT} if expiring else {}),
    )
    for expiring in (False, True)
    for create_only in (False, True)
}


def put_entries(
    d: t.Descriptor,
    customer_id: int,
    items: list[tuple[str, Any]],
    user_id: int,
    *,
    expected_revision: int | None = None,
) -> list[t.Entry] | None:
    """Upserts items in one statement. Returns None if expected_revision did not match.

    A deleted or expired entry counts as absent: writing it again starts it anew
    (new created time) while its revision keeps counting up.
    """
    now = now_ms()
    cutoff = d.expiry_cutoff(now)
    if expected_revision is not None and expected_revision > 0:
        ((key, value),) = items
        query = (
            Entry.update(value=value, revision=Entry.revision + 1, updated_at=now, updated_by=user_id)
            .where(
                _scope(d, customer_id)
                & (Entry.key == key)
                & (Entry.revision == expected_revision)
                & ~_dead_since(cutoff)
            )
            .returning(*_ENTRY_COLUMNS)
            .tuples()
        )
        rows = list(query.execute())
        return _entries(d, rows) if rows else None
    create_only = expected_revision == 0
    if len(items) == 1:
        ((key, value),) = items
        args = dict(descriptor=d.id, customer=customer_id, key=key, value=value, now=now, user=user_id)
        if cutoff is not None:
            args["cutoff"] = cutoff
        raw = _PUT_ONE[(cutoff is not None, create_only)].execute(**args)
        written = {r[2]: r for r in map(_row, raw)}
    else:
        rows = [_new_row(d.id, customer_id, key, value, now, user_id) for key, value in items]
        written = {r[2]: r for r in _upsert(rows, cutoff, create_only).tuples().execute()}
    if len(written) != len(items):
        return None
    refs = user_refs.get_many(i for r in written.values() for i in (r[7], r[9]))
    return [_entry(d, written[key], refs) for key, _ in items]


def delete_entries(d: t.Descriptor, customer_id: int, keys: list[str], user_id: int) -> list[t.Entry]:
    """Soft-deletes the live entries among keys; returns them as they were."""
    now = now_ms()
    where = _scope(d, customer_id) & Entry.key.in_(keys) & _alive(d, now)
    before = _entries(d, Entry.select(*_ENTRY_COLUMNS).where(where).order_by(Entry.key).tuples())
    if before:  # the caller holds a write transaction, so `where` still selects `before`
        Entry.update(deleted=True, revision=Entry.revision + 1, updated_at=now, updated_by=user_id).where(
            where
        ).execute()
    return before


def _filtered(d: t.Descriptor, sel: t.Selection) -> tuple[peewee.ModelSelect, Compiler]:
    compiler = Compiler(database, Entry.value, _COLUMNS)
    query = Entry.select(*_ENTRY_COLUMNS).where((Entry.descriptor == d.id) & (Entry.owner_user_id == 0))
    if sel.customers is not None:
        query = query.where(Entry.customer.in_(sorted(sel.customers)))
    if sel.keys:
        query = query.where(Entry.key.in_(list(sel.keys)))
    if not sel.include_deleted:
        query = query.where(_alive(d, now_ms()))
    if sel.deleted is not None:
        query = query.where(Entry.deleted == sel.deleted)
    if sel.where is not None:
        query = query.where(compiler.where(sel.where))
    return query, compiler


def page_query(d: t.Descriptor, sel: t.Selection) -> tuple[peewee.ModelSelect, peewee.ModelSelect]:
    """(page query whose last column is the total match count, the bare filter query).

    One scan gives the page and the total: COUNT(*) OVER () rides along on every row,
    instead of a second full scan for a separate COUNT.
    """
    query, compiler = _filtered(d, sel)
    page = (
        query.select_extend(fn.COUNT(SQL("*")).over())
        .order_by(*compiler.order_by(sel.order, Entry.customer))
        .limit(sel.limit)
        .offset(sel.offset)
    )
    return page, query


def query_entries(d: t.Descriptor, sel: t.Selection) -> t.Page:
    """One page (sel.limit > 0) and the total count."""
    page, query = page_query(d, sel)
    rows = list(page.tuples())
    if rows:
        return t.Page(_entries(d, (r[:-1] for r in rows)), rows[0][-1])
    # An empty page past the end still owes the caller the total.
    return t.Page([], query.count() if sel.offset else 0)


def iter_entries(d: t.Descriptor, sel: t.Selection, batch: int = 500) -> Iterator[t.Entry]:
    """Streams matching entries in order, converting batch by batch, without holding
    the whole result in memory: SQLite steps its cursor row by row; on PostgreSQL a
    server-side (named) cursor fetches `batch` rows at a time. A named cursor streams
    only inside a transaction (outside one, PostgreSQL materialises the whole result
    WITH HOLD at DECLARE), so the stream runs in a read transaction, which also gives
    the client one consistent snapshot."""
    query, compiler = _filtered(d, sel)
    query = query.order_by(*compiler.order_by(sel.order, Entry.customer))
    if sel.limit:
        query = query.limit(sel.limit)
    if sel.offset:
        query = query.offset(sel.offset)
    if is_sqlite():
        yield from _batched(d, query.tuples().iterator(), batch)
        return
    with database.atomic():
        rows = ServerSideQuery(query.tuples(), array_size=batch)
        try:
            yield from _batched(d, iter(rows), batch)
        finally:  # here, in the transaction: a cursor left to the collector is closed elsewhere
            rows.close()


def _batched(d: t.Descriptor, rows: Iterator[tuple], batch: int) -> Iterator[t.Entry]:
    chunk: list[tuple] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= batch:
            yield from _entries(d, chunk)
            chunk = []
    yield from _entries(d, chunk)


def sweep_expired(now: int, batch: int = 1000) -> int:
    """Hard-deletes expired entries of every store with retention; returns the count."""
    removed = 0
    stores = Descriptor.select(Descriptor.id, Descriptor.life_time).where(
        Descriptor.expire_data & (Descriptor.life_time > 0)
    )
    for store in stores:
        cutoff = now - store.life_time
        while True:
            ids = (
                Entry.select(Entry.id).where((Entry.descriptor == store.id) & (Entry.updated_at < cutoff)).limit(batch)
            )
            with database.atomic():
                n = Entry.delete().where(Entry.id.in_(ids)).execute()
            removed += n
            if n < batch:
                break
    return removed


def count_entries(d: t.Descriptor) -> int:
    return Entry.select(fn.COUNT(Entry.id)).where(Entry.descriptor == d.id).scalar() or 0


# ---------------------------------------------------------------------------- make


def _structure(row: DataStructure) -> t.DataStructure:
    return t.DataStructure(row.id, row.team_id, row.name, tuple(row.spec or ()), row.strict)


def create_structure(team_id: int, name: str, spec: list[dict], strict: bool) -> t.DataStructure:
    now = now_ms()
    row = DataStructure.create(team=team_id, name=name, spec=spec, strict=strict, created_at=now, updated_at=now)
    return _structure(row)


def get_structure(structure_id: int) -> t.DataStructure:
    row = DataStructure.get_or_none(DataStructure.id == structure_id)
    if row is None:
        raise NotFound(f"data structure {structure_id} does not exist", reason="DATA_STRUCTURE_NOT_FOUND")
    return _structure(row)


def list_structures(team_id: int, limit: int, offset: int, sort: str, desc: bool) -> t.Page:
    query = DataStructure.select().where(DataStructure.team == team_id)
    column = {"name": DataStructure.name, "id": DataStructure.id}[sort]
    rows = query.order_by(column.desc() if desc else column.asc(), DataStructure.id).limit(limit).offset(offset)
    return t.Page([_structure(r) for r in rows], query.count())


def update_structure(structure_id: int, changes: dict[str, Any]) -> t.DataStructure:
    if changes:
        fields = {getattr(DataStructure, k): v for k, v in changes.items()}
        fields[DataStructure.updated_at] = now_ms()
        DataStructure.update(fields).where(DataStructure.id == structure_id).execute()
    return get_structure(structure_id)


def structure_in_use(structure_id: int) -> bool:
    return MakeStore.select().where(MakeStore.datastructure == structure_id).exists()


def delete_structure(structure_id: int) -> None:
    DataStructure.delete().where(DataStructure.id == structure_id).execute()


def _usage(descriptor_ids: list[int]) -> dict[int, tuple[int, int]]:
    """descriptor id -> (live records, bytes of their JSON values)."""
    if not descriptor_ids:
        return {}
    size = (
        fn.LENGTH(Entry.value)
        if isinstance(database.obj, peewee.SqliteDatabase)
        else fn.OCTET_LENGTH(Entry.value.cast("text"))
    )
    rows = (
        Entry.select(Entry.descriptor, fn.COUNT(Entry.id), fn.COALESCE(fn.SUM(size), 0))
        .where(Entry.descriptor.in_(descriptor_ids) & ~Entry.deleted)
        .group_by(Entry.descriptor)
        .tuples()
    )
    usage = {d: (0, 0) for d in descriptor_ids}
    usage.update({d: (int(n), int(b)) for d, n, b in rows})
    return usage


def _make_stores(rows: list[MakeStore]) -> list[t.MakeStore]:
    usage = _usage([r.descriptor_id for r in rows])
    out = []
    for r in rows:
        records, size = usage[r.descriptor_id]
        d = _descriptor(r.descriptor)
        out.append(t.MakeStore(r.id, r.team_id, r.name, r.datastructure_id, r.max_size_mb, records, size, d))
    return out


def create_make_store(team_id: int, name: str, structure_id: int | None, max_size_mb: int, user_id: int) -> t.MakeStore:
    import uuid

    spec = t.DescriptorSpec(
        name=f"make-{uuid.uuid4().hex}",
        description=f"Make data store '{name}' of team {team_id}",
        data_type=t.DataType.MAP,
        behaviour_type=t.BehaviourType.CENTRAL,
    )
    d = create_descriptor(spec, user_id, KIND_MAKE)
    row = MakeStore.create(
        descriptor=d.id,
        team=team_id,
        name=name,
        datastructure=structure_id,
        max_size_mb=max_size_mb,
        created_at=now_ms(),
    )
    return get_make_store(row.id)


def get_make_store(store_id: int) -> t.MakeStore:
    row = MakeStore.select(MakeStore, Descriptor).join(Descriptor).where(MakeStore.id == store_id).first()
    if row is None:
        raise NotFound(f"data store {store_id} does not exist", reason="DATA_STORE_NOT_FOUND")
    return _make_stores([row])[0]


MAKE_STORE_SORT = {"name": MakeStore.name, "id": MakeStore.id, "maxSizeMB": MakeStore.max_size_mb}


def list_make_stores(team_id: int, limit: int, offset: int, sort: str, desc: bool) -> t.Page:
    query = MakeStore.select(MakeStore, Descriptor).join(Descriptor).where(MakeStore.team == team_id)
    column = MAKE_STORE_SORT[sort]
    rows = list(query.order_by(column.desc() if desc else column.asc(), MakeStore.id).limit(limit).offset(offset))
    return t.Page(_make_stores(rows), query.count())


def update_make_store(store_id: int, changes: dict[str, Any]) -> t.MakeStore:
    if changes:
        fields = {getattr(MakeStore, k): v for k, v in changes.items()}
        MakeStore.update(fields).where(MakeStore.id == store_id).execute()
    return get_make_store(store_id)


def delete_make_stores(stores: list[t.MakeStore]) -> None:
    """Deletes the stores for good: their descriptors, and with them their records."""
    ids = [s.descriptor.id for s in stores]
    MakeStore.delete().where(MakeStore.descriptor.in_(ids)).execute()
    Entry.delete().where(Entry.descriptor.in_(ids)).execute()
    Descriptor.delete().where(Descriptor.id.in_(ids)).execute()


def store_bytes(d: t.Descriptor) -> int:
    return _usage([d.id])[d.id][1]


def list_records(d: t.Descriptor, customer_id: int, limit: int, offset: int) -> t.Page:
    where = _scope(d, customer_id) & ~Entry.deleted
    rows = Entry.select(Entry.key, Entry.value).where(where).order_by(Entry.key).limit(limit).offset(offset).tuples()
    total = Entry.select().where(where).count()
    return t.Page([t.Record(k, v) for k, v in rows], total)


def get_record_for_update(d: t.Descriptor, customer_id: int, key: str) -> t.Record | None:
    query = Entry.select(Entry.key, Entry.value).where(_scope(d, customer_id) & (Entry.key == key) & ~Entry.deleted)
    if not isinstance(database.obj, peewee.SqliteDatabase):
        query = query.for_update()  # SQLite: the caller's BEGIN IMMEDIATE already locks
    row = query.tuples().first()
    return t.Record(*row) if row else None


def live_keys(d: t.Descriptor, customer_id: int) -> list[str]:
    return [k for (k,) in Entry.select(Entry.key).where(_scope(d, customer_id) & ~Entry.deleted).tuples()]
