"""AsyncDatastoreClient: the whole datastore.v1 API over one gRPC channel, plain Python in and out.

    async with AsyncDatastoreClient("127.0.0.1:50051", token="...") as ds:
        await ds.put_entry("myStore", "myKey", {"a": 1})
        entry = await ds.get_entry("myStore", "myKey")      # entry.value == {'a': 1}
        async for entry in ds.iter_entries("myStore", filters=["a:ge:1"]):
            ...

Credentials go on every call: a token, or username and password (exchanged for a token
on the first call, and again when the token expires). Every call has a timeout (the
client's, 30 s, unless given per call; None for no deadline); UNAVAILABLE is retried
with backoff (see Retry); failures raise typed DatastoreError subclasses (NotFound, …).
The generated stubs stay reachable as ds.auth, ds.descriptors, ds.entries, ds.queries
and ds.sharing, with the credentials added, for anything the methods do not cover.

Both clients are written once: datastore_client/aio.py is the asyncio one, and
datastore_client/client.py (the same methods without async/await) is generated from it
by tools/gen_sync_client.py; only their channels differ (see _transport.py).
"""

from __future__ import annotations

from asyncio import sleep
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar, Unpack

import grpc

from datastore.v1 import query_pb2
from datastore_client import _calls as calls
from datastore_client._base import DEFAULT, Attempts, Timeout, remaining
from datastore_client._calls import MISSING, Call, QueryArgs
from datastore_client._transport import AsyncSend, AsyncTransport
from datastore_client.errors import NotFound, from_rpc_error
from datastore_client.retry import retry_on_conflict
from datastore_client.types import JSON, Descriptor, Entry, Grant, Page, Token, User

if TYPE_CHECKING:
    from datastore_client._transport import AsyncEntryStream

T = TypeVar("T")


