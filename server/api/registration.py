"""Registers servicers so that request bytes that do not decode become INVALID_ARGUMENT.

grpcio answers a request its deserializer cannot parse with INTERNAL ("Exception
deserializing request!") before any interceptor runs, so a malformed message would look
like a server fault and would skip authentication. Here every handler registered - ours
and the stock health and reflection services, of any arity - gets a deserializer that
never raises: it hands a `Malformed` marker to the behaviour, which raises
InvalidArgument from inside the call, after the call rules (authentication first, then
the one error mapping: server/api/interceptors.py) have run.

`register` can also note each handler by its full method name: the REST shim calls
exactly these handlers in-process (server/rest/inprocess.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import grpc
from google.protobuf.message import DecodeError

from server.domain.errors import InvalidArgument
from server.domain.limits import TOO_DEEP_FOR_PROTOBUF


class Malformed:
    __slots__ = ("why",)

    def __init__(self, why: str) -> None:
        self.why = why


def _safe(deserialize: Callable[[bytes], Any]) -> Callable[[bytes], Any]:
    def parse(data: bytes) -> Any:
        try:
            return deserialize(data)
        except (DecodeError, RecursionError, ValueError) as exc:
            why = str(exc) or type(exc).__name__
            if "MaxDepth" in why or isinstance(exc, RecursionError):
                why = TOO_DEEP_FOR_PROTOBUF
            return Malformed(why)

    return parse


def behaviour_attr(handler: grpc.RpcMethodHandler) -> str:
    """The handler field that holds its behaviour: unary_unary, unary_stream, stream_unary
    or stream_stream (the request's arity, then the response's)."""
    return ("stream_" if handler.request_streaming else "unary_") + (
        "stream" if handler.response_streaming else "unary"
    )


def _refuse(request: Any) -> Any:
    if isinstance(request, Malformed):
        raise InvalidArgument(f"the request message cannot be decoded: {request.why}", reason="MALFORMED_MESSAGE")
    return request


def _checked(behaviour: Callable) -> Callable:
    def call(request, context):
        return behaviour(_refuse(request), context)

    return call


def _checked_requests(behaviour: Callable) -> Callable:
    """For a request stream (server reflection): a message that does not decode ends the
    call when the behaviour reaches it."""

    def call(requests, context):
        return behaviour((_refuse(request) for request in requests), context)

    return call


def _wrap(handler: grpc.RpcMethodHandler) -> grpc.RpcMethodHandler:
    if handler.request_deserializer is None:
        return handler
    kind = behaviour_attr(handler)
    check = _checked_requests if handler.request_streaming else _checked
    return handler._replace(
        request_deserializer=_safe(handler.request_deserializer), **{kind: check(getattr(handler, kind))}
    )


class _Registrar:
    """Stands in for the grpc.Server a generated add_*_to_server function is given."""

    def __init__(self, server: grpc.Server, handlers: dict[str, grpc.RpcMethodHandler] | None) -> None:
        self.server, self.handlers = server, handlers

    def add_generic_rpc_handlers(self, handlers) -> None:
        pass  # add_registered_method_handlers below registers both forms

    def add_registered_method_handlers(self, service: str, handlers: dict[str, grpc.RpcMethodHandler]) -> None:
        wrapped = {name: _wrap(h) for name, h in handlers.items()}
        self.server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(service, wrapped),))
        self.server.add_registered_method_handlers(service, wrapped)
        if self.handlers is not None:
            self.handlers.update({f"/{service}/{name}": h for name, h in wrapped.items()})


def register(
    server: grpc.Server,
    add: Callable[[Any, Any], None],
    servicer: Any,
    handlers: dict[str, grpc.RpcMethodHandler] | None = None,
) -> None:
    """`add(servicer, server)` for a generated add_*_Servicer_to_server, with safe decoding;
    the handlers registered are also put in `handlers` ("/package.Service/Method": handler)."""
    add(servicer, _Registrar(server, handlers))
