"""DHIS2 namespace protection, the sharing API and the current user (the DHIS2 documentation and
dhis2-core's DefaultDatastoreService); the per-key sharing rule itself is sharing_sql.py.

Protection applies to the shared dataStore for callers who are not superusers (our
admins) and hold none of the namespace's authorities (our group names). RESTRICTED
refuses with 403; HIDDEN makes reads see nothing and silently skips writes. A
protection without authorities is NONE, as in dhis2-core. Each dataStore key is public
read/write when created (DHIS2's default) and owned by its creator; the sharing API
stores only the metadata part of an access string (its first two characters).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from server.domain import types as t
from server.domain.errors import InvalidArgument, NotFound, PermissionDenied
from server.facades.dhis2 import sharing_sql
from server.facades.dhis2 import storage as ns_repo
from server.facades.dhis2.keys import check_namespace
from server.facades.dhis2.sharing_sql import SHARED
from server.services.access import require_admin
from server.storage import users as user_repo
from server.storage.db import write_transaction

PROTECTION_MODES = ("NONE", "RESTRICTED", "HIDDEN")
_ACCESS_RE = re.compile(r"^[r-][w-][r-][w-]-{4}$")
_FIELD_SPLIT = re.compile(r",(?![^\[\]]*\]|[^()]*\))")


@dataclass(frozen=True)
class EntryView:
    """An entry (metadata only), its sharing and what the caller may do."""

    entry: t.NamespaceEntry
    access: sharing_sql.Access
    sharing: tuple[t.SharingGrant, ...] = ()


def protection_mode(principal: t.Principal, owner: int, namespace: str, write: bool) -> str:
    """NONE if the caller passes the namespace's protection for reads (or writes), else
    the protection's mode for them: RESTRICTED or HIDDEN."""
    if owner != SHARED or principal.admin:
        return "NONE"
    p = ns_repo.get_protection(namespace)
    if p is None:
        return "NONE"
    mode = p.write_mode if write else p.read_mode
    if mode == "NONE" or set(principal.groups) & set(p.authorities):
        return "NONE"
    return mode


def protected(namespace: str) -> PermissionDenied:
    return PermissionDenied(
        f"Namespace '{namespace}' is protected, access denied",
        reason="NAMESPACE_PROTECTED",
        metadata={"namespace": namespace},
    )


def denied_key(namespace: str, key: str, read: bool) -> PermissionDenied:
    """dhis2-core's text; a refused read is its ForbiddenException (error code E1006)."""
    return PermissionDenied(
        f"Access denied for key '{key}' in namespace '{namespace}'",
        reason="SHARING_DENIED",
        metadata={"namespace": namespace, "key": key, **({"errorCode": "E1006"} if read else {})},
    )


def metadata_access(field: str, access: str) -> str:
    """A valid access string reduced to its metadata part: "r-rw----" -> "r-------"."""
    if not _ACCESS_RE.match(access or ""):
        raise InvalidArgument.for_field(field, f"'{access}' is not an access string like 'rw------' or 'r-------'")
    return access[:2] + "------"


