"""Make's own storage: data structures, and data stores (each backed by a descriptor of
kind "make" whose entries are the store's records)."""

from __future__ import annotations

import uuid
from typing import Any

from peewee import fn

from server.domain import types as t
from server.domain.errors import NotFound
from server.storage import descriptors, entries
from server.storage.cache import Cache
from server.storage.db import is_sqlite, now_ms
from server.storage.models import KIND_MAKE, DataStructure, Descriptor, Entry, MakeStore


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


def list_structures(team_id: int, *, limit: int, offset: int, sort: str, desc: bool) -> t.Page:
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
    size = fn.LENGTH(Entry.value) if is_sqlite() else fn.OCTET_LENGTH(Entry.value.cast("text"))
    rows = (
        Entry.select(Entry.descriptor, fn.COUNT(Entry.id), fn.COALESCE(fn.SUM(size), 0))
        .where(Entry.descriptor.in_(descriptor_ids) & ~Entry.deleted)
        .group_by(Entry.descriptor)
        .tuples()
    )
    usage = {d: (0, 0) for d in descriptor_ids}
    usage.update({d: (int(n), int(b)) for d, n, b in rows})
    return usage


def _make_stores(rows: list[MakeStore], refs: Cache | None) -> list[t.MakeStore]:
    usage = _usage([r.descriptor_id for r in rows])
    out = []
    for r in rows:
        records, size = usage[r.descriptor_id]
        d = descriptors.descriptor_of(r.descriptor, refs)
        out.append(t.MakeStore(r.id, r.team_id, r.name, r.datastructure_id, r.max_size_mb, records, size, d))
    return out


def create_make_store(
    team_id: int, name: str, *, structure_id: int | None, max_size_mb: int, user_id: int, refs: Cache | None = None
) -> t.MakeStore:
    spec = t.DescriptorSpec(
        name=f"make-{uuid.uuid4().hex}",
        description=f"Make data store '{name}' of team {team_id}",
        data_type=t.DataType.MAP,
        behaviour_type=t.BehaviourType.CENTRAL,
    )
    d = descriptors.create_descriptor(spec, user_id, KIND_MAKE, refs=refs)
    row = MakeStore.create(
        descriptor=d.id,
        team=team_id,
        name=name,
        datastructure=structure_id,
        max_size_mb=max_size_mb,
        created_at=now_ms(),
    )
    return get_make_store(row.id, refs)


def get_make_store(store_id: int, refs: Cache | None = None) -> t.MakeStore:
    row = MakeStore.select(MakeStore, Descriptor).join(Descriptor).where(MakeStore.id == store_id).first()
    if row is None:
        raise NotFound(f"data store {store_id} does not exist", reason="DATA_STORE_NOT_FOUND")
    return _make_stores([row], refs)[0]


MAKE_STORE_SORT = {"name": MakeStore.name, "id": MakeStore.id, "maxSizeMB": MakeStore.max_size_mb}


def list_make_stores(
    team_id: int, *, limit: int, offset: int, sort: str, desc: bool, refs: Cache | None = None
) -> t.Page:
    query = MakeStore.select(MakeStore, Descriptor).join(Descriptor).where(MakeStore.team == team_id)
    column = MAKE_STORE_SORT[sort]
    rows = list(query.order_by(column.desc() if desc else column.asc(), MakeStore.id).limit(limit).offset(offset))
    return t.Page(_make_stores(rows, refs), query.count())


def update_make_store(store_id: int, changes: dict[str, Any], refs: Cache | None = None) -> t.MakeStore:
    if changes:
        fields = {getattr(MakeStore, k): v for k, v in changes.items()}
        MakeStore.update(fields).where(MakeStore.id == store_id).execute()
    return get_make_store(store_id, refs)


def delete_make_stores(stores: list[t.MakeStore]) -> None:
    """Deletes the stores for good: their descriptors, and with them their records."""
    ids = [s.descriptor.id for s in stores]
    MakeStore.delete().where(MakeStore.descriptor.in_(ids)).execute()
    Entry.delete().where(Entry.descriptor.in_(ids)).execute()
    Descriptor.delete().where(Descriptor.id.in_(ids)).execute()


def store_bytes(d: t.Descriptor) -> int:
    return _usage([d.id])[d.id][1]


def list_records(d: t.Descriptor, customer_id: int, limit: int, offset: int) -> t.Page:
    where = entries.scope(d, customer_id) & ~Entry.deleted
    rows = Entry.select(Entry.key, Entry.value).where(where).order_by(Entry.key).limit(limit).offset(offset).tuples()
    total = Entry.select().where(where).count()
    return t.Page([t.Record(k, v) for k, v in rows], total)


def get_record_for_update(d: t.Descriptor, customer_id: int, key: str) -> t.Record | None:
    query = Entry.select(Entry.key, Entry.value).where(
        entries.scope(d, customer_id) & (Entry.key == key) & ~Entry.deleted
    )
    if not is_sqlite():
        query = query.for_update()  # SQLite: the caller's BEGIN IMMEDIATE already locks
    row = query.tuples().first()
    return t.Record(*row) if row else None


def live_keys(d: t.Descriptor, customer_id: int) -> list[str]:
    return [k for (k,) in Entry.select(Entry.key).where(entries.scope(d, customer_id) & ~Entry.deleted).tuples()]
