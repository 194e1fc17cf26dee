from datastore.v1 import auth_pb2 as _auth_pb2
from google.api import annotations_pb2 as _annotations_pb2
from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Entry(_message.Message):
    __slots__ = ("store", "key", "customer_id", "value", "revision", "deleted", "created_timestamp", "created_by_user", "last_updated_timestamp", "last_updated_by_user", "etag")
    STORE_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    DELETED_FIELD_NUMBER: _ClassVar[int]
    CREATED_TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    CREATED_BY_USER_FIELD_NUMBER: _ClassVar[int]
    LAST_UPDATED_TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    LAST_UPDATED_BY_USER_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    store: str
    key: str
    customer_id: int
    value: _struct_pb2.Value
    revision: int
    deleted: bool
    created_timestamp: int
    created_by_user: _auth_pb2.UserInfo
    last_updated_timestamp: int
    last_updated_by_user: _auth_pb2.UserInfo
    etag: str
    def __init__(self, store: _Optional[str] = ..., key: _Optional[str] = ..., customer_id: _Optional[int] = ..., value: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., revision: _Optional[int] = ..., deleted: _Optional[bool] = ..., created_timestamp: _Optional[int] = ..., created_by_user: _Optional[_Union[_auth_pb2.UserInfo, _Mapping]] = ..., last_updated_timestamp: _Optional[int] = ..., last_updated_by_user: _Optional[_Union[_auth_pb2.UserInfo, _Mapping]] = ..., etag: _Optional[str] = ...) -> None: ...

class GetEntryRequest(_message.Message):
    __slots__ = ("store", "key", "customer_id")
    STORE_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    store: str
    key: str
    customer_id: int
    def __init__(self, store: _Optional[str] = ..., key: _Optional[str] = ..., customer_id: _Optional[int] = ...) -> None: ...

class GetEntryResponse(_message.Message):
    __slots__ = ("entry",)
    ENTRY_FIELD_NUMBER: _ClassVar[int]
    entry: Entry
    def __init__(self, entry: _Optional[_Union[Entry, _Mapping]] = ...) -> None: ...

class PutEntryRequest(_message.Message):
    __slots__ = ("store", "key", "customer_id", "value", "expected_revision", "etag")
    STORE_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_REVISION_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    store: str
    key: str
    customer_id: int
    value: _struct_pb2.Value
    expected_revision: int
    etag: str
    def __init__(self, store: _Optional[str] = ..., key: _Optional[str] = ..., customer_id: _Optional[int] = ..., value: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., expected_revision: _Optional[int] = ..., etag: _Optional[str] = ...) -> None: ...

class PutEntryResponse(_message.Message):
    __slots__ = ("entry",)
    ENTRY_FIELD_NUMBER: _ClassVar[int]
    entry: Entry
    def __init__(self, entry: _Optional[_Union[Entry, _Mapping]] = ...) -> None: ...

class EntryInput(_message.Message):
    __slots__ = ("key", "value")
    KEY_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    key: str
    value: _struct_pb2.Value
    def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ...) -> None: ...

class BulkPutEntriesRequest(_message.Message):
    __slots__ = ("store", "customer_id", "entries")
    STORE_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    store: str
    customer_id: int
    entries: _containers.RepeatedCompositeFieldContainer[EntryInput]
    def __init__(self, store: _Optional[str] = ..., customer_id: _Optional[int] = ..., entries: _Optional[_Iterable[_Union[EntryInput, _Mapping]]] = ...) -> None: ...

class BulkPutEntriesResponse(_message.Message):
    __slots__ = ("entries",)
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    entries: _containers.RepeatedCompositeFieldContainer[Entry]
    def __init__(self, entries: _Optional[_Iterable[_Union[Entry, _Mapping]]] = ...) -> None: ...

class DeleteEntriesRequest(_message.Message):
    __slots__ = ("store", "keys", "customer_id")
    STORE_FIELD_NUMBER: _ClassVar[int]
    KEYS_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    store: str
    keys: _containers.RepeatedScalarFieldContainer[str]
    customer_id: int
    def __init__(self, store: _Optional[str] = ..., keys: _Optional[_Iterable[str]] = ..., customer_id: _Optional[int] = ...) -> None: ...

class DeleteEntriesResponse(_message.Message):
    __slots__ = ("entries",)
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    entries: _containers.RepeatedCompositeFieldContainer[Entry]
    def __init__(self, entries: _Optional[_Iterable[_Union[Entry, _Mapping]]] = ...) -> None: ...
