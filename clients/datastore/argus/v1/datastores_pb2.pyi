from datastore.options.v1 import http_options_pb2 as _http_options_pb2
from google.api import annotations_pb2 as _annotations_pb2
from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class CustomerInfo(_message.Message):
    __slots__ = ("id", "name", "short_name")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    SHORT_NAME_FIELD_NUMBER: _ClassVar[int]
    id: int
    name: str
    short_name: str
    def __init__(self, id: _Optional[int] = ..., name: _Optional[str] = ..., short_name: _Optional[str] = ...) -> None: ...

class UserInfo(_message.Message):
    __slots__ = ("id", "customer_id", "customer", "name", "user_name", "type")
    ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    USER_NAME_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    id: int
    customer_id: int
    customer: CustomerInfo
    name: str
    user_name: str
    type: str
    def __init__(self, id: _Optional[int] = ..., customer_id: _Optional[int] = ..., customer: _Optional[_Union[CustomerInfo, _Mapping]] = ..., name: _Optional[str] = ..., user_name: _Optional[str] = ..., type: _Optional[str] = ...) -> None: ...

class FunctionInfo(_message.Message):
    __slots__ = ("id", "name")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    id: int
    name: str
    def __init__(self, id: _Optional[int] = ..., name: _Optional[str] = ...) -> None: ...

class Descriptor(_message.Message):
    __slots__ = ("name", "description", "data_type", "behaviour_type", "life_time", "global_data", "expire_data", "deleted", "use_lower_case_keys", "last_updated_timestamp", "last_updated_by_user")
    NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    DATA_TYPE_FIELD_NUMBER: _ClassVar[int]
    BEHAVIOUR_TYPE_FIELD_NUMBER: _ClassVar[int]
    LIFE_TIME_FIELD_NUMBER: _ClassVar[int]
    GLOBAL_DATA_FIELD_NUMBER: _ClassVar[int]
    EXPIRE_DATA_FIELD_NUMBER: _ClassVar[int]
    DELETED_FIELD_NUMBER: _ClassVar[int]
    USE_LOWER_CASE_KEYS_FIELD_NUMBER: _ClassVar[int]
    LAST_UPDATED_TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    LAST_UPDATED_BY_USER_FIELD_NUMBER: _ClassVar[int]
    name: str
    description: str
    data_type: str
    behaviour_type: str
    life_time: int
    global_data: bool
    expire_data: bool
    deleted: bool
    use_lower_case_keys: bool
    last_updated_timestamp: int
    last_updated_by_user: UserInfo
    def __init__(self, name: _Optional[str] = ..., description: _Optional[str] = ..., data_type: _Optional[str] = ..., behaviour_type: _Optional[str] = ..., life_time: _Optional[int] = ..., global_data: _Optional[bool] = ..., expire_data: _Optional[bool] = ..., deleted: _Optional[bool] = ..., use_lower_case_keys: _Optional[bool] = ..., last_updated_timestamp: _Optional[int] = ..., last_updated_by_user: _Optional[_Union[UserInfo, _Mapping]] = ...) -> None: ...

class Entry(_message.Message):
    __slots__ = ("data_store_name", "key", "value", "customer_id", "customer", "flags", "last_updated_timestamp", "last_updated_by_user")
    DATA_STORE_NAME_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    FLAGS_FIELD_NUMBER: _ClassVar[int]
    LAST_UPDATED_TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    LAST_UPDATED_BY_USER_FIELD_NUMBER: _ClassVar[int]
    data_store_name: str
    key: str
    value: str
    customer_id: int
    customer: CustomerInfo
    flags: _containers.RepeatedScalarFieldContainer[str]
    last_updated_timestamp: int
    last_updated_by_user: UserInfo
    def __init__(self, data_store_name: _Optional[str] = ..., key: _Optional[str] = ..., value: _Optional[str] = ..., customer_id: _Optional[int] = ..., customer: _Optional[_Union[CustomerInfo, _Mapping]] = ..., flags: _Optional[_Iterable[str]] = ..., last_updated_timestamp: _Optional[int] = ..., last_updated_by_user: _Optional[_Union[UserInfo, _Mapping]] = ...) -> None: ...

