"""Entry reads and writes with the rules of the Argus DataStores API.

Order of checks on every call: the store exists (any user may list stores, so this
leaks nothing) -> it is CENTRAL -> the customer is resolved -> permission -> input ->
existence. Writes run in one transaction each; bulk puts are all or nothing.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

from server.domain import limits
from server.domain import types as t
from server.domain.errors import Aborted, InvalidArgument, NotFound
from server.services import access
from server.storage import descriptors as descriptor_repo
from server.storage import entries as entry_repo
from server.storage import users as user_repo
from server.storage.cache import CacheRegistry
from server.storage.db import write_transaction


def open_store(caches: CacheRegistry, name: str, field: str = "store") -> t.Descriptor:
    limits.check_store_name(name, field)
    d = caches.descriptors.get_or_load(name, lambda: descriptor_repo.get_descriptor(name, refs=caches.user_refs))
    access.require_reachable(d)
    return d


def normalize_key(d: t.Descriptor, key: str, field: str = "key") -> str:
    limits.check_key(key, field)
    return key.lower() if d.use_lower_case_keys else key


def check_value(d: t.Descriptor, value: Any, field: str = "value") -> Any:
    if d.data_type is t.DataType.LIST:
        if value is not t.MISSING:
            raise InvalidArgument.for_field(field, f"store '{d.name}' is a LIST store: entries are keys only")
        return None
    if value is t.MISSING:
        raise InvalidArgument.for_field(field, f"is required: store '{d.name}' is a MAP store")
    limits.check_value_limits(value, field)
    return value


class EntryService:
    def __init__(self, caches: CacheRegistry) -> None:
        self.caches = caches
        self.refs = caches.user_refs

    def get(
        self, principal: t.Principal, store: str, key: str, customer_id: int | None, *, include_deleted: bool = False
    ) -> t.Entry:
        d, customer = self._open(principal, store, customer_id, access.require_read)
        key = normalize_key(d, key)
        entry = entry_repo.get_entry(d, customer, key, include_deleted=include_deleted, refs=self.refs)
        if entry is None:
            raise NotFound(
                f"key '{key}' does not exist in store '{store}' for customer {customer}",
                reason="ENTRY_NOT_FOUND",
                metadata={"store": store, "key": key, "customer_id": str(customer)},
            )
        return entry

    def put(
        self,
        principal: t.Principal,
        store: str,
        key: str,
        value: Any,
        *,
        customer_id: int | None = None,
        expect: t.Expect = t.Expect.ANY,
    ) -> t.Entry:
        d, customer = self._open(principal, store, customer_id, access.require_write)
        key = normalize_key(d, key)
        value = check_value(d, value)
        # One entry is one SQL statement (an upsert, or an update guarded by the
        # revision), atomic by itself: without BEGIN/COMMIT it is 1 round trip instead
        # of 3 on PostgreSQL (Put c=1 ~530 -> see bench/README.md). Only a customer that
        # must be looked up first needs the transaction around both.
        with contextlib.nullcontext() if self._customer_known(principal, customer) else write_transaction():
            self._require_customer(principal, customer)
            written = entry_repo.put_entries(
                d, customer, [(key, value)], principal.user_id, expect=expect, refs=self.refs
            )
        if written is None:
            state = "already exists" if expect.kind == "absent" else f"is not at revision {expect.number}"
            raise Aborted(
                f"key '{key}' in store '{store}' {state}",
                reason="REVISION_MISMATCH",
                metadata={"store": store, "key": key, "expected_revision": str(expect.number)},
            )
        return written[0]

    def bulk_put(
        self, principal: t.Principal, store: str, items: list[tuple[str, Any]], customer_id: int | None
    ) -> list[t.Entry]:
        d, customer = self._open(principal, store, customer_id, access.require_write)
        limits.check_batch(len(items), "entries", "must contain at least one entry", "entries")
        clean = [
            (normalize_key(d, key, f"entries[{i}].key"), check_value(d, value, f"entries[{i}].value"))
            for i, (key, value) in enumerate(items)
        ]
        limits.check_keys_unique([k for k, _ in clean])
        with write_transaction():
            self._require_customer(principal, customer)
            written = entry_repo.put_entries(d, customer, clean, principal.user_id, refs=self.refs)
        assert written is not None  # no expected revision: every row is written
        return written

    def delete(self, principal: t.Principal, store: str, keys: list[str], customer_id: int | None) -> list[t.Entry]:
        d, customer = self._open(principal, store, customer_id, access.require_write)
        limits.check_batch(len(keys), "keys", "name at least one key to delete", "keys")
        clean = sorted({normalize_key(d, k, f"keys[{i}]") for i, k in enumerate(keys)})
        with write_transaction():
            return entry_repo.delete_entries(d, customer, clean, principal.user_id, refs=self.refs)

    def _open(
        self, principal: t.Principal, store: str, customer_id: int | None, require: Callable[..., None]
    ) -> tuple[t.Descriptor, int]:
        """The store and the customer a call works on, once the caller may `require` them."""
        d = open_store(self.caches, store)
        customer = access.resolve_customer(principal, d, customer_id)
        require(principal, d, customer)
        return d, customer

    @staticmethod
    def _customer_known(principal: t.Principal, customer_id: int) -> bool:
        """Own and granted customers exist (foreign keys), and so does the global one."""
        return customer_id in principal.writable or customer_id == t.GLOBAL_CUSTOMER_ID

    @classmethod
    def _require_customer(cls, principal: t.Principal, customer_id: int) -> None:
        # Only admins can address any other customer, so only then can it be missing:
        # say so instead of failing on the foreign key.
        if cls._customer_known(principal, customer_id):
            return
        if not user_repo.customer_exists(customer_id):
            raise NotFound(
                f"customer {customer_id} does not exist",
                reason="CUSTOMER_NOT_FOUND",
                metadata={"customer_id": str(customer_id)},
            )
