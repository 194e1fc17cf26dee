"""Conversions between protobuf messages and domain values, both directions.

JSON values travel as google.protobuf.Value. json_format turns every number into a
float (5 -> 5.0); the walkers below read numbers by the one rule of server/api/numbers.py
(whole numbers below 2**53 as int) and, in a REST call, keep the exact numbers the
client wrote beside the message (tagged NaNs).
"""

from __future__ import annotations

from typing import Any

from google.protobuf import struct_pb2

from datastore.v1 import auth_pb2, descriptor_pb2, entry_pb2, sharing_pb2
from server.api import numbers
from server.domain import limits
from server.domain import types as t
from server.domain.errors import InvalidArgument

# ---------------------------------------------------------------- JSON values


def value_from_proto(v: struct_pb2.Value, field: str = "value") -> Any:
    kind = v.WhichOneof("kind")
    if kind == "string_value":
        return v.string_value
    if kind == "number_value":
        n = numbers.number(v.number_value)
        if n is None:
            raise InvalidArgument.for_field(field, "numbers must be finite")
        return n
    if kind == "bool_value":
        return v.bool_value
    if kind == "struct_value":
        return {k: value_from_proto(x, f"{field}.{k}") for k, x in v.struct_value.fields.items()}
    if kind == "list_value":
        return [value_from_proto(x, f"{field}[{i}]") for i, x in enumerate(v.list_value.values)]
    if kind == "null_value":
        return None
    raise InvalidArgument.for_field(field, "is an empty google.protobuf.Value (no kind set)")


def value_to_proto(value: Any, out: struct_pb2.Value | None = None) -> struct_pb2.Value:
    out = struct_pb2.Value() if out is None else out
    _to_proto(value, out, numbers.CURRENT.get())
    return out


def _to_proto(value: Any, out: struct_pb2.Value, exact: numbers.ExactNumbers | None) -> None:
    if value is None:
        out.null_value = struct_pb2.NULL_VALUE
    elif isinstance(value, bool):
        out.bool_value = value
    elif isinstance(value, (int, float)):
        out.number_value = exact.tag(value) if exact is not None and numbers.needs_tag(value) else value
    elif isinstance(value, str):
        out.string_value = value
    elif isinstance(value, dict):
        fields = out.struct_value.fields
        out.struct_value.SetInParent()
        for k, x in value.items():
            _to_proto(x, fields[k], exact)
    elif isinstance(value, list):
        values = out.list_value.values
        out.list_value.SetInParent()
        for x in value:
            _to_proto(x, values.add(), exact)
    else:  # pragma: no cover - stored values are JSON
        raise TypeError(f"not a JSON value: {type(value).__name__}")


# ------------------------------------------------------------------- enums

DATA_TYPES = {
    descriptor_pb2.DATA_TYPE_MAP: t.DataType.MAP,
    descriptor_pb2.DATA_TYPE_LIST: t.DataType.LIST,
}
BEHAVIOUR_TYPES = {
    descriptor_pb2.BEHAVIOUR_TYPE_CENTRAL: t.BehaviourType.CENTRAL,
    descriptor_pb2.BEHAVIOUR_TYPE_LOCAL: t.BehaviourType.LOCAL,
    descriptor_pb2.BEHAVIOUR_TYPE_DISTRIBUTED: t.BehaviourType.DISTRIBUTED,
}
ACCESS = {sharing_pb2.ACCESS_READ: t.Access.READ, sharing_pb2.ACCESS_WRITE: t.Access.WRITE}


def _inverse(table: dict) -> dict:
    return {v: k for k, v in table.items()}


DATA_TYPES_OUT = _inverse(DATA_TYPES)
BEHAVIOUR_TYPES_OUT = _inverse(BEHAVIOUR_TYPES)
ACCESS_OUT = _inverse(ACCESS)


