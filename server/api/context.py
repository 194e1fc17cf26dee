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
    _principal.reset(token)
