from datastore.options.v1 import http_options_pb2 as _http_options_pb2
from google.api import annotations_pb2 as _annotations_pb2
from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class DataStore(_message.Message):
    __slots__ = ("id", "name", "records", "size", "max_size", "team_id", "datastructure_id")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    RECORDS_FIELD_NUMBER: _ClassVar[int]
    SIZE_FIELD_NUMBER: _ClassVar[int]
    MAX_SIZE_FIELD_NUMBER: _ClassVar[int]
    TEAM_ID_FIELD_NUMBER: _ClassVar[int]
    DATASTRUCTURE_ID_FIELD_NUMBER: _ClassVar[int]
    id: int
    name: str
    records: int
    size: str
    max_size: str
    team_id: int
    datastructure_id: int
    def __init__(self, id: _Optional[int] = ..., name: _Optional[str] = ..., records: _Optional[int] = ..., size: _Optional[str] = ..., max_size: _Optional[str] = ..., team_id: _Optional[int] = ..., datastructure_id: _Optional[int] = ...) -> None: ...

class Pagination(_message.Message):
    __slots__ = ("sort_by", "sort_dir", "offset", "limit")
    SORT_BY_FIELD_NUMBER: _ClassVar[int]
    SORT_DIR_FIELD_NUMBER: _ClassVar[int]
    OFFSET_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    sort_by: str
    sort_dir: str
    offset: int
    limit: int
    def __init__(self, sort_by: _Optional[str] = ..., sort_dir: _Optional[str] = ..., offset: _Optional[int] = ..., limit: _Optional[int] = ...) -> None: ...

class PageInfo(_message.Message):
    __slots__ = ("sort_by", "sort_dir", "limit", "offset", "last", "show_last")
    SORT_BY_FIELD_NUMBER: _ClassVar[int]
    SORT_DIR_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    OFFSET_FIELD_NUMBER: _ClassVar[int]
    LAST_FIELD_NUMBER: _ClassVar[int]
    SHOW_LAST_FIELD_NUMBER: _ClassVar[int]
    sort_by: str
    sort_dir: str
    limit: int
    offset: int
    last: str
    show_last: bool
    def __init__(self, sort_by: _Optional[str] = ..., sort_dir: _Optional[str] = ..., limit: _Optional[int] = ..., offset: _Optional[int] = ..., last: _Optional[str] = ..., show_last: _Optional[bool] = ...) -> None: ...

class ListDataStoresRequest(_message.Message):
    __slots__ = ("team_id", "pg")
    TEAM_ID_FIELD_NUMBER: _ClassVar[int]
    PG_FIELD_NUMBER: _ClassVar[int]
    team_id: int
    pg: Pagination
    def __init__(self, team_id: _Optional[int] = ..., pg: _Optional[_Union[Pagination, _Mapping]] = ...) -> None: ...

class ListDataStoresResponse(_message.Message):
    __slots__ = ("data_stores", "pg")
    DATA_STORES_FIELD_NUMBER: _ClassVar[int]
    PG_FIELD_NUMBER: _ClassVar[int]
    data_stores: _containers.RepeatedCompositeFieldContainer[DataStore]
    pg: PageInfo
    def __init__(self, data_stores: _Optional[_Iterable[_Union[DataStore, _Mapping]]] = ..., pg: _Optional[_Union[PageInfo, _Mapping]] = ...) -> None: ...

class CreateDataStoreRequest(_message.Message):
    __slots__ = ("name", "team_id", "datastructure_id", "max_size_mb")
    NAME_FIELD_NUMBER: _ClassVar[int]
    TEAM_ID_FIELD_NUMBER: _ClassVar[int]
    DATASTRUCTURE_ID_FIELD_NUMBER: _ClassVar[int]
    MAX_SIZE_MB_FIELD_NUMBER: _ClassVar[int]
    name: str
    team_id: int
    datastructure_id: int
    max_size_mb: int
    def __init__(self, name: _Optional[str] = ..., team_id: _Optional[int] = ..., datastructure_id: _Optional[int] = ..., max_size_mb: _Optional[int] = ...) -> None: ...

class DataStoreResponse(_message.Message):
    __slots__ = ("data_store",)
    DATA_STORE_FIELD_NUMBER: _ClassVar[int]
    data_store: DataStore
    def __init__(self, data_store: _Optional[_Union[DataStore, _Mapping]] = ...) -> None: ...

class GetDataStoreRequest(_message.Message):
    __slots__ = ("data_store_id",)
    DATA_STORE_ID_FIELD_NUMBER: _ClassVar[int]
    data_store_id: int
    def __init__(self, data_store_id: _Optional[int] = ...) -> None: ...

