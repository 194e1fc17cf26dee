"""The REST shim: a plain ASGI app that transcodes HTTP/JSON to gRPC calls.

Routes come only from the google.api.http rules in the compiled descriptors of the
services given (no route is written here). Each request is matched, turned into the
method's request message, sent over a gRPC channel to the server's own gRPC listener
(so every call passes the same interceptors: auth, errors), and the response message is
written as JSON; errors are rendered by the dialect of the matched service.
"""

from __future__ import annotations

import json
import logging
from typing import Any
from urllib.parse import parse_qsl, quote

import grpc
from google.protobuf import empty_pb2, message_factory
from google.protobuf.descriptor import ServiceDescriptor
from google.rpc import status_pb2

from server.api.interceptors import is_open
from server.rest import dialects, openapi
from server.rest.dialects.base import Problem
from server.rest.rules import Route, Router, routes_for
from server.rest.transcode import TranscodeError, build_request, to_json

log = logging.getLogger(__name__)

FORWARDED_HEADERS = (b"authorization", b"argus-api-key", b"x-request-id")
OPENAPI_PATH = "/openapi.json"
MAX_BODY_BYTES = 16 * 1024 * 1024  # as the gRPC listener's message limit
CALL_TIMEOUT_S = 60.0
WHO_AM_I = "/datastore.v1.AuthService/GetCurrentUser"  # checks credentials and nothing else


class RestApp:
    def __init__(self, grpc_target: str, services: list[ServiceDescriptor], *, max_body: int = MAX_BODY_BYTES) -> None:
        self.grpc_target = grpc_target
        self.routes = routes_for(services)
        self.router = Router(self.routes)
        for route in self.routes:
            dialects.get(route.dialect)  # fail at start-up on an unknown dialect
        self.max_body = max_body
        self._openapi: bytes | None = None  # built on first request
        self._channel: grpc.aio.Channel | None = None
        self._calls: dict[str, Any] = {}

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
                if self._channel is not None:
                    await self._channel.close()
                await send({"type": "lifespan.shutdown.complete"})
                return

    def channel(self) -> grpc.aio.Channel:
        if self._channel is None:  # created inside the server's event loop
            self._channel = grpc.aio.insecure_channel(
                self.grpc_target,
                options=[
                    ("grpc.max_receive_message_length", MAX_BODY_BYTES),
                    ("grpc.max_send_message_length", MAX_BODY_BYTES),
                ],
            )
        return self._channel

    def _callable(self, route: Route):
        call = self._calls.get(route.grpc_path)
        if call is None:
            response_class = message_factory.GetMessageClass(route.method.output_type)
            factory = self.channel().unary_stream if route.server_streaming else self.channel().unary_unary
            call = factory(
                route.grpc_path,
                request_serializer=lambda m: m.SerializeToString(),
                response_deserializer=response_class.FromString,
            )
            self._calls[route.grpc_path] = call
        return call

    async def _http(self, scope, receive, send) -> None:
        raw_path = scope.get("raw_path")
        path = raw_path.decode("latin-1") if raw_path else quote(scope["path"])
        method = scope["method"].upper()
        if path == OPENAPI_PATH and method == "GET":
            await self._send_openapi(send)
            return
        match = self.router.match(method, path)
        dialect = dialects.get(match.route.dialect if match else (self.router.dialect_for_path(path) or "google"))
        headers = dict(scope["headers"])
        metadata = tuple((k.decode(), v.decode("latin-1")) for k, v in scope["headers"] if k in FORWARDED_HEADERS)
        open_route = match is not None and is_open(match.route.grpc_path)
        try:
            if not open_route and not _has_credentials(headers):
                raise _Refused(_no_route(method, path, self.router.allowed(path)) if match is None else None)
            if match is None:
                raise _Refused(_no_route(method, path, self.router.allowed(path)))
            body = _as_json_body(await self._body(receive, headers), headers.get(b"content-type", b""))
            if body is None:
                raise _Refused(
                    Problem(
                        grpc.StatusCode.INVALID_ARGUMENT,
                        "unsupported content type: send application/json",
                        reason="UNSUPPORTED_MEDIA_TYPE",
                        http_status=415,
                    )
                )
            query = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
            request = build_request(match.route, match.variables, query, body, dialect.parsing)
            if_match = headers.get(b"if-match")
            if if_match and "etag" in request.DESCRIPTOR.fields_by_name and not request.etag:
                request.etag = if_match.decode("latin-1")  # AIP-154 etag field <- If-Match
            payload = await self._invoke(match.route, request, metadata)
        except (_Refused, TranscodeError, _BodyTooLarge) as exc:
            # Refused before the call: who is asking is checked first, so anonymous or
            # badly authenticated junk is 401, as the method itself would answer.
            problem = None if open_route else await self._authentication_problem(metadata)
            await self._send_problem(send, dialect, problem or _problem_of(exc, self.max_body))
            return
        except grpc.aio.AioRpcError as err:
            problem = Problem.from_status(err.code(), err.details() or "", _status_of(err))
            if problem.code == grpc.StatusCode.ABORTED and headers.get(b"if-match"):
                problem.http_status = 412  # the If-Match precondition failed (RFC 9110)
            await self._send_problem(send, dialect, problem)
            return
        except Exception:  # never a traceback on the wire
            log.exception("REST shim failure on %s %s", method, path)
            await self._send_problem(
                send, dialect, Problem(grpc.StatusCode.INTERNAL, "internal error; the server log has the details")
            )
            return
        status = match.route.success_status
        etag = _etag_of(payload)
        await _send_json(send, status, dialect.success_body(payload, status), {"etag": f'"{etag}"'} if etag else None)

    async def _authentication_problem(self, metadata) -> Problem | None:
        """What the gRPC listener's authentication says of these credentials: None when
        they are valid, else its error (401; 503 while the database is unreachable)."""
        call = self.channel().unary_unary(
            WHO_AM_I,
            request_serializer=lambda m: m.SerializeToString(),
            response_deserializer=lambda data: data,
        )
        try:
            await call(empty_pb2.Empty(), metadata=metadata, timeout=CALL_TIMEOUT_S)
        except grpc.aio.AioRpcError as err:
            return Problem.from_status(err.code(), err.details() or "", _status_of(err))
        return None

    async def _send_openapi(self, send) -> None:
        """The OpenAPI document of exactly these routes (server/rest/openapi.py)."""
        if self._openapi is None:
            self._openapi = json.dumps(openapi.document(self.routes), separators=(",", ":")).encode()
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(self._openapi)).encode())]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": self._openapi})

    async def _invoke(self, route: Route, request, metadata) -> Any:
        call = self._callable(route)
        if route.server_streaming:
            return [
                to_json(m, route.response_body) async for m in call(request, metadata=metadata, timeout=CALL_TIMEOUT_S)
            ]
        response = await call(request, metadata=metadata, timeout=CALL_TIMEOUT_S)
        return to_json(response, route.response_body)

    async def _body(self, receive, headers: dict[bytes, bytes]) -> bytes:
        declared = headers.get(b"content-length")
        if declared and declared.isdigit() and int(declared) > self.max_body:
            raise _BodyTooLarge
        chunks, size = [], 0
        while True:
            message = await receive()
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body:
                raise _BodyTooLarge
            chunks.append(chunk)
            if not message.get("more_body"):
                return b"".join(chunks)

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