class ResultMessage(_message.Message):
    __slots__ = ("message", "message_template", "type", "field", "parameter", "timestamp")
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_TEMPLATE_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    FIELD_FIELD_NUMBER: _ClassVar[int]
    PARAMETER_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    message: str
    message_template: str
    type: str
    field: str
    parameter: _struct_pb2.Value
    timestamp: int
    def __init__(self, message: _Optional[str] = ..., message_template: _Optional[str] = ..., type: _Optional[str] = ..., field: _Optional[str] = ..., parameter: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., timestamp: _Optional[int] = ...) -> None: ...

class DescriptorEnvelope(_message.Message):
    __slots__ = ("response_code", "limit", "offset", "count", "size", "meta_data", "messages", "data", "current_page")
    RESPONSE_CODE_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    OFFSET_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    SIZE_FIELD_NUMBER: _ClassVar[int]
    META_DATA_FIELD_NUMBER: _ClassVar[int]
    MESSAGES_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    CURRENT_PAGE_FIELD_NUMBER: _ClassVar[int]
    response_code: int
    limit: int
    offset: int
    count: int
    size: int
    meta_data: _struct_pb2.Struct
    messages: _containers.RepeatedCompositeFieldContainer[ResultMessage]
    data: Descriptor
    current_page: int
    def __init__(self, response_code: _Optional[int] = ..., limit: _Optional[int] = ..., offset: _Optional[int] = ..., count: _Optional[int] = ..., size: _Optional[int] = ..., meta_data: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., messages: _Optional[_Iterable[_Union[ResultMessage, _Mapping]]] = ..., data: _Optional[_Union[Descriptor, _Mapping]] = ..., current_page: _Optional[int] = ...) -> None: ...

class DescriptorListEnvelope(_message.Message):
    __slots__ = ("response_code", "limit", "offset", "count", "size", "meta_data", "messages", "data", "current_page")
    RESPONSE_CODE_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    OFFSET_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    SIZE_FIELD_NUMBER: _ClassVar[int]
    META_DATA_FIELD_NUMBER: _ClassVar[int]
    MESSAGES_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    CURRENT_PAGE_FIELD_NUMBER: _ClassVar[int]
    response_code: int
    limit: int
    offset: int
    count: int
    size: int
    meta_data: _struct_pb2.Struct
    messages: _containers.RepeatedCompositeFieldContainer[ResultMessage]
    data: _containers.RepeatedCompositeFieldContainer[Descriptor]
    current_page: int
    def __init__(self, response_code: _Optional[int] = ..., limit: _Optional[int] = ..., offset: _Optional[int] = ..., count: _Optional[int] = ..., size: _Optional[int] = ..., meta_data: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., messages: _Optional[_Iterable[_Union[ResultMessage, _Mapping]]] = ..., data: _Optional[_Iterable[_Union[Descriptor, _Mapping]]] = ..., current_page: _Optional[int] = ...) -> None: ...

class EntryEnvelope(_message.Message):
    __slots__ = ("response_code", "limit", "offset", "count", "size", "meta_data", "messages", "data", "current_page")
    RESPONSE_CODE_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    OFFSET_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    SIZE_FIELD_NUMBER: _ClassVar[int]
    META_DATA_FIELD_NUMBER: _ClassVar[int]
    MESSAGES_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    CURRENT_PAGE_FIELD_NUMBER: _ClassVar[int]
    response_code: int
    limit: int
    offset: int
    count: int
    size: int
    meta_data: _struct_pb2.Struct
    messages: _containers.RepeatedCompositeFieldContainer[ResultMessage]
    data: Entry
    current_page: int
    def __init__(self, response_code: _Optional[int] = ..., limit: _Optional[int] = ..., offset: _Optional[int] = ..., count: _Optional[int] = ..., size: _Optional[int] = ..., meta_data: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., messages: _Optional[_Iterable[_Union[ResultMessage, _Mapping]]] = ..., data: _Optional[_Union[Entry, _Mapping]] = ..., current_page: _Optional[int] = ...) -> None: ...

