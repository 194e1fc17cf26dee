"""Make data stores, their records and the data structures they point to.

Teams are customers: reading a team's stores needs read access to that customer,
changing them write access. A store is backed by a descriptor whose entries (scoped to
the team) are the records. maxSizeMB is enforced inside each write's transaction: a
write that would pass it is rolled back and refused.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from server.domain import limits
from server.domain import types as t
from server.domain.errors import (
    AlreadyExists,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    PermissionDenied,
    ViolationCollector,
)
from server.facades.make import storage as make_repo
from server.storage import entries as entry_repo
from server.storage import users as user_repo
from server.storage.cache import CacheRegistry
from server.storage.db import write_transaction

NAME_MAX = 128
MAX_SIZE_MB_LIMIT = 1024
SPEC_TYPES = {
    "text": (str,),
    "number": (int, float),
    "boolean": (bool,),
    "date": (str,),
    "array": (list,),
    "collection": (dict,),
}
PAGE_DEFAULT = 100
MB = 1024 * 1024


def _team(principal: t.Principal, team_id: int, write: bool) -> None:
    limits.check_id(team_id, "teamId")
    allowed = principal.can_write(team_id) if write else principal.can_read(team_id)
    if not allowed:
        verb = "change" if write else "read"
        raise PermissionDenied(
            f"user '{principal.username}' may not {verb} data of team {team_id}",
            reason="TEAM_ACCESS_DENIED",
            metadata={"teamId": str(team_id)},
        )
    if principal.admin and not user_repo.customer_exists(team_id):
        raise NotFound(f"team {team_id} does not exist", reason="TEAM_NOT_FOUND")


@dataclass(frozen=True)
class Paging:
    """The paging a list answered with (Make echoes it in `pg`)."""

    limit: int
    offset: int
    sort: str = "name"
    desc: bool = False


@dataclass(frozen=True)
class Listing:
    page: t.Page
    paging: Paging


@dataclass(frozen=True)
class Records:
    """One page of a data store's records, with the store and its structure."""

    store: t.MakeStore
    structure: t.DataStructure | None
    page: t.Page
    paging: Paging


def _paging(limit: int, offset: int, sort: str, direction: str, allowed) -> Paging:
    limit, offset = limits.check_limit(limit or PAGE_DEFAULT, offset, maximum=10_000)
    sort = sort or "name"
    if sort not in allowed:
        raise InvalidArgument.for_field("pg[sortBy]", f"cannot sort by '{sort}'; use one of {', '.join(allowed)}")
    if direction.lower() not in ("", "asc", "desc"):
        raise InvalidArgument.for_field("pg[sortDir]", "must be asc or desc")
    return Paging(limit, offset, sort, direction.lower() == "desc")


def check_spec(spec: list[Any]) -> list[dict]:
    v = ViolationCollector()
    clean, seen = [], set()
    for i, item in enumerate(spec):
        if not isinstance(item, dict) or not isinstance(item.get("name"), str) or not item["name"]:
            v.add(f"spec[{i}].name", "each field needs a name")
            continue
        kind = item.get("type", "text")
        if kind not in SPEC_TYPES:
            v.add(f"spec[{i}].type", f"'{kind}' is not one of {', '.join(SPEC_TYPES)}")
        if item["name"] in seen:
            v.add(f"spec[{i}].name", f"duplicate field '{item['name']}'")
        seen.add(item["name"])
        if item.get("default") is not None:  # copied into records, so as a record's member
            limits.check_value_limits({item["name"]: item["default"]}, f"spec[{i}].default")
        clean.append(
            {
                "name": item["name"],
                "label": str(item.get("label") or item["name"]),
                "type": kind,
                "default": item.get("default"),
                "required": bool(item.get("required", False)),
            }
        )
    v.raise_if_any()
    return clean


def validate_record(structure: t.DataStructure | None, data: Any) -> dict:
    """The record to store: defaults filled in, types and required fields checked, and
    with a strict structure nothing outside the spec."""
    if not isinstance(data, dict):
        raise InvalidArgument.for_field("data", "must be a JSON object")
    if structure is None:
        return data
    v = ViolationCollector()
    out = dict(data)
    fields = {f["name"]: f for f in structure.spec}
    for name, f in fields.items():
        if out.get(name) is None and f.get("default") is not None:
            out[name] = f["default"]
        value = out.get(name)
        if value is None:
            if f.get("required"):
                v.add(f"data.{name}", "is required")
            continue
        types = SPEC_TYPES.get(f.get("type", "text"), (object,))
        if not isinstance(value, types) or (isinstance(value, bool) and bool not in types):
            v.add(f"data.{name}", f"must be of type {f.get('type', 'text')}")
    if structure.strict:
        for name in out:
            if name not in fields:
                v.add(f"data.{name}", f"is not in the data structure '{structure.name}' (strict)")
    v.raise_if_any()
    return out