class _BodyTooLarge(Exception):
    pass


class _Refused(Exception):
    """A request the shim answers itself (no route, wrong method, content type)."""

    def __init__(self, problem: Problem | None) -> None:
        self.problem = problem


def _has_credentials(headers: dict[bytes, bytes]) -> bool:
    return bool(headers.get(b"authorization") or headers.get(b"argus-api-key"))


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
    if isinstance(exc, _BodyTooLarge):
        return Problem(
            grpc.StatusCode.RESOURCE_EXHAUSTED,
            f"request body is larger than {max_body} bytes",
            reason="BODY_TOO_LARGE",
            http_status=413,
        )
    assert isinstance(exc, _Refused) and exc.problem is not None
    return exc.problem


def _as_json_body(body: bytes, content_type: bytes) -> bytes | None:
    """The body as JSON bytes, or None for a content type we do not take.

    JSON (or no content type) passes as is. Form-encoded bodies are what `curl -d`
    sends by default and what Django REST clients post to token-auth: a body that is
    JSON anyway passes; real form fields become a flat JSON object of strings.
    """
    media = content_type.split(b";")[0].strip().lower()
    if not body.strip() or media in (b"application/json", b"", b"text/plain") or media.endswith(b"+json"):
        return body
    if media == b"application/x-www-form-urlencoded":
        if body.lstrip()[:1] in (b"{", b"["):
            return body
        return json.dumps(dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))).encode()
    return None


def _status_of(err: grpc.aio.AioRpcError) -> status_pb2.Status | None:
    for key, value in err.trailing_metadata() or ():
        if key == "grpc-status-details-bin":
            return status_pb2.Status.FromString(value)
    return None


async def _send_json(send, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
    data = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
    raw_headers = [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())]
    raw_headers += [(k.encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw_headers})
    await send({"type": "http.response.body", "body": data})