class UpdateDataStoreRequest(_message.Message):
    __slots__ = ("data_store_id", "name", "datastructure_id", "max_size_mb")
    DATA_STORE_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    DATASTRUCTURE_ID_FIELD_NUMBER: _ClassVar[int]
    MAX_SIZE_MB_FIELD_NUMBER: _ClassVar[int]
    data_store_id: int
    name: str
    datastructure_id: int
    max_size_mb: int
    def __init__(self, data_store_id: _Optional[int] = ..., name: _Optional[str] = ..., datastructure_id: _Optional[int] = ..., max_size_mb: _Optional[int] = ...) -> None: ...

class DataStoreIds(_message.Message):
    __slots__ = ("ids",)
    IDS_FIELD_NUMBER: _ClassVar[int]
    ids: _containers.RepeatedScalarFieldContainer[int]
    def __init__(self, ids: _Optional[_Iterable[int]] = ...) -> None: ...

class DeleteDataStoresRequest(_message.Message):
    __slots__ = ("team_id", "confirmed", "ids")
    TEAM_ID_FIELD_NUMBER: _ClassVar[int]
    CONFIRMED_FIELD_NUMBER: _ClassVar[int]
    IDS_FIELD_NUMBER: _ClassVar[int]
    team_id: int
    confirmed: bool
    ids: DataStoreIds
    def __init__(self, team_id: _Optional[int] = ..., confirmed: _Optional[bool] = ..., ids: _Optional[_Union[DataStoreIds, _Mapping]] = ...) -> None: ...

class DeleteDataStoresResponse(_message.Message):
    __slots__ = ("data_stores",)
    DATA_STORES_FIELD_NUMBER: _ClassVar[int]
    data_stores: _containers.RepeatedScalarFieldContainer[int]
    def __init__(self, data_stores: _Optional[_Iterable[int]] = ...) -> None: ...

class SpecField(_message.Message):
    __slots__ = ("name", "label", "type", "default_value", "required")
    NAME_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_VALUE_FIELD_NUMBER: _ClassVar[int]
    REQUIRED_FIELD_NUMBER: _ClassVar[int]
    name: str
    label: str
    type: str
    default_value: _struct_pb2.Value
    required: bool
    def __init__(self, name: _Optional[str] = ..., label: _Optional[str] = ..., type: _Optional[str] = ..., default_value: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., required: _Optional[bool] = ...) -> None: ...