class EntryListEnvelope(_message.Message):
    __slots__ = ("response_code", "limit", "offset", "count", "size", "meta_data", "messages", "data", "current_page")
    RESPONSE_CODE_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    OFFSET_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    SIZE_FIELD_NUMBER: _ClassVar[int]
    META_DATA_FIELD_NUMBER: _ClassVar[int]
    MESSAGES_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    CURRENT_PAGE_FIELD_NUMBER: _ClassVar[int]
    response_code: int
    limit: int
    offset: int
    count: int
    size: int
    meta_data: _struct_pb2.Struct
    messages: _containers.RepeatedCompositeFieldContainer[ResultMessage]
    data: _containers.RepeatedCompositeFieldContainer[Entry]
    current_page: int
    def __init__(self, response_code: _Optional[int] = ..., limit: _Optional[int] = ..., offset: _Optional[int] = ..., count: _Optional[int] = ..., size: _Optional[int] = ..., meta_data: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., messages: _Optional[_Iterable[_Union[ResultMessage, _Mapping]]] = ..., data: _Optional[_Iterable[_Union[Entry, _Mapping]]] = ..., current_page: _Optional[int] = ...) -> None: ...

class ListDescriptorsRequest(_message.Message):
    __slots__ = ("offset", "limit", "keywords", "keyword_match", "keyword_field", "sort_by")
    OFFSET_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    KEYWORDS_FIELD_NUMBER: _ClassVar[int]
    KEYWORD_MATCH_FIELD_NUMBER: _ClassVar[int]
    KEYWORD_FIELD_FIELD_NUMBER: _ClassVar[int]
    SORT_BY_FIELD_NUMBER: _ClassVar[int]
    offset: int
    limit: int
    keywords: _containers.RepeatedScalarFieldContainer[str]
    keyword_match: str
    keyword_field: _containers.RepeatedScalarFieldContainer[str]
    sort_by: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, offset: _Optional[int] = ..., limit: _Optional[int] = ..., keywords: _Optional[_Iterable[str]] = ..., keyword_match: _Optional[str] = ..., keyword_field: _Optional[_Iterable[str]] = ..., sort_by: _Optional[_Iterable[str]] = ...) -> None: ...

class SearchDescriptorsRequest(_message.Message):
    __slots__ = ("limit", "offset", "include_deleted", "keywords", "keyword_field_strategy", "keyword_match_strategy", "sort_by", "sub_criteria", "exclude", "required")
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    OFFSET_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_DELETED_FIELD_NUMBER: _ClassVar[int]
    KEYWORDS_FIELD_NUMBER: _ClassVar[int]
    KEYWORD_FIELD_STRATEGY_FIELD_NUMBER: _ClassVar[int]
    KEYWORD_MATCH_STRATEGY_FIELD_NUMBER: _ClassVar[int]
    SORT_BY_FIELD_NUMBER: _ClassVar[int]
    SUB_CRITERIA_FIELD_NUMBER: _ClassVar[int]
    EXCLUDE_FIELD_NUMBER: _ClassVar[int]
    REQUIRED_FIELD_NUMBER: _ClassVar[int]
    limit: int
    offset: int
    include_deleted: bool
    keywords: _containers.RepeatedScalarFieldContainer[str]
    keyword_field_strategy: _containers.RepeatedScalarFieldContainer[str]
    keyword_match_strategy: str
    sort_by: _containers.RepeatedScalarFieldContainer[str]
    sub_criteria: _containers.RepeatedCompositeFieldContainer[_struct_pb2.Struct]
    exclude: bool
    required: bool
    def __init__(self, limit: _Optional[int] = ..., offset: _Optional[int] = ..., include_deleted: _Optional[bool] = ..., keywords: _Optional[_Iterable[str]] = ..., keyword_field_strategy: _Optional[_Iterable[str]] = ..., keyword_match_strategy: _Optional[str] = ..., sort_by: _Optional[_Iterable[str]] = ..., sub_criteria: _Optional[_Iterable[_Union[_struct_pb2.Struct, _Mapping]]] = ..., exclude: _Optional[bool] = ..., required: _Optional[bool] = ...) -> None: ...

