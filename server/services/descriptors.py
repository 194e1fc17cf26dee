"""Store descriptors: validation and the admin-only lifecycle (as Argus DataStores documents it)."""

from __future__ import annotations

import dataclasses
from typing import Any

from server.domain import limits
from server.domain import types as t
from server.domain.errors import FailedPrecondition, ViolationCollector
from server.services.access import require_admin
from server.storage import descriptors as descriptor_repo
from server.storage import entries as entry_repo
from server.storage.cache import CacheRegistry
from server.storage.db import write_transaction

# Fields UpdateDescriptor may change; the others are fixed at creation or output only.
MUTABLE_FIELDS = ("description", "life_time", "global_data", "expire_data", "use_lower_case_keys")
IMMUTABLE_FIELDS = ("name", "data_type", "behaviour_type")
OUTPUT_ONLY_FIELDS = (
    "deleted",
    "last_updated_timestamp",
    "last_updated_by_user",
    "created_timestamp",
    "created_by_user",
)


def _check_retention(v: ViolationCollector, expire_data: bool, life_time: int) -> None:
    v.collect(limits.check_count, life_time, "life_time")
    if expire_data and life_time == 0:
        v.add("life_time", "must be positive (milliseconds) when expire_data is set")


def _check_description(v: ViolationCollector, description: str) -> None:
    if len(description) > limits.DESCRIPTION_MAX:
        v.add("description", f"must be at most {limits.DESCRIPTION_MAX} characters")


class DescriptorService:
    def __init__(self, caches: CacheRegistry) -> None:
        self.caches = caches
        self.refs = caches.user_refs

    def get(self, principal: t.Principal, name: str, *, include_deleted: bool = False) -> t.Descriptor:
        limits.check_store_name(name)
        return descriptor_repo.get_descriptor(name, include_deleted=include_deleted, refs=self.refs)

    def list(self, principal: t.Principal, limit: int, offset: int, include_deleted: bool = False) -> t.Page:
        limit, offset = limits.check_limit(limit, offset)
        return descriptor_repo.list_descriptors(limit, offset, include_deleted, refs=self.refs)

    def search(self, principal: t.Principal, search: t.DescriptorSearch) -> t.Page:
        limit, offset = limits.check_limit(search.limit, search.offset)
        v = ViolationCollector()
        for f in search.fields:
            if f not in descriptor_repo.DESCRIPTOR_KEYWORD_FIELDS:
                v.add(
                    "keywordField", f"unknown field '{f}'; use {' or '.join(descriptor_repo.DESCRIPTOR_KEYWORD_FIELDS)}"
                )
        for f, _ in search.sort:
            if f not in descriptor_repo.DESCRIPTOR_SORT_FIELDS:
                v.add("sortBy", f"cannot sort by '{f}'; use one of {', '.join(descriptor_repo.DESCRIPTOR_SORT_FIELDS)}")
        if len(search.keywords) > 20 or any(len(k) > 200 for k in search.keywords):
            v.add("keywords", "at most 20 keywords of at most 200 characters")
        v.raise_if_any()
        return descriptor_repo.search_descriptors(
            dataclasses.replace(search, limit=limit, offset=offset), refs=self.refs
        )

    def create(self, principal: t.Principal, spec: t.DescriptorSpec) -> t.Descriptor:
        require_admin(principal, "create stores")
        v = ViolationCollector()
        v.collect(limits.check_store_name, spec.name, "descriptor.name")
        if spec.data_type is None:
            v.add("descriptor.data_type", "must be MAP or LIST")
        if spec.behaviour_type is None:
            v.add("descriptor.behaviour_type", "must be CENTRAL, LOCAL or DISTRIBUTED")
        _check_description(v, spec.description)
        _check_retention(v, spec.expire_data, spec.life_time)
        v.raise_if_any()
        return descriptor_repo.create_descriptor(spec, principal.user_id, refs=self.refs)

    def update(
        self, principal: t.Principal, name: str, changes: dict[str, Any], *, new_name: str | None = None
    ) -> t.Descriptor:
        """changes: field name -> new value, already restricted to what the caller set.
        new_name renames the store (its entries follow). The canonical API keeps names
        immutable (AIP-122) and never passes it; Argus's PUT does."""
        require_admin(principal, "change stores")
        limits.check_store_name(name, "descriptor.name")
        v = ViolationCollector()
        for field in changes:
            if field in IMMUTABLE_FIELDS:
                v.add(f"update_mask.{field}", "cannot be changed after creation")
            elif field not in MUTABLE_FIELDS:
                v.add(f"update_mask.{field}", "is not a field of a descriptor that can be updated")
        rename = new_name is not None and new_name != name
        if rename:
            v.collect(limits.check_store_name, new_name, "name")
        v.raise_if_any()
        with write_transaction():
            current = descriptor_repo.get_descriptor(name, refs=self.refs)
            merged = dataclasses.replace(current, **changes)
            _check_description(v, merged.description)
            _check_retention(v, merged.expire_data, merged.life_time)
            v.raise_if_any()
            if merged.global_data != current.global_data and entry_repo.count_entries(current):
                raise FailedPrecondition(
                    f"store '{name}' holds entries; global_data can only change while it is empty",
                    reason="STORE_NOT_EMPTY",
                    metadata={"store": name},
                )
            stored = {**changes, "name": new_name} if rename else changes
            updated = descriptor_repo.update_descriptor(current.id, stored, principal.user_id, refs=self.refs)
        self.caches.descriptors.invalidate(name, updated.name)
        return updated

    def delete(self, principal: t.Principal, name: str) -> t.Descriptor:
        require_admin(principal, "delete stores")
        limits.check_store_name(name)
        with write_transaction():
            current = descriptor_repo.get_descriptor(name, refs=self.refs)
            deleted = descriptor_repo.update_descriptor(
                current.id, {"deleted": True}, principal.user_id, refs=self.refs
            )
        self.caches.descriptors.invalidate(name)
        return deleted
