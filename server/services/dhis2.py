"""DHIS2 dataStore and userDataStore (seed 004): namespaces, keys, JSON values,
partial updates, roll, encryption, the query API, per-entry sharing and namespace
protection.

Scopes: owner 0 is the shared dataStore; a user id is that user's userDataStore (no
sharing or protection there: the owner scope decides). In the dataStore every key is
public read/write when created (DHIS2's default); its creator owns it; sharing adds
users and groups. Administrators act as DHIS2 superusers and bypass sharing and
protection.

Order of checks: names -> protection (namespace-wide) -> existence -> sharing (per
entry; it needs the entry) -> input. Partial updates read, change and write back
with compare-and-set on the revision, retried on a concurrent change: no update is
lost and the result is the same on SQLite and PostgreSQL (the JSON path and roll
semantics live in one Python function instead of two SQL dialects).
"""

from __future__ import annotations

import re
import secrets
import string
from dataclasses import dataclass
from typing import Any

from server.domain import names
from server.domain import types as t
from server.domain.errors import (
    Aborted,
    AlreadyExists,
    InvalidArgument,
    NotFound,
    PermissionDenied,
)
from server.query.ast import MAX_CONDITIONS, And, Order, Path, count_conditions
from server.query.dhis2 import parse_filters, parse_order
from server.query.fields import parse_fields, project, required_condition
from server.services.access import require_admin
from server.services.crypto import Cipher
from server.services.entries import MISSING
from server.storage import namespaces as ns_repo
from server.storage import repos
from server.storage.db import write_transaction

NAMESPACE_MAX = 120  # the descriptor name holds "dhis2:" + namespace in 128
PAGE_SIZE_DEFAULT = 50
PAGE_SIZE_MAX = 1000
UNPAGED_MAX = 50_000  # paging=false returns at most this many entries, else 400
CAS_RETRIES = 8
PROTECTION_MODES = ("NONE", "RESTRICTED", "HIDDEN")
_ACCESS_RE = re.compile(r"^[r-][w-][r-][w-]-{4}$")
_UID_FIRST = string.ascii_letters
_UID_REST = string.ascii_letters + string.digits
SHARED = 0  # owner of dataStore entries


def new_uid() -> str:
    """An 11-character DHIS2-style uid: a letter, then ten letters or digits."""
    return secrets.choice(_UID_FIRST) + "".join(secrets.choice(_UID_REST) for _ in range(10))


def _check_name(text: str, what: str, limit: int) -> str:
    """names.check_key's rules (non-empty, no control characters), a length limit, and
    nothing that reads as a path step."""
    names.check_key(text, what)
    if len(text) > limit:
        raise InvalidArgument.for_field(what, f"must be at most {limit} characters")
    if text in (".", "..") or "/" in text or "\\" in text:
        raise InvalidArgument.for_field(what, f"'{text}' is not allowed: no '/', '\\', '.' or '..'")
    return text


def check_namespace(namespace: str) -> str:
    return _check_name(namespace, "namespace", NAMESPACE_MAX)


def check_key(key: str) -> str:
    return _check_name(key, "key", names.KEY_MAX)


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


@dataclass(frozen=True)
class Access:
    read: bool
    write: bool
    manage: bool


@dataclass(frozen=True)
class EntryView:
    """An entry (metadata only), its sharing and what the caller may do."""

    entry: t.NamespaceEntry
    access: Access
    sharing: tuple[t.SharingGrant, ...] = ()


