"""DHIS2 dataStore and userDataStore: namespaces, keys, JSON values, partial updates,
roll, encryption and the query API, answering as the DHIS2 documentation shows and, where it is
silent, as dhis2-core's DatastoreController, UserDatastoreController and
DefaultDatastoreService do.

Scopes: owner 0 is the shared dataStore; a user id is that user's userDataStore (no
sharing or protection there: the owner scope decides). Administrators act as DHIS2
superusers and bypass sharing and protection (sharing_sql.py and sharing.py have those rules;
values.py computes partial updates).

Order of checks, as dhis2-core: names -> read protection (RESTRICTED 403; HIDDEN: as
if absent) -> the entry and its read sharing (403 "Access denied for key ...") ->
input -> write protection (RESTRICTED 403; HIDDEN: the write is silently skipped) ->
write sharing. PUT on an absent key creates it. Partial updates read, change and
write back with compare-and-set on the revision, retried on a concurrent change: no
update is lost and the result is the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass
from typing import Any

from server.domain import limits
from server.domain import types as t
from server.domain.errors import (
    Aborted,
    AlreadyExists,
    FailedPrecondition,
    FieldViolation,
    InvalidArgument,
    NotFound,
)
from server.facades.dhis2 import sharing_sql
from server.facades.dhis2 import storage as ns_repo
from server.facades.dhis2.fields import parse_fields, project, required_condition
from server.facades.dhis2.keys import check_key, check_namespace
from server.facades.dhis2.sharing import Dhis2Sharing, EntryView, denied_key, protected, protection_mode
from server.facades.dhis2.sharing_sql import SHARED
from server.facades.dhis2.values import Update, check_value
from server.query.ast import MAX_CONDITIONS, And, Not, Order, Path
from server.query.syntax import IllegalQuery, exists, is_number, parse_filters, parse_order, path_text, split_filters
from server.services.crypto import Cipher
from server.storage import users as user_repo
from server.storage.cache import CacheRegistry
from server.storage.db import write_transaction

__all__ = ["SHARED", "Dhis2Service", "EntryView", "QueryParams", "QueryResult", "new_uid"]

PAGE_SIZE_DEFAULT = 50
PAGE_SIZE_MAX = 1000
UNPAGED_MAX = 50_000  # paging=false returns at most this many entries, else 400
CAS_RETRIES = 8
NOT_SUPERUSER = "Only superusers can read or write other users data using the `username` parameter."
_UID_FIRST = string.ascii_letters
_UID_REST = string.ascii_letters + string.digits


def new_uid() -> str:
    """An 11-character DHIS2-style uid: a letter, then ten letters or digits."""
    return secrets.choice(_UID_FIRST) + "".join(secrets.choice(_UID_REST) for _ in range(10))


@dataclass(frozen=True)
class QueryParams:
    fields: str | None = None
    filters: tuple[str, ...] = ()
    order: str = ""
    root_junction: str = ""
    page: int = 0
    page_size: int = 0
    paging: bool = True
    headless: bool = False
    include_all: bool = False


@dataclass(frozen=True)
class QueryResult:
    entries: list[dict[str, Any]]
    page: int
    page_size: int
    headless: bool


def _conflict(message: str, **metadata: str) -> FailedPrecondition:
    """409 Conflict in the DHIS2 façade."""
    return FailedPrecondition(message, reason="CONFLICT", metadata=metadata)


def _invalid(message: str, field: str) -> InvalidArgument:
    """400 with exactly this message (no field prefix), naming the field."""
    return InvalidArgument(message, field_violations=[FieldViolation(field, message)], metadata={"field": field})


def _key_not_found(namespace: str, key: str) -> NotFound:
    return NotFound(
        f"Key '{key}' not found in namespace '{namespace}'",
        reason="KEY_NOT_FOUND",
        metadata={"namespace": namespace, "key": key, "errorCode": "E1005"},
    )


def _namespace_not_found(namespace: str) -> NotFound:
    return NotFound(
        f"Namespace not found: '{namespace}'",
        reason="NAMESPACE_NOT_FOUND",
        metadata={"namespace": namespace, "errorCode": "E1005"},
    )


def _key_exists(namespace: str, key: str) -> AlreadyExists:
    return AlreadyExists(
        f"Key '{key}' already exists in namespace '{namespace}'",
        reason="KEY_EXISTS",
        metadata={"namespace": namespace, "key": key, "errorCode": "E1004"},
    )


class Dhis2Service:
    def __init__(self, cipher: Cipher, caches: CacheRegistry) -> None:
        self.cipher = cipher
        self.refs = caches.user_refs
        self.sharing = Dhis2Sharing()

    # ------------------------------------------------------------------ scopes

    def owner(self, principal: t.Principal, user_store: bool, username: str = "") -> int:
        """SHARED for the dataStore (which ignores `username`, as DHIS2 does); for the
        userDataStore the caller's id, or a superuser's choice of user (409 otherwise)."""
        if not user_store:
            return SHARED
        if not username.strip():
            return principal.user_id
        if not principal.admin:
            raise _conflict(NOT_SUPERUSER)
        try:
            return user_repo.user_id_by_name(username)
        except NotFound:
            raise _conflict(f"No user with username {username} exists.") from None

    @staticmethod
    def _passes(principal: t.Principal, owner: int, namespace: str, write: bool) -> bool:
        """True if the namespace's protection lets the caller through; False if it is
        HIDDEN for them; 403 if RESTRICTED."""
        mode = protection_mode(principal, owner, namespace, write)
        if mode == "RESTRICTED":
            raise protected(namespace)
        return mode == "NONE"

    # -------------------------------------------------------------- namespaces

    def list_namespaces(self, principal: t.Principal, owner: int) -> list[str]:
        found = ns_repo.list_namespaces(owner)
        if owner != SHARED:
            return found
        hidden = self.sharing.hidden_namespaces(principal)
        return [n for n in found if n not in hidden]

    def list_keys(
        self, principal: t.Principal, owner: int, namespace: str, last_updated: int | None = None
    ) -> list[str]:
        check_namespace(namespace)
        if not self._passes(principal, owner, namespace, write=False):
            raise _namespace_not_found(namespace)
        descriptor = ns_repo.find_namespace(namespace)
        reader = sharing_sql.reader(principal, owner)
        keys = ns_repo.list_keys(descriptor, owner, reader, last_updated) if descriptor else []
        if not keys and (descriptor is None or not ns_repo.has_entries(descriptor, owner)):
            raise _namespace_not_found(namespace)
        return keys

    def delete_namespace(self, principal: t.Principal, owner: int, namespace: str) -> None:
        check_namespace(namespace)
        if not self._passes(principal, owner, namespace, write=False):
            raise _namespace_not_found(namespace)
        with write_transaction():
            descriptor = ns_repo.find_namespace(namespace)
            if descriptor is None or not ns_repo.has_entries(descriptor, owner):
                raise _namespace_not_found(namespace)
            if not self._passes(principal, owner, namespace, write=True):
                return  # HIDDEN for writes: silently not run
            key = ns_repo.first_unwritable(descriptor, owner, sharing_sql.reader(principal, owner))
            if key is not None:
                raise denied_key(namespace, key, read=False)
            ns_repo.delete_namespace(descriptor, owner)

    # ----------------------------------------------------------------- entries

    def _lookup(self, principal: t.Principal, owner: int, namespace: str, key: str) -> t.NamespaceEntry | None:
        """DatastoreService.getEntry: None if absent or hidden by the namespace's read
        protection; 403 if that is RESTRICTED or the entry's sharing refuses reading."""
        check_namespace(namespace)
        check_key(key)
        if not self._passes(principal, owner, namespace, write=False):
            return None
        descriptor = ns_repo.find_namespace(namespace)
        entry = ns_repo.get_entry(namespace, descriptor, owner, key, self.refs) if descriptor else None
        reader = sharing_sql.reader(principal, owner)
        if entry is not None and not ns_repo.may(entry.id, reader, sharing_sql.READ):
            raise denied_key(namespace, key, read=True)
        return entry

    def _existing(self, principal: t.Principal, owner: int, namespace: str, key: str) -> t.NamespaceEntry:
        entry = self._lookup(principal, owner, namespace, key)
        if entry is None:
            raise _key_not_found(namespace, key)
        return entry

    def _may_write(self, principal: t.Principal, owner: int, entry: t.NamespaceEntry) -> bool:
        """False if the namespace is HIDDEN for the caller's writes (skip silently); 403
        if RESTRICTED or the entry's sharing refuses writing."""
        if not self._passes(principal, owner, entry.namespace, write=True):
            return False
        reader = sharing_sql.reader(principal, owner)
        if not ns_repo.may(entry.id, reader, sharing_sql.WRITE):
            raise denied_key(entry.namespace, entry.key, read=False)
        return True

    def _plain(self, entry: t.NamespaceEntry) -> Any:
        return self.cipher.decrypt(entry.secret or "", entry.uid) if entry.encrypted else entry.value

    def get(self, principal: t.Principal, owner: int, namespace: str, key: str) -> Any:
        """The value, decrypted if need be."""
        return self._plain(self._existing(principal, owner, namespace, key))

    def metadata(self, principal: t.Principal, owner: int, namespace: str, key: str) -> EntryView:
        entry = self._existing(principal, owner, namespace, key)
        grants = tuple(ns_repo.get_sharing(entry.id)) if owner == SHARED else ()
        return EntryView(entry, ns_repo.access(entry.id, sharing_sql.reader(principal, owner)), grants)

    def create(
        self, principal: t.Principal, owner: int, namespace: str, key: str, value: Any, *, encrypt: bool = False
    ) -> None:
        if self._lookup(principal, owner, namespace, key) is not None:
            raise _key_exists(namespace, key)
        value = check_value(value)
        if not self._passes(principal, owner, namespace, write=True):
            return  # HIDDEN for writes: silently not run
        uid = new_uid()
        secret = self.cipher.encrypt(value, uid) if encrypt else None
        try:
            with write_transaction():
                descriptor = ns_repo.ensure_namespace(namespace, principal.user_id)
                ns_repo.create_entry(
                    descriptor,
                    owner,
                    key,
                    uid=uid,
                    value=None if encrypt else value,
                    secret=secret,
                    user_id=principal.user_id,
                )
        except AlreadyExists:
            raise _key_exists(namespace, key) from None

    def update(
        self,
        principal: t.Principal,
        owner: int,
        namespace: str,
        key: str,
        value: Any,
        *,
        path: str = "",
        roll: int | None = None,
        encrypt: bool = False,
    ) -> bool:
        """PUT: True if it created the key (absent, or hidden from the caller), else
        False. Without a body (MISSING) the root deletes the entry and a path is set to
        null; roll then does not apply."""
        change = Update.parse(path, value, roll)
        for _ in range(CAS_RETRIES):
            entry = self._lookup(principal, owner, namespace, key)
            if entry is None:
                self.create(principal, owner, namespace, key, None if value is t.MISSING else value, encrypt=encrypt)
                return True
            if not self._may_write(principal, owner, entry):
                return False
            if change.deletes:
                with write_transaction():
                    ns_repo.delete_entry(entry.id)
                return False
            new, rolls = change.apply(self._plain(entry), entry.rolls)
            secret = self.cipher.encrypt(new, entry.uid) if entry.encrypted else None
            with write_transaction():
                written = ns_repo.replace_value(
                    entry.id, revision=entry.revision, value=new, secret=secret, rolls=rolls, user_id=principal.user_id
                )
                if written:
                    return False
        raise Aborted(
            f"Key '{key}' in namespace '{namespace}' kept changing during the update; retry",
            reason="CONCURRENT_UPDATE",
        )

    def delete(self, principal: t.Principal, owner: int, namespace: str, key: str) -> None:
        with write_transaction():
            entry = self._existing(principal, owner, namespace, key)
            if self._may_write(principal, owner, entry):
                ns_repo.delete_entry(entry.id)

    # ------------------------------------------------------------------- query

    def query(self, principal: t.Principal, owner: int, namespace: str, p: QueryParams) -> QueryResult:
        """The query API; parse errors are dhis2-core's 409s (E7650-E7653)."""
        check_namespace(namespace)
        try:
            fields = parse_fields(p.fields or "")
            order = parse_order(p.order, strict=True) if p.order else Order(Path.key())
            where = parse_filters(list(p.filters), p.root_junction, strict=True)
        except IllegalQuery as exc:
            raise FailedPrecondition(exc.message, reason=exc.reason, metadata=exc.metadata) from None
        if len(split_filters(list(p.filters))) > MAX_CONDITIONS:
            raise InvalidArgument.for_field("filter", f"at most {MAX_CONDITIONS} filters")
        if not p.include_all:
            needed = required_condition(fields)
            if needed is not None:
                where = needed if where is None else And((where, needed))
        # DHIS2 takes any Integer here and clamps it: page to 1 and up, pageSize to 1..1000
        page = max(1, limits.check_range(p.page, "page", limits.INT32_MIN, limits.INT32_MAX) or 1)
        size = limits.check_range(p.page_size, "pageSize", limits.INT32_MIN, limits.INT32_MAX)
        size = max(1, min(PAGE_SIZE_MAX, size or PAGE_SIZE_DEFAULT))
        headless = p.headless or not p.paging
        descriptor = ns_repo.find_namespace(namespace)
        if not self._passes(principal, owner, namespace, write=False) or descriptor is None:
            return QueryResult([], page, size, headless)  # HIDDEN: as if empty
        reader = sharing_sql.reader(principal, owner)
        if order.mode == "number" and not order.path.column:
            not_numeric = And((exists(order.path), Not(is_number(order.path))))
            if ns_repo.any_match(
                descriptor, owner, reader, not_numeric if where is None else And((where, not_numeric))
            ):
                raise _invalid(_numeric_order_message(order), "order")
        limit, offset = (size, (page - 1) * size) if p.paging else (UNPAGED_MAX + 1, 0)
        rows = ns_repo.query_entries(descriptor, owner, reader, t.NamespaceQuery(where, (order,), limit, offset))
        if not p.paging and len(rows) > UNPAGED_MAX:
            raise InvalidArgument.for_field(
                "paging", f"paging=false matches more than {UNPAGED_MAX} entries; page through them instead"
            )
        entries = [project(k, None if encrypted else v, fields) for k, v, encrypted in rows]
        return QueryResult(entries, page, size, headless)

    @staticmethod
    def has_query(p: QueryParams) -> bool:
        """Whether GET /{namespace} is the query API: only `fields` switches to it (DHIS2
        maps it with params="fields"); otherwise it lists the keys."""
        return p.fields is not None


def _numeric_order_message(order: Order) -> str:
    """AbstractDatastoreController.writeEntries' text (`Use ASC`: the direction minus its N)."""
    prop = path_text(order.path)
    direction = "DESC" if order.descending else "ASC"
    return (
        f"Cannot use numeric sort order on property `{prop}` as the property contains non-numeric values for "
        f"matching entries. Use {direction} instead or apply a filter that only matches entries with numeric "
        f"values for {prop}."
    )
