from datastore.v1 import entry_pb2 as _entry_pb2
from google.api import annotations_pb2 as _annotations_pb2
from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Operator(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    OPERATOR_UNSPECIFIED: _ClassVar[Operator]
    OPERATOR_EQ: _ClassVar[Operator]
    OPERATOR_NE: _ClassVar[Operator]
    OPERATOR_LT: _ClassVar[Operator]
    OPERATOR_LE: _ClassVar[Operator]
    OPERATOR_GT: _ClassVar[Operator]
    OPERATOR_GE: _ClassVar[Operator]
    OPERATOR_IN: _ClassVar[Operator]
    OPERATOR_LIKE: _ClassVar[Operator]
    OPERATOR_NULL: _ClassVar[Operator]
    OPERATOR_NOT_NULL: _ClassVar[Operator]

class Junction(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    JUNCTION_UNSPECIFIED: _ClassVar[Junction]
    JUNCTION_AND: _ClassVar[Junction]
    JUNCTION_OR: _ClassVar[Junction]
OPERATOR_UNSPECIFIED: Operator
OPERATOR_EQ: Operator
OPERATOR_NE: Operator
OPERATOR_LT: Operator
OPERATOR_LE: Operator
OPERATOR_GT: Operator
OPERATOR_GE: Operator
OPERATOR_IN: Operator
OPERATOR_LIKE: Operator
OPERATOR_NULL: Operator
OPERATOR_NOT_NULL: Operator
JUNCTION_UNSPECIFIED: Junction
JUNCTION_AND: Junction
JUNCTION_OR: Junction

class Condition(_message.Message):
    __slots__ = ("path", "op", "value")
    PATH_FIELD_NUMBER: _ClassVar[int]
    OP_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    path: str
    op: Operator
    value: _struct_pb2.Value
    def __init__(self, path: _Optional[str] = ..., op: _Optional[_Union[Operator, str]] = ..., value: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ...) -> None: ...

class Order(_message.Message):
    __slots__ = ("path", "descending")
    PATH_FIELD_NUMBER: _ClassVar[int]
    DESCENDING_FIELD_NUMBER: _ClassVar[int]
    path: str
    descending: bool
    def __init__(self, path: _Optional[str] = ..., descending: _Optional[bool] = ...) -> None: ...

class QueryEntriesRequest(_message.Message):
    __slots__ = ("store", "customer_ids", "keys", "conditions", "junction", "order_by", "limit", "offset", "include_deleted", "filters", "order")
    STORE_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_IDS_FIELD_NUMBER: _ClassVar[int]
    KEYS_FIELD_NUMBER: _ClassVar[int]
    CONDITIONS_FIELD_NUMBER: _ClassVar[int]
    JUNCTION_FIELD_NUMBER: _ClassVar[int]
    ORDER_BY_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    OFFSET_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_DELETED_FIELD_NUMBER: _ClassVar[int]
    FILTERS_FIELD_NUMBER: _ClassVar[int]
    ORDER_FIELD_NUMBER: _ClassVar[int]
    store: str
    customer_ids: _containers.RepeatedScalarFieldContainer[int]
    keys: _containers.RepeatedScalarFieldContainer[str]
    conditions: _containers.RepeatedCompositeFieldContainer[Condition]
    junction: Junction
    order_by: _containers.RepeatedCompositeFieldContainer[Order]
    limit: int
    offset: int
    include_deleted: bool
    filters: _containers.RepeatedScalarFieldContainer[str]
    order: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, store: _Optional[str] = ..., customer_ids: _Optional[_Iterable[int]] = ..., keys: _Optional[_Iterable[str]] = ..., conditions: _Optional[_Iterable[_Union[Condition, _Mapping]]] = ..., junction: _Optional[_Union[Junction, str]] = ..., order_by: _Optional[_Iterable[_Union[Order, _Mapping]]] = ..., limit: _Optional[int] = ..., offset: _Optional[int] = ..., include_deleted: _Optional[bool] = ..., filters: _Optional[_Iterable[str]] = ..., order: _Optional[_Iterable[str]] = ...) -> None: ...

class QueryEntriesResponse(_message.Message):
    __slots__ = ("entries", "total_size")
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    TOTAL_SIZE_FIELD_NUMBER: _ClassVar[int]
    entries: _containers.RepeatedCompositeFieldContainer[_entry_pb2.Entry]
    total_size: int
    def __init__(self, entries: _Optional[_Iterable[_Union[_entry_pb2.Entry, _Mapping]]] = ..., total_size: _Optional[int] = ...) -> None: ...

class StreamEntriesRequest(_message.Message):
    __slots__ = ("query",)
    QUERY_FIELD_NUMBER: _ClassVar[int]
    query: QueryEntriesRequest
    def __init__(self, query: _Optional[_Union[QueryEntriesRequest, _Mapping]] = ...) -> None: ...

class StreamEntriesResponse(_message.Message):
    __slots__ = ("entry",)
    ENTRY_FIELD_NUMBER: _ClassVar[int]
    entry: _entry_pb2.Entry
    def __init__(self, entry: _Optional[_Union[_entry_pb2.Entry, _Mapping]] = ...) -> None: ...