class Dhis2Service:
    def __init__(self, cipher: Cipher) -> None:
        self.cipher = cipher

    # ------------------------------------------------------------------ scopes

    def owner(self, principal: t.Principal, user_store: bool, username: str = "") -> int:
        """SHARED for the dataStore; the caller's (or, for admins, `username`'s) id
        for the userDataStore."""
        if not user_store:
            if username:
                raise InvalidArgument.for_field("username", "only applies to the userDataStore")
            return SHARED
        if not username or username == principal.username:
            return principal.user_id
        require_admin(principal, f"use the userDataStore of '{username}'")
        return repos.user_id_by_name(username)

    @staticmethod
    def _reader(principal: t.Principal, owner: int) -> t.Reader | None:
        if owner != SHARED:
            return None  # the user scope already decides
        return t.Reader(principal.user_id, principal.group_ids, principal.admin)

    @staticmethod
    def _protect(principal: t.Principal, owner: int, namespace: str, write: bool) -> None:
        if owner != SHARED or principal.admin:
            return
        p = ns_repo.get_protection(namespace)
        if p is None:
            return
        mode = p.write_mode if write else p.read_mode
        if mode == "NONE" or set(principal.groups) & set(p.authorities):
            return
        if mode == "HIDDEN":
            raise _namespace_not_found(namespace)
        raise PermissionDenied(
            f"Namespace '{namespace}' is protected, access denied",
            reason="NAMESPACE_PROTECTED",
            metadata={"namespace": namespace},
        )

    # -------------------------------------------------------------- namespaces

    def list_namespaces(self, principal: t.Principal, owner: int) -> list[str]:
        found = ns_repo.list_namespaces(owner)
        if owner != SHARED or principal.admin:
            return found
        hidden = {
            p.namespace
            for p in ns_repo.list_protections()
            if p.read_mode == "HIDDEN" and not set(principal.groups) & set(p.authorities)
        }
        return [n for n in found if n not in hidden]

    def list_keys(self, principal: t.Principal, owner: int, namespace: str) -> list[str]:
        check_namespace(namespace)
        self._protect(principal, owner, namespace, write=False)
        descriptor = ns_repo.find_namespace(namespace)
        keys = ns_repo.list_keys(descriptor, owner, self._reader(principal, owner)) if descriptor else []
        if not keys and (descriptor is None or not ns_repo.has_entries(descriptor, owner)):
            raise _namespace_not_found(namespace)
        return keys

    def delete_namespace(self, principal: t.Principal, owner: int, namespace: str) -> None:
        check_namespace(namespace)
        self._protect(principal, owner, namespace, write=True)
        with write_transaction():
            descriptor = ns_repo.find_namespace(namespace)
            if descriptor is None or not ns_repo.has_entries(descriptor, owner):
                raise _namespace_not_found(namespace)
            count, key = ns_repo.count_unwritable(descriptor, owner, self._reader(principal, owner))
            if count:
                raise PermissionDenied(
                    f"Access denied: {count} key(s) of namespace '{namespace}' are not shared with you"
                    f" for writing (e.g. '{key}'); nothing was deleted",
                    reason="SHARING_DENIED",
                    metadata={"namespace": namespace, "key": key or ""},
                )
            ns_repo.delete_namespace(descriptor, owner)

    # ----------------------------------------------------------------- entries

    def _existing(self, principal: t.Principal, owner: int, namespace: str, key: str, write: bool) -> t.NamespaceEntry:
        check_namespace(namespace)
        check_key(key)
        self._protect(principal, owner, namespace, write)
        descriptor = ns_repo.find_namespace(namespace)
        entry = ns_repo.get_entry(namespace, descriptor, owner, key) if descriptor else None
        if entry is None:
            raise NotFound(
                f"Key '{key}' not found in namespace '{namespace}'",
                reason="KEY_NOT_FOUND",
                metadata={"namespace": namespace, "key": key},
            )
        reader = self._reader(principal, owner)
        if reader is not None and not ns_repo.may(entry.id, reader, write):
            verb = "modify" if write else "read"
            raise PermissionDenied(
                f"Access denied: you may not {verb} key '{key}' in namespace '{namespace}'",
                reason="SHARING_DENIED",
                metadata={"namespace": namespace, "key": key},
            )
        return entry

    def _plain(self, entry: t.NamespaceEntry) -> Any:
        return self.cipher.decrypt(entry.secret or "", entry.uid) if entry.encrypted else entry.value

    def get(self, principal: t.Principal, owner: int, namespace: str, key: str) -> Any:
        """The value, decrypted if need be."""
        return self._plain(self._existing(principal, owner, namespace, key, write=False))

    def metadata(self, principal: t.Principal, owner: int, namespace: str, key: str) -> EntryView:
        entry = self._existing(principal, owner, namespace, key, write=False)
        grants = tuple(ns_repo.get_sharing(entry.id)) if owner == SHARED else ()
        return EntryView(entry, self._access(principal, entry, grants), grants)

    def create(self, principal: t.Principal, owner: int, namespace: str, key: str, value: Any, encrypt: bool) -> None:
        check_namespace(namespace)
        check_key(key)
        self._protect(principal, owner, namespace, write=True)
        value = _check_value(value)
        uid = new_uid()
        secret = self.cipher.encrypt(value, uid) if encrypt else None
        try:
            with write_transaction():
                descriptor = ns_repo.ensure_namespace(namespace, principal.user_id)
                ns_repo.create_entry(descriptor, owner, key, uid, None if encrypt else value, secret, principal.user_id)
        except AlreadyExists:
            raise AlreadyExists(
                f"Key '{key}' already exists on namespace '{namespace}'.",
                reason="KEY_EXISTS",
                metadata={"namespace": namespace, "key": key},
            ) from None

    def update(
        self,
        principal: t.Principal,
        owner: int,
        namespace: str,
        key: str,
        value: Any,
        path: str = "",
        roll: int | None = None,
    ) -> None:
        value = _check_value(value)
        members = parse_update_path(path)
        if roll is not None and roll < 1:
            raise InvalidArgument.for_field("roll", "must be a positive number of elements")
        for _ in range(CAS_RETRIES):
            entry = self._existing(principal, owner, namespace, key, write=True)
            rolls = dict(entry.rolls)
            if roll is not None:
                where = path.strip() or "."
                if roll < rolls.get(where, 0):
                    raise InvalidArgument.for_field(
                        "roll", f"can only grow: '{where}' keeps the last {rolls[where]} elements, {roll} is fewer"
                    )
                rolls[where] = roll
            new = apply_update(self._plain(entry), members, value, roll, path)
            names.check_value_size(new)
            secret = self.cipher.encrypt(new, entry.uid) if entry.encrypted else None
            stored = None if entry.encrypted else new
            with write_transaction():
                if ns_repo.replace_value(entry.id, entry.revision, stored, secret, rolls, principal.user_id):
                    break
        else:
            raise Aborted(
                f"Key '{key}' in namespace '{namespace}' kept changing during the update; retry",
                reason="CONCURRENT_UPDATE",
            )

    def delete(self, principal: t.Principal, owner: int, namespace: str, key: str) -> None:
        with write_transaction():
            entry = self._existing(principal, owner, namespace, key, write=True)
            ns_repo.delete_entry(entry.id)

    # ------------------------------------------------------------------- query

    def query(self, principal: t.Principal, owner: int, namespace: str, p: QueryParams) -> QueryResult:
        check_namespace(namespace)
        fields = parse_fields(p.fields or "")
        where = parse_filters(list(p.filters), p.root_junction)
        if count_conditions(where) > MAX_CONDITIONS:
            raise InvalidArgument.for_field("filter", f"at most {MAX_CONDITIONS} filters")
        if not p.include_all:
            needed = required_condition(fields)
            if needed is not None:
                where = needed if where is None else And((where, needed))
        order = parse_order(p.order) if p.order else Order(Path.key())
        page = max(1, p.page or 1)
        size = max(1, min(PAGE_SIZE_MAX, p.page_size or PAGE_SIZE_DEFAULT))
        self._protect(principal, owner, namespace, write=False)
        if p.paging:
            q = t.NamespaceQuery(where, (order,), size, (page - 1) * size)
        else:
            q = t.NamespaceQuery(where, (order,), UNPAGED_MAX + 1, 0)
        descriptor = ns_repo.find_namespace(namespace)
        rows = ns_repo.query_entries(descriptor, owner, self._reader(principal, owner), q) if descriptor else []
        if not p.paging and len(rows) > UNPAGED_MAX:
            raise InvalidArgument.for_field(
                "paging", f"paging=false matches more than {UNPAGED_MAX} entries; page through them instead"
            )
        entries = [project(k, None if encrypted else v, fields) for k, v, encrypted in rows]
        return QueryResult(entries, page, size, p.headless or not p.paging)

    @staticmethod
    def has_query(p: QueryParams) -> bool:
        """Whether GET /{namespace} is a query (any query parameter) or a key listing."""
        return p != QueryParams()

    # ----------------------------------------------------------------- sharing

    @staticmethod
    def _access(principal: t.Principal, entry: t.NamespaceEntry, grants: tuple[t.SharingGrant, ...]) -> Access:
        """What the caller may do with a loaded entry: the rule storage's `_may` applies
        in SQL, here on the entry and its grants (manage: owner or a write grant)."""
        if principal.admin or entry.owner_user_id != SHARED:
            return Access(True, True, True)
        owner = entry.created_by is not None and entry.created_by.id == principal.user_id
        mine = [
            g.access
            for g in grants
            if (g.kind == "user" and g.id == principal.user_id) or (g.kind == "group" and g.id in principal.group_ids)
        ]
        read = owner or entry.public_access[0] == "r" or any(a[0] == "r" for a in mine)
        write = owner or entry.public_access[1] == "w" or any(a[1] == "w" for a in mine)
        return Access(read, write, owner or any(a[1] == "w" for a in mine))

    def _shared_entry(self, principal: t.Principal, uid: str, kind: str) -> t.NamespaceEntry:
        if kind != "dataStore":
            raise InvalidArgument.for_field("type", f"'{kind}' is not supported; only type=dataStore")
        entry = ns_repo.entry_by_uid(uid) if uid else None
        if entry is None or entry.owner_user_id != SHARED:
            raise NotFound(f"dataStore entry with id '{uid}' could not be found.", reason="ENTRY_NOT_FOUND")
        self._protect(principal, SHARED, entry.namespace, write=False)
        reader = self._reader(principal, SHARED)
        if reader is not None and not ns_repo.may(entry.id, reader, write=False):
            raise PermissionDenied(f"Access denied for dataStore entry '{uid}'", reason="SHARING_DENIED")
        return entry

    def get_sharing(self, principal: t.Principal, uid: str, kind: str) -> EntryView:
        entry = self._shared_entry(principal, uid, kind)
        grants = tuple(ns_repo.get_sharing(entry.id))
        return EntryView(entry, self._access(principal, entry, grants), grants)

    def set_sharing(
        self,
        principal: t.Principal,
        uid: str,
        kind: str,
        public_access: str,
        external_access: bool,
        users: list[tuple[str, str]],
        groups: list[tuple[str, str]],
    ) -> None:
        """users/groups: (name, access) pairs; names are usernames and group names."""
        entry = self._shared_entry(principal, uid, kind)
        self._protect(principal, SHARED, entry.namespace, write=True)
        if not self._access(principal, entry, tuple(ns_repo.get_sharing(entry.id))).manage:
            raise PermissionDenied(
                f"Access denied: only the owner of '{uid}', users or groups it is shared with for writing,"
                " and administrators may change its sharing",
                reason="SHARING_DENIED",
            )
        public_access = public_access or "--------"
        _check_access("object.publicAccess", public_access)
        grants = []
        for field, items, kind_name, resolve in (
            ("object.userAccesses", users, "user", repos.user_id_by_name),
            ("object.userGroupAccesses", groups, "group", repos.group_id_by_name),
        ):
            seen = set()
            for i, (name, access) in enumerate(items):
                _check_access(f"{field}[{i}].access", access)
                if name in seen:
                    raise InvalidArgument.for_field(f"{field}[{i}].id", f"'{name}' is listed twice")
                seen.add(name)
                try:
                    ident = resolve(name)
                except NotFound as exc:
                    raise InvalidArgument.for_field(f"{field}[{i}].id", exc.message) from None
                grants.append(t.SharingGrant(kind_name, ident, name, access))
        with write_transaction():
            ns_repo.set_sharing(entry.id, public_access, external_access, grants)

    # -------------------------------------------------------------- protection

    def set_protection(self, principal: t.Principal, p: t.Protection) -> t.Protection:
        require_admin(principal, "protect namespaces")
        check_namespace(p.namespace)
        for field, mode in (("readProtection", p.read_mode), ("writeProtection", p.write_mode)):
            if mode not in PROTECTION_MODES:
                raise InvalidArgument.for_field(field, f"'{mode}' is not one of {', '.join(PROTECTION_MODES)}")
        for i, group in enumerate(p.authorities):
            try:
                repos.group_id_by_name(group)
            except NotFound as exc:
                raise InvalidArgument.for_field(f"authorities[{i}]", exc.message) from None
        ns_repo.set_protection(p)
        return p

    def list_protections(self, principal: t.Principal) -> list[t.Protection]:
        require_admin(principal, "list namespace protections")
        return ns_repo.list_protections()

    def delete_protection(self, principal: t.Principal, namespace: str) -> None:
        require_admin(principal, "unprotect namespaces")
        if not ns_repo.delete_protection(check_namespace(namespace)):
            raise NotFound(f"namespace '{namespace}' is not protected", reason="PROTECTION_NOT_FOUND")


