"""Queries over one store across every customer the caller may read."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace

from server.domain import limits
from server.domain import types as t
from server.domain.errors import InvalidArgument
from server.query.ast import MAX_CONDITIONS, MAX_ORDERS, Node, Order, count_conditions
from server.services import access
from server.services.entries import normalize_key, open_store
from server.storage import entries as entry_repo
from server.storage.cache import CacheRegistry


@dataclass(frozen=True)
class EntryQuery:
    store: str
    customer_ids: tuple[int, ...] = ()
    keys: tuple[str, ...] = ()
    where: Node | None = None
    order: tuple[Order, ...] = ()
    limit: int = 0
    offset: int = 0
    include_deleted: bool = False
    deleted: bool | None = None  # see Selection.deleted


class QueryService:
    def __init__(self, caches: CacheRegistry) -> None:
        self.caches = caches

    def query(self, principal: t.Principal, q: EntryQuery) -> t.Page:
        limit, offset = limits.check_limit(q.limit, q.offset)
        d, sel = self._prepare(principal, q)
        return entry_repo.query_entries(d, replace(sel, limit=limit, offset=offset), refs=self.caches.user_refs)

    def stream(self, principal: t.Principal, q: EntryQuery) -> Iterator[t.Entry]:
        """Every match (or limit/offset when given); checks happen before the first row."""
        if q.limit < 0 or q.offset < 0:
            limits.check_limit(q.limit, q.offset)
        d, sel = self._prepare(principal, q)
        return entry_repo.iter_entries(d, sel, refs=self.caches.user_refs)

    def _prepare(self, principal: t.Principal, q: EntryQuery) -> tuple[t.Descriptor, t.Selection]:
        d = open_store(self.caches, q.store)
        if count_conditions(q.where) > MAX_CONDITIONS:
            raise InvalidArgument.for_field("conditions", f"at most {MAX_CONDITIONS} conditions")
        if len(q.order) > MAX_ORDERS:
            raise InvalidArgument.for_field("order_by", f"at most {MAX_ORDERS} sort keys")
        if len(q.keys) > limits.BULK_MAX:
            raise InvalidArgument.for_field("keys", f"at most {limits.BULK_MAX} keys")
        keys = tuple(normalize_key(d, k, f"keys[{i}]") for i, k in enumerate(q.keys))
        sel = t.Selection(
            customers=self._customers(principal, d, q.customer_ids),
            keys=keys,
            where=q.where,
            order=q.order,
            limit=q.limit,
            offset=q.offset,
            include_deleted=q.include_deleted,
            deleted=q.deleted,
        )
        return d, sel

    @staticmethod
    def _customers(principal: t.Principal, d: t.Descriptor, requested: tuple[int, ...]) -> frozenset[int] | None:
        """The customers to search; None means every customer (administrators)."""
        if d.global_data:
            for c in requested:
                access.resolve_customer(principal, d, c)
            access.require_read(principal, d, t.GLOBAL_CUSTOMER_ID)
            return frozenset({t.GLOBAL_CUSTOMER_ID})
        if requested:
            for c in requested:
                access.resolve_customer(principal, d, c)
                access.require_read(principal, d, c)
            return frozenset(requested)
        return None if principal.admin else principal.readable
