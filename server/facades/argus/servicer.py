"""The Argus DataStores façade (seeds 000, 003): documented shapes over the same services.

Everything here is translation: Argus request fields -> service calls -> the Argus
envelope. Rules (permissions, retention, LOCAL refusal, validation) live in the services.
"""

from __future__ import annotations

import json
from typing import Any

from google.protobuf import struct_pb2

from datastore.argus.v1 import datastores_pb2 as a
from datastore.argus.v1 import datastores_pb2_grpc
from server.api import converters as c
from server.api.context import current_principal
from server.domain import types as t
from server.domain.errors import InvalidArgument
from server.facades.argus import customers
from server.facades.argus.criteria import descriptor_flags, entry_flags, flag_filter, timestamp, unset
from server.query.ast import And, Condition, Not, Op, Order, Path
from server.services.descriptors import DescriptorService
from server.services.entries import MISSING, EntryService
from server.services.queries import EntryQuery, QueryService

DEFAULT_LIMIT = 25
ENTRY_SORT = {
    "key": Path.key(),
    "customerID": Path.of_column("customer_id"),
    "customer": Path.of_column("customer_id"),
    "lastUpdatedTimestamp": Path.of_column("updated_at"),
    "createdTimestamp": Path.of_column("created_at"),
}
KEYWORD_FIELDS = {"name": ("name",), "description": ("description",), "all": ("name", "description")}


# ------------------------------------------------------------------ conversions


def _customer(customer_id: int, names: dict[int, str], out: a.CustomerInfo) -> None:
    out.id = customer_id
    out.name = names.get(customer_id, "")
    out.short_name = out.name


def _user(ref: t.UserRef | None, names: dict[int, str], out: a.UserInfo) -> None:
    if ref is None:
        return
    out.id, out.customer_id, out.name, out.user_name, out.type = (
        ref.id,
        ref.customer_id,
        ref.username,
        ref.username,
        "user",
    )
    _customer(ref.customer_id, names, out.customer)


def _names_for(descriptors: list[t.Descriptor] = (), entries: list[t.Entry] = ()) -> dict[int, str]:
    ids = {e.customer_id for e in entries}
    ids |= {r.customer_id for x in (*descriptors, *entries) for r in (x.updated_by,) if r}
    return customers.names(ids)


def _descriptor(d: t.Descriptor, names: dict[int, str], out: a.Descriptor) -> None:
    out.name, out.description = d.name, d.description
    out.data_type, out.behaviour_type = d.data_type.value, d.behaviour_type.value
    out.life_time, out.global_data, out.expire_data = d.life_time, d.global_data, d.expire_data
    out.deleted, out.use_lower_case_keys = d.deleted, d.use_lower_case_keys
    out.last_updated_timestamp = d.updated_at
    _user(d.updated_by, names, out.last_updated_by_user)


def _entry(e: t.Entry, names: dict[int, str], out: a.Entry) -> None:
    out.data_store_name, out.key, out.customer_id = e.store, e.key, e.customer_id
    if e.has_value:  # Argus values are strings; other JSON travels as its text
        out.value = e.value if isinstance(e.value, str) else json.dumps(e.value, separators=(",", ":"))
    _customer(e.customer_id, names, out.customer)
    if e.deleted:
        out.flags.append("DELETED")
    out.last_updated_timestamp = e.updated_at
    _user(e.updated_by, names, out.last_updated_by_user)


def _envelope(cls, *, limit: int = 0, offset: int = 0, count: int = 0, size: int = 0):
    envelope = cls(response_code=200, limit=limit, offset=offset, count=count, size=size)
    envelope.meta_data.CopyFrom(struct_pb2.Struct())
    return envelope


def _descriptor_envelope(d: t.Descriptor) -> a.DescriptorEnvelope:
    envelope = _envelope(a.DescriptorEnvelope)
    _descriptor(d, _names_for(descriptors=[d]), envelope.data)
    return envelope


def _descriptor_list(page: t.Page, limit: int, offset: int) -> a.DescriptorListEnvelope:
    envelope = _envelope(a.DescriptorListEnvelope, limit=limit, offset=offset, count=page.total, size=len(page.items))
    names = _names_for(descriptors=page.items)
    for d in page.items:
        _descriptor(d, names, envelope.data.add())
    return envelope


def _entry_envelope(e: t.Entry) -> a.EntryEnvelope:
    envelope = _envelope(a.EntryEnvelope)
    _entry(e, _names_for(entries=[e]), envelope.data)
    return envelope


