from datastore.v1 import auth_pb2 as _auth_pb2
from google.api import annotations_pb2 as _annotations_pb2
from google.protobuf import field_mask_pb2 as _field_mask_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class DataType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DATA_TYPE_UNSPECIFIED: _ClassVar[DataType]
    DATA_TYPE_MAP: _ClassVar[DataType]
    DATA_TYPE_LIST: _ClassVar[DataType]

class BehaviourType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    BEHAVIOUR_TYPE_UNSPECIFIED: _ClassVar[BehaviourType]
    BEHAVIOUR_TYPE_CENTRAL: _ClassVar[BehaviourType]
    BEHAVIOUR_TYPE_LOCAL: _ClassVar[BehaviourType]
    BEHAVIOUR_TYPE_DISTRIBUTED: _ClassVar[BehaviourType]
DATA_TYPE_UNSPECIFIED: DataType
DATA_TYPE_MAP: DataType
DATA_TYPE_LIST: DataType
BEHAVIOUR_TYPE_UNSPECIFIED: BehaviourType
BEHAVIOUR_TYPE_CENTRAL: BehaviourType
BEHAVIOUR_TYPE_LOCAL: BehaviourType
BEHAVIOUR_TYPE_DISTRIBUTED: BehaviourType

class Descriptor(_message.Message):
    __slots__ = ("name", "description", "data_type", "behaviour_type", "life_time", "global_data", "expire_data", "deleted", "use_lower_case_keys", "last_updated_timestamp", "last_updated_by_user", "created_timestamp", "created_by_user")
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
    CREATED_TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    CREATED_BY_USER_FIELD_NUMBER: _ClassVar[int]
    name: str
    description: str
    data_type: DataType
    behaviour_type: BehaviourType
    life_time: int
    global_data: bool
    expire_data: bool
    deleted: bool
    use_lower_case_keys: bool
    last_updated_timestamp: int
    last_updated_by_user: _auth_pb2.UserInfo
    created_timestamp: int
    created_by_user: _auth_pb2.UserInfo
    def __init__(self, name: _Optional[str] = ..., description: _Optional[str] = ..., data_type: _Optional[_Union[DataType, str]] = ..., behaviour_type: _Optional[_Union[BehaviourType, str]] = ..., life_time: _Optional[int] = ..., global_data: _Optional[bool] = ..., expire_data: _Optional[bool] = ..., deleted: _Optional[bool] = ..., use_lower_case_keys: _Optional[bool] = ..., last_updated_timestamp: _Optional[int] = ..., last_updated_by_user: _Optional[_Union[_auth_pb2.UserInfo, _Mapping]] = ..., created_timestamp: _Optional[int] = ..., created_by_user: _Optional[_Union[_auth_pb2.UserInfo, _Mapping]] = ...) -> None: ...

class GetDescriptorRequest(_message.Message):
    __slots__ = ("name", "show_deleted")
    NAME_FIELD_NUMBER: _ClassVar[int]
    SHOW_DELETED_FIELD_NUMBER: _ClassVar[int]
    name: str
    show_deleted: bool
    def __init__(self, name: _Optional[str] = ..., show_deleted: _Optional[bool] = ...) -> None: ...

class GetDescriptorResponse(_message.Message):
    __slots__ = ("descriptor",)
    DESCRIPTOR_FIELD_NUMBER: _ClassVar[int]
    descriptor: Descriptor
    def __init__(self, descriptor: _Optional[_Union[Descriptor, _Mapping]] = ...) -> None: ...

class ListDescriptorsRequest(_message.Message):
    __slots__ = ("limit", "offset", "show_deleted")
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    OFFSET_FIELD_NUMBER: _ClassVar[int]
    SHOW_DELETED_FIELD_NUMBER: _ClassVar[int]
    limit: int
    offset: int
    show_deleted: bool
    def __init__(self, limit: _Optional[int] = ..., offset: _Optional[int] = ..., show_deleted: _Optional[bool] = ...) -> None: ...

class ListDescriptorsResponse(_message.Message):
    __slots__ = ("descriptors", "total_size")
    DESCRIPTORS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_SIZE_FIELD_NUMBER: _ClassVar[int]
    descriptors: _containers.RepeatedCompositeFieldContainer[Descriptor]
    total_size: int
    def __init__(self, descriptors: _Optional[_Iterable[_Union[Descriptor, _Mapping]]] = ..., total_size: _Optional[int] = ...) -> None: ...

class CreateDescriptorRequest(_message.Message):
    __slots__ = ("descriptor",)
    DESCRIPTOR_FIELD_NUMBER: _ClassVar[int]
    descriptor: Descriptor
    def __init__(self, descriptor: _Optional[_Union[Descriptor, _Mapping]] = ...) -> None: ...

class CreateDescriptorResponse(_message.Message):
    __slots__ = ("descriptor",)
    DESCRIPTOR_FIELD_NUMBER: _ClassVar[int]
    descriptor: Descriptor
    def __init__(self, descriptor: _Optional[_Union[Descriptor, _Mapping]] = ...) -> None: ...

class UpdateDescriptorRequest(_message.Message):
    __slots__ = ("descriptor", "update_mask")
    DESCRIPTOR_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    descriptor: Descriptor
    update_mask: _field_mask_pb2.FieldMask
    def __init__(self, descriptor: _Optional[_Union[Descriptor, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ...) -> None: ...

class UpdateDescriptorResponse(_message.Message):
    __slots__ = ("descriptor",)
    DESCRIPTOR_FIELD_NUMBER: _ClassVar[int]
    descriptor: Descriptor
    def __init__(self, descriptor: _Optional[_Union[Descriptor, _Mapping]] = ...) -> None: ...

class DeleteDescriptorRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class DeleteDescriptorResponse(_message.Message):
    __slots__ = ("descriptor",)
    DESCRIPTOR_FIELD_NUMBER: _ClassVar[int]
    descriptor: Descriptor
    def __init__(self, descriptor: _Optional[_Union[Descriptor, _Mapping]] = ...) -> None: ...
