"""Server interceptors, outermost first: errors -> database connection -> auth.

grpc's interceptor API returns a handler per call; each interceptor here wraps the
handler's behaviour function (unary and server-streaming, the arities this API uses),
so its code runs inside the call, in the worker thread.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import grpc

from server import observability
from server.api import context as call_context
from server.api import status
from server.domain.errors import DomainError, Unauthenticated
from server.services.auth import AuthService
from server.storage.db import connection_errors, ensure_connection, settle, write_mark

log = logging.getLogger(__name__)

Behavior = Callable[[Any, grpc.ServicerContext], Any]

# Methods that need no credentials: health, reflection and the token exchange itself.
OPEN_METHOD_PREFIXES = (
    "/grpc.health.v1.Health/",
    "/grpc.reflection.v1alpha.ServerReflection/",
    "/grpc.reflection.v1.ServerReflection/",
)
OPEN_METHODS = frozenset(
    {"/datastore.v1.AuthService/CreateToken", "/datastore.tokenauth.v1.TokenAuthService/ObtainToken"}
)


HOP_HEADER = "x-datastore-hop"  # set by the REST shim on its calls to this listener
USER_TRAILER = "x-datastore-user"  # who the caller was, told to the shim for its access log


def is_open(method: str) -> bool:
    return method in OPEN_METHODS or method.startswith(OPEN_METHOD_PREFIXES)


class _WrappingInterceptor(grpc.ServerInterceptor):
    """Wraps unary and server-streaming behaviours with `around` (a context manager)."""

    def applies_to(self, method: str) -> bool:
        return True

    def around(self, context: grpc.ServicerContext, method: str) -> Any:  # pragma: no cover
        raise NotImplementedError

    def intercept_service(self, continuation, handler_call_details):
        handler = continuation(handler_call_details)
        method = handler_call_details.method
        if handler is None or not self.applies_to(method):
            return handler
        if handler.unary_unary:
            inner = handler.unary_unary

            def unary(request, context):
                with self.around(context, method):
                    return inner(request, context)

            return handler._replace(unary_unary=unary)
        if handler.unary_stream:
            inner_stream = handler.unary_stream

            def stream(request, context) -> Iterator[Any]:
                with self.around(context, method):
                    yield from inner_stream(request, context)

            return handler._replace(unary_stream=stream)
        return handler


class _Around:
    """Tiny context-manager base so each interceptor states only enter/exit."""

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        return False


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


class StreamReaperInterceptor(grpc.ServerInterceptor):
    """Outermost: every call first closes this thread's abandoned stream (above), and
    every stream is held until it ends so the collector never closes it elsewhere."""

    def intercept_service(self, continuation, handler_call_details):
        handler = continuation(handler_call_details)
        if handler is None:
            return None
        if handler.unary_unary:
            inner = handler.unary_unary

            def unary(request, context):
                close_abandoned_stream()
                return inner(request, context)

            return handler._replace(unary_unary=unary)
        if handler.unary_stream:
            inner_stream = handler.unary_stream

            def stream(request, context):
                close_abandoned_stream()
                return _Held(inner_stream(request, context))

            return handler._replace(unary_stream=stream)
        return handler


class _Held:
    """A response stream registered as this thread's until it is exhausted."""

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


class ObserveInterceptor(_WrappingInterceptor):
    """Outermost: go-grpc-prometheus metrics for every call, the x-request-id (taken or
    made, echoed in the trailing metadata) and one access-log line per call - except the
    REST shim's own hop, which the shim logs itself (marked by a per-process secret)."""

    def __init__(self, hop_secret: str) -> None:
        self.hop_secret = hop_secret
        self._calls: dict[str, observability.GrpcCall] = {}

    def intercept_service(self, continuation, handler_call_details):
        method = handler_call_details.method
        if method not in self._calls:
            handler = continuation(handler_call_details)
            if handler is None:
                return None
            self._calls[method] = observability.GrpcCall(method, streaming=handler.unary_stream is not None)
        return super().intercept_service(continuation, handler_call_details)

    class _Observed(_Around):
        def __init__(self, metrics: observability.GrpcCall, context: grpc.ServicerContext, method: str, hop: str):
            self.metrics, self.context, self.method = metrics, context, method
            self.request_id, self.logged = "", True
            for key, value in context.invocation_metadata():
                if key == "x-request-id":
                    self.request_id = value
                elif key == HOP_HEADER:
                    self.logged = value != hop
            self.request_id = self.request_id or uuid.uuid4().hex

        def __enter__(self):
            self.started = time.perf_counter()
            self.metrics.started.inc()
            self.record, self.token = call_context.begin_call()
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
            trailers = (*(self.context.trailing_metadata() or ()), ("x-request-id", self.request_id))
            if self.logged:
                user = self.record["user"]
                observability.access("grpc", self.method, code.name, elapsed, user, self.request_id)
            else:  # the shim's hop: it logs the call, and wants to know who made it
                trailers += ((USER_TRAILER, self.record["user"]),)
            self.context.set_trailing_metadata(trailers)
            call_context.end_call(self.token)
            return False

    def around(self, context, method):
        return self._Observed(self._calls[method], context, method, self.hop_secret)


class ErrorInterceptor(_WrappingInterceptor):
    """The only place that aborts a call: DomainError -> its status, anything else ->
    INTERNAL with a logged traceback and no internals on the wire."""

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

    def around(self, context, method):
        return self._Guard(context, method)


class DbConnectionInterceptor(_WrappingInterceptor):
    """Makes sure the worker thread has an open connection (it stays open for reuse) and
    turns a lost database connection into UNAVAILABLE."""

    def applies_to(self, method: str) -> bool:
        return not method.startswith(OPEN_METHOD_PREFIXES)

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

    def around(self, context, method):
        return self._Conn()


class AuthInterceptor(_WrappingInterceptor):
    """Deny by default: every method but the open ones needs valid credentials. The
    resolved Principal is available to servicers through api.context."""

    def __init__(self, auth: AuthService) -> None:
        self.auth = auth

    def applies_to(self, method: str) -> bool:
        return not is_open(method)

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

    def around(self, context, method):
        return self._Auth(self.auth, context)
