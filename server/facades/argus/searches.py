"""Argus requests turned into the core's searches: descriptor searches, entry queries
(the query tree of SearchEntries) and descriptor specs. Nothing here calls a service."""

from __future__ import annotations

from typing import Any

from datastore.argus.v1 import datastores_pb2 as a
from server.domain import types as t
from server.domain.errors import InvalidArgument
from server.facades.argus.criteria import descriptor_flags, entry_flags, flag_filter, timestamp, unset
from server.query.ast import And, Condition, Not, Op, Order, Path
from server.services.queries import EntryQuery

DEFAULT_LIMIT = 25
ENTRY_SORT = {
    "key": Path.key(),
    "customerID": Path.of_column("customer_id"),
    "customer": Path.of_column("customer_id"),
    "lastUpdatedTimestamp": Path.of_column("updated_at"),
    "createdTimestamp": Path.of_column("created_at"),
}
KEYWORD_FIELDS = {"name": ("name",), "description": ("description",), "all": ("name", "description")}


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


def no_functions(request) -> None:
    """Argus sends function names as text; FunctionInfo objects come back from Argus."""
    for field, json_name in (("read_function", "readFunction"), ("write_function", "writeFunction")):
        if not unset(getattr(request, field)):
            raise InvalidArgument.for_field(json_name, "functions are not supported by this service")


def _no_sub_criteria(request) -> None:
    if request.sub_criteria:
        raise InvalidArgument.for_field("subCriteria", "sub-criteria are not supported by this service")


def _descriptor_search(request, *, fields, match, include_deleted=False, deleted=None, exclude=False):
    return t.DescriptorSearch(
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


def descriptor_list_search(request: a.ListDescriptorsRequest) -> t.DescriptorSearch:
    fields = tuple(request.keyword_field) or ("name", "description")
    return _descriptor_search(request, fields=fields, match=_match_all(request.keyword_match, "keywordMatch"))


def descriptor_search(request: a.SearchDescriptorsRequest) -> t.DescriptorSearch:
    _no_sub_criteria(request)
    fields: tuple[str, ...] = ()
    for strategy in request.keyword_field_strategy or ["all"]:
        if strategy not in KEYWORD_FIELDS:
            raise InvalidArgument.for_field(
                "keywordFieldStrategy", f"'{strategy}' is not one of {', '.join(KEYWORD_FIELDS)}"
            )
        fields += tuple(f for f in KEYWORD_FIELDS[strategy] if f not in fields)
    include_deleted, deleted = flag_filter(
        descriptor_flags(request.include_flags, "include_flags"),
        descriptor_flags(request.exclude_flags, "exclude_flags"),
        request.include_deleted,
    )
    return _descriptor_search(
        request,
        fields=fields,
        match=_match_all(request.keyword_match_strategy, "keywordMatchStrategy"),
        include_deleted=include_deleted,
        deleted=deleted,
        exclude=request.exclude,
    )


def descriptor_spec(request: a.AddDescriptorRequest) -> t.DescriptorSpec:
    no_functions(request)
    return t.DescriptorSpec(
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


def entry_list_query(request: a.ListEntriesRequest) -> EntryQuery:
    return EntryQuery(
        store=request.data_store,
        customer_ids=tuple(request.customer_id),
        keys=tuple(request.key),
        limit=request.limit or DEFAULT_LIMIT,
        offset=request.offset,
        include_deleted=request.include_deleted,
    )


def entry_search_query(request: a.SearchEntriesRequest) -> EntryQuery:
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
    return EntryQuery(
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


def _int(value: Any, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidArgument.for_field(field, "must be an integer")
    return value


def bulk_items(body: dict[str, Any], customer: int | None) -> tuple[list[tuple[str, Any]], int | None]:
    """PutEntries' body: {"customerID": n?, "entries": [{key, value?}...]} or the guide's
    plain {"key": "value", ...} (a JSON object has no order: sorted by key). Returns the
    (key, value or MISSING) items and the customer."""
    if not isinstance(body.get("entries"), list):
        return sorted(body.items()), customer
    if body.get("customerID") is not None:
        customer = _int(body["customerID"], "customerID")
    items = []
    for i, item in enumerate(body["entries"]):
        if not isinstance(item, dict) or not isinstance(item.get("key"), str):
            raise InvalidArgument.for_field(f"entries[{i}].key", "each entry needs a string key")
        items.append((item["key"], item["value"] if "value" in item else t.MISSING))
    return items, customer
