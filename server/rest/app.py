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
from google.protobuf import message_factory
from google.protobuf.descriptor import ServiceDescriptor
from google.rpc import status_pb2

from server.rest import dialects, openapi
from server.rest.dialects.base import Problem
from server.rest.rules import Route, Router, routes_for
from server.rest.transcode import TranscodeError, build_request, to_json

log = logging.getLogger(__name__)

FORWARDED_HEADERS = (b"authorization", b"argus-api-key", b"x-request-id")
OPENAPI_PATH = "/openapi.json"
MAX_BODY_BYTES = 16 * 1024 * 1024  # as the gRPC listener's message limit
CALL_TIMEOUT_S = 60.0


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
        try:
            if match is None:
                allowed = self.router.allowed(path)
                if allowed:
                    problem = Problem(
                        grpc.StatusCode.UNIMPLEMENTED,
                        f"method {method} is not allowed on {scope['path']}; allowed: {', '.join(allowed)}",
                        http_status=405,
                    )
                    await self._send_problem(send, dialect, problem, {"allow": ", ".join(allowed)})
                else:
                    await self._send_problem(
                        send,
                        dialect,
                        Problem(
                            grpc.StatusCode.NOT_FOUND,
                            f"no such path: {method} {scope['path']}",
                            reason="NO_ROUTE",
                            http_status=404,
                        ),
                    )
                return
            headers = dict(scope["headers"])
            body = _as_json_body(await self._body(receive, headers), headers.get(b"content-type", b""))
            if body is None:
                problem = Problem(
                    grpc.StatusCode.INVALID_ARGUMENT,
                    "unsupported content type: send application/json",
                    reason="UNSUPPORTED_MEDIA_TYPE",
                    http_status=415,
                )
                await self._send_problem(send, dialect, problem)
                return
            query = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
            request = build_request(match.route, match.variables, query, body)
            if_match = headers.get(b"if-match")
            if if_match and "etag" in request.DESCRIPTOR.fields_by_name and not request.etag:
                request.etag = if_match.decode("latin-1")  # AIP-154 etag field <- If-Match
            metadata = tuple((k.decode(), v.decode("latin-1")) for k, v in scope["headers"] if k in FORWARDED_HEADERS)
            payload = await self._invoke(match.route, request, metadata)
        except TranscodeError as exc:
            problem = Problem(
                grpc.StatusCode.INVALID_ARGUMENT,
                exc.message,
                reason="BAD_REQUEST",
                field_violations=[(exc.field, exc.message)],
            )
            await self._send_problem(send, dialect, problem)
            return
        except _BodyTooLarge:
            problem = Problem(
                grpc.StatusCode.RESOURCE_EXHAUSTED,
                f"request body is larger than {self.max_body} bytes",
                reason="BODY_TOO_LARGE",
                http_status=413,
            )
            await self._send_problem(send, dialect, problem)
            return
        except grpc.aio.AioRpcError as err:
            problem = Problem.from_status(err.code(), err.details() or "", _status_of(err))
            if problem.code == grpc.StatusCode.ABORTED and dict(scope["headers"]).get(b"if-match"):
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

    async def _send_problem(self, send, dialect, problem: Problem, extra_headers: dict[str, str] | None = None) -> None:
        status = dialect.http_status(problem)
        headers = {**dialect.error_headers(problem, status), **(extra_headers or {})}
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