def enum_in(table: dict, number: int, field: str, allowed: str) -> Any:
    """Maps a proto enum number; unset (0) -> None; unknown -> INVALID_ARGUMENT."""
    if number == 0:
        return None
    try:
        return table[number]
    except KeyError:
        raise InvalidArgument.for_field(field, f"unknown value {number}; use {allowed}") from None


# ---------------------------------------------------------------- resources


def user_info(ref: t.UserRef | None, out: auth_pb2.UserInfo) -> None:
    if ref is None:
        return
    out.id = ref.id
    out.customer_id = ref.customer_id
    out.name = ref.username
    out.user_name = ref.username
    out.type = "user"


def descriptor_to_proto(d: t.Descriptor) -> descriptor_pb2.Descriptor:
    out = descriptor_pb2.Descriptor(
        name=d.name,
        description=d.description,
        data_type=DATA_TYPES_OUT[d.data_type],
        behaviour_type=BEHAVIOUR_TYPES_OUT[d.behaviour_type],
        life_time=d.life_time,
        global_data=d.global_data,
        expire_data=d.expire_data,
        deleted=d.deleted,
        use_lower_case_keys=d.use_lower_case_keys,
        last_updated_timestamp=d.updated_at,
        created_timestamp=d.created_at,
    )
    user_info(d.updated_by, out.last_updated_by_user)
    user_info(d.created_by, out.created_by_user)
    return out


def entry_to_proto(e: t.Entry, out: entry_pb2.Entry | None = None) -> entry_pb2.Entry:
    out = entry_pb2.Entry() if out is None else out
    out.store = e.store
    out.key = e.key
    out.customer_id = e.customer_id
    if e.has_value:
        value_to_proto(e.value, out.value)
    out.revision = e.revision
    out.etag = str(e.revision)
    out.deleted = e.deleted
    out.created_timestamp = e.created_at
    out.last_updated_timestamp = e.updated_at
    user_info(e.created_by, out.created_by_user)
    user_info(e.updated_by, out.last_updated_by_user)
    return out


def optional(message, field: str):
    """A proto3 optional field's value, or None when unset."""
    return getattr(message, field) if message.HasField(field) else None


def etag_to_revision(etag: str, field: str = "etag") -> int:
    """An etag of ours (the revision, maybe quoted or weak: W/"3") -> the revision."""
    text = etag.strip().removeprefix("W/").strip('"')
    if not (text.isascii() and text.isdigit()):
        raise InvalidArgument.for_field(field, f"'{etag}' is not an etag of this service (send the one it returned)")
    return limits.check_count(int(text), field)


def expectation(expected_revision: int | None, etag: str) -> t.Expect:
    """PutEntry's condition: `expected_revision` (or the revision in `etag`; 0: the entry
    must not exist) as the domain's Expect; neither set: Expect.ANY."""
    if etag:
        if expected_revision is not None:
            raise InvalidArgument.for_field("etag", "give etag or expected_revision, not both")
        number = etag_to_revision(etag)
    elif expected_revision is None:
        return t.Expect.ANY
    else:
        number = limits.check_count(expected_revision, "expected_revision")
    return t.Expect.revision(number) if number else t.Expect.ABSENT


def entries_to_proto(entries: list[t.Entry], repeated) -> None:
    for e in entries:
        entry_to_proto(e, repeated.add())


def grant_to_proto(g: t.GrantInfo) -> sharing_pb2.Grant:
    return sharing_pb2.Grant(
        customer_id=g.customer_id,
        user_name=g.username,
        group_name=g.group_name,
        access=ACCESS_OUT[g.access],
    )


def principal_to_user(p: t.Principal) -> auth_pb2.User:
    return auth_pb2.User(
        id=p.user_id,
        user_name=p.username,
        customer_id=p.customer_id,
        admin=p.admin,
        global_data=p.global_data,
        readable_customer_ids=sorted(p.readable),
        writable_customer_ids=sorted(p.writable),
        groups=list(p.groups),
    )
