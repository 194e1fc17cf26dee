from datastore.options.v1 import http_options_pb2 as _http_options_pb2
from google.api import annotations_pb2 as _annotations_pb2
from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ListNamespacesRequest(_message.Message):
    __slots__ = ("api_version", "username")
    API_VERSION_FIELD_NUMBER: _ClassVar[int]
    USERNAME_FIELD_NUMBER: _ClassVar[int]
    api_version: str
    username: str
    def __init__(self, api_version: _Optional[str] = ..., username: _Optional[str] = ...) -> None: ...

class ListNamespacesResponse(_message.Message):
    __slots__ = ("namespaces",)
    NAMESPACES_FIELD_NUMBER: _ClassVar[int]
    namespaces: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, namespaces: _Optional[_Iterable[str]] = ...) -> None: ...

class GetNamespaceRequest(_message.Message):
    __slots__ = ("namespace", "api_version", "username", "fields", "filter", "order", "root_junction", "page", "page_size", "paging", "headless", "include_all")
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    API_VERSION_FIELD_NUMBER: _ClassVar[int]
    USERNAME_FIELD_NUMBER: _ClassVar[int]
    FIELDS_FIELD_NUMBER: _ClassVar[int]
    FILTER_FIELD_NUMBER: _ClassVar[int]
    ORDER_FIELD_NUMBER: _ClassVar[int]
    ROOT_JUNCTION_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGING_FIELD_NUMBER: _ClassVar[int]
    HEADLESS_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_ALL_FIELD_NUMBER: _ClassVar[int]
    namespace: str
    api_version: str
    username: str
    fields: str
    filter: _containers.RepeatedScalarFieldContainer[str]
    order: str
    root_junction: str
    page: int
    page_size: int
    paging: bool
    headless: bool
    include_all: bool
    def __init__(self, namespace: _Optional[str] = ..., api_version: _Optional[str] = ..., username: _Optional[str] = ..., fields: _Optional[str] = ..., filter: _Optional[_Iterable[str]] = ..., order: _Optional[str] = ..., root_junction: _Optional[str] = ..., page: _Optional[int] = ..., page_size: _Optional[int] = ..., paging: _Optional[bool] = ..., headless: _Optional[bool] = ..., include_all: _Optional[bool] = ...) -> None: ...

class GetNamespaceResponse(_message.Message):
    __slots__ = ("result",)
    RESULT_FIELD_NUMBER: _ClassVar[int]
    result: _struct_pb2.Value
    def __init__(self, result: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ...) -> None: ...

class GetEntryRequest(_message.Message):
    __slots__ = ("namespace", "key", "api_version", "username", "encrypt")
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    API_VERSION_FIELD_NUMBER: _ClassVar[int]
    USERNAME_FIELD_NUMBER: _ClassVar[int]
    ENCRYPT_FIELD_NUMBER: _ClassVar[int]
    namespace: str
    key: str
    api_version: str
    username: str
    encrypt: bool
    def __init__(self, namespace: _Optional[str] = ..., key: _Optional[str] = ..., api_version: _Optional[str] = ..., username: _Optional[str] = ..., encrypt: _Optional[bool] = ...) -> None: ...

class GetEntryResponse(_message.Message):
    __slots__ = ("value",)
    VALUE_FIELD_NUMBER: _ClassVar[int]
    value: _struct_pb2.Value
    def __init__(self, value: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ...) -> None: ...

class GetEntryMetaDataRequest(_message.Message):
    __slots__ = ("namespace", "key", "api_version", "username")
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    API_VERSION_FIELD_NUMBER: _ClassVar[int]
    USERNAME_FIELD_NUMBER: _ClassVar[int]
    namespace: str
    key: str
    api_version: str
    username: str
    def __init__(self, namespace: _Optional[str] = ..., key: _Optional[str] = ..., api_version: _Optional[str] = ..., username: _Optional[str] = ...) -> None: ...

class UserRef(_message.Message):
    __slots__ = ("id", "username", "name")
    ID_FIELD_NUMBER: _ClassVar[int]
    USERNAME_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    id: str
    username: str
    name: str
    def __init__(self, id: _Optional[str] = ..., username: _Optional[str] = ..., name: _Optional[str] = ...) -> None: ...