class MakeService:
    def __init__(self, caches: CacheRegistry) -> None:
        self.caches = caches
        self.refs = caches.user_refs

    # -------------------------------------------------------------- data structures

    def list_structures(self, principal, team_id: int, *, limit=0, offset=0, sort="", direction="") -> Listing:
        _team(principal, team_id, write=False)
        p = _paging(limit, offset, sort, direction, ("name", "id"))
        return Listing(make_repo.list_structures(team_id, limit=p.limit, offset=p.offset, sort=p.sort, desc=p.desc), p)

    def create_structure(self, principal, team_id: int, name: str, spec: list[Any], strict: bool) -> t.DataStructure:
        _team(principal, team_id, write=True)
        _check_name(name)
        return make_repo.create_structure(team_id, name, check_spec(spec), strict)

    def get_structure(self, principal, structure_id: int, write: bool = False) -> t.DataStructure:
        s = _load_structure(structure_id)
        _team(principal, s.team_id, write=write)
        return s

    def update_structure(self, principal, structure_id: int, changes: dict[str, Any]) -> t.DataStructure:
        self.get_structure(principal, structure_id, write=True)
        if "name" in changes:
            _check_name(changes["name"])
        if "spec" in changes:
            changes["spec"] = check_spec(changes["spec"])
        return make_repo.update_structure(structure_id, changes)

    def delete_structure(self, principal, structure_id: int) -> None:
        self.get_structure(principal, structure_id, write=True)
        with write_transaction():
            if make_repo.structure_in_use(structure_id):
                raise FailedPrecondition(
                    f"data structure {structure_id} is used by a data store", reason="DATA_STRUCTURE_IN_USE"
                )
            make_repo.delete_structure(structure_id)

    # ------------------------------------------------------------------ data stores

    def list_stores(self, principal, team_id: int, *, limit=0, offset=0, sort="", direction="") -> Listing:
        _team(principal, team_id, write=False)
        p = _paging(limit, offset, sort, direction, tuple(make_repo.MAKE_STORE_SORT))
        page = make_repo.list_make_stores(
            team_id, limit=p.limit, offset=p.offset, sort=p.sort, desc=p.desc, refs=self.refs
        )
        return Listing(page, p)

    def create_store(self, principal, team_id: int, name: str, structure_id: int, max_size_mb: int) -> t.MakeStore:
        _team(principal, team_id, write=True)
        v = ViolationCollector()
        if not name or len(name) > NAME_MAX:
            v.add("name", f"must be 1-{NAME_MAX} characters")
        if not structure_id:
            v.add("datastructureId", "is required")
        if not 1 <= max_size_mb <= MAX_SIZE_MB_LIMIT:
            v.add("maxSizeMB", f"must be between 1 and {MAX_SIZE_MB_LIMIT}")
        v.raise_if_any()
        with write_transaction():
            self._structure_of_team(structure_id, team_id)
            return make_repo.create_make_store(
                team_id,
                name,
                structure_id=structure_id,
                max_size_mb=max_size_mb,
                user_id=principal.user_id,
                refs=self.refs,
            )

    def get_store(self, principal, store_id: int, write: bool = False) -> t.MakeStore:
        store = make_repo.get_make_store(limits.check_id(store_id, "dataStoreId"), self.refs)
        _team(principal, store.team_id, write=write)
        return store

    def update_store(self, principal, store_id: int, changes: dict[str, Any]) -> t.MakeStore:
        store = self.get_store(principal, store_id, write=True)
        v = ViolationCollector()
        if "name" in changes and (not changes["name"] or len(changes["name"]) > NAME_MAX):
            v.add("name", f"must be 1-{NAME_MAX} characters")
        if "max_size_mb" in changes and not 1 <= changes["max_size_mb"] <= MAX_SIZE_MB_LIMIT:
            v.add("maxSizeMB", f"must be between 1 and {MAX_SIZE_MB_LIMIT}")
        v.raise_if_any()
        with write_transaction():
            if "datastructure" in changes:
                self._structure_of_team(changes["datastructure"], store.team_id)
            if "max_size_mb" in changes and store.size_bytes > changes["max_size_mb"] * MB:
                raise FailedPrecondition(
                    f"data store {store_id} already holds {store.size_bytes} bytes, more than {changes['max_size_mb']} MB",
                    reason="DATA_STORE_TOO_SMALL",
                )
            return make_repo.update_make_store(store_id, changes, self.refs)

    def delete_stores(self, principal, team_id: int, ids: list[int], confirmed: bool) -> list[int]:
        _team(principal, team_id, write=True)
        if not ids:
            raise InvalidArgument.for_field("ids", "name at least one data store")
        for i, store_id in enumerate(ids):
            limits.check_id(store_id, f"ids[{i}]")
        with write_transaction():
            stores = []
            for store_id in dict.fromkeys(ids):
                store = make_repo.get_make_store(store_id, self.refs)
                if store.team_id != team_id:
                    raise NotFound(
                        f"data store {store_id} does not exist in team {team_id}", reason="DATA_STORE_NOT_FOUND"
                    )
                if store.records and not confirmed:
                    raise FailedPrecondition(
                        f"data store {store_id} is in use ({store.records} records); repeat with confirmed=true to delete it",
                        reason="DATA_STORE_IN_USE",
                        metadata={"dataStoreId": str(store_id)},
                    )
                stores.append(store)
            make_repo.delete_make_stores(stores)
        # their descriptors are gone: the entry APIs must not find them in the cache
        self.caches.descriptors.invalidate(*(s.descriptor.name for s in stores))
        return [s.id for s in stores]

    # ---------------------------------------------------------------------- records

    def list_records(self, principal, store_id: int, limit=0, offset=0) -> Records:
        store = self.get_store(principal, store_id)
        limit, offset = limits.check_limit(limit or PAGE_DEFAULT, offset, maximum=10_000)
        page = make_repo.list_records(store.descriptor, store.team_id, limit, offset)
        return Records(store, self._structure(store), page, Paging(limit, offset, "key"))

    def add_record(self, principal, store_id: int, key: str, data: Any) -> t.Record:
        store = self.get_store(principal, store_id, write=True)
        key = limits.check_key(key) if key else uuid.uuid4().hex
        with write_transaction():
            record = validate_record(self._structure(store), data)
            if make_repo.get_record_for_update(store.descriptor, store.team_id, key) is not None:
                raise AlreadyExists(f"record '{key}' already exists in data store {store_id}", reason="RECORD_EXISTS")
            return self._write(principal, store, key, record)

    def replace_record(self, principal, store_id: int, key: str, data: Any) -> t.Record:
        store = self.get_store(principal, store_id, write=True)
        limits.check_key(key)
        with write_transaction():
            return self._write(principal, store, key, validate_record(self._structure(store), data))

    def update_record(self, principal, store_id: int, key: str, data: Any) -> t.Record:
        store = self.get_store(principal, store_id, write=True)
        limits.check_key(key)
        if not isinstance(data, dict):
            raise InvalidArgument.for_field("data", "must be a JSON object")
        with write_transaction():
            current = make_repo.get_record_for_update(store.descriptor, store.team_id, key)
            if current is None:
                raise NotFound(f"record '{key}' does not exist in data store {store_id}", reason="RECORD_NOT_FOUND")
            merged = {**(current.data or {}), **data}  # omitted properties are kept
            return self._write(principal, store, key, validate_record(self._structure(store), merged))

    def delete_records(
        self, principal, store_id: int, keys: list[str], all_: bool, except_keys: list[str]
    ) -> list[str]:
        store = self.get_store(principal, store_id, write=True)
        if all_ == bool(keys):
            raise InvalidArgument.for_field("keys", "give either keys or all=true (with exceptKeys)")
        with write_transaction():
            if all_:
                keep = set(except_keys)
                keys = [k for k in make_repo.live_keys(store.descriptor, store.team_id) if k not in keep]
            if not keys:
                return []
            deleted = entry_repo.delete_entries(
                store.descriptor, store.team_id, sorted(set(keys)), principal.user_id, refs=self.refs
            )
        return [e.key for e in deleted]

    # ---------------------------------------------------------------------- helpers

    @staticmethod
    def _structure(store: t.MakeStore) -> t.DataStructure | None:
        return make_repo.get_structure(store.datastructure_id) if store.datastructure_id else None

    @staticmethod
    def _structure_of_team(structure_id: int, team_id: int) -> None:
        structure = _load_structure(structure_id, "datastructureId")
        if structure.team_id != team_id:
            raise InvalidArgument.for_field("datastructureId", f"data structure {structure_id} belongs to another team")

    def _write(self, principal: t.Principal, store: t.MakeStore, key: str, data: dict) -> t.Record:
        limits.check_value_limits(data, "data")
        entry_repo.put_entries(store.descriptor, store.team_id, [(key, data)], principal.user_id, refs=self.refs)
        used = make_repo.store_bytes(store.descriptor)
        if used > store.max_size_mb * MB:
            raise FailedPrecondition(
                f"data store {store.id} would hold {used} bytes, more than its maxSizeMB of {store.max_size_mb}; nothing was written",
                reason="DATA_STORE_FULL",
                metadata={"dataStoreId": str(store.id), "maxSizeMB": str(store.max_size_mb)},
            )
        return t.Record(key, data)


def _load_structure(structure_id: int, field: str = "dataStructureId") -> t.DataStructure:
    return make_repo.get_structure(limits.check_id(structure_id, field))


def _check_name(name: str) -> None:
    if not name or len(name) > NAME_MAX:
        raise InvalidArgument.for_field("name", f"must be 1-{NAME_MAX} characters")