class Dhis2Sharing:
    """The sharing API, namespace protections and /api/me. Dhis2Service holds one (its
    `sharing`) for the protections its reads and writes pass; the SharingService RPCs
    and the protection RPCs call it directly."""

    def _shared_entry(self, principal: t.Principal, uid: str, kind: str) -> t.NamespaceEntry:
        if kind != "dataStore":
            raise InvalidArgument.for_field("type", f"'{kind}' is not supported; only type=dataStore")
        entry = ns_repo.entry_by_uid(uid) if uid else None
        if entry is not None and entry.owner_user_id == SHARED:
            mode = protection_mode(principal, SHARED, entry.namespace, write=False)
            if mode == "RESTRICTED":
                raise protected(entry.namespace)
            if mode == "NONE":
                if not ns_repo.may(entry.id, sharing_sql.reader(principal), sharing_sql.READ):
                    raise PermissionDenied(f"Access denied for dataStore entry '{uid}'", reason="SHARING_DENIED")
                return entry
        raise NotFound(f"dataStore entry with id '{uid}' could not be found.", reason="ENTRY_NOT_FOUND")

    def get_sharing(self, principal: t.Principal, uid: str, kind: str) -> EntryView:
        entry = self._shared_entry(principal, uid, kind)
        grants = tuple(ns_repo.get_sharing(entry.id))
        return EntryView(entry, ns_repo.access(entry.id, sharing_sql.reader(principal)), grants)

    def set_sharing(
        self,
        principal: t.Principal,
        uid: str,
        kind: str,
        *,
        public_access: str,
        external_access: bool,
        users: list[tuple[str, str]],
        groups: list[tuple[str, str]],
    ) -> None:
        """users/groups: (name, access) pairs; names are usernames and group names."""
        entry = self._shared_entry(principal, uid, kind)
        if protection_mode(principal, SHARED, entry.namespace, write=True) == "RESTRICTED":
            raise protected(entry.namespace)
        if not ns_repo.may(entry.id, sharing_sql.reader(principal), sharing_sql.MANAGE):
            raise PermissionDenied(
                f"Access denied: only the owner of '{uid}', users or groups it is shared with for writing,"
                " and administrators may change its sharing",
                reason="SHARING_DENIED",
            )
        public_access = metadata_access("object.publicAccess", public_access or "--------")
        grants = []
        for field, items, kind_name, resolve in (
            ("object.userAccesses", users, "user", user_repo.user_id_by_name),
            ("object.userGroupAccesses", groups, "group", user_repo.group_id_by_name),
        ):
            seen = set()
            for i, (name, access) in enumerate(items):
                access = metadata_access(f"{field}[{i}].access", access)
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
                user_repo.group_id_by_name(group)
            except NotFound as exc:
                raise InvalidArgument.for_field(f"authorities[{i}]", exc.message) from None
        if not p.authorities:  # dhis2-core: no authorities, no protection
            p = t.Protection(p.namespace, "NONE", "NONE", ())
        ns_repo.set_protection(p)
        return p

    def list_protections(self, principal: t.Principal) -> list[t.Protection]:
        require_admin(principal, "list namespace protections")
        return ns_repo.list_protections()

    def get_protection(self, principal: t.Principal, namespace: str) -> t.Protection | None:
        require_admin(principal, "read namespace protections")
        return ns_repo.get_protection(namespace)

    def hidden_namespaces(self, principal: t.Principal) -> set[str]:
        """Namespaces whose reads are HIDDEN for the caller."""
        if principal.admin:
            return set()
        return {
            p.namespace
            for p in ns_repo.list_protections()
            if p.read_mode == "HIDDEN" and not set(principal.groups) & set(p.authorities)
        }

    # ---------------------------------------------------------------- /api/me

    @staticmethod
    def current_user(principal: t.Principal, fields: str = "") -> dict[str, Any]:
        """GET /api/me: the caller as DHIS2 shows a user (ids are usernames here).
        `fields` picks top-level members loosely: unknown names are ignored, nested
        selections (`userGroups[id]`) return the whole member; none or `*` -> all."""
        user: dict[str, Any] = {
            "id": principal.username,
            "username": principal.username,
            "name": principal.username,
            "displayName": principal.username,
            "userGroups": [{"id": g, "name": g, "displayName": g} for g in principal.groups],
            "authorities": ["ALL"] if principal.admin else [],
        }
        names = [re.split(r"[\[(:~]", part, maxsplit=1)[0].strip() for part in _FIELD_SPLIT.split(fields)]
        names = [n.lstrip("!") for n in names if n]
        if not names or any(n in ("*", ":all", ":owner") for n in names) or fields.strip().startswith(":"):
            return user
        return {n: user[n] for n in user if n in names}
