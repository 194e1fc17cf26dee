"""Entries of Argus (and Make) stores: their Peewee queries, returning domain values.

Get and put of one entry are the hot paths: they re-execute SQL that Peewee rendered
once (`server/storage/prepared.py`) and map raw rows by position with the one mapper
here (`_row`, `_entry`).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator
from typing import Any

import peewee
from peewee import EXCLUDED, SQL, Case, fn
from playhouse.postgres_ext import ServerSideQuery

from server.domain import types as t
from server.query.sql import Compiler
from server.storage.cache import Cache
from server.storage.db import database, is_sqlite, now_ms
from server.storage.models import Descriptor, Entry
from server.storage.prepared import INT, JSON, STR, Statement
from server.storage.users import user_refs

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
# The entry metadata a query may filter and sort on (server.query.ast.COLUMNS), as
# columns: every store kind (Argus, Make, DHIS2) keeps its entries in the one Entry table.
QUERY_COLUMNS = {
    "key": Entry.key,
    "customer_id": Entry.customer,
    "updated_at": Entry.updated_at,
    "updated_by": Entry.updated_by,
    "created_at": Entry.created_at,
}
_CONFLICT_TARGET = [Entry.descriptor, Entry.customer, Entry.owner_user_id, Entry.key]


_CONVERTERS = [f.python_value for f in _ENTRY_COLUMNS]


def query_compiler() -> Compiler:
    """Compiles query ASTs over Entry rows: the value and QUERY_COLUMNS."""
    return Compiler(database, Entry.value, QUERY_COLUMNS)


def _row(raw: tuple) -> tuple:
    """Applies the columns' Python converters to a raw DB-API row (prepared statements)."""
    return tuple(conv(v) if v is not None else None for conv, v in zip(_CONVERTERS, raw, strict=True))


def _entries(d: t.Descriptor, rows: Iterable[tuple], refs: Cache | None) -> list[t.Entry]:
    """Rows are tuples in _ENTRY_COLUMNS order; refs: the user-reference cache, if any."""
    rows = list(rows)
    users = user_refs((i for r in rows for i in (r[7], r[9])), refs)
    return [_entry(d, r, users) for r in rows]


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


def scope(d: t.Descriptor, customer_id: int) -> peewee.Expression:
    return (Entry.descriptor == d.id) & (Entry.customer == customer_id) & (Entry.owner_user_id == 0)


def _select_one(descriptor: int, customer: int, key: str, cutoff: int | None = None) -> peewee.Query:
    where = (Entry.descriptor == descriptor) & (Entry.customer == customer) & (Entry.owner_user_id == 0)
    where &= (Entry.key == key) & ~Entry.deleted
    if cutoff is not None:
        where &= Entry.updated_at >= cutoff
    return Entry.select(*_ENTRY_COLUMNS).where(where).limit(1)


_GET_LIVE = Statement(_select_one, descriptor=INT, customer=INT, key=STR)
_GET_LIVE_EXPIRING = Statement(_select_one, descriptor=INT, customer=INT, key=STR, cutoff=INT)


def get_entry(
    d: t.Descriptor, customer_id: int, key: str, *, include_deleted: bool = False, refs: Cache | None = None
) -> t.Entry | None:
    if include_deleted:
        query = Entry.select(*_ENTRY_COLUMNS).where(scope(d, customer_id) & (Entry.key == key)).tuples()
        rows = _entries(d, query.limit(1), refs)
    else:
        cutoff = d.expiry_cutoff(now_ms())
        if cutoff is None:
            raw = _GET_LIVE.execute(descriptor=d.id, customer=customer_id, key=key)
        else:
            raw = _GET_LIVE_EXPIRING.execute(descriptor=d.id, customer=customer_id, key=key, cutoff=cutoff)
        rows = _entries(d, map(_row, raw), refs)
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
            # create_only (Expect.ABSENT): create or revive a dead entry, never overwrite.
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
    expect: t.Expect = t.Expect.ANY,
    refs: Cache | None = None,
) -> list[t.Entry] | None:
    """Upserts items in one statement. Returns None if the entry (one item) is not as
    `expect` requires.

    A deleted or expired entry counts as absent: writing it again starts it anew
    (new created time) while its revision keeps counting up.
    """
    now = now_ms()
    cutoff = d.expiry_cutoff(now)
    if expect.kind == "revision":
        ((key, value),) = items
        query = (
            Entry.update(value=value, revision=Entry.revision + 1, updated_at=now, updated_by=user_id)
            .where(
                scope(d, customer_id) & (Entry.key == key) & (Entry.revision == expect.number) & ~_dead_since(cutoff)
            )
            .returning(*_ENTRY_COLUMNS)
            .tuples()
        )
        rows = list(query.execute())
        return _entries(d, rows, refs) if rows else None
    create_only = expect.kind == "absent"
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
    users = user_refs((i for r in written.values() for i in (r[7], r[9])), refs)
    return [_entry(d, written[key], users) for key, _ in items]


def delete_entries(
    d: t.Descriptor, customer_id: int, keys: list[str], user_id: int, *, refs: Cache | None = None
) -> list[t.Entry]:
    """Soft-deletes the live entries among keys; returns them as they were."""
    now = now_ms()
    where = scope(d, customer_id) & Entry.key.in_(keys) & _alive(d, now)
    before = _entries(d, Entry.select(*_ENTRY_COLUMNS).where(where).order_by(Entry.key).tuples(), refs)
    if before:  # the caller holds a write transaction, so `where` still selects `before`
        Entry.update(deleted=True, revision=Entry.revision + 1, updated_at=now, updated_by=user_id).where(
            where
        ).execute()
    return before


def _filtered(d: t.Descriptor, sel: t.Selection) -> tuple[peewee.ModelSelect, Compiler]:
    compiler = query_compiler()
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


def query_entries(d: t.Descriptor, sel: t.Selection, *, refs: Cache | None = None) -> t.Page:
    """One page (sel.limit > 0) and the total count."""
    page, query = page_query(d, sel)
    rows = list(page.tuples())
    if rows:
        return t.Page(_entries(d, (r[:-1] for r in rows), refs), rows[0][-1])
    # An empty page past the end still owes the caller the total.
    return t.Page([], query.count() if sel.offset else 0)


def iter_entries(
    d: t.Descriptor, sel: t.Selection, batch: int = 500, *, refs: Cache | None = None
) -> Iterator[t.Entry]:
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
        yield from _batched(d, query.tuples().iterator(), batch, refs)
        return
    with database.atomic():
        rows = ServerSideQuery(query.tuples(), array_size=batch)
        try:
            yield from _batched(d, iter(rows), batch, refs)
        finally:  # here, in the transaction: a cursor left to the collector is closed elsewhere
            rows.close()


def _batched(d: t.Descriptor, rows: Iterator[tuple], batch: int, refs: Cache | None) -> Iterator[t.Entry]:
    chunk: list[tuple] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= batch:
            yield from _entries(d, chunk, refs)
            chunk = []
    yield from _entries(d, chunk, refs)


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