class Access(_message.Message):
    __slots__ = ("read", "write", "update", "delete", "manage", "externalize")
    READ_FIELD_NUMBER: _ClassVar[int]
    WRITE_FIELD_NUMBER: _ClassVar[int]
    UPDATE_FIELD_NUMBER: _ClassVar[int]
    DELETE_FIELD_NUMBER: _ClassVar[int]
    MANAGE_FIELD_NUMBER: _ClassVar[int]
    EXTERNALIZE_FIELD_NUMBER: _ClassVar[int]
    read: bool
    write: bool
    update: bool
    delete: bool
    manage: bool
    externalize: bool
    def __init__(self, read: _Optional[bool] = ..., write: _Optional[bool] = ..., update: _Optional[bool] = ..., delete: _Optional[bool] = ..., manage: _Optional[bool] = ..., externalize: _Optional[bool] = ...) -> None: ...

class Sharing(_message.Message):
    __slots__ = ("owner", "external", "users", "user_groups", "public")
    class UsersEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: SharingAccess
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[SharingAccess, _Mapping]] = ...) -> None: ...
    class UserGroupsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: SharingAccess
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[SharingAccess, _Mapping]] = ...) -> None: ...
    OWNER_FIELD_NUMBER: _ClassVar[int]
    EXTERNAL_FIELD_NUMBER: _ClassVar[int]
    USERS_FIELD_NUMBER: _ClassVar[int]
    USER_GROUPS_FIELD_NUMBER: _ClassVar[int]
    PUBLIC_FIELD_NUMBER: _ClassVar[int]
    owner: str
    external: bool
    users: _containers.MessageMap[str, SharingAccess]
    user_groups: _containers.MessageMap[str, SharingAccess]
    public: str
    def __init__(self, owner: _Optional[str] = ..., external: _Optional[bool] = ..., users: _Optional[_Mapping[str, SharingAccess]] = ..., user_groups: _Optional[_Mapping[str, SharingAccess]] = ..., public: _Optional[str] = ...) -> None: ...

class SharingAccess(_message.Message):
    __slots__ = ("id", "access")
    ID_FIELD_NUMBER: _ClassVar[int]
    ACCESS_FIELD_NUMBER: _ClassVar[int]
    id: str
    access: str
    def __init__(self, id: _Optional[str] = ..., access: _Optional[str] = ...) -> None: ...

class EntryMetaData(_message.Message):
    __slots__ = ("id", "created", "last_updated", "user", "created_by", "last_updated_by", "namespace", "key", "encrypted", "access", "sharing")
    ID_FIELD_NUMBER: _ClassVar[int]
    CREATED_FIELD_NUMBER: _ClassVar[int]
    LAST_UPDATED_FIELD_NUMBER: _ClassVar[int]
    USER_FIELD_NUMBER: _ClassVar[int]
    CREATED_BY_FIELD_NUMBER: _ClassVar[int]
    LAST_UPDATED_BY_FIELD_NUMBER: _ClassVar[int]
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    ENCRYPTED_FIELD_NUMBER: _ClassVar[int]
    ACCESS_FIELD_NUMBER: _ClassVar[int]
    SHARING_FIELD_NUMBER: _ClassVar[int]
    id: str
    created: str
    last_updated: str
    user: UserRef
    created_by: UserRef
    last_updated_by: UserRef
    namespace: str
    key: str
    encrypted: bool
    access: Access
    sharing: Sharing
    def __init__(self, id: _Optional[str] = ..., created: _Optional[str] = ..., last_updated: _Optional[str] = ..., user: _Optional[_Union[UserRef, _Mapping]] = ..., created_by: _Optional[_Union[UserRef, _Mapping]] = ..., last_updated_by: _Optional[_Union[UserRef, _Mapping]] = ..., namespace: _Optional[str] = ..., key: _Optional[str] = ..., encrypted: _Optional[bool] = ..., access: _Optional[_Union[Access, _Mapping]] = ..., sharing: _Optional[_Union[Sharing, _Mapping]] = ...) -> None: ...

