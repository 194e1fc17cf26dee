"""The channel side of the two clients, one class each: the gRPC channel with the
credentials interceptor, the generated stubs on it, the login lock, close() and the
context manager. AsyncTransport is grpc.aio's (AsyncDatastoreClient's base, in
datastore_client.aio); SyncTransport is grpc's (DatastoreClient's base, in the module
generated from that one). Everything else the clients do is written once, in aio.py."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Self, TypeAlias, TypeVar

import grpc
import grpc.aio

from datastore.v1 import (
    auth_pb2_grpc,
    descriptor_pb2_grpc,
    entry_pb2_grpc,
    query_pb2,
    query_pb2_grpc,
    sharing_pb2_grpc,
)
from datastore_client import _calls as calls
from datastore_client._base import ClientBase

if TYPE_CHECKING:
    # A StreamEntries call in flight: iterate it for the responses; cancel() ends it.
    AsyncEntryStream: TypeAlias = grpc.aio.UnaryStreamCall[
        query_pb2.StreamEntriesRequest, query_pb2.StreamEntriesResponse
    ]
    SyncEntryStream: TypeAlias = grpc._CallIterator[query_pb2.StreamEntriesResponse]

T = TypeVar("T")

# One try of a call, given the seconds left until its deadline (None: no deadline).
AsyncSend: TypeAlias = Callable[[float | None], Awaitable[T]]
SyncSend: TypeAlias = Callable[[float | None], T]

_CREATE_TOKEN = (calls.CREATE_TOKEN, calls.CREATE_TOKEN.encode())  # grpc.aio may give bytes


def _with_credentials(client: ClientBase, details: Any) -> list[tuple[str, str | bytes]] | None:
    """The call's metadata with the client's current credentials added (None: leave the
    call as it is; CreateToken takes none)."""
    if details.method in _CREATE_TOKEN:
        return None
    return [*(details.metadata or ()), *client.credentials()]


class _SyncCredentials(grpc.UnaryUnaryClientInterceptor, grpc.UnaryStreamClientInterceptor):
    def __init__(self, client: ClientBase) -> None:
        self.client = client

    def _details(self, details: Any) -> Any:
        metadata = _with_credentials(self.client, details)
        return details if metadata is None else details._replace(metadata=metadata)

    def intercept_unary_unary(self, continuation: Any, details: Any, request: Any) -> Any:
        return continuation(self._details(details), request)

    def intercept_unary_stream(self, continuation: Any, details: Any, request: Any) -> Any:
        return continuation(self._details(details), request)


class _AsyncCredentials:
    """grpc.aio files an interceptor under one kind of call only, hence one class per kind."""

    def __init__(self, client: ClientBase) -> None:
        self.client = client

    def _details(self, details: Any) -> Any:
        metadata = _with_credentials(self.client, details)
        return details if metadata is None else details._replace(metadata=grpc.aio.Metadata(*metadata))


class _AsyncUnaryCredentials(_AsyncCredentials, grpc.aio.UnaryUnaryClientInterceptor):
    async def intercept_unary_unary(self, continuation: Any, details: Any, request: Any) -> Any:
        return await continuation(self._details(details), request)


class _AsyncStreamCredentials(_AsyncCredentials, grpc.aio.UnaryStreamClientInterceptor):
    async def intercept_unary_stream(self, continuation: Any, details: Any, request: Any) -> Any:
        return await continuation(self._details(details), request)


class SyncTransport(ClientBase):
    """grpc's channel and stubs, made at once; thread-safe. A context manager, or call close()."""

    def _setup(self) -> None:
        if self._channel_credentials is not None:
            raw = grpc.secure_channel(self.target, self._channel_credentials, options=self._options)
        else:
            raw = grpc.insecure_channel(self.target, options=self._options)
        self._raw_channel = raw
        self._login_lock = threading.Lock()
        self.channel = grpc.intercept_channel(raw, _SyncCredentials(self))
        self.auth = auth_pb2_grpc.AuthServiceStub(self.channel)
        self.descriptors = descriptor_pb2_grpc.DescriptorServiceStub(self.channel)
        self.entries = entry_pb2_grpc.EntryServiceStub(self.channel)
        self.queries = query_pb2_grpc.QueryServiceStub(self.channel)
        self.sharing = sharing_pb2_grpc.SharingServiceStub(self.channel)

    def close(self) -> None:
        self._raw_channel.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _AsyncStubs:
    def __init__(self, channel: grpc.aio.Channel) -> None:
        self.auth = auth_pb2_grpc.AuthServiceStub(channel)
        self.descriptors = descriptor_pb2_grpc.DescriptorServiceStub(channel)
        self.entries = entry_pb2_grpc.EntryServiceStub(channel)
        self.queries = query_pb2_grpc.QueryServiceStub(channel)
        self.sharing = sharing_pb2_grpc.SharingServiceStub(channel)


class AsyncTransport(ClientBase):
    """grpc.aio's channel and stubs, made on first use, in the running event loop (the
    client itself may be made outside any). Use it with `async with`, or await close()."""

    def _setup(self) -> None:
        self._channel: grpc.aio.Channel | None = None
        self._stubs: _AsyncStubs | None = None
        self._lock: asyncio.Lock | None = None

    @property
    def channel(self) -> grpc.aio.Channel:
        """The grpc.aio channel (with the credentials interceptor), made on first use."""
        if self._channel is None:
            interceptors: list[grpc.aio.ClientInterceptor] = [
                _AsyncUnaryCredentials(self),
                _AsyncStreamCredentials(self),
            ]
            if self._channel_credentials is not None:
                self._channel = grpc.aio.secure_channel(
                    self.target, self._channel_credentials, options=self._options, interceptors=interceptors
                )
            else:
                self._channel = grpc.aio.insecure_channel(self.target, options=self._options, interceptors=interceptors)
            self._stubs = _AsyncStubs(self._channel)
        return self._channel

    def _stub(self) -> _AsyncStubs:
        self.channel  # noqa: B018 - makes the stubs too
        assert self._stubs is not None
        return self._stubs

    @property
    def auth(self) -> auth_pb2_grpc.AuthServiceAsyncStub:
        return self._stub().auth

    @property
    def descriptors(self) -> descriptor_pb2_grpc.DescriptorServiceAsyncStub:
        return self._stub().descriptors

    @property
    def entries(self) -> entry_pb2_grpc.EntryServiceAsyncStub:
        return self._stub().entries

    @property
    def queries(self) -> query_pb2_grpc.QueryServiceAsyncStub:
        return self._stub().queries

    @property
    def sharing(self) -> sharing_pb2_grpc.SharingServiceAsyncStub:
        return self._stub().sharing

    @property
    def _login_lock(self) -> asyncio.Lock:
        if self._lock is None:
            self._lock = asyncio.Lock()
        return self._lock

    async def close(self) -> None:
        if self._channel is not None:
            await self._channel.close()
            self._channel = self._stubs = None
        self._lock = None  # bound to the closing event loop

    async def __aenter__(self) -> Self:
        self.channel  # noqa: B018 - made here, in the caller's event loop
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()
