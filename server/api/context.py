"""The current call: its authenticated caller (set by the authentication rule), what
the access log learns of it, and the ServicerContext of an in-process call."""

from __future__ import annotations

import contextvars
import logging
import time

import grpc

from server.domain.types import Principal

_principal: contextvars.ContextVar[Principal] = contextvars.ContextVar("principal")


def current_principal() -> Principal:
    """The caller; the authentication rule guarantees it is set for every protected RPC."""
    return _principal.get()


def set_principal(principal: Principal) -> contextvars.Token:
    return _principal.set(principal)


def reset_principal(token: contextvars.Token) -> None:
    _reset(_principal, token)


# What the access log needs to know of the current call (who, once authenticated).
_call: contextvars.ContextVar[dict] = contextvars.ContextVar("call")


def begin_call(record: dict | None = None) -> tuple[dict, contextvars.Token]:
    """Starts the current call's record ({"user": ...}), or makes `record` it."""
    record = {"user": "-"} if record is None else record
    return record, _call.set(record)


def end_call(token: contextvars.Token) -> None:
    _reset(_call, token)


def _reset(var: contextvars.ContextVar, token: contextvars.Token) -> None:
    try:
        var.reset(token)
    except ValueError:  # an abandoned stream closed later from another call's context:
        pass  # that context is gone, and nothing of it is read again


def note_user(username: str) -> None:
    record = _call.get(None)
    if record is not None:
        record["user"] = username


class AbortedCall(Exception):
    """Raised by LocalContext.abort, as grpcio's context raises on abort."""


class LocalContext(grpc.ServicerContext):
    """grpc's ServicerContext for a call made in-process (the REST shim): the metadata,
    status, trailers and deadline the call rules and servicers use, with no wire.
    `record` is the call's record (begin_call): who the caller is, once authenticated."""

    def __init__(self, metadata: tuple[tuple[str, str], ...], timeout: float, peer: str = "") -> None:
        self._metadata, self._peer = metadata, peer
        self._deadline = time.monotonic() + timeout
        self._code: grpc.StatusCode | None = None
        self._details = ""
        self._trailing: tuple = ()
        self._callbacks: list = []
        self._active = True
        self.record: dict = {"user": "-"}

    @property
    def user(self) -> str:
        return self.record["user"]

    def invocation_metadata(self):
        return self._metadata

    def peer(self) -> str:
        return self._peer

    def peer_identities(self):
        return None

    def peer_identity_key(self):
        return None

    def auth_context(self) -> dict:
        return {}

    def time_remaining(self) -> float:
        return max(self._deadline - time.monotonic(), 0.0)

    def is_active(self) -> bool:
        return self._active and self.time_remaining() > 0

    def cancel(self) -> None:
        self._active = False

    def add_callback(self, callback) -> bool:
        if not self._active:
            return False
        self._callbacks.append(callback)
        return True

    def finish(self) -> None:
        """The call is over: runs the callbacks added to it, as grpcio does."""
        self._active = False
        callbacks, self._callbacks = self._callbacks, []
        for callback in callbacks:
            try:
                callback()
            except Exception:  # noqa: BLE001 - as grpcio: logged, the call's outcome stands
                logging.getLogger(__name__).exception("call termination callback failed")

    def send_initial_metadata(self, initial_metadata) -> None:
        pass  # nothing travels before the response here

    def set_compression(self, compression) -> None:
        pass

    def disable_next_message_compression(self) -> None:
        pass

    def set_trailing_metadata(self, trailing_metadata) -> None:
        self._trailing = tuple(trailing_metadata or ())

    def trailing_metadata(self):
        return self._trailing

    def abort(self, code: grpc.StatusCode, details: str):
        if code == grpc.StatusCode.OK:  # as grpcio: aborting with OK fails the call
            code, details = grpc.StatusCode.UNKNOWN, ""
        self._code, self._details = code, details
        raise AbortedCall(details)

    def abort_with_status(self, status: grpc.Status):
        self._trailing = tuple(status.trailing_metadata or ())
        self.abort(status.code, status.details)

    def set_code(self, code: grpc.StatusCode) -> None:
        self._code = code

    def code(self) -> grpc.StatusCode | None:
        return self._code

    def set_details(self, details: str) -> None:
        self._details = details

    def details(self) -> bytes:
        return self._details.encode()  # bytes, as grpcio's

    def details_text(self) -> str:
        return self._details
