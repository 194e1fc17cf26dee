"""What the sync and the asyncio client share: settings, credentials, the retry loop's
decisions."""

from __future__ import annotations

import base64
import enum
import os
import time
from collections.abc import Sequence
from typing import Any

import grpc

from datastore_client.errors import DatastoreError, Unauthenticated
from datastore_client.retry import DEFAULT_RETRY, NO_RETRY, Retry

DEFAULT_TARGET = "127.0.0.1:50051"
MAX_MESSAGE = 64 * 1024 * 1024  # the server takes messages of up to 16 MiB; pages can be larger


class _Default(enum.Enum):
    TIMEOUT = "the client's timeout"


DEFAULT = _Default.TIMEOUT
Timeout = float | None | _Default
"""Per-call timeout in seconds: DEFAULT (the client's), a number, or None (no deadline)."""


def channel_options(extra: Sequence[tuple[str, Any]]) -> list[tuple[str, Any]]:
    return [
        ("grpc.max_receive_message_length", MAX_MESSAGE),
        ("grpc.enable_retries", 0),  # the clients retry themselves, by their Retry policy
        *extra,
    ]


class ClientBase:
    """A client of one datastore server (`target` HOST:PORT, default $DATASTORE_TARGET or
    127.0.0.1:50051).

    token, or username and password: the credentials (with auto_login, username and
    password are exchanged for a token on the first call and again when it expires;
    auto_login=False sends them as HTTP Basic on every call). timeout: seconds per call
    (None: no deadline; each method also takes timeout=). retry: the Retry policy for
    UNAVAILABLE (None: no retries). channel_credentials: grpc.ssl_channel_credentials(...)
    for TLS. options: extra gRPC channel options."""

    def __init__(
        self,
        target: str | None = None,
        *,
        token: str | None = None,
        username: str | None = None,
        password: str | None = None,
        timeout: float | None = 30.0,
        retry: Retry | None = DEFAULT_RETRY,
        auto_login: bool = True,
        channel_credentials: grpc.ChannelCredentials | None = None,
        options: Sequence[tuple[str, Any]] = (),
    ) -> None:
        self.target = target or os.environ.get("DATASTORE_TARGET") or DEFAULT_TARGET
        self.token = token
        self.username = username
        self.password = password
        self.timeout = timeout
        self.retry = retry or NO_RETRY
        self.auto_login = auto_login
        self._channel_credentials = channel_credentials
        self._options = channel_options(options)
        self._setup()

    def _setup(self) -> None:
        """The channel and stubs, by the sync or asyncio client."""

    def credentials(self) -> list[tuple[str, str]]:
        """The call metadata carrying the credentials: the token if there is one, else
        HTTP Basic with username and password."""
        if self.token:
            return [("authorization", f"Token {self.token}")]
        if self.username is not None:
            raw = f"{self.username}:{self.password or ''}".encode()
            return [("authorization", "Basic " + base64.b64encode(raw).decode())]
        return []

    def _login_first(self) -> bool:
        """Exchange username/password for a token before the first call?"""
        return self.auto_login and not self.token and self.username is not None and self.password is not None

    def _relogin(self, error: DatastoreError) -> bool:
        """Log in again and repeat the call (once) after this error (an expired or
        revoked token, when username and password are known)?"""
        return (
            isinstance(error, Unauthenticated)
            and bool(self.token)
            and self.username is not None
            and self.password is not None
        )

    def _deadline(self, timeout: Timeout) -> float | None:
        seconds = self.timeout if timeout is DEFAULT else timeout
        return None if seconds is None else time.monotonic() + float(seconds)


class Attempts:
    """The retry loop's decisions for one call: after a failure, log in again (once),
    wait and retry, or give up by raising the error."""

    def __init__(self, client: ClientBase, deadline: float | None, may_login: bool) -> None:
        self.client, self.deadline = client, deadline
        self.delays = client.retry.delays()
        self.relogged = not may_login

    def after(self, error: DatastoreError) -> float | None:
        """None: log in again, then retry at once; a number: wait that long, then retry."""
        if not self.relogged and self.client._relogin(error):
            self.relogged = True
            return None
        delay = next(self.delays, None)
        if delay is None or not may_retry(error, delay, self.deadline, self.client.retry):
            raise error
        return delay


def remaining(deadline: float | None) -> float | None:
    return None if deadline is None else max(deadline - time.monotonic(), 1e-6)


def may_retry(error: DatastoreError, delay: float, deadline: float | None, policy: Retry) -> bool:
    if error.code not in policy.codes:
        return False
    return deadline is None or time.monotonic() + delay < deadline