class AddDescriptorRequest(_message.Message):
    __slots__ = ("name", "description", "data_type", "behaviour_type", "global_data", "expire_data", "life_time", "use_lower_case_keys", "read_function", "write_function")
    NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    DATA_TYPE_FIELD_NUMBER: _ClassVar[int]
    BEHAVIOUR_TYPE_FIELD_NUMBER: _ClassVar[int]
    GLOBAL_DATA_FIELD_NUMBER: _ClassVar[int]
    EXPIRE_DATA_FIELD_NUMBER: _ClassVar[int]
    LIFE_TIME_FIELD_NUMBER: _ClassVar[int]
    USE_LOWER_CASE_KEYS_FIELD_NUMBER: _ClassVar[int]
    READ_FUNCTION_FIELD_NUMBER: _ClassVar[int]
    WRITE_FUNCTION_FIELD_NUMBER: _ClassVar[int]
    name: str
    description: str
    data_type: str
    behaviour_type: str
    global_data: bool
    expire_data: bool
    life_time: int
    use_lower_case_keys: bool
    read_function: FunctionInfo
    write_function: FunctionInfo
    def __init__(self, name: _Optional[str] = ..., description: _Optional[str] = ..., data_type: _Optional[str] = ..., behaviour_type: _Optional[str] = ..., global_data: _Optional[bool] = ..., expire_data: _Optional[bool] = ..., life_time: _Optional[int] = ..., use_lower_case_keys: _Optional[bool] = ..., read_function: _Optional[_Union[FunctionInfo, _Mapping]] = ..., write_function: _Optional[_Union[FunctionInfo, _Mapping]] = ...) -> None: ...

class GetDescriptorRequest(_message.Message):
    __slots__ = ("data_store",)
    DATA_STORE_FIELD_NUMBER: _ClassVar[int]
    data_store: str
    def __init__(self, data_store: _Optional[str] = ...) -> None: ...

class UpdateDescriptorRequest(_message.Message):
    __slots__ = ("data_store", "name", "description", "global_data", "expire_data", "life_time", "read_function", "write_function")
    DATA_STORE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    GLOBAL_DATA_FIELD_NUMBER: _ClassVar[int]
    EXPIRE_DATA_FIELD_NUMBER: _ClassVar[int]
    LIFE_TIME_FIELD_NUMBER: _ClassVar[int]
    READ_FUNCTION_FIELD_NUMBER: _ClassVar[int]
    WRITE_FUNCTION_FIELD_NUMBER: _ClassVar[int]
    data_store: str
    name: str
    description: str
    global_data: bool
    expire_data: bool
    life_time: int
    read_function: FunctionInfo
    write_function: FunctionInfo
    def __init__(self, data_store: _Optional[str] = ..., name: _Optional[str] = ..., description: _Optional[str] = ..., global_data: _Optional[bool] = ..., expire_data: _Optional[bool] = ..., life_time: _Optional[int] = ..., read_function: _Optional[_Union[FunctionInfo, _Mapping]] = ..., write_function: _Optional[_Union[FunctionInfo, _Mapping]] = ...) -> None: ...

class DeleteDescriptorRequest(_message.Message):
    __slots__ = ("data_store",)
    DATA_STORE_FIELD_NUMBER: _ClassVar[int]
    data_store: str
    def __init__(self, data_store: _Optional[str] = ...) -> None: ...

class ListEntriesRequest(_message.Message):
    __slots__ = ("data_store", "offset", "limit", "customer_id", "key", "include_deleted")
    DATA_STORE_FIELD_NUMBER: _ClassVar[int]
    OFFSET_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_DELETED_FIELD_NUMBER: _ClassVar[int]
    data_store: str
    offset: int
    limit: int
    customer_id: _containers.RepeatedScalarFieldContainer[int]
    key: _containers.RepeatedScalarFieldContainer[str]
    include_deleted: bool
    def __init__(self, data_store: _Optional[str] = ..., offset: _Optional[int] = ..., limit: _Optional[int] = ..., customer_id: _Optional[_Iterable[int]] = ..., key: _Optional[_Iterable[str]] = ..., include_deleted: _Optional[bool] = ...) -> None: ...

