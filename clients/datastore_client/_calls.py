"""Requests and response conversions shared by the sync and the asyncio client: each
function returns a Call (which stub method, the request, how to read the response), so
the two clients differ only in how they send it."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, TypedDict, TypeVar

from google.protobuf import field_mask_pb2
from google.protobuf.message import Message

from datastore.v1 import auth_pb2, descriptor_pb2, entry_pb2, query_pb2, sharing_pb2
from datastore_client.types import (
    JSON,
    Descriptor,
    Entry,
    Grant,
    Page,
    Token,
    User,
    access_number,
    behaviour_number,
    data_type_number,
    value_to_proto,
)

T = TypeVar("T")


@dataclass(frozen=True)
class Call(Generic[T]):
    service: str  # attribute of the client holding the stub: auth, descriptors, entries, queries, sharing
    method: str
    request: Message
    convert: Callable[[Any], T]


# ------------------------------------------------------------------ queries

ConditionLike = tuple[str, str] | tuple[str, str, Any] | Mapping[str, Any]
"""("size", "ge", 2), ("note", "null"), or {"path": "size", "op": "ge", "value": 2}."""
OrderLike = str | tuple[str, bool] | Mapping[str, Any]
""""color" (ascending), "-color" (descending), ("color", True) or {"path": "color", "descending": True}."""


class QueryArgs(TypedDict, total=False):
    """What selects and orders entries, for query_entries, iter_entries and stream_entries.

    filters: DHIS2-syntax strings ("size:ge:2", "_:like:user", "tags:in:[a,b]");
    conditions: structured (path, op, value) conditions, op one of eq ne lt le gt ge in
    like null !null; junction: "and" (default) or "or", over filters and conditions;
    order: DHIS2-syntax order strings ("size:desc", "_:asc"); order_by: structured;
    keys: only these keys; customer_ids: only these customers (default: the caller's);
    include_deleted: also entries deleted softly."""

    filters: Sequence[str]
    conditions: Sequence[ConditionLike]
    junction: str
    order: Sequence[str]
    order_by: Sequence[OrderLike]
    keys: Sequence[str]
    customer_ids: Sequence[int]
    include_deleted: bool


_OPERATORS = {
    "eq": query_pb2.OPERATOR_EQ,
    "==": query_pb2.OPERATOR_EQ,
    "ne": query_pb2.OPERATOR_NE,
    "!=": query_pb2.OPERATOR_NE,
    "lt": query_pb2.OPERATOR_LT,
    "<": query_pb2.OPERATOR_LT,
    "le": query_pb2.OPERATOR_LE,
    "<=": query_pb2.OPERATOR_LE,
    "gt": query_pb2.OPERATOR_GT,
    ">": query_pb2.OPERATOR_GT,
    "ge": query_pb2.OPERATOR_GE,
    ">=": query_pb2.OPERATOR_GE,
    "in": query_pb2.OPERATOR_IN,
    "like": query_pb2.OPERATOR_LIKE,
    "null": query_pb2.OPERATOR_NULL,
    "!null": query_pb2.OPERATOR_NOT_NULL,
    "not_null": query_pb2.OPERATOR_NOT_NULL,
}


def _operator(op: str | int) -> query_pb2.Operator.ValueType:
    if isinstance(op, int):
        return query_pb2.Operator.ValueType(op)
    name = op.lower().removeprefix("operator_")
    if name not in _OPERATORS:
        raise ValueError(f"unknown operator {op!r}; one of {', '.join(sorted(set(_OPERATORS)))}")
    return _OPERATORS[name]


def _condition(cond: ConditionLike, out: query_pb2.Condition) -> None:
    if isinstance(cond, Mapping):
        path, op, has_value, value = cond["path"], cond["op"], "value" in cond, cond.get("value")
    else:
        path, op, has_value, value = cond[0], cond[1], len(cond) > 2, cond[2] if len(cond) > 2 else None
    out.path, out.op = path, _operator(op)
    if has_value:
        value_to_proto(value, out.value)


def _order(order: OrderLike, out: query_pb2.Order) -> None:
    if isinstance(order, str):
        out.path, out.descending = order.removeprefix("-"), order.startswith("-")
    elif isinstance(order, Mapping):
        out.path, out.descending = order["path"], bool(order.get("descending", False))
    else:
        out.path, out.descending = order[0], bool(order[1])


def _strings(value: str | Iterable[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def query_request(
    store: str, limit: int | None = None, offset: int | None = None, **query: Any
) -> query_pb2.QueryEntriesRequest:
    unknown = set(query) - set(QueryArgs.__annotations__)
    if unknown:
        raise TypeError(f"unknown query argument(s): {', '.join(sorted(unknown))}")
    request = query_pb2.QueryEntriesRequest(
        store=store,
        limit=limit or 0,
        offset=offset or 0,
        filters=_strings(query.get("filters", ())),
        order=_strings(query.get("order", ())),
        keys=_strings(query.get("keys", ())),
        customer_ids=list(query.get("customer_ids", ())),
        include_deleted=bool(query.get("include_deleted", False)),
    )
    junction = str(query.get("junction", "and")).lower().removeprefix("junction_")
    if junction not in ("and", "or"):
        raise ValueError(f"junction is 'and' or 'or', not {junction!r}")
    request.junction = query_pb2.JUNCTION_OR if junction == "or" else query_pb2.JUNCTION_AND
    for cond in query.get("conditions", ()):
        _condition(cond, request.conditions.add())
    for order in query.get("order_by", ()):
        _order(order, request.order_by.add())
    return request


def _page(response: query_pb2.QueryEntriesResponse) -> Page[Entry]:
    return Page([Entry.from_proto(e) for e in response.entries], response.total_size)


def query_entries(request: query_pb2.QueryEntriesRequest) -> Call[Page[Entry]]:
    return Call("queries", "QueryEntries", request, _page)


def stream_request(request: query_pb2.QueryEntriesRequest) -> query_pb2.StreamEntriesRequest:
    return query_pb2.StreamEntriesRequest(query=request)


def stream_entry(response: query_pb2.StreamEntriesResponse) -> Entry:
    return Entry.from_proto(response.entry)


# -------------------------------------------------------------- descriptors

UPDATABLE = ("description", "life_time", "expire_data", "global_data", "use_lower_case_keys")


def create_descriptor(name: str, data_type: str, behaviour_type: str, fields: dict[str, Any]) -> Call[Descriptor]:
    unknown = set(fields) - set(UPDATABLE)
    if unknown:
        raise TypeError(f"unknown descriptor field(s): {', '.join(sorted(unknown))}")
    descriptor = descriptor_pb2.Descriptor(
        name=name,
        data_type=data_type_number(data_type),
        behaviour_type=behaviour_number(behaviour_type),
        **{k: v for k, v in fields.items() if v is not None},
    )
    request = descriptor_pb2.CreateDescriptorRequest(descriptor=descriptor)
    return Call("descriptors", "CreateDescriptor", request, lambda r: Descriptor.from_proto(r.descriptor))


def get_descriptor(name: str, show_deleted: bool) -> Call[Descriptor]:
    request = descriptor_pb2.GetDescriptorRequest(name=name, show_deleted=show_deleted)
    return Call("descriptors", "GetDescriptor", request, lambda r: Descriptor.from_proto(r.descriptor))


def list_descriptors(limit: int | None, offset: int | None, show_deleted: bool) -> Call[Page[Descriptor]]:
    request = descriptor_pb2.ListDescriptorsRequest(limit=limit or 0, offset=offset or 0, show_deleted=show_deleted)
    return Call(
        "descriptors",
        "ListDescriptors",
        request,
        lambda r: Page([Descriptor.from_proto(d) for d in r.descriptors], r.total_size),
    )


def update_descriptor(name: str, changes: dict[str, Any]) -> Call[Descriptor]:
    unknown = set(changes) - set(UPDATABLE)
    if unknown:
        raise TypeError(f"not an updatable descriptor field: {', '.join(sorted(unknown))} (one of {UPDATABLE})")
    descriptor = descriptor_pb2.Descriptor(name=name, **changes)
    mask = field_mask_pb2.FieldMask(paths=sorted(changes))
    request = descriptor_pb2.UpdateDescriptorRequest(descriptor=descriptor, update_mask=mask)
    return Call("descriptors", "UpdateDescriptor", request, lambda r: Descriptor.from_proto(r.descriptor))


def delete_descriptor(name: str) -> Call[Descriptor]:
    request = descriptor_pb2.DeleteDescriptorRequest(name=name)
    return Call("descriptors", "DeleteDescriptor", request, lambda r: Descriptor.from_proto(r.descriptor))


# ------------------------------------------------------------------ entries

MISSING: Any = object()  # put_entry's value when none is given (LIST stores)


def get_entry(store: str, key: str, customer_id: int | None) -> Call[Entry]:
    request = entry_pb2.GetEntryRequest(store=store, key=key, customer_id=customer_id)
    return Call("entries", "GetEntry", request, lambda r: Entry.from_proto(r.entry))


def put_entry(
    store: str, key: str, value: JSON, customer_id: int | None, expected_revision: int | None, etag: str | None
) -> Call[Entry]:
    request = entry_pb2.PutEntryRequest(
        store=store, key=key, customer_id=customer_id, expected_revision=expected_revision, etag=etag or ""
    )
    if value is not MISSING:
        value_to_proto(value, request.value)
    return Call("entries", "PutEntry", request, lambda r: Entry.from_proto(r.entry))


def bulk_put_entries(
    store: str, entries: Mapping[str, JSON] | Iterable[tuple[str, JSON]] | Iterable[str], customer_id: int | None
) -> Call[list[Entry]]:
    request = entry_pb2.BulkPutEntriesRequest(store=store, customer_id=customer_id)
    items: Iterable[Any] = entries.items() if isinstance(entries, Mapping) else entries
    for item in items:
        if isinstance(item, str):  # a LIST store's key
            request.entries.add(key=item)
        else:
            key, value = item
            value_to_proto(value, request.entries.add(key=key).value)
    return Call("entries", "BulkPutEntries", request, lambda r: [Entry.from_proto(e) for e in r.entries])


def delete_entries(store: str, keys: str | Iterable[str], customer_id: int | None) -> Call[list[Entry]]:
    request = entry_pb2.DeleteEntriesRequest(store=store, keys=_strings(keys), customer_id=customer_id)
    return Call("entries", "DeleteEntries", request, lambda r: [Entry.from_proto(e) for e in r.entries])


# -------------------------------------------------------------------- grants


def list_grants(customer_id: int | None) -> Call[list[Grant]]:
    request = sharing_pb2.ListGrantsRequest(customer_id=customer_id or 0)
    return Call("sharing", "ListGrants", request, lambda r: [Grant.from_proto(g) for g in r.grants])


def set_grant(customer_id: int, access: str, user: str | None, group: str | None) -> Call[Grant]:
    grant = sharing_pb2.Grant(
        customer_id=customer_id, access=access_number(access), user_name=user or "", group_name=group or ""
    )
    return Call("sharing", "SetGrant", sharing_pb2.SetGrantRequest(grant=grant), lambda r: Grant.from_proto(r.grant))


def delete_grant(customer_id: int, user: str | None, group: str | None) -> Call[None]:
    request = sharing_pb2.DeleteGrantRequest(customer_id=customer_id, user_name=user or "", group_name=group or "")
    return Call("sharing", "DeleteGrant", request, lambda r: None)


# ---------------------------------------------------------------------- auth

CREATE_TOKEN = "/datastore.v1.AuthService/CreateToken"  # the one call sent without credentials


def _token(response: auth_pb2.CreateTokenResponse | auth_pb2.RefreshTokenResponse) -> Token:
    expires = response.expire_timestamp
    return Token(response.token, datetime.fromtimestamp(expires / 1000, UTC) if expires else None)


def create_token(username: str, password: str) -> Call[Token]:
    request = auth_pb2.CreateTokenRequest(username=username, password=password)
    return Call("auth", "CreateToken", request, _token)


def refresh_token() -> Call[Token]:
    return Call("auth", "RefreshToken", auth_pb2.RefreshTokenRequest(), _token)


def get_current_user() -> Call[User]:
    return Call("auth", "GetCurrentUser", auth_pb2.GetCurrentUserRequest(), lambda r: User.from_proto(r.user))