class AsyncDatastoreClient(AsyncTransport):
    """A client of one datastore server (`target` HOST:PORT, default $DATASTORE_TARGET or
    127.0.0.1:50051); settings: see ClientBase; the channel and `async with`: see
    AsyncTransport."""

    async def _ensure_login(self) -> None:
        """Exchanges username and password for a token first, if the client has no token."""
        if self._login_first():
            async with self._login_lock:
                if self._login_first():
                    await self._login(None, None, DEFAULT)

    async def _retrying(self, send: AsyncSend[T], timeout: Timeout, may_login: bool = True) -> T:
        """send(seconds left) until it succeeds, within the timeout: after logging in first
        if need be, again after one new login when the token stopped working, and again
        after a pause for each failure the Retry policy retries; else raises the failure
        as a DatastoreError."""
        if may_login:
            await self._ensure_login()
        deadline = self._deadline(timeout)
        attempts = Attempts(self, deadline, may_login)
        while True:
            try:
                return await send(remaining(deadline))
            except grpc.RpcError as rpc_error:
                error = from_rpc_error(rpc_error)
            delay = attempts.after(error)
            if delay is None:
                await self.login()
            else:
                await sleep(delay)

    async def _invoke(self, call: Call[T], timeout: Timeout = DEFAULT) -> T:
        method = getattr(getattr(self, call.service), call.method)

        async def send(seconds: float | None) -> T:
            return call.convert(await method(call.request, timeout=seconds))

        return await self._retrying(send, timeout, may_login=call.method != "CreateToken")

    # ------------------------------------------------------------------ auth

    async def login(
        self, username: str | None = None, password: str | None = None, *, timeout: Timeout = DEFAULT
    ) -> Token:
        """Exchanges username and password (these, or the client's) for a token that
        the client uses from now on."""
        async with self._login_lock:
            return await self._login(username, password, timeout)

    async def _login(self, username: str | None, password: str | None, timeout: Timeout) -> Token:
        if username is not None:
            self.username = username
        if password is not None:
            self.password = password
        token = await self._invoke(calls.create_token(self.username or "", self.password or ""), timeout)
        self.token = token.token
        return token

    async def refresh_token(self, *, timeout: Timeout = DEFAULT) -> Token:
        """Replaces the client's token by a new one (the old one stops working)."""
        token = await self._invoke(calls.refresh_token(), timeout)
        self.token = token.token
        return token

    async def get_current_user(self, *, timeout: Timeout = DEFAULT) -> User:
        return await self._invoke(calls.get_current_user(), timeout)

    # ----------------------------------------------------------- descriptors

    async def create_descriptor(
        self,
        name: str,
        *,
        data_type: str = "MAP",
        behaviour_type: str = "CENTRAL",
        description: str | None = None,
        life_time: int | None = None,
        expire_data: bool | None = None,
        global_data: bool | None = None,
        use_lower_case_keys: bool | None = None,
        timeout: Timeout = DEFAULT,
    ) -> Descriptor:
        """Creates a store (admins only): MAP or LIST; only CENTRAL stores are reachable."""
        fields = dict(
            description=description,
            life_time=life_time,
            expire_data=expire_data,
            global_data=global_data,
            use_lower_case_keys=use_lower_case_keys,
        )
        return await self._invoke(calls.create_descriptor(name, data_type, behaviour_type, fields), timeout)

    async def get_descriptor(self, name: str, *, show_deleted: bool = False, timeout: Timeout = DEFAULT) -> Descriptor:
        return await self._invoke(calls.get_descriptor(name, show_deleted), timeout)

    async def list_descriptors(
        self,
        *,
        limit: int | None = None,
        offset: int | None = None,
        show_deleted: bool = False,
        timeout: Timeout = DEFAULT,
    ) -> Page[Descriptor]:
        """One page of descriptors (.items, .total_size); iter_descriptors pages through all."""
        return await self._invoke(calls.list_descriptors(limit, offset, show_deleted), timeout)

    async def iter_descriptors(
        self, *, page_size: int = 100, show_deleted: bool = False, timeout: Timeout = DEFAULT
    ) -> AsyncIterator[Descriptor]:
        offset = 0
        while True:
            page = await self.list_descriptors(
                limit=page_size, offset=offset, show_deleted=show_deleted, timeout=timeout
            )
            for descriptor in page.items:
                yield descriptor
            offset += len(page.items)
            if len(page.items) < page_size or offset >= page.total_size:
                return

    async def update_descriptor(
        self,
        name: str,
        *,
        description: str | None = None,
        life_time: int | None = None,
        expire_data: bool | None = None,
        global_data: bool | None = None,
        use_lower_case_keys: bool | None = None,
        timeout: Timeout = DEFAULT,
    ) -> Descriptor:
        """Changes the given fields (admins only); the others stay as they are."""
        changes = dict(
            description=description,
            life_time=life_time,
            expire_data=expire_data,
            global_data=global_data,
            use_lower_case_keys=use_lower_case_keys,
        )
        changes = {k: v for k, v in changes.items() if v is not None}
        return await self._invoke(calls.update_descriptor(name, changes), timeout)

    async def delete_descriptor(self, name: str, *, timeout: Timeout = DEFAULT) -> Descriptor:
        """Deletes a store softly (admins only); get_descriptor(show_deleted=True) still finds it."""
        return await self._invoke(calls.delete_descriptor(name), timeout)

    # --------------------------------------------------------------- entries

    async def get_entry(
        self, store: str, key: str, *, customer_id: int | None = None, timeout: Timeout = DEFAULT
    ) -> Entry:
        """The entry; NotFound if it is absent, deleted or expired."""
        return await self._invoke(calls.get_entry(store, key, customer_id), timeout)

    async def put_entry(
        self,
        store: str,
        key: str,
        value: JSON = MISSING,
        *,
        customer_id: int | None = None,
        expected_revision: int | None = None,
        etag: str | None = None,
        timeout: Timeout = DEFAULT,
    ) -> Entry:
        """Creates or replaces an entry (no value for LIST stores). With expected_revision
        (0: must not exist yet) or etag, writes only if the entry is still at that
        revision, else raises Aborted."""
        return await self._invoke(calls.put_entry(store, key, value, customer_id, expected_revision, etag), timeout)

    async def bulk_put_entries(
        self,
        store: str,
        entries: Mapping[str, JSON] | Iterable[tuple[str, JSON]] | Iterable[str],
        *,
        customer_id: int | None = None,
        timeout: Timeout = DEFAULT,
    ) -> list[Entry]:
        """Writes several entries in one transaction, all or none: {key: value, …},
        (key, value) pairs, or keys alone for a LIST store."""
        return await self._invoke(calls.bulk_put_entries(store, entries, customer_id), timeout)

    async def delete_entries(
        self, store: str, keys: str | Iterable[str], *, customer_id: int | None = None, timeout: Timeout = DEFAULT
    ) -> list[Entry]:
        """Deletes keys in one transaction; returns the entries that existed."""
        return await self._invoke(calls.delete_entries(store, keys, customer_id), timeout)

    async def update_entry(
        self,
        store: str,
        key: str,
        fn: Callable[[Any], JSON],
        *,
        default: JSON = MISSING,
        customer_id: int | None = None,
        attempts: int = 20,
        timeout: Timeout = DEFAULT,
    ) -> Entry:
        """Read-modify-write without lost updates: puts fn(current value) under the read
        revision, again from a fresh read whenever another writer got there first. A
        missing entry raises NotFound, or starts from `default` if one is given."""

        async def attempt() -> Entry:
            try:
                current = await self.get_entry(store, key, customer_id=customer_id, timeout=timeout)
                value, revision = current.value, current.revision
            except NotFound:
                if default is MISSING:
                    raise
                value, revision = default, 0
            return await self.put_entry(
                store, key, fn(value), customer_id=customer_id, expected_revision=revision, timeout=timeout
            )

        return await retry_on_conflict(attempt, attempts=attempts)

    # --------------------------------------------------------------- queries

    async def query_entries(
        self,
        store: str,
        *,
        limit: int | None = None,
        offset: int | None = None,
        timeout: Timeout = DEFAULT,
        **query: Unpack[QueryArgs],
    ) -> Page[Entry]:
        """One page of matching entries (.items, .total_size; limit 25 by default, at most
        1000). Selection and order: see QueryArgs (filters, conditions, order, …)."""
        return await self._invoke(calls.query_entries(calls.query_request(store, limit, offset, **query)), timeout)

    async def iter_entries(
        self, store: str, *, page_size: int = 100, timeout: Timeout = DEFAULT, **query: Unpack[QueryArgs]
    ) -> AsyncIterator[Entry]:
        """Every matching entry, a page (one QueryEntries call) at a time."""
        request = calls.query_request(store, page_size, 0, **query)
        while True:
            page = await self._invoke(calls.query_entries(request), timeout)
            for entry in page.items:
                yield entry
            request.offset += len(page.items)
            if len(page.items) < page_size or request.offset >= page.total_size:
                return

    async def stream_entries(
        self, store: str, *, timeout: float | None = None, **query: Unpack[QueryArgs]
    ) -> AsyncIterator[Entry]:
        """Every matching entry over one StreamEntries call (no deadline unless given). A
        failure before the first entry is retried as any call's is; a later one is raised."""
        request = calls.stream_request(calls.query_request(store, **query))

        async def start(seconds: float | None) -> tuple[AsyncEntryStream, query_pb2.StreamEntriesResponse | None]:
            """The call, once its first response (None: it has none) has come."""
            stream = self.queries.StreamEntries(request, timeout=seconds)
            try:
                return stream, await anext(aiter(stream), None)
            except BaseException:
                stream.cancel()
                raise

        stream, first = await self._retrying(start, timeout)
        try:
            if first is not None:
                yield calls.stream_entry(first)
                async for response in stream:
                    yield calls.stream_entry(response)
        except grpc.RpcError as rpc_error:
            raise from_rpc_error(rpc_error) from None
        finally:
            stream.cancel()

    # ---------------------------------------------------------------- grants

    async def list_grants(self, customer_id: int | None = None, *, timeout: Timeout = DEFAULT) -> list[Grant]:
        """Grants (admins only), of one customer or of all."""
        return await self._invoke(calls.list_grants(customer_id), timeout)

    async def set_grant(
        self,
        customer_id: int,
        access: str,
        *,
        user: str | None = None,
        group: str | None = None,
        timeout: Timeout = DEFAULT,
    ) -> Grant:
        """Gives a user or a group "read" or "write" access to a customer's entries (admins only)."""
        return await self._invoke(calls.set_grant(customer_id, access, user, group), timeout)

    async def delete_grant(
        self, customer_id: int, *, user: str | None = None, group: str | None = None, timeout: Timeout = DEFAULT
    ) -> None:
        await self._invoke(calls.delete_grant(customer_id, user, group), timeout)


__all__ = ["AsyncDatastoreClient"]
