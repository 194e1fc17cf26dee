"""The rules every call passes, written once for both ways in: a gRPC call and an
in-process call of the REST shim run the very same wrapped behaviour.

`call_rules()` is THE list, outermost first: observe (metrics, request id, access log)
-> errors (the one error mapping) -> database connection -> authentication. A
`CallChain` wraps each registered handler's behaviour (any arity: server reflection is a
bidirectional stream) with the rules that apply to its method, once per method; the
gRPC server runs it as its only interceptor (`CallChain.interceptor()`), the REST shim
calls `CallChain.wrap()` directly (server/rest/inprocess.py). Outermost of all, for every
method, the stream reaper (below). The rules run inside the call, in the worker thread.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from typing import Any

import grpc

from server import observability
from server.api import context as call_context
from server.api import status
from server.api.registration import behaviour_attr
from server.domain.errors import DomainError, Unauthenticated
from server.services.auth import AuthService
from server.storage.db import connection_errors, ensure_connection, settle, write_mark

log = logging.getLogger(__name__)

Around = Callable[[grpc.ServicerContext], AbstractContextManager]

# go-grpc-prometheus' grpc_type label, by (request streaming, response streaming)
GRPC_TYPES = {
    (False, False): "unary",
    (False, True): "server_stream",
    (True, False): "client_stream",
    (True, True): "bidi_stream",
}

# Methods that need no credentials: health, reflection and the token exchange itself.
OPEN_METHOD_PREFIXES = (
    "/grpc.health.v1.Health/",
    "/grpc.reflection.v1alpha.ServerReflection/",
    "/grpc.reflection.v1.ServerReflection/",
)
OPEN_METHODS = frozenset(
    {"/datastore.v1.AuthService/CreateToken", "/datastore.tokenauth.v1.TokenAuthService/ObtainToken"}
)


def is_open(method: str) -> bool:
    return method in OPEN_METHODS or method.startswith(OPEN_METHOD_PREFIXES)


class Rule:
    """One rule of the chain. `bind` is asked once per method: the factory of the context
    manager run around each of its calls, or None where the rule does not apply."""

    def bind(self, method: str, grpc_type: str) -> Around | None:  # pragma: no cover - abstract
        raise NotImplementedError


class _Around:
    """Tiny context-manager base so each rule states only enter/exit."""

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        return False


class Observe(Rule):
    """go-grpc-prometheus metrics for every call, the x-request-id (taken or made, echoed
    in the trailing metadata) and one access-log line per call - except in-process calls,
    whose caller (the REST shim) writes the line itself, reading who called from the
    call's record."""

    def bind(self, method, grpc_type):
        metrics = observability.GrpcCall(method, grpc_type)
        return lambda context: _Observed(metrics, context, method)


class _Observed(_Around):
    def __init__(self, metrics: observability.GrpcCall, context: grpc.ServicerContext, method: str) -> None:
        self.metrics, self.context, self.method = metrics, context, method
        self.request_id = ""
        for key, value in context.invocation_metadata():
            if key == "x-request-id":
                self.request_id = value
        self.request_id = self.request_id or observability.new_request_id()

    def __enter__(self):
        self.started = time.perf_counter()
        self.metrics.started.inc()
        local = isinstance(self.context, call_context.LocalContext)
        self.record, self.token = call_context.begin_call(self.context.record if local else None)
        return self

    def __exit__(self, exc_type, exc, tb):
        elapsed = time.perf_counter() - self.started
        code = self.context.code()
        if code is None:  # not aborted: done, or a stream the client walked away from
            code = grpc.StatusCode.OK if exc is None else grpc.StatusCode.CANCELLED
            if exc is not None and not isinstance(exc, GeneratorExit):
                code = grpc.StatusCode.UNKNOWN
        self.metrics.handled(code.name, elapsed)
        # Echoed in the trailers: initial metadata of its own would cost a frame.
        self.context.set_trailing_metadata(
            (*(self.context.trailing_metadata() or ()), ("x-request-id", self.request_id))
        )
        if not isinstance(self.context, call_context.LocalContext):  # else the shim logs it, by HTTP route
            observability.access("grpc", self.method, code.name, elapsed, self.record["user"], self.request_id)
        call_context.end_call(self.token)
        return False


class Errors(Rule):
    """The only place that aborts a call: DomainError -> its status, anything else ->
    INTERNAL with a logged traceback and no internals on the wire."""

    def bind(self, method, grpc_type):
        return lambda context: _Guard(context, method)


class _Guard(_Around):
    def __init__(self, context: grpc.ServicerContext, method: str) -> None:
        self.context, self.method = context, method

    def __exit__(self, exc_type, exc, tb):
        if exc is None or isinstance(exc, GeneratorExit):
            return False
        if isinstance(exc, DomainError):
            if isinstance(exc, Unauthenticated):
                observability.AUTH_FAILURES.labels(exc.reason).inc()
            self.context.abort_with_status(status.to_status(exc))
        log.error("unhandled error in %s", self.method, exc_info=(exc_type, exc, tb))
        self.context.abort_with_status(status.internal_status())
        return False  # pragma: no cover - abort raises


class DbConnection(Rule):
    """Makes sure the worker thread has an open connection (it stays open for reuse) and
    turns a lost database connection into UNAVAILABLE."""

    def bind(self, method, grpc_type):
        return None if method.startswith(OPEN_METHOD_PREFIXES) else lambda context: _Conn()