class CreateEntryRequest(_message.Message):
    __slots__ = ("namespace", "key", "api_version", "username", "value", "encrypt")
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    API_VERSION_FIELD_NUMBER: _ClassVar[int]
    USERNAME_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    ENCRYPT_FIELD_NUMBER: _ClassVar[int]
    namespace: str
    key: str
    api_version: str
    username: str
    value: _struct_pb2.Value
    encrypt: bool
    def __init__(self, namespace: _Optional[str] = ..., key: _Optional[str] = ..., api_version: _Optional[str] = ..., username: _Optional[str] = ..., value: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., encrypt: _Optional[bool] = ...) -> None: ...

class UpdateEntryRequest(_message.Message):
    __slots__ = ("namespace", "key", "api_version", "username", "value", "path", "roll", "encrypt")
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    API_VERSION_FIELD_NUMBER: _ClassVar[int]
    USERNAME_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    PATH_FIELD_NUMBER: _ClassVar[int]
    ROLL_FIELD_NUMBER: _ClassVar[int]
    ENCRYPT_FIELD_NUMBER: _ClassVar[int]
    namespace: str
    key: str
    api_version: str
    username: str
    value: _struct_pb2.Value
    path: str
    roll: int
    encrypt: bool
    def __init__(self, namespace: _Optional[str] = ..., key: _Optional[str] = ..., api_version: _Optional[str] = ..., username: _Optional[str] = ..., value: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., path: _Optional[str] = ..., roll: _Optional[int] = ..., encrypt: _Optional[bool] = ...) -> None: ...

class DeleteEntryRequest(_message.Message):
    __slots__ = ("namespace", "key", "api_version", "username")
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    API_VERSION_FIELD_NUMBER: _ClassVar[int]
    USERNAME_FIELD_NUMBER: _ClassVar[int]
    namespace: str
    key: str
    api_version: str
    username: str
    def __init__(self, namespace: _Optional[str] = ..., key: _Optional[str] = ..., api_version: _Optional[str] = ..., username: _Optional[str] = ...) -> None: ...

class DeleteNamespaceRequest(_message.Message):
    __slots__ = ("namespace", "api_version", "username")
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    API_VERSION_FIELD_NUMBER: _ClassVar[int]
    USERNAME_FIELD_NUMBER: _ClassVar[int]
    namespace: str
    api_version: str
    username: str
    def __init__(self, namespace: _Optional[str] = ..., api_version: _Optional[str] = ..., username: _Optional[str] = ...) -> None: ...

class WebMessage(_message.Message):
    __slots__ = ("http_status", "http_status_code", "status", "message")
    HTTP_STATUS_FIELD_NUMBER: _ClassVar[int]
    HTTP_STATUS_CODE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    http_status: str
    http_status_code: int
    status: str
    message: str
    def __init__(self, http_status: _Optional[str] = ..., http_status_code: _Optional[int] = ..., status: _Optional[str] = ..., message: _Optional[str] = ...) -> None: ...

class NamespaceProtection(_message.Message):
    __slots__ = ("namespace", "reads", "writes", "authorities")
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    READS_FIELD_NUMBER: _ClassVar[int]
    WRITES_FIELD_NUMBER: _ClassVar[int]
    AUTHORITIES_FIELD_NUMBER: _ClassVar[int]
    namespace: str
    reads: str
    writes: str
    authorities: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, namespace: _Optional[str] = ..., reads: _Optional[str] = ..., writes: _Optional[str] = ..., authorities: _Optional[_Iterable[str]] = ...) -> None: ...

class ListProtectionsRequest(_message.Message):
    __slots__ = ("api_version",)
    API_VERSION_FIELD_NUMBER: _ClassVar[int]
    api_version: str
    def __init__(self, api_version: _Optional[str] = ...) -> None: ...

class ListProtectionsResponse(_message.Message):
    __slots__ = ("protections",)
    PROTECTIONS_FIELD_NUMBER: _ClassVar[int]
    protections: _containers.RepeatedCompositeFieldContainer[NamespaceProtection]
    def __init__(self, protections: _Optional[_Iterable[_Union[NamespaceProtection, _Mapping]]] = ...) -> None: ...

