"""Repositories for DHIS2 namespaces: entries, sharing, protection.

A namespace is a descriptor of kind "dhis2" named "dhis2:<namespace>" (':' cannot
occur in Argus store names, so the two never collide). Its dataStore entries have
owner_user_id 0; userDataStore entries carry their user's id. DHIS2 has no soft
delete, so these entries are deleted for good (their sharing rows cascade).

Sharing is checked in SQL (sharing_sql.py), so a query's page only ever holds entries the
caller may read and paging stays right.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import peewee
from peewee import SQL, Cast, Value, fn

from server.domain import types as t
from server.domain.errors import AlreadyExists
from server.facades.dhis2 import sharing_sql
from server.storage.cache import Cache
from server.storage.db import database, is_sqlite, now_ms
from server.storage.entries import query_compiler
from server.storage.models import KIND_DHIS2, Descriptor, Entry, EntryAccess, Group, NamespaceProtection, User
from server.storage.users import user_refs

PREFIX = "dhis2:"

_COLUMNS = (
    Entry.id,
    Entry.uid,
    Entry.owner_user_id,
    Entry.key,
    Entry.value,
    Entry.encrypted,
    Entry.secret,
    Entry.revision,
    Entry.created_at,
    Entry.created_by,
    Entry.updated_at,
    Entry.updated_by,
    Entry.public_access,
    Entry.external_access,
    Entry.rolls,
)


# ------------------------------------------------------------------ namespaces


def find_namespace(namespace: str) -> int | None:
    """The descriptor id of a namespace, or None if it was never used."""
    return Descriptor.select(Descriptor.id).where(Descriptor.name == PREFIX + namespace).scalar()


def ensure_namespace(namespace: str, user_id: int) -> int:
    """The descriptor id of a namespace, created on first use (race-free: insert or
    nothing, then read)."""
    found = find_namespace(namespace)
    if found is not None:
        return found
    now = now_ms()
    Descriptor.insert(
        name=PREFIX + namespace,
        kind=KIND_DHIS2,
        description=f"DHIS2 namespace '{namespace}'",
        data_type=t.DataType.MAP.value,
        behaviour_type=t.BehaviourType.CENTRAL.value,
        global_data=True,
        created_at=now,
        created_by=user_id,
        updated_at=now,
        updated_by=user_id,
    ).on_conflict_ignore().execute()
    found = find_namespace(namespace)
    assert found is not None
    return found


def list_namespaces(owner: int) -> list[str]:
    """Namespaces holding at least one entry of this owner (0: the shared dataStore)."""
    used = Entry.select(SQL("1")).where((Entry.descriptor == Descriptor.id) & (Entry.owner_user_id == owner))
    rows = (
        Descriptor.select(Descriptor.name)
        .where((Descriptor.kind == KIND_DHIS2) & fn.EXISTS(used))
        .order_by(Descriptor.name)
        .scalars()
    )
    return [name[len(PREFIX) :] for name in rows]


def _scoped(descriptor_id: int, owner: int) -> peewee.Expression:
    return (Entry.descriptor == descriptor_id) & (Entry.owner_user_id == owner)


# --------------------------------------------------------------------- entries


def _entries(namespace: str, rows: Iterable[Any], cache: Cache | None = None) -> list[t.NamespaceEntry]:
    """Rows of _COLUMNS (namedtuples) -> entries of the namespace."""
    rows = list(rows)
    refs = user_refs((i for r in rows for i in (r.created_by, r.updated_by)), cache)
    return [
        t.NamespaceEntry(
            id=r.id,
            uid=r.uid or "",
            namespace=namespace,
            owner_user_id=r.owner_user_id,
            key=r.key,
            value=r.value,
            encrypted=bool(r.encrypted),
            secret=r.secret,
            revision=r.revision,
            created_at=r.created_at,
            created_by=refs.get(r.created_by),
            updated_at=r.updated_at,
            updated_by=refs.get(r.updated_by),
            public_access=r.public_access or t.PUBLIC_DEFAULT,
            external_access=bool(r.external_access),
            rolls=dict(r.rolls or {}),
        )
        for r in rows
    ]


def _stored(value: Any, encrypted: bool) -> Any:
    """The value column: SQL NULL only for an encrypted value; a JSON null is stored as
    the JSON `null` (peewee would write SQL NULL), so filters and `fields=.` see it."""
    if encrypted:
        return None
    if value is None:
        null = Value("null", converter=False)
        return fn.json(null) if is_sqlite() else Cast(null, "jsonb")
    return value


def get_entry(
    namespace: str, descriptor_id: int, owner: int, key: str, refs: Cache | None = None
) -> t.NamespaceEntry | None:
    rows = Entry.select(*_COLUMNS).where(_scoped(descriptor_id, owner) & (Entry.key == key)).namedtuples()
    found = _entries(namespace, rows.limit(1), refs)
    return found[0] if found else None


def may(entry_id: int, reader: t.Reader | None, action: sharing_sql.Action) -> bool:
    check = sharing_sql.condition(reader, action)
    if check is None:
        return True
    return Entry.select(SQL("1")).where((Entry.id == entry_id) & check).exists()


def access(entry_id: int, reader: t.Reader | None) -> sharing_sql.Access:
    """Everything the reader may do with the entry, in one query."""
    actions = {"read": sharing_sql.READ, "write": sharing_sql.WRITE, "manage": sharing_sql.MANAGE}
    checks = {name: sharing_sql.condition(reader, action) for name, action in actions.items()}
    if any(c is None for c in checks.values()):
        return sharing_sql.EVERYTHING
    row = Entry.select(*(c.alias(name) for name, c in checks.items())).where(Entry.id == entry_id).dicts().first()
    return sharing_sql.Access(**{name: bool(row and row[name]) for name in actions})


def create_entry(
    descriptor_id: int,
    owner: int,
    key: str,
    *,
    uid: str,
    value: Any,
    secret: str | None,
    user_id: int,
) -> None:
    """Inserts a new entry; AlreadyExists if the key is taken in this scope."""
    now = now_ms()
    try:
        with database.atomic():
            Entry.insert(
                descriptor=descriptor_id,
                customer=t.GLOBAL_CUSTOMER_ID,
                owner_user_id=owner,
                key=key,
                uid=uid,
                value=_stored(value, secret is not None),
                encrypted=secret is not None,
                secret=secret,
                revision=1,
                deleted=False,
                created_at=now,
                created_by=user_id,
                updated_at=now,
                updated_by=user_id,
                public_access=t.PUBLIC_DEFAULT,
            ).execute()
    except peewee.IntegrityError:
        raise AlreadyExists(f"key '{key}' already exists", reason="KEY_EXISTS") from None


def replace_value(
    entry_id: int, *, revision: int, value: Any, secret: str | None, rolls: dict[str, int], user_id: int
) -> bool:
    """Compare-and-set: writes only if the entry is still at `revision`."""
    return bool(
        Entry.update(
            value=_stored(value, secret is not None),
            secret=secret,
            rolls=rolls or None,
            revision=Entry.revision + 1,
            updated_at=now_ms(),
            updated_by=user_id,
        )
        .where((Entry.id == entry_id) & (Entry.revision == revision))
        .execute()
    )


def delete_entry(entry_id: int) -> None:
    Entry.delete().where(Entry.id == entry_id).execute()


def first_unwritable(descriptor_id: int, owner: int, reader: t.Reader | None) -> str | None:
    """The first key (in key order) of the scope the reader may not write, if any."""
    check = sharing_sql.condition(reader, sharing_sql.WRITE)
    if check is None:
        return None
    return Entry.select(Entry.key).where(_scoped(descriptor_id, owner) & ~check).order_by(Entry.key).scalar()


def has_entries(descriptor_id: int, owner: int) -> bool:
    return Entry.select(SQL("1")).where(_scoped(descriptor_id, owner)).exists()


def delete_namespace(descriptor_id: int, owner: int) -> int:
    return Entry.delete().where(_scoped(descriptor_id, owner)).execute()


def list_keys(descriptor_id: int, owner: int, reader: t.Reader | None, since_ms: int | None = None) -> list[str]:
    """The keys the reader may read, updated at or after `since_ms` if given."""
    query = Entry.select(Entry.key).where(_scoped(descriptor_id, owner))
    check = sharing_sql.condition(reader, sharing_sql.READ)
    if check is not None:
        query = query.where(check)
    if since_ms is not None:
        query = query.where(Entry.updated_at >= since_ms)
    return list(query.order_by(Entry.key).scalars())


def any_match(descriptor_id: int, owner: int, reader: t.Reader | None, where: Any) -> bool:
    """Whether an entry the reader may read matches the AST node."""
    query = Entry.select(SQL("1")).where(_scoped(descriptor_id, owner))
    check = sharing_sql.condition(reader, sharing_sql.READ)
    if check is not None:
        query = query.where(check)
    return query.where(query_compiler().where(where)).exists()


def query_entries(
    descriptor_id: int, owner: int, reader: t.Reader | None, q: t.NamespaceQuery
) -> list[tuple[str, Any, bool]]:
    """(key, value, encrypted) of one page, filtered, ordered and paged in SQL.
    Encrypted values are NULL in the value column, so no filter can look into them."""
    compiler = query_compiler()
    query = Entry.select(Entry.key, Entry.value, Entry.encrypted).where(_scoped(descriptor_id, owner))
    check = sharing_sql.condition(reader, sharing_sql.READ)
    if check is not None:
        query = query.where(check)
    if q.where is not None:
        query = query.where(compiler.where(q.where))
    query = query.order_by(*compiler.order_by(q.order, Entry.customer))
    if q.limit:
        query = query.limit(q.limit)
    if q.offset:
        query = query.offset(q.offset)
    return [(k, v, bool(e)) for k, v, e in query.tuples()]


def entry_by_uid(uid: str) -> t.NamespaceEntry | None:
    row = (
        Entry.select(*_COLUMNS, Descriptor.name.alias("descriptor_name"))
        .join(Descriptor, on=(Entry.descriptor == Descriptor.id))
        .where((Entry.uid == uid) & (Descriptor.kind == KIND_DHIS2))
        .namedtuples()
        .first()
    )
    if row is None:
        return None
    return _entries(row.descriptor_name[len(PREFIX) :], [row])[0]


def get_sharing(entry_id: int) -> list[t.SharingGrant]:
    out = []
    for grantee, access_ in (
        EntryAccess.select(EntryAccess.grantee, EntryAccess.access).where(EntryAccess.entry == entry_id).tuples()
    ):
        kind, _, ident = grantee.partition(":")
        model, name_field = (User, User.username) if kind == "u" else (Group, Group.name)
        name = model.select(name_field).where(model.id == int(ident)).scalar()
        out.append(t.SharingGrant("user" if kind == "u" else "group", int(ident), name or "", access_))
    return sorted(out, key=lambda g: (g.kind, g.name))


def set_sharing(entry_id: int, public_access: str, external_access: bool, grants: list[t.SharingGrant]) -> None:
    """Replaces the entry's sharing (caller holds a write transaction)."""
    Entry.update(public_access=public_access, external_access=external_access).where(Entry.id == entry_id).execute()
    EntryAccess.delete().where(EntryAccess.entry == entry_id).execute()
    if grants:
        EntryAccess.insert_many(
            [
                {
                    EntryAccess.entry: entry_id,
                    EntryAccess.grantee: sharing_sql.grantee(g.kind, g.id),
                    EntryAccess.access: g.access,
                }
                for g in grants
            ]
        ).execute()


# ------------------------------------------------------------------ protection


def _protection(row: NamespaceProtection) -> t.Protection:
    return t.Protection(row.namespace, row.read_mode, row.write_mode, tuple(row.authorities or ()))


def get_protection(namespace: str) -> t.Protection | None:
    row = NamespaceProtection.get_or_none(NamespaceProtection.namespace == namespace)
    return _protection(row) if row else None


def list_protections() -> list[t.Protection]:
    return [_protection(r) for r in NamespaceProtection.select().order_by(NamespaceProtection.namespace)]


def set_protection(p: t.Protection) -> None:
    values = {
        NamespaceProtection.read_mode: p.read_mode,
        NamespaceProtection.write_mode: p.write_mode,
        NamespaceProtection.authorities: list(p.authorities),
    }
    NamespaceProtection.insert({NamespaceProtection.namespace: p.namespace, **values}).on_conflict(
        conflict_target=[NamespaceProtection.namespace], update=values
    ).execute()
