"""The authenticated caller of the current call, set by the auth interceptor."""

from __future__ import annotations

import contextvars

from server.domain.types import Principal

_principal: contextvars.ContextVar[Principal] = contextvars.ContextVar("principal")


def current_principal() -> Principal:
    """The caller; the auth interceptor guarantees it is set for every protected RPC."""
    return _principal.get()


def set_principal(principal: Principal) -> contextvars.Token:
    return _principal.set(principal)


def reset_principal(token: contextvars.Token) -> None:
    _reset(_principal, token)


# What the access log needs to know of the current call (who, once authenticated).
_call: contextvars.ContextVar[dict] = contextvars.ContextVar("call")


def begin_call() -> tuple[dict, contextvars.Token]:
    record: dict = {"user": "-"}
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