class _Conn(_Around):
    def __enter__(self):
        self.guard = connection_errors()
        self.guard.__enter__()
        try:
            ensure_connection()
            self.mark = write_mark()
        except BaseException as exc:
            if not self.guard.__exit__(type(exc), exc, exc.__traceback__):
                raise
        return self

    def __exit__(self, exc_type, exc, tb):
        try:
            settle(self.mark)  # a call that wrote answers only once its commit is on disk
        except Exception:
            if exc is None:  # else the call's own error is the one to report
                self.guard.__exit__(None, None, None)
                raise
        return self.guard.__exit__(exc_type, exc, tb)


class Authenticate(Rule):
    """Deny by default: every method but the open ones needs valid credentials. The
    resolved Principal is available to servicers through api.context."""

    def __init__(self, auth: AuthService) -> None:
        self.auth = auth

    def bind(self, method, grpc_type):
        return None if is_open(method) else lambda context: _Auth(self.auth, context)


class _Auth(_Around):
    def __init__(self, auth: AuthService, context: grpc.ServicerContext) -> None:
        self.auth, self.context, self.token = auth, context, None

    def __enter__(self):
        metadata = {k: v for k, v in self.context.invocation_metadata() if isinstance(v, str)}
        principal = self.auth.authenticate(metadata)
        self.token = call_context.set_principal(principal)
        call_context.note_user(principal.username)
        return self

    def __exit__(self, exc_type, exc, tb):
        if self.token is not None:
            call_context.reset_principal(self.token)
        return False


def call_rules(auth: AuthService) -> list[Rule]:
    """THE rules, outermost first, that every call passes however it arrives."""
    return [Observe(), Errors(), DbConnection(), Authenticate(auth)]


class CallChain:
    """Registered handlers wrapped in the rules, once per method."""

    def __init__(self, rules: list[Rule]) -> None:
        self.rules = tuple(rules)
        self._wrapped: dict[str, tuple[grpc.RpcMethodHandler, grpc.RpcMethodHandler]] = {}

    def wrap(self, method: str, handler: grpc.RpcMethodHandler) -> grpc.RpcMethodHandler:
        cached = self._wrapped.get(method)
        if cached is not None and cached[0] is handler:
            return cached[1]
        wrapped = self._build(method, handler)
        self._wrapped[method] = (handler, wrapped)
        return wrapped

    def interceptor(self) -> grpc.ServerInterceptor:
        """The chain as the gRPC server's one interceptor."""
        return _ChainInterceptor(self)

    def _build(self, method: str, handler: grpc.RpcMethodHandler) -> grpc.RpcMethodHandler:
        grpc_type = GRPC_TYPES[handler.request_streaming, handler.response_streaming]
        arounds = [a for rule in self.rules if (a := rule.bind(method, grpc_type)) is not None]
        within, reaped = (
            (_stream_within, _reaped_stream) if handler.response_streaming else (_unary_within, _reaped_unary)
        )
        attr = behaviour_attr(handler)
        behaviour = getattr(handler, attr)
        for around in reversed(arounds):
            behaviour = within(around, behaviour)
        return handler._replace(**{attr: reaped(behaviour)})


class _ChainInterceptor(grpc.ServerInterceptor):
    def __init__(self, chain: CallChain) -> None:
        self.chain = chain

    def intercept_service(self, continuation, handler_call_details):
        handler = continuation(handler_call_details)
        return None if handler is None else self.chain.wrap(handler_call_details.method, handler)


def _unary_within(around: Around, inner: Callable) -> Callable:
    def unary(request, context):
        with around(context):
            return inner(request, context)

    return unary


def _stream_within(around: Around, inner: Callable) -> Callable:
    def stream(request, context) -> Iterator[Any]:
        with around(context):
            yield from inner(request, context)

    return stream


# ---------------------------------------------------------------- stream reaper

_abandoned = threading.local()  # the stream this worker thread last ran and did not finish


def close_abandoned_stream() -> None:
    """Closes a stream a client left mid-way, on the thread that ran it.

    grpcio stops iterating a cancelled stream (deadline, client gone) without closing it,
    so its generator stays suspended inside its read transaction (StreamEntries on
    PostgreSQL: a named cursor). Left to the garbage collector, it would be closed on
    whatever thread happens to drop it - running its rollback on that thread's
    connection, in the middle of another call. Held here, it is closed before the next
    call of the thread whose connection it holds."""
    stream = getattr(_abandoned, "stream", None)
    if stream is not None:
        _abandoned.stream = None
        try:
            stream.close()
        except Exception:  # noqa: BLE001 - its connection may be gone too; the next call reconnects
            log.warning("closing an abandoned stream failed", exc_info=True)


def _reaped_unary(inner: Callable) -> Callable:
    def unary(request, context):
        close_abandoned_stream()
        return inner(request, context)

    return unary


def _reaped_stream(inner: Callable) -> Callable:
    def stream(request, context):
        close_abandoned_stream()
        return _Held(inner(request, context))

    return stream


class _Held:
    """A response stream registered as this thread's until it is exhausted or closed."""

    def __init__(self, stream: Iterator[Any]) -> None:
        self.stream = stream

    def __iter__(self):
        return self

    def __next__(self):
        _abandoned.stream = self.stream
        try:
            item = next(self.stream)
        except BaseException:
            _abandoned.stream = None  # ended (or failed): nothing left to close
            raise
        return item

    def close(self) -> None:
        """Closes the stream now, on this thread (the in-process caller's way to leave)."""
        if getattr(_abandoned, "stream", None) is self.stream:
            _abandoned.stream = None
        self.stream.close()
