"""Plain-Python values and small typed records for what the service returns.

JSON values travel as google.protobuf.Value, where every number is a double; values
here come back as written: integral numbers within 2**53 as int, others as float.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any, Generic, TypeAlias, TypeVar

from google.protobuf import struct_pb2

from datastore.v1 import auth_pb2, descriptor_pb2, entry_pb2, sharing_pb2

JSON: TypeAlias = None | bool | int | float | str | list[Any] | dict[str, Any]
"""A JSON value as plain Python: dict, list, str, int/float, bool or None."""

T = TypeVar("T")
_MAX_SAFE_INT = 2**53


def value_from_proto(v: struct_pb2.Value) -> JSON:
    kind = v.WhichOneof("kind")
    if kind == "string_value":
        return v.string_value
    if kind == "number_value":
        n = v.number_value
        return int(n) if n.is_integer() and abs(n) < _MAX_SAFE_INT else n
    if kind == "bool_value":
        return v.bool_value
    if kind == "struct_value":
        return {k: value_from_proto(x) for k, x in v.struct_value.fields.items()}
    if kind == "list_value":
        return [value_from_proto(x) for x in v.list_value.values]
    return None


def value_to_proto(value: Any, out: struct_pb2.Value | None = None) -> struct_pb2.Value:
    """JSON-able Python (dict with str keys, list/tuple, str, int, float, bool, None)."""
    out = struct_pb2.Value() if out is None else out
    if value is None:
        out.null_value = struct_pb2.NULL_VALUE
    elif isinstance(value, bool):
        out.bool_value = value
    elif isinstance(value, int | float):
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError(f"JSON numbers must be finite, not {value}")
        out.number_value = value
    elif isinstance(value, str):
        out.string_value = value
    elif isinstance(value, Mapping):
        out.struct_value.SetInParent()
        fields = out.struct_value.fields
        for k, x in value.items():
            if not isinstance(k, str):
                raise TypeError(f"JSON object keys are strings, not {type(k).__name__}")
            value_to_proto(x, fields[k])
    elif isinstance(value, Sequence) and not isinstance(value, bytes | bytearray):
        out.list_value.SetInParent()
        values = out.list_value.values
        for x in value:
            value_to_proto(x, values.add())
    else:
        raise TypeError(f"not a JSON value: {type(value).__name__}")
    return out


def _time(ms: int) -> datetime | None:
    return datetime.fromtimestamp(ms / 1000, UTC) if ms else None


def _iso(when: datetime | None) -> str | None:
    return when.isoformat(timespec="milliseconds").replace("+00:00", "Z") if when else None


def _user(info: auth_pb2.UserInfo) -> str:
    return info.user_name


@dataclass(frozen=True)
class Entry:
    """One entry. `value` is plain Python (None for LIST stores); `revision` counts the
    writes (1 for a new entry) and `etag` is the same as a string, for compare-and-set."""

    store: str
    key: str
    value: JSON
    customer_id: int
    revision: int
    etag: str
    created_at: datetime | None = None
    updated_at: datetime | None = None
    created_by: str = ""
    updated_by: str = ""
    deleted: bool = False

    @classmethod
    def from_proto(cls, e: entry_pb2.Entry) -> Entry:
        return cls(
            store=e.store,
            key=e.key,
            value=value_from_proto(e.value) if e.HasField("value") else None,
            customer_id=e.customer_id,
            revision=e.revision,
            etag=e.etag,
            created_at=_time(e.created_timestamp),
            updated_at=_time(e.last_updated_timestamp),
            created_by=_user(e.created_by_user),
            updated_by=_user(e.last_updated_by_user),
            deleted=e.deleted,
        )

    def to_json(self) -> dict[str, Any]:
        """A JSON-able dict (timestamps as ISO 8601 strings)."""
        out = asdict(self)
        out["created_at"], out["updated_at"] = _iso(self.created_at), _iso(self.updated_at)
        return out


_DATA_TYPES = {"MAP": descriptor_pb2.DATA_TYPE_MAP, "LIST": descriptor_pb2.DATA_TYPE_LIST}
_BEHAVIOURS = {
    "CENTRAL": descriptor_pb2.BEHAVIOUR_TYPE_CENTRAL,
    "LOCAL": descriptor_pb2.BEHAVIOUR_TYPE_LOCAL,
    "DISTRIBUTED": descriptor_pb2.BEHAVIOUR_TYPE_DISTRIBUTED,
}


def data_type_number(name: str) -> descriptor_pb2.DataType.ValueType:
    try:
        return _DATA_TYPES[name.upper().removeprefix("DATA_TYPE_")]
    except KeyError:
        raise ValueError(f"data type is MAP or LIST, not {name!r}") from None


def behaviour_number(name: str) -> descriptor_pb2.BehaviourType.ValueType:
    try:
        return _BEHAVIOURS[name.upper().removeprefix("BEHAVIOUR_TYPE_")]
    except KeyError:
        raise ValueError(f"behaviour type is CENTRAL, LOCAL or DISTRIBUTED, not {name!r}") from None


@dataclass(frozen=True)
class Descriptor:
    """A store. `data_type` is "MAP" or "LIST", `behaviour_type` "CENTRAL", "LOCAL" or
    "DISTRIBUTED"; with `expire_data`, entries older than `life_time` ms vanish."""

    name: str
    data_type: str
    behaviour_type: str
    description: str = ""
    life_time: int = 0
    expire_data: bool = False
    global_data: bool = False
    use_lower_case_keys: bool = False
    deleted: bool = False
    created_at: datetime | None = None
    updated_at: datetime | None = None
    created_by: str = ""
    updated_by: str = ""

    @classmethod
    def from_proto(cls, d: descriptor_pb2.Descriptor) -> Descriptor:
        return cls(
            name=d.name,
            data_type=descriptor_pb2.DataType.Name(d.data_type).removeprefix("DATA_TYPE_"),
            behaviour_type=descriptor_pb2.BehaviourType.Name(d.behaviour_type).removeprefix("BEHAVIOUR_TYPE_"),
            description=d.description,
            life_time=d.life_time,
            expire_data=d.expire_data,
            global_data=d.global_data,
            use_lower_case_keys=d.use_lower_case_keys,
            deleted=d.deleted,
            created_at=_time(d.created_timestamp),
            updated_at=_time(d.last_updated_timestamp),
            created_by=_user(d.created_by_user),
            updated_by=_user(d.last_updated_by_user),
        )

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["created_at"], out["updated_at"] = _iso(self.created_at), _iso(self.updated_at)
        return out


@dataclass(frozen=True)
class Grant:
    """Read or write access ("READ"/"WRITE") to a customer's entries, for a user or a group."""

    customer_id: int
    access: str
    user: str = ""
    group: str = ""

    @classmethod
    def from_proto(cls, g: sharing_pb2.Grant) -> Grant:
        access = sharing_pb2.Access.Name(g.access).removeprefix("ACCESS_")
        return cls(customer_id=g.customer_id, access=access, user=g.user_name, group=g.group_name)


