"""Argus store descriptors: their Peewee queries, returning domain values.

Peewee exceptions are translated here (IntegrityError -> AlreadyExists); nothing above
the storage modules sees a model or a peewee error.
"""

from __future__ import annotations

import operator
from functools import reduce
from typing import Any

import peewee

from server.domain import types as t
from server.domain.errors import AlreadyExists, NotFound
from server.storage.cache import Cache
from server.storage.db import database, now_ms
from server.storage.models import KIND_ARGUS, Descriptor
from server.storage.users import user_refs


def descriptor_of(row: Descriptor, refs: Cache | None = None) -> t.Descriptor:
    """The domain value of a row; refs: the user-reference cache, if any."""
    users = user_refs([row.created_by_id, row.updated_by_id], refs)
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
        created_by=users.get(row.created_by_id),
        updated_at=row.updated_at,
        updated_by=users.get(row.updated_by_id),
    )


def get_descriptor(name: str, *, include_deleted: bool = False, refs: Cache | None = None) -> t.Descriptor:
    query = Descriptor.select().where(Descriptor.name == name)
    if not include_deleted:
        query = query.where(~Descriptor.deleted)
    row = query.first()
    if row is None:
        raise NotFound(f"store '{name}' does not exist", reason="STORE_NOT_FOUND", metadata={"store": name})
    return descriptor_of(row, refs)


def list_descriptors(limit: int, offset: int, include_deleted: bool, *, refs: Cache | None = None) -> t.Page:
    search = t.DescriptorSearch(include_deleted=include_deleted, limit=limit, offset=offset)
    return search_descriptors(search, refs=refs)


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


def search_descriptors(search: t.DescriptorSearch, *, refs: Cache | None = None) -> t.Page:
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
    return t.Page([descriptor_of(r, refs) for r in rows], total)


def create_descriptor(
    d: t.DescriptorSpec, user_id: int, kind: str = KIND_ARGUS, *, refs: Cache | None = None
) -> t.Descriptor:
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
    return descriptor_of(row, refs)


def update_descriptor(
    descriptor_id: int, changes: dict[str, Any], user_id: int, *, refs: Cache | None = None
) -> t.Descriptor:
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
    return descriptor_of(Descriptor.get_by_id(descriptor_id), refs)
