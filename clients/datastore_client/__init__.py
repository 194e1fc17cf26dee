"""Python client of the datastore gRPC service: DatastoreClient (sync) and
AsyncDatastoreClient (asyncio) over the whole datastore.v1 API, plain-Python values in
and out, typed errors, timeouts and retries.

    from datastore_client import DatastoreClient, NotFound

    with DatastoreClient("127.0.0.1:50051", token="...") as ds:
        ds.put_entry("myStore", "myKey", {"a": 1})
        ds.get_entry("myStore", "myKey").value          # {'a': 1}

The generated messages and stubs come along as `datastore.v1` (and the façades'
`datastore.argus.v1`, …).
"""

from datastore_client._base import DEFAULT, DEFAULT_TARGET, Timeout
from datastore_client._calls import ConditionLike, OrderLike, QueryArgs
from datastore_client.aio import AsyncDatastoreClient
from datastore_client.client import DatastoreClient
from datastore_client.errors import (
    Aborted,
    AlreadyExists,
    DatastoreError,
    DeadlineExceeded,
    FailedPrecondition,
    FieldViolation,
    InvalidArgument,
    NotFound,
    PermissionDenied,
    ResourceExhausted,
    Unauthenticated,
    Unavailable,
)
from datastore_client.retry import Retry, retry_on_conflict
from datastore_client.types import JSON, Descriptor, Entry, Grant, Page, Token, User

__version__ = "0.1.0"

__all__ = [
    "DEFAULT",
    "DEFAULT_TARGET",
    "JSON",
    "Aborted",
    "AlreadyExists",
    "AsyncDatastoreClient",
    "ConditionLike",
    "DatastoreClient",
    "DatastoreError",
    "DeadlineExceeded",
    "Descriptor",
    "Entry",
    "FailedPrecondition",
    "FieldViolation",
    "Grant",
    "InvalidArgument",
    "NotFound",
    "OrderLike",
    "Page",
    "PermissionDenied",
    "QueryArgs",
    "ResourceExhausted",
    "Retry",
    "Timeout",
    "Token",
    "Unauthenticated",
    "Unavailable",
    "User",
    "retry_on_conflict",
]