def _namespace_not_found(namespace: str) -> NotFound:
    return NotFound(
        f"Namespace not found: '{namespace}'", reason="NAMESPACE_NOT_FOUND", metadata={"namespace": namespace}
    )


def _check_access(field: str, access: str) -> None:
    if not _ACCESS_RE.match(access or ""):
        raise InvalidArgument.for_field(field, f"'{access}' is not an access string like 'rw------' or 'r-------'")


def _check_value(value: Any) -> Any:
    if value is MISSING:
        raise InvalidArgument.for_field("value", "the request body must hold the JSON value")
    names.check_value_size(value)
    return value


# ------------------------------------------------------------ partial updates

_MEMBER = re.compile(r"^\[(\d+)\]$|^([^.\[\]]+)$")


def parse_update_path(path: str) -> list[str | int]:
    """`a.b`, `favFood.[0]`, `favFood[0]`, `.` or empty (the root) -> members; `[i]`
    is an array index, a bare name an object member (or an index if it is all digits
    and the node is an array)."""
    path = path.strip()
    if path in ("", "."):
        return []
    text = re.sub(r"(?<=[^.])\[", ".[", path)
    members: list[str | int] = []
    for part in text.split("."):
        m = _MEMBER.match(part)
        if not m:
            raise InvalidArgument.for_field("path", f"'{path}' is not a path like a.b or list.[0]")
        members.append(int(m.group(1)) if m.group(1) is not None else m.group(2))
    if len(members) > 10:
        raise InvalidArgument.for_field("path", f"'{path}' is deeper than 10 members")
    return members