class SearchEntriesRequest(_message.Message):
    __slots__ = ("data_store", "limit", "offset", "include_deleted", "customer_id", "user_id", "key", "from_key", "to_key", "start_timestamp", "end_timestamp", "count_timeout", "sort_by", "sub_criteria", "exclude", "required")
    DATA_STORE_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    OFFSET_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_DELETED_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    FROM_KEY_FIELD_NUMBER: _ClassVar[int]
    TO_KEY_FIELD_NUMBER: _ClassVar[int]
    START_TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    END_TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    COUNT_TIMEOUT_FIELD_NUMBER: _ClassVar[int]
    SORT_BY_FIELD_NUMBER: _ClassVar[int]
    SUB_CRITERIA_FIELD_NUMBER: _ClassVar[int]
    EXCLUDE_FIELD_NUMBER: _ClassVar[int]
    REQUIRED_FIELD_NUMBER: _ClassVar[int]
    data_store: str
    limit: int
    offset: int
    include_deleted: bool
    customer_id: _containers.RepeatedScalarFieldContainer[int]
    user_id: _containers.RepeatedScalarFieldContainer[int]
    key: _containers.RepeatedScalarFieldContainer[str]
    from_key: str
    to_key: str
    start_timestamp: int
    end_timestamp: int
    count_timeout: int
    sort_by: _containers.RepeatedScalarFieldContainer[str]
    sub_criteria: _containers.RepeatedCompositeFieldContainer[_struct_pb2.Struct]
    exclude: bool
    required: bool
    def __init__(self, data_store: _Optional[str] = ..., limit: _Optional[int] = ..., offset: _Optional[int] = ..., include_deleted: _Optional[bool] = ..., customer_id: _Optional[_Iterable[int]] = ..., user_id: _Optional[_Iterable[int]] = ..., key: _Optional[_Iterable[str]] = ..., from_key: _Optional[str] = ..., to_key: _Optional[str] = ..., start_timestamp: _Optional[int] = ..., end_timestamp: _Optional[int] = ..., count_timeout: _Optional[int] = ..., sort_by: _Optional[_Iterable[str]] = ..., sub_criteria: _Optional[_Iterable[_Union[_struct_pb2.Struct, _Mapping]]] = ..., exclude: _Optional[bool] = ..., required: _Optional[bool] = ...) -> None: ...

class PutEntriesRequest(_message.Message):
    __slots__ = ("data_store", "customer_id", "body")
    DATA_STORE_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    BODY_FIELD_NUMBER: _ClassVar[int]
    data_store: str
    customer_id: int
    body: _struct_pb2.Struct
    def __init__(self, data_store: _Optional[str] = ..., customer_id: _Optional[int] = ..., body: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class DeleteEntriesRequest(_message.Message):
    __slots__ = ("data_store", "key", "customer_id")
    DATA_STORE_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    data_store: str
    key: _containers.RepeatedScalarFieldContainer[str]
    customer_id: int
    def __init__(self, data_store: _Optional[str] = ..., key: _Optional[_Iterable[str]] = ..., customer_id: _Optional[int] = ...) -> None: ...

class GetEntryRequest(_message.Message):
    __slots__ = ("data_store", "key", "customer_id", "include_deleted")
    DATA_STORE_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_DELETED_FIELD_NUMBER: _ClassVar[int]
    data_store: str
    key: str
    customer_id: int
    include_deleted: bool
    def __init__(self, data_store: _Optional[str] = ..., key: _Optional[str] = ..., customer_id: _Optional[int] = ..., include_deleted: _Optional[bool] = ...) -> None: ...

class PutKeyRequest(_message.Message):
    __slots__ = ("data_store", "key", "customer_id")
    DATA_STORE_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    data_store: str
    key: str
    customer_id: int
    def __init__(self, data_store: _Optional[str] = ..., key: _Optional[str] = ..., customer_id: _Optional[int] = ...) -> None: ...

class PutValueRequest(_message.Message):
    __slots__ = ("data_store", "key", "value", "customer_id")
    DATA_STORE_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    data_store: str
    key: str
    value: str
    customer_id: int
    def __init__(self, data_store: _Optional[str] = ..., key: _Optional[str] = ..., value: _Optional[str] = ..., customer_id: _Optional[int] = ...) -> None: ...