class SetProtectionRequest(_message.Message):
    __slots__ = ("api_version", "protection")
    API_VERSION_FIELD_NUMBER: _ClassVar[int]
    PROTECTION_FIELD_NUMBER: _ClassVar[int]
    api_version: str
    protection: NamespaceProtection
    def __init__(self, api_version: _Optional[str] = ..., protection: _Optional[_Union[NamespaceProtection, _Mapping]] = ...) -> None: ...

class SharingUser(_message.Message):
    __slots__ = ("id", "name")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: str
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ...) -> None: ...

class SharingAccessItem(_message.Message):
    __slots__ = ("id", "name", "display_name", "access")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    ACCESS_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: str
    display_name: str
    access: str
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., display_name: _Optional[str] = ..., access: _Optional[str] = ...) -> None: ...

class SharingObject(_message.Message):
    __slots__ = ("id", "name", "display_name", "public_access", "external_access", "user", "user_accesses", "user_group_accesses", "access")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    PUBLIC_ACCESS_FIELD_NUMBER: _ClassVar[int]
    EXTERNAL_ACCESS_FIELD_NUMBER: _ClassVar[int]
    USER_FIELD_NUMBER: _ClassVar[int]
    USER_ACCESSES_FIELD_NUMBER: _ClassVar[int]
    USER_GROUP_ACCESSES_FIELD_NUMBER: _ClassVar[int]
    ACCESS_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: str
    display_name: str
    public_access: str
    external_access: bool
    user: SharingUser
    user_accesses: _containers.RepeatedCompositeFieldContainer[SharingAccessItem]
    user_group_accesses: _containers.RepeatedCompositeFieldContainer[SharingAccessItem]
    access: Access
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., display_name: _Optional[str] = ..., public_access: _Optional[str] = ..., external_access: _Optional[bool] = ..., user: _Optional[_Union[SharingUser, _Mapping]] = ..., user_accesses: _Optional[_Iterable[_Union[SharingAccessItem, _Mapping]]] = ..., user_group_accesses: _Optional[_Iterable[_Union[SharingAccessItem, _Mapping]]] = ..., access: _Optional[_Union[Access, _Mapping]] = ...) -> None: ...

class SharingMeta(_message.Message):
    __slots__ = ("allow_public_access", "allow_external_access")
    ALLOW_PUBLIC_ACCESS_FIELD_NUMBER: _ClassVar[int]
    ALLOW_EXTERNAL_ACCESS_FIELD_NUMBER: _ClassVar[int]
    allow_public_access: bool
    allow_external_access: bool
    def __init__(self, allow_public_access: _Optional[bool] = ..., allow_external_access: _Optional[bool] = ...) -> None: ...

class GetSharingRequest(_message.Message):
    __slots__ = ("api_version", "type", "id")
    API_VERSION_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    api_version: str
    type: str
    id: str
    def __init__(self, api_version: _Optional[str] = ..., type: _Optional[str] = ..., id: _Optional[str] = ...) -> None: ...

class GetSharingResponse(_message.Message):
    __slots__ = ("meta", "object")
    META_FIELD_NUMBER: _ClassVar[int]
    OBJECT_FIELD_NUMBER: _ClassVar[int]
    meta: SharingMeta
    object: SharingObject
    def __init__(self, meta: _Optional[_Union[SharingMeta, _Mapping]] = ..., object: _Optional[_Union[SharingObject, _Mapping]] = ...) -> None: ...

class SharingBody(_message.Message):
    __slots__ = ("object",)
    OBJECT_FIELD_NUMBER: _ClassVar[int]
    object: SharingObject
    def __init__(self, object: _Optional[_Union[SharingObject, _Mapping]] = ...) -> None: ...

class SetSharingRequest(_message.Message):
    __slots__ = ("api_version", "type", "id", "body")
    API_VERSION_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    BODY_FIELD_NUMBER: _ClassVar[int]
    api_version: str
    type: str
    id: str
    body: SharingBody
    def __init__(self, api_version: _Optional[str] = ..., type: _Optional[str] = ..., id: _Optional[str] = ..., body: _Optional[_Union[SharingBody, _Mapping]] = ...) -> None: ...