def apply_update(doc: Any, members: list[str | int], value: Any, roll: int | None, path: str = "") -> Any:
    """The document with the node at `members` replaced by value (roll: appended to
    the array there, keeping the last `roll` elements). Missing object members are
    created; array indexes may address an element or append right after the end."""

    def leaf(old: Any) -> Any:
        if roll is None:
            return value
        if old is MISSING or old is None:
            return [value][-roll:]
        if not isinstance(old, list):
            raise InvalidArgument.for_field("roll", f"the node at '{path or '.'}' is not an array")
        return [*old, value][-roll:]

    def walk(node: Any, i: int) -> Any:
        if i == len(members):
            return leaf(node)
        member = members[i]
        where = ".".join(str(m) for m in members[: i + 1])
        if isinstance(node, list):
            index = member if isinstance(member, int) else int(member) if str(member).isdigit() else None
            if index is None:
                raise InvalidArgument.for_field("path", f"'{where}': the node is an array, use an index like [0]")
            copy = list(node)
            if index < len(copy):
                copy[index] = walk(copy[index], i + 1)
            elif index == len(copy):
                copy.append(walk(MISSING, i + 1))
            else:
                raise InvalidArgument.for_field("path", f"'{where}': index {index} is past the end ({len(copy)})")
            return copy
        if node is MISSING or node is None:
            if isinstance(member, int):
                raise InvalidArgument.for_field("path", f"'{where}': there is no array here")
            node = {}
        if isinstance(node, dict):
            if isinstance(member, int):
                raise InvalidArgument.for_field("path", f"'{where}': the node is an object, not an array")
            copy = dict(node)
            copy[member] = walk(copy.get(member, MISSING), i + 1)
            return copy
        kind = type(node).__name__.replace("str", "string").replace("int", "number").replace("float", "number")
        raise InvalidArgument.for_field("path", f"'{where}': cannot go into a {kind}")

    return walk(doc, 0)
