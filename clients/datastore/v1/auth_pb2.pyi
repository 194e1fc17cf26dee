from google.api import annotations_pb2 as _annotations_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class UserInfo(_message.Message):
    __slots__ = ("id", "customer_id", "name", "user_name", "type")
    ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    USER_NAME_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    id: int
    customer_id: int
    name: str
    user_name: str
    type: str
    def __init__(self, id: _Optional[int] = ..., customer_id: _Optional[int] = ..., name: _Optional[str] = ..., user_name: _Optional[str] = ..., type: _Optional[str] = ...) -> None: ...

class User(_message.Message):
    __slots__ = ("id", "user_name", "customer_id", "admin", "global_data", "readable_customer_ids", "writable_customer_ids", "groups")
    ID_FIELD_NUMBER: _ClassVar[int]
    USER_NAME_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    ADMIN_FIELD_NUMBER: _ClassVar[int]
    GLOBAL_DATA_FIELD_NUMBER: _ClassVar[int]
    READABLE_CUSTOMER_IDS_FIELD_NUMBER: _ClassVar[int]
    WRITABLE_CUSTOMER_IDS_FIELD_NUMBER: _ClassVar[int]
    GROUPS_FIELD_NUMBER: _ClassVar[int]
    id: int
    user_name: str
    customer_id: int
    admin: bool
    global_data: bool
    readable_customer_ids: _containers.RepeatedScalarFieldContainer[int]
    writable_customer_ids: _containers.RepeatedScalarFieldContainer[int]
    groups: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, id: _Optional[int] = ..., user_name: _Optional[str] = ..., customer_id: _Optional[int] = ..., admin: _Optional[bool] = ..., global_data: _Optional[bool] = ..., readable_customer_ids: _Optional[_Iterable[int]] = ..., writable_customer_ids: _Optional[_Iterable[int]] = ..., groups: _Optional[_Iterable[str]] = ...) -> None: ...

class CreateTokenRequest(_message.Message):
    __slots__ = ("username", "password")
    USERNAME_FIELD_NUMBER: _ClassVar[int]
    PASSWORD_FIELD_NUMBER: _ClassVar[int]
    username: str
    password: str
    def __init__(self, username: _Optional[str] = ..., password: _Optional[str] = ...) -> None: ...

class CreateTokenResponse(_message.Message):
    __slots__ = ("token", "expire_timestamp")
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    EXPIRE_TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    token: str
    expire_timestamp: int
    def __init__(self, token: _Optional[str] = ..., expire_timestamp: _Optional[int] = ...) -> None: ...

class RefreshTokenRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class RefreshTokenResponse(_message.Message):
    __slots__ = ("token", "expire_timestamp")
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    EXPIRE_TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    token: str
    expire_timestamp: int
    def __init__(self, token: _Optional[str] = ..., expire_timestamp: _Optional[int] = ...) -> None: ...

class GetCurrentUserRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetCurrentUserResponse(_message.Message):
    __slots__ = ("user",)
    USER_FIELD_NUMBER: _ClassVar[int]
    user: User
    def __init__(self, user: _Optional[_Union[User, _Mapping]] = ...) -> None: ...
