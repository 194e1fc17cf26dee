"""The REST shim: a plain ASGI app that transcodes HTTP/JSON to gRPC method calls.

Routes come only from the google.api.http rules in the compiled descriptors of the
services given (no route is written here). Each request is matched and turned into the
method's request message; the method's registered handler runs in-process through the
same call rules as a gRPC call (authentication, the one error mapping, database
connection, metrics: server/rest/inprocess.py), off the event loop; the response message is
written as JSON (a stream as a JSON array, as its messages arrive); errors are rendered
by the dialect of the matched service. What is read of a request before the call (route,
credentials, body) is server/rest/request.py.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

import grpc
from google.protobuf import empty_pb2
from google.protobuf.descriptor import ServiceDescriptor
from prometheus_client import CONTENT_TYPE_LATEST

from server import observability
from server.domain.limits import MAX_MESSAGE_BYTES
from server.rest import openapi
from server.rest.dialects import Dialect, Problem, registry
from server.rest.inprocess import CALL_TIMEOUT_S, InProcessCalls, RpcError, deadline_exceeded
from server.rest.request import (
    ROUTED_AS,
    BodyTooLarge,
    ClientGone,
    Request,
    as_json_body,
    carriable,
    read,
    read_body,
    target,
)
from server.rest.rules import Route, Router, routes_for
from server.rest.transcode import TranscodeError, build_request, to_json

log = logging.getLogger(__name__)

OPENAPI_PATH = "/openapi.json"
METRICS_PATH = "/metrics"
HEALTH_PATH = "/healthz"
_OPEN_PATHS = (OPENAPI_PATH, METRICS_PATH, HEALTH_PATH)  # served by the shim itself, no credentials
WHO_AM_I = "/datastore.v1.AuthService/GetCurrentUser"  # checks credentials and nothing else
_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))  # made once: json.dumps makes one a call


class RestApp:
    def __init__(
        self,
        services: list[ServiceDescriptor],
        calls: InProcessCalls,
        *,
        dialects: Iterable[Dialect] = (),
        max_body: int = MAX_MESSAGE_BYTES,
        healthy: Callable[[], bool] = lambda: True,
    ) -> None:
        self.calls, self.healthy = calls, healthy
        self.routes = routes_for(services)
        self.router = Router(self.routes)
        self.dialects = registry(dialects)
        unknown = {r.dialect for r in self.routes} - self.dialects.keys()
        if unknown:  # fail at start-up, not on the first request
            raise ValueError(f"unknown http_dialect {sorted(unknown)}; known: {sorted(self.dialects)}")
        for route in self.routes:
            if not calls.knows(route.grpc_path):
                raise ValueError(f"no handler registered for {route.grpc_path}")
        self.max_body = max_body
        self._openapi: bytes | None = None  # built on first request

    # ------------------------------------------------------------------ ASGI

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
        elif scope["type"] == "http":
            await self._http(scope, receive, send)

    async def _lifespan(self, receive, send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _http(self, scope, receive, send) -> None:
        """One request: its x-request-id (taken or made, echoed), metrics by route
        template and one access-log line around the dispatch."""
        started = time.perf_counter()
        headers = dict(scope["headers"])
        given = headers.get(b"x-request-id", b"").decode("latin-1")
        call = _Call(given if _REQUEST_ID.fullmatch(given) else observability.new_request_id())

        async def send_with_id(message) -> None:
            if message["type"] == "http.response.start":
                call.status = message["status"]
                message["headers"] = [*message.get("headers", ()), (b"x-request-id", call.request_id.encode())]
            await send(message)

        try:
            await self._dispatch(scope, headers, receive, send_with_id, call)
        finally:
            elapsed = time.perf_counter() - started
            method = scope["method"].upper()
            observability.http_request(call.dialect, call.route, method, call.status, elapsed)
            if call.route not in (METRICS_PATH, HEALTH_PATH):
                observability.access("http", f"{method} {call.route}", call.status, elapsed, call.user, call.request_id)

    async def _dispatch(self, scope, headers: dict[bytes, bytes], receive, send, call: _Call) -> None:
        """Read the request, make the call, render its answer or its error."""
        method, path = target(scope)
        if ROUTED_AS.get(method, method) == "GET" and path in _OPEN_PATHS:
            call.route = path
            await self._send_open(send, path)
            return
        request = read(scope, headers, method, path, self.router, self.dialects, call.request_id)
        call.dialect, call.peer = request.dialect.name, request.peer
        call.route = request.match.route.template if request.match else "-"
        try:
            payload = await self._call(request, receive, send, call)
        except ClientGone:
            call.status = 499  # no call made, nobody to answer (nginx's number for it)
            return
        except Exception as exc:  # every failure is rendered; never a traceback on the wire
            await self._send_problem(send, request.dialect, await self._problem(exc, request, call))
            return
        if payload is not _STREAMED:
            dialect, route = request.dialect, request.match.route
            status = dialect.success_status(payload, route.success_status)
            etag = _etag_of(payload)
            headers = {"etag": f'"{etag}"'} if etag else None
            await _send_json(send, status, dialect.success_body(payload, status), headers)

    async def _call(self, request: Request, receive, send, call: _Call) -> Any:
        """The method's response as JSON data, or _STREAMED once a stream was written.
        Raises _Refused, TranscodeError or BodyTooLarge for what is refused before the
        call, ClientGone when the body never came whole, RpcError for the call's own
        failure."""
        match = request.match
        if match is None:
            raise _Refused(_no_route(request.method, request.path, self.router.allowed(request.path)))
        if not request.open_route and not request.credentials_given:
            raise _Refused(None)  # nothing to read before the 401 it will be
        headers = request.headers
        body = as_json_body(await read_body(receive, headers, self.max_body), headers.get(b"content-type", b""))
        if body is None:
            raise _Refused(
                Problem(
                    grpc.StatusCode.INVALID_ARGUMENT,
                    "unsupported content type: send application/json",
                    reason="UNSUPPORTED_MEDIA_TYPE",
                    http_status=415,
                )
            )
        query = parse_qsl(request.query_string.decode("latin-1"), keep_blank_values=True)
        message = build_request(match.route, match.variables, query, body, request.dialect.parsing)
        if_match = headers.get(b"if-match")
        if if_match and "etag" in message.DESCRIPTOR.fields_by_name and not message.etag:
            message.etag = if_match.decode("latin-1")  # AIP-154 etag field <- If-Match
        if match.route.server_streaming:
            await self._stream(send, receive, match.route, message, request.metadata, call)
            return _STREAMED
        render = _Render(match.route.response_body).data
        payload, call.user = await self.calls.unary(match.route.grpc_path, message, request.metadata, render, call.peer)
        return payload

    async def _problem(self, exc: Exception, request: Request, call: _Call) -> Problem:
        """The error answer to what _call raised."""
        if isinstance(exc, (_Refused, TranscodeError, BodyTooLarge)):
            # Refused before the call: who is asking is checked first, so anonymous or
            # badly authenticated junk is 401, as the method itself would answer.
            if not request.open_route:
                problem = await self._authentication_problem(request.metadata, call.peer)
                if problem is not None:
                    return problem
            problem = _problem_of(exc, self.max_body)
            if isinstance(exc, TranscodeError) and request.match is not None:
                problem = request.dialect.request_problem(problem, request.match.variables)
            return problem
        if isinstance(exc, RpcError):
            call.user = exc.user
            problem = Problem.from_status(exc.code, exc.details, exc.status)
            if problem.code == grpc.StatusCode.ABORTED and request.headers.get(b"if-match"):
                problem.http_status = 412  # the If-Match precondition failed (RFC 9110)
            return problem
        log.error("REST shim failure on %s %s", request.method, request.path, exc_info=exc)
        return Problem(grpc.StatusCode.INTERNAL, "internal error; the server log has the details")

    async def _authentication_problem(self, metadata, peer: str) -> Problem | None:
        """What the methods' authentication says of these credentials: None when they
        are valid, else its error (401; 503 while the database is unreachable)."""
        if not carriable(metadata):
            observability.AUTH_FAILURES.labels("CREDENTIALS_MALFORMED").inc()
            return Problem(
                grpc.StatusCode.UNAUTHENTICATED,
                "credentials may hold printable ASCII characters only",
                reason="CREDENTIALS_MALFORMED",
            )
        try:
            await self.calls.unary(WHO_AM_I, empty_pb2.Empty(), metadata, _nothing, peer)
        except RpcError as err:
            return Problem.from_status(err.code, err.details, err.status)
        return None

    async def _send_open(self, send, path: str) -> None:
        """What needs no credentials: the OpenAPI document of exactly these routes
        (server/rest/openapi.py), Prometheus metrics, and health (503 while the database
        is unreachable)."""
        status, content_type = 200, b"application/json"
        if path == OPENAPI_PATH:
            if self._openapi is None:
                self._openapi = json.dumps(openapi.document(self.routes), separators=(",", ":")).encode()
            body = self._openapi
        elif path == METRICS_PATH:
            body, content_type = observability.exposition(), CONTENT_TYPE_LATEST.encode()
        else:
            ok = self.healthy()
            status, body = (200, b'{"status":"SERVING"}') if ok else (503, b'{"status":"NOT_SERVING"}')
        headers = [(b"content-type", content_type), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    async def _stream(self, send, receive, route: Route, request, metadata, call: _Call) -> None:
        """A server-streaming call as one JSON array, written as its messages arrive.
        Raises RpcError for a failure before anything was sent (the usual error
        response); after that, a failure drops the connection with the array open, so
        no client takes a cut stream for a whole one. A client that leaves closes it."""
        pipe = self.calls.stream(route.grpc_path, request, metadata, _Render(route.response_body).chunk, call.peer)
        watcher = asyncio.ensure_future(_when_disconnected(receive, pipe.close))
        started = False
        try:
            async with asyncio.timeout(CALL_TIMEOUT_S):
                chunks = await pipe.take()
                if pipe.closed:
                    call.status = 499  # the client left first (nginx's number for it)
                    return
                if pipe.ended:  # all there before the first write: one plain response
                    if pipe.error is not None:
                        raise pipe.error
                    body = b"[" + b",".join(chunks) + b"]"
                    await _send_bytes(send, route.success_status, body)
                    return
                start = [(b"content-type", b"application/json")]
                await send({"type": "http.response.start", "status": route.success_status, "headers": start})
                started = True
                await send({"type": "http.response.body", "body": b"[" + b",".join(chunks), "more_body": True})
                while chunks := await pipe.take():
                    await send({"type": "http.response.body", "body": b"," + b",".join(chunks), "more_body": True})
            if pipe.error is not None:
                log.warning(
                    "stream %s failed after its response started (%s); connection dropped", call.route, pipe.error
                )
            elif not pipe.closed:
                await send({"type": "http.response.body", "body": b"]"})
        except TimeoutError:
            if not started:
                raise deadline_exceeded() from None
            log.warning("stream %s passed its deadline after its response started; connection dropped", call.route)
        finally:
            pipe.close()
            watcher.cancel()
            call.user = pipe.context.user

    async def _send_problem(self, send, dialect, problem: Problem) -> None:
        status = dialect.http_status(problem)
        headers = {**dialect.error_headers(problem, status), **problem.extra_headers}
        await _send_json(send, status, dialect.error_body(problem, status), headers)


def _etag_of(payload: Any) -> str | None:
    """The AIP-154 etag of a response: top-level, or of the one resource it wraps."""
    if not isinstance(payload, dict):
        return None
    if isinstance(payload.get("etag"), str):
        return payload["etag"] or None
    resources = [v for v in payload.values() if isinstance(v, dict)]
    if len(resources) == 1 and isinstance(resources[0].get("etag"), str):
        return resources[0]["etag"] or None
    return None


_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


_STREAMED = object()  # _call's answer once it wrote a stream itself


@dataclass
class _Call:
    """What the access log and metrics learn about one HTTP request."""

    request_id: str
    dialect: str = "-"
    route: str = "-"  # the rule's template: bounded label values, never the raw path
    user: str = "-"
    status: int = 0
    peer: str = ""


class _Render:
    """A response message as JSON data (unary) or as the bytes of one array item
    (stream); run in the worker thread with the call."""

    def __init__(self, response_body: str) -> None:
        self.response_body = response_body

    def data(self, message) -> Any:
        return to_json(message, self.response_body)

    def chunk(self, message) -> bytes:
        return _JSON.encode(to_json(message, self.response_body)).encode()


def _nothing(message) -> None:
    return None


async def _when_disconnected(receive, callback: Callable[[], None]) -> None:
    """Calls back once the HTTP client has gone (the request body is read by then)."""
    while (await receive())["type"] != "http.disconnect":
        pass
    callback()


class _Refused(Exception):
    """A request the shim answers itself (no route, wrong method, content type)."""

    def __init__(self, problem: Problem | None) -> None:
        self.problem = problem


def _no_route(method: str, path: str, allowed: list[str]) -> Problem:
    shown = path.split("?")[0][:200]
    if allowed:
        problem = Problem(
            grpc.StatusCode.UNIMPLEMENTED,
            f"method {method} is not allowed on {shown}; allowed: {', '.join(allowed)}",
            http_status=405,
        )
        problem.extra_headers = {"allow": ", ".join(allowed)}
        return problem
    return Problem(grpc.StatusCode.NOT_FOUND, f"no such path: {method} {shown}", reason="NO_ROUTE", http_status=404)


def _problem_of(exc: Exception, max_body: int) -> Problem:
    if isinstance(exc, TranscodeError):
        return Problem(
            grpc.StatusCode.INVALID_ARGUMENT,
            exc.message,
            reason="BAD_REQUEST",
            field_violations=[(exc.field, exc.message)],
        )
    if isinstance(exc, BodyTooLarge):
        return Problem(
            grpc.StatusCode.RESOURCE_EXHAUSTED,
            f"request body is larger than {max_body} bytes",
            reason="BODY_TOO_LARGE",
            http_status=413,
        )
    assert isinstance(exc, _Refused)
    return exc.problem or Problem(
        grpc.StatusCode.UNAUTHENTICATED, "credentials are required", reason="CREDENTIALS_MISSING"
    )


async def _send_json(send, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
    await _send_bytes(send, status, _JSON.encode(body).encode(), headers)


async def _send_bytes(send, status: int, data: bytes, headers: dict[str, str] | None = None) -> None:
    raw_headers = [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())]
    raw_headers += [(k.encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw_headers})
    await send({"type": "http.response.body", "body": data})
