"""DatastoreClient: one channel, credentials on every call, timeouts and retries.

    with DatastoreClient("127.0.0.1:50051", token="...") as ds:
        ds.put_entry("myStore", "myKey", {"a": 1})
        ds.get_entry("myStore", "myKey").value

The generated stubs stay reachable as ds.descriptors, ds.entries, ds.queries, ds.sharing
and ds.auth for anything the convenience methods do not cover. Errors are raised as
DatastoreError with the gRPC code, message, and the google.rpc ErrorInfo reason and
BadRequest field violations already unpacked.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

import grpc
from google.protobuf import json_format
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from datastore.v1 import (
    auth_pb2,
    auth_pb2_grpc,
    descriptor_pb2,
    descriptor_pb2_grpc,
    entry_pb2,
    entry_pb2_grpc,
    query_pb2,
    query_pb2_grpc,
    sharing_pb2_grpc,
)

# Retry only what is safe to retry: UNAVAILABLE means the call never reached a handler.
_SERVICE_CONFIG = json.dumps(
    {
        "methodConfig": [
            {
                "name": [
                    {"service": "datastore.v1." + s}
                    for s in ("AuthService", "DescriptorService", "EntryService", "QueryService", "SharingService")
                ],
                "retryPolicy": {
                    "maxAttempts": 4,
                    "initialBackoff": "0.1s",
                    "maxBackoff": "2s",
                    "backoffMultiplier": 2,
                    "retryableStatusCodes": ["UNAVAILABLE"],
                },
            }
        ]
    }
)


class DatastoreError(Exception):
    def __init__(self, error: grpc.RpcError) -> None:
        self.code: grpc.StatusCode = error.code()
        self.message: str = error.details() or ""
        self.reason = ""
        self.metadata: dict[str, str] = {}
        self.field_violations: list[tuple[str, str]] = []
        status = rpc_status.from_call(error)
        for detail in status.details if status else ():
            if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
                info = error_details_pb2.ErrorInfo()
                detail.Unpack(info)
                self.reason, self.metadata = info.reason, dict(info.metadata)
            elif detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
                bad = error_details_pb2.BadRequest()
                detail.Unpack(bad)
                self.field_violations = [(v.field, v.description) for v in bad.field_violations]
        super().__init__(f"{self.code.name}: {self.message}")


class _Auth(grpc.UnaryUnaryClientInterceptor, grpc.UnaryStreamClientInterceptor):
    def __init__(self, client: DatastoreClient) -> None:
        self.client = client

    def _details(self, details):
        metadata = list(details.metadata or []) + self.client.credentials()
        return (
            details._replace(metadata=metadata)
            if hasattr(details, "_replace")
            else _Details(
                details.method,
                details.timeout,
                metadata,
                details.credentials,
                getattr(details, "wait_for_ready", None),
                getattr(details, "compression", None),
            )
        )

    def intercept_unary_unary(self, continuation, details, request):
        return continuation(self._details(details), request)

    def intercept_unary_stream(self, continuation, details, request):
        return continuation(self._details(details), request)


class _Details(grpc.ClientCallDetails):
    def __init__(self, method, timeout, metadata, credentials, wait_for_ready, compression):
        self.method, self.timeout, self.metadata = method, timeout, metadata
        self.credentials, self.wait_for_ready, self.compression = credentials, wait_for_ready, compression


class DatastoreClient:
    def __init__(
        self,
        target: str = "127.0.0.1:50051",
        *,
        token: str | None = None,
        username: str | None = None,
        password: str | None = None,
        timeout: float = 30.0,
        channel_credentials: grpc.ChannelCredentials | None = None,
    ) -> None:
        self.token, self.username, self.password, self.timeout = token, username, password, timeout
        options = [("grpc.service_config", _SERVICE_CONFIG), ("grpc.enable_retries", 1)]
        raw = (
            grpc.secure_channel(target, channel_credentials, options=options)
            if channel_credentials
            else grpc.insecure_channel(target, options=options)
        )
        self._raw_channel = raw
        self.channel = grpc.intercept_channel(raw, _Auth(self))
        self.auth = auth_pb2_grpc.AuthServiceStub(self.channel)
        self.descriptors = descriptor_pb2_grpc.DescriptorServiceStub(self.channel)
        self.entries = entry_pb2_grpc.EntryServiceStub(self.channel)
        self.queries = query_pb2_grpc.QueryServiceStub(self.channel)
        self.sharing = sharing_pb2_grpc.SharingServiceStub(self.channel)

    def credentials(self) -> list[tuple[str, str]]:
        if self.token:
            return [("authorization", f"Token {self.token}")]
        if self.username is not None:
            raw = f"{self.username}:{self.password or ''}".encode()
            return [("authorization", "Basic " + base64.b64encode(raw).decode())]
        return []

    def close(self) -> None:
        self._raw_channel.close()

    def __enter__(self) -> DatastoreClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _call(self, method, request):
        try:
            return method(request, timeout=self.timeout)
        except grpc.RpcError as error:
            raise DatastoreError(error) from None

    # ------------------------------------------------------------ conveniences

    def login(self) -> str:
        """Exchanges username/password for a token and uses it from now on."""
        response = self._call(
            self.auth.CreateToken,
            auth_pb2.CreateTokenRequest(username=self.username or "", password=self.password or ""),
        )
        self.token = response.token
        return response.token

    def create_descriptor(
        self, name: str, *, data_type: str = "MAP", behaviour_type: str = "CENTRAL", **fields
    ) -> descriptor_pb2.Descriptor:
        descriptor = descriptor_pb2.Descriptor(
            name=name,
            data_type=descriptor_pb2.DataType.Value(f"DATA_TYPE_{data_type}"),
            behaviour_type=descriptor_pb2.BehaviourType.Value(f"BEHAVIOUR_TYPE_{behaviour_type}"),
            **fields,
        )
        return self._call(
            self.descriptors.CreateDescriptor, descriptor_pb2.CreateDescriptorRequest(descriptor=descriptor)
        ).descriptor

    def get_entry(self, store: str, key: str, customer_id: int | None = None) -> entry_pb2.Entry:
        request = entry_pb2.GetEntryRequest(store=store, key=key, customer_id=customer_id)
        return self._call(self.entries.GetEntry, request).entry

    def put_entry(self, store: str, key: str, value: Any = ..., customer_id: int | None = None) -> entry_pb2.Entry:
        request = entry_pb2.PutEntryRequest(store=store, key=key, customer_id=customer_id)
        if value is not ...:
            json_format.ParseDict(value, request.value)
        return self._call(self.entries.PutEntry, request).entry

    def delete_entries(self, store: str, keys: list[str], customer_id: int | None = None) -> list[entry_pb2.Entry]:
        request = entry_pb2.DeleteEntriesRequest(store=store, keys=keys, customer_id=customer_id)
        return list(self._call(self.entries.DeleteEntries, request).entries)

    def query(self, store: str, **fields) -> query_pb2.QueryEntriesResponse:
        request = json_format.ParseDict({"store": store, **fields}, query_pb2.QueryEntriesRequest())
        return self._call(self.queries.QueryEntries, request)

    def stream(self, store: str, **fields) -> Iterator[entry_pb2.Entry]:
        query = json_format.ParseDict({"store": store, **fields}, query_pb2.QueryEntriesRequest())
        try:
            for message in self.queries.StreamEntries(
                query_pb2.StreamEntriesRequest(query=query), timeout=self.timeout
            ):
                yield message.entry
        except grpc.RpcError as error:
            raise DatastoreError(error) from None


def value_of(entry: entry_pb2.Entry) -> Any:
    """The entry's value as plain Python (None for LIST entries)."""
    if not entry.HasField("value"):
        return None
    return json_format.MessageToDict(entry.value) if entry.value.WhichOneof("kind") != "null_value" else None


__all__ = ["DatastoreClient", "DatastoreError", "value_of"]
