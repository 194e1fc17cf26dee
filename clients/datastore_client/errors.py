"""Typed errors: one DatastoreError subclass per gRPC status the service answers with.

Every error the server sends is a google.rpc.Status with an ErrorInfo (reason such as
ENTRY_NOT_FOUND or REVISION_MISMATCH, domain datastore.v1, metadata) and, for
INVALID_ARGUMENT, BadRequest field violations; these are unpacked onto the exception.

    try:
        ds.get_entry("myStore", "missing")
    except NotFound as err:
        print(err.reason)            # ENTRY_NOT_FOUND
"""

from __future__ import annotations

from typing import Any, NamedTuple

import grpc
from google.protobuf import any_pb2
from google.protobuf.message import Message
from google.rpc import error_details_pb2, status_pb2

_DETAIL_TYPES: tuple[type[Message], ...] = (
    error_details_pb2.ErrorInfo,
    error_details_pb2.BadRequest,
    error_details_pb2.RetryInfo,
    error_details_pb2.PreconditionFailure,
    error_details_pb2.QuotaFailure,
    error_details_pb2.ResourceInfo,
    error_details_pb2.DebugInfo,
    error_details_pb2.Help,
    error_details_pb2.LocalizedMessage,
)


class FieldViolation(NamedTuple):
    field: str
    description: str


class DatastoreError(Exception):
    """A failed call: `code` (grpc.StatusCode), `message`, and from the error details
    `reason`, `domain`, `metadata` (ErrorInfo), `field_violations` (BadRequest) and
    `details` (every detail message, unpacked)."""

    code: grpc.StatusCode = grpc.StatusCode.UNKNOWN

    def __init__(
        self,
        message: str = "",
        *,
        code: grpc.StatusCode | None = None,
        reason: str = "",
        domain: str = "",
        metadata: dict[str, str] | None = None,
        field_violations: list[FieldViolation] | None = None,
        details: list[Message] | None = None,
    ) -> None:
        if code is not None:
            self.code = code
        self.message = message
        self.reason = reason
        self.domain = domain
        self.metadata: dict[str, str] = dict(metadata or {})
        self.field_violations: list[FieldViolation] = list(field_violations or [])
        self.details: list[Message] = list(details or [])
        super().__init__(f"{self.code.name}: {message}" + (f" [{reason}]" if reason else ""))


class NotFound(DatastoreError):
    code = grpc.StatusCode.NOT_FOUND


class AlreadyExists(DatastoreError):
    code = grpc.StatusCode.ALREADY_EXISTS


class PermissionDenied(DatastoreError):
    code = grpc.StatusCode.PERMISSION_DENIED


class Unauthenticated(DatastoreError):
    code = grpc.StatusCode.UNAUTHENTICATED


class InvalidArgument(DatastoreError):
    """`field_violations` names each bad request field."""

    code = grpc.StatusCode.INVALID_ARGUMENT


class FailedPrecondition(DatastoreError):
    code = grpc.StatusCode.FAILED_PRECONDITION


class Aborted(DatastoreError):
    """A lost compare-and-set (expected_revision or etag no longer current): read again
    and retry, e.g. with retry_on_conflict."""

    code = grpc.StatusCode.ABORTED


class ResourceExhausted(DatastoreError):
    """`retry_after`: seconds to wait before trying again, when the server said."""

    code = grpc.StatusCode.RESOURCE_EXHAUSTED

    @property
    def retry_after(self) -> float | None:
        for detail in self.details:
            if isinstance(detail, error_details_pb2.RetryInfo) and detail.HasField("retry_delay"):
                return float(detail.retry_delay.ToTimedelta().total_seconds())
        for key in ("retry_after_s", "retry_after"):
            if key in self.metadata:
                try:
                    return float(self.metadata[key])
                except ValueError:
                    pass
        return None


class Unavailable(DatastoreError):
    """The server or its database cannot be reached; retried with backoff by the clients."""

    code = grpc.StatusCode.UNAVAILABLE


class DeadlineExceeded(DatastoreError):
    code = grpc.StatusCode.DEADLINE_EXCEEDED


ERRORS: dict[grpc.StatusCode, type[DatastoreError]] = {
    cls.code: cls
    for cls in (
        NotFound,
        AlreadyExists,
        PermissionDenied,
        Unauthenticated,
        InvalidArgument,
        FailedPrecondition,
        Aborted,
        ResourceExhausted,
        Unavailable,
        DeadlineExceeded,
    )
}


def _unpack(detail: any_pb2.Any) -> Message | None:
    for cls in _DETAIL_TYPES:
        if detail.TypeName() == cls.DESCRIPTOR.full_name:
            message = cls()
            detail.Unpack(message)
            return message
    return None


def _status_details(error: grpc.RpcError) -> list[Message]:
    """The google.rpc.Status details of a sync or asyncio call error."""
    trailers: Any = None
    trailing = getattr(error, "trailing_metadata", None)
    if callable(trailing):
        trailers = trailing()
    for key, value in trailers or ():
        if key == "grpc-status-details-bin" and isinstance(value, bytes):
            status = status_pb2.Status.FromString(value)
            return [m for m in (_unpack(d) for d in status.details) if m is not None]
    return []


def from_rpc_error(error: grpc.RpcError) -> DatastoreError:
    """The typed exception for a grpc.RpcError (sync) or grpc.aio.AioRpcError."""
    code_of = getattr(error, "code", None)
    code: grpc.StatusCode = code_of() if callable(code_of) else grpc.StatusCode.UNKNOWN
    details_of = getattr(error, "details", None)
    message: str = (details_of() if callable(details_of) else "") or ""
    details = _status_details(error)
    reason, domain, metadata, violations = "", "", {}, []
    for detail in details:
        if isinstance(detail, error_details_pb2.ErrorInfo):
            reason, domain, metadata = detail.reason, detail.domain, dict(detail.metadata)
        elif isinstance(detail, error_details_pb2.BadRequest):
            violations = [FieldViolation(v.field, v.description) for v in detail.field_violations]
    cls = ERRORS.get(code, DatastoreError)
    return cls(
        message,
        code=code,
        reason=reason,
        domain=domain,
        metadata=metadata,
        field_violations=violations,
        details=details,
    )


__all__ = [
    "Aborted",
    "AlreadyExists",
    "DatastoreError",
    "DeadlineExceeded",
    "FailedPrecondition",
    "FieldViolation",
    "InvalidArgument",
    "NotFound",
    "PermissionDenied",
    "ResourceExhausted",
    "Unauthenticated",
    "Unavailable",
    "from_rpc_error",
]