def access_number(name: str) -> sharing_pb2.Access.ValueType:
    try:
        return {"READ": sharing_pb2.ACCESS_READ, "WRITE": sharing_pb2.ACCESS_WRITE}[name.upper()]
    except KeyError:
        raise ValueError(f"access is READ or WRITE, not {name!r}") from None


@dataclass(frozen=True)
class User:
    """The caller, as the server resolved its credentials."""

    id: int
    username: str
    customer_id: int
    admin: bool
    global_data: bool
    readable_customer_ids: tuple[int, ...] = ()
    writable_customer_ids: tuple[int, ...] = ()
    groups: tuple[str, ...] = ()

    @classmethod
    def from_proto(cls, u: auth_pb2.User) -> User:
        return cls(
            id=u.id,
            username=u.user_name,
            customer_id=u.customer_id,
            admin=u.admin,
            global_data=u.global_data,
            readable_customer_ids=tuple(u.readable_customer_ids),
            writable_customer_ids=tuple(u.writable_customer_ids),
            groups=tuple(u.groups),
        )


@dataclass(frozen=True)
class Token:
    token: str
    expires_at: datetime | None


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a listing: its items and the total number of matches."""

    items: list[T] = field(default_factory=list)
    total_size: int = 0

    def __iter__(self) -> Iterator[T]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    @property
    def entries(self) -> list[T]:
        """The items (of a query page)."""
        return self.items


__all__ = ["JSON", "Descriptor", "Entry", "Grant", "Page", "Token", "User", "value_from_proto", "value_to_proto"]