def _entry_list(
    entries: list[t.Entry], *, limit: int = 0, offset: int = 0, count: int | None = None
) -> a.EntryListEnvelope:
    total = len(entries) if count is None else count
    envelope = _envelope(a.EntryListEnvelope, limit=limit, offset=offset, count=total, size=len(entries))
    names = _names_for(entries=entries)
    for e in entries:
        _entry(e, names, envelope.data.add())
    return envelope


def _enum(cls, text: str, field: str) -> Any:
    try:
        return cls(text.upper())
    except ValueError:
        allowed = ", ".join(m.value for m in cls)
        raise InvalidArgument.for_field(field, f"'{text}' is not one of {allowed}") from None


def _sort(items, allowed: dict | None = None, field: str = "sortBy") -> list[tuple[Any, bool]]:
    """["-a", "b"] -> [(a, True), (b, False)], each mapped through `allowed` if given."""
    out = []
    for item in items:
        desc, name = item.startswith("-"), item.lstrip("-+")
        if allowed is None:
            out.append((name, desc))
        elif name in allowed:
            out.append((allowed[name], desc))
        else:
            raise InvalidArgument.for_field(field, f"cannot sort by '{name}'; use one of {', '.join(allowed)}")
    return out


def _match_all(text: str, field: str) -> bool:
    if text.lower() not in ("", "all", "any"):
        raise InvalidArgument.for_field(field, f"'{text}' is not 'all' or 'any'")
    return text.lower() != "any"


def _no_functions(request) -> None:
    """Argus sends function names as text; FunctionInfo objects come back from Argus."""
    for field, json_name in (("read_function", "readFunction"), ("write_function", "writeFunction")):
        if not unset(getattr(request, field)):
            raise InvalidArgument.for_field(json_name, "functions are not supported by this service")


def _no_sub_criteria(request) -> None:
    if request.sub_criteria:
        raise InvalidArgument.for_field("subCriteria", "sub-criteria are not supported by this service")


# -------------------------------------------------------------------- servicers


class ArgusDescriptorServicer(datastores_pb2_grpc.DescriptorServiceServicer):
    def __init__(self, service: DescriptorService) -> None:
        self.service = service

    def _search(self, request, *, fields, match, include_deleted=False, deleted=None, exclude=False):
        search = t.DescriptorSearch(
            keywords=tuple(request.keywords),
            fields=fields,
            match_all=match,
            exclude=exclude,
            sort=tuple(_sort(request.sort_by) or [("name", False)]),  # the service checks the names
            include_deleted=include_deleted,
            deleted=deleted,
            limit=request.limit or DEFAULT_LIMIT,
            offset=request.offset,
        )
        page = self.service.search(current_principal(), search)
        return _descriptor_list(page, search.limit, search.offset)

    def ListDescriptors(self, request, context):
        fields = tuple(request.keyword_field) or ("name", "description")
        return self._search(request, fields=fields, match=_match_all(request.keyword_match, "keywordMatch"))

    def SearchDescriptors(self, request, context):
        _no_sub_criteria(request)
        fields: tuple[str, ...] = ()
        for strategy in request.keyword_field_strategy or ["all"]:
            if strategy not in KEYWORD_FIELDS:
                raise InvalidArgument.for_field(
                    "keywordFieldStrategy", f"'{strategy}' is not one of {', '.join(KEYWORD_FIELDS)}"
                )
            fields += tuple(f for f in KEYWORD_FIELDS[strategy] if f not in fields)
        match = _match_all(request.keyword_match_strategy, "keywordMatchStrategy")
        include_deleted, deleted = flag_filter(
            descriptor_flags(request.include_flags, "include_flags"),
            descriptor_flags(request.exclude_flags, "exclude_flags"),
            request.include_deleted,
        )
        return self._search(
            request,
            fields=fields,
            match=match,
            include_deleted=include_deleted,
            deleted=deleted,
            exclude=request.exclude,
        )

    def AddDescriptor(self, request, context):
        _no_functions(request)
        spec = t.DescriptorSpec(
            name=request.name,
            description=request.description,
            data_type=_enum(t.DataType, request.data_type, "dataType") if request.data_type else None,
            behaviour_type=_enum(t.BehaviourType, request.behaviour_type, "behaviourType")
            if request.behaviour_type
            else None,
            life_time=request.life_time,
            global_data=request.global_data,
            expire_data=request.expire_data,
            use_lower_case_keys=request.use_lower_case_keys,
        )
        return _descriptor_envelope(self.service.create(current_principal(), spec))

    def GetDescriptor(self, request, context):
        return _descriptor_envelope(self.service.get(current_principal(), request.data_store))

    def UpdateDescriptor(self, request, context):
        _no_functions(request)
        changes = {
            f: getattr(request, f)
            for f in ("description", "global_data", "expire_data", "life_time")
            if request.HasField(f)
        }
        d = self.service.update(current_principal(), request.data_store, changes, new_name=c.optional(request, "name"))
        return _descriptor_envelope(d)

    def DeleteDescriptor(self, request, context):
        return _descriptor_envelope(self.service.delete(current_principal(), request.data_store))