class Record(_message.Message):
    __slots__ = ("key", "data")
    KEY_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    key: str
    data: _struct_pb2.Struct
    def __init__(self, key: _Optional[str] = ..., data: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class RecordPage(_message.Message):
    __slots__ = ("limit", "offset")
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    OFFSET_FIELD_NUMBER: _ClassVar[int]
    limit: int
    offset: int
    def __init__(self, limit: _Optional[int] = ..., offset: _Optional[int] = ...) -> None: ...

class ListRecordsRequest(_message.Message):
    __slots__ = ("data_store_id", "pg")
    DATA_STORE_ID_FIELD_NUMBER: _ClassVar[int]
    PG_FIELD_NUMBER: _ClassVar[int]
    data_store_id: int
    pg: Pagination
    def __init__(self, data_store_id: _Optional[int] = ..., pg: _Optional[_Union[Pagination, _Mapping]] = ...) -> None: ...

class ListRecordsResponse(_message.Message):
    __slots__ = ("records", "spec", "strict", "count", "pg")
    RECORDS_FIELD_NUMBER: _ClassVar[int]
    SPEC_FIELD_NUMBER: _ClassVar[int]
    STRICT_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    PG_FIELD_NUMBER: _ClassVar[int]
    records: _containers.RepeatedCompositeFieldContainer[Record]
    spec: _containers.RepeatedCompositeFieldContainer[SpecField]
    strict: bool
    count: int
    pg: RecordPage
    def __init__(self, records: _Optional[_Iterable[_Union[Record, _Mapping]]] = ..., spec: _Optional[_Iterable[_Union[SpecField, _Mapping]]] = ..., strict: _Optional[bool] = ..., count: _Optional[int] = ..., pg: _Optional[_Union[RecordPage, _Mapping]] = ...) -> None: ...

class AddRecordRequest(_message.Message):
    __slots__ = ("data_store_id", "key", "data")
    DATA_STORE_ID_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    data_store_id: int
    key: str
    data: _struct_pb2.Struct
    def __init__(self, data_store_id: _Optional[int] = ..., key: _Optional[str] = ..., data: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class ReplaceRecordRequest(_message.Message):
    __slots__ = ("data_store_id", "key", "data")
    DATA_STORE_ID_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    data_store_id: int
    key: str
    data: _struct_pb2.Struct
    def __init__(self, data_store_id: _Optional[int] = ..., key: _Optional[str] = ..., data: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class UpdateRecordRequest(_message.Message):
    __slots__ = ("data_store_id", "key", "data")
    DATA_STORE_ID_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    data_store_id: int
    key: str
    data: _struct_pb2.Struct
    def __init__(self, data_store_id: _Optional[int] = ..., key: _Optional[str] = ..., data: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class DeleteRecordsRequest(_message.Message):
    __slots__ = ("data_store_id", "keys", "all", "except_keys")
    DATA_STORE_ID_FIELD_NUMBER: _ClassVar[int]
    KEYS_FIELD_NUMBER: _ClassVar[int]
    ALL_FIELD_NUMBER: _ClassVar[int]
    EXCEPT_KEYS_FIELD_NUMBER: _ClassVar[int]
    data_store_id: int
    keys: _containers.RepeatedScalarFieldContainer[str]
    all: bool
    except_keys: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, data_store_id: _Optional[int] = ..., keys: _Optional[_Iterable[str]] = ..., all: _Optional[bool] = ..., except_keys: _Optional[_Iterable[str]] = ...) -> None: ...

class DeleteRecordsResponse(_message.Message):
    __slots__ = ("keys",)
    KEYS_FIELD_NUMBER: _ClassVar[int]
    keys: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, keys: _Optional[_Iterable[str]] = ...) -> None: ...

class DataStructure(_message.Message):
    __slots__ = ("id", "name", "team_id", "spec", "strict")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    TEAM_ID_FIELD_NUMBER: _ClassVar[int]
    SPEC_FIELD_NUMBER: _ClassVar[int]
    STRICT_FIELD_NUMBER: _ClassVar[int]
    id: int
    name: str
    team_id: int
    spec: _containers.RepeatedCompositeFieldContainer[SpecField]
    strict: bool
    def __init__(self, id: _Optional[int] = ..., name: _Optional[str] = ..., team_id: _Optional[int] = ..., spec: _Optional[_Iterable[_Union[SpecField, _Mapping]]] = ..., strict: _Optional[bool] = ...) -> None: ...

class ListDataStructuresRequest(_message.Message):
    __slots__ = ("team_id", "pg")
    TEAM_ID_FIELD_NUMBER: _ClassVar[int]
    PG_FIELD_NUMBER: _ClassVar[int]
    team_id: int
    pg: Pagination
    def __init__(self, team_id: _Optional[int] = ..., pg: _Optional[_Union[Pagination, _Mapping]] = ...) -> None: ...

class ListDataStructuresResponse(_message.Message):
    __slots__ = ("data_structures", "pg")
    DATA_STRUCTURES_FIELD_NUMBER: _ClassVar[int]
    PG_FIELD_NUMBER: _ClassVar[int]
    data_structures: _containers.RepeatedCompositeFieldContainer[DataStructure]
    pg: PageInfo
    def __init__(self, data_structures: _Optional[_Iterable[_Union[DataStructure, _Mapping]]] = ..., pg: _Optional[_Union[PageInfo, _Mapping]] = ...) -> None: ...

class CreateDataStructureRequest(_message.Message):
    __slots__ = ("name", "team_id", "spec", "strict")
    NAME_FIELD_NUMBER: _ClassVar[int]
    TEAM_ID_FIELD_NUMBER: _ClassVar[int]
    SPEC_FIELD_NUMBER: _ClassVar[int]
    STRICT_FIELD_NUMBER: _ClassVar[int]
    name: str
    team_id: int
    spec: _containers.RepeatedCompositeFieldContainer[SpecField]
    strict: bool
    def __init__(self, name: _Optional[str] = ..., team_id: _Optional[int] = ..., spec: _Optional[_Iterable[_Union[SpecField, _Mapping]]] = ..., strict: _Optional[bool] = ...) -> None: ...

class DataStructureResponse(_message.Message):
    __slots__ = ("data_structure",)
    DATA_STRUCTURE_FIELD_NUMBER: _ClassVar[int]
    data_structure: DataStructure
    def __init__(self, data_structure: _Optional[_Union[DataStructure, _Mapping]] = ...) -> None: ...

class GetDataStructureRequest(_message.Message):
    __slots__ = ("data_structure_id",)
    DATA_STRUCTURE_ID_FIELD_NUMBER: _ClassVar[int]
    data_structure_id: int
    def __init__(self, data_structure_id: _Optional[int] = ...) -> None: ...

class UpdateDataStructureRequest(_message.Message):
    __slots__ = ("data_structure_id", "name", "spec", "strict")
    DATA_STRUCTURE_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    SPEC_FIELD_NUMBER: _ClassVar[int]
    STRICT_FIELD_NUMBER: _ClassVar[int]
    data_structure_id: int
    name: str
    spec: _containers.RepeatedCompositeFieldContainer[SpecField]
    strict: bool
    def __init__(self, data_structure_id: _Optional[int] = ..., name: _Optional[str] = ..., spec: _Optional[_Iterable[_Union[SpecField, _Mapping]]] = ..., strict: _Optional[bool] = ...) -> None: ...

class DeleteDataStructureRequest(_message.Message):
    __slots__ = ("data_structure_id",)
    DATA_STRUCTURE_ID_FIELD_NUMBER: _ClassVar[int]
    data_structure_id: int
    def __init__(self, data_structure_id: _Optional[int] = ...) -> None: ...

class DeleteDataStructureResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...