DESCRIPTOR_SORT = (
    "name",
    "description",
    "dataType",
    "behaviourType",
    "lifeTime",
    "lastUpdatedTimestamp",
    "createdTimestamp",
)


class ArgusStoreServicer(datastores_pb2_grpc.StoreServiceServicer):
    def __init__(self, entries: EntryService, queries: QueryService) -> None:
        self.entries = entries
        self.queries = queries

    def _page(self, query: EntryQuery) -> a.EntryListEnvelope:
        page = self.queries.query(current_principal(), query)
        return _entry_list(page.items, limit=query.limit, offset=query.offset, count=page.total)

    def ListEntries(self, request, context):
        query = EntryQuery(
            store=request.data_store,
            customer_ids=tuple(request.customer_id),
            keys=tuple(request.key),
            limit=request.limit or DEFAULT_LIMIT,
            offset=request.offset,
            include_deleted=request.include_deleted,
        )
        return self._page(query)

    def SearchEntries(self, request, context):
        _no_sub_criteria(request)
        start = timestamp(request.start_timestamp, "start_timestamp")
        end = timestamp(request.end_timestamp, "end_timestamp")
        include_deleted, deleted = flag_filter(
            entry_flags(request.include_flags, "include_flags"),
            entry_flags(request.exclude_flags, "exclude_flags"),
            request.include_deleted,
        )
        conditions = []
        if request.from_key:
            conditions.append(Condition(Path.key(), Op.GE, request.from_key))
        if request.to_key:
            conditions.append(Condition(Path.key(), Op.LE, request.to_key))
        if start is not None:
            conditions.append(Condition(Path.of_column("updated_at"), Op.GE, start))
        if end is not None:
            conditions.append(Condition(Path.of_column("updated_at"), Op.LE, end))
        if request.user_id:
            conditions.append(Condition(Path.of_column("updated_by"), Op.IN, list(request.user_id)))
        if request.key and request.exclude:
            conditions.append(Condition(Path.key(), Op.IN, list(request.key)))
        where = And(tuple(conditions)) if conditions else None
        if request.exclude and where is not None:
            where = Not(where)
        query = EntryQuery(
            store=request.data_store,
            customer_ids=tuple(request.customer_id),
            keys=() if request.exclude else tuple(request.key),
            where=where,
            order=tuple(Order(path, desc) for path, desc in _sort(request.sort_by, ENTRY_SORT)),
            limit=request.limit or DEFAULT_LIMIT,
            offset=request.offset,
            include_deleted=include_deleted,
            deleted=deleted,
        )
        return self._page(query)

    def PutEntries(self, request, context):
        body = {k: c.value_from_proto(v, k) for k, v in request.body.fields.items()}
        customer = c.optional(request, "customer_id")
        if isinstance(body.get("entries"), list):  # {"customerID": n?, "entries": [...]}
            if body.get("customerID") is not None:
                customer = _int(body["customerID"], "customerID")
            items = []
            for i, item in enumerate(body["entries"]):
                if not isinstance(item, dict) or not isinstance(item.get("key"), str):
                    raise InvalidArgument.for_field(f"entries[{i}].key", "each entry needs a string key")
                items.append((item["key"], item["value"] if "value" in item else MISSING))
        else:  # the guide's plain {"key": "value", ...}; a JSON object has no order
            items = sorted(body.items())
        written = self.entries.bulk_put(current_principal(), request.data_store, items, customer)
        return _entry_list(written)

    def DeleteEntries(self, request, context):
        deleted = self.entries.delete(
            current_principal(), request.data_store, list(request.key), c.optional(request, "customer_id")
        )
        return _entry_list(deleted)

    def GetEntry(self, request, context):
        e = self.entries.get(
            current_principal(),
            request.data_store,
            request.key,
            c.optional(request, "customer_id"),
            include_deleted=request.include_deleted,
        )
        return _entry_envelope(e)

    def PutKey(self, request, context):
        e = self.entries.put(
            current_principal(), request.data_store, request.key, MISSING, c.optional(request, "customer_id")
        )
        return _entry_envelope(e)

    def PutValue(self, request, context):
        e = self.entries.put(
            current_principal(), request.data_store, request.key, request.value, c.optional(request, "customer_id")
        )
        return _entry_envelope(e)


def _int(value: Any, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidArgument.for_field(field, "must be an integer")
    return value
