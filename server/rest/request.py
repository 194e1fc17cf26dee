"""Reading an HTTP request for the shim: its route and dialect, its credentials as the
gRPC metadata the methods' authentication reads, and its body as JSON (size limit,
content types). Nothing here calls a method or renders an answer (server/rest/app.py)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, quote

from server.api.interceptors import is_open
from server.rest.dialects import Dialect
from server.rest.rules import ROUTED_AS, Match, Router

# The headers that carry credentials: passed to the methods as gRPC metadata (what
# server/services/auth.py reads); a closed route asked without any of them is 401 at once.
CREDENTIAL_HEADERS = (b"authorization", b"argus-api-key")
_PRINTABLE = re.compile(r"[\x20-\x7e]*")  # what a gRPC metadata value may hold


@dataclass(slots=True)
class Request:
    """One HTTP request as known before its body is read."""

    method: str  # as sent (a HEAD is routed as GET)
    path: str  # raw, still percent-encoded
    query_string: bytes
    headers: dict[bytes, bytes]
    match: Match | None
    dialect: Dialect
    open_route: bool  # the method takes no credentials
    credentials_given: bool  # one of CREDENTIAL_HEADERS, and carriable as gRPC metadata
    metadata: tuple[tuple[str, str], ...]  # the credentials and x-request-id
    peer: str


def target(scope) -> tuple[str, str]:
    """(method, path): the path raw, as sent (percent-encoding kept)."""
    raw_path = scope.get("raw_path")
    return scope["method"].upper(), raw_path.decode("latin-1") if raw_path else quote(scope["path"])


def read(
    scope,
    headers: dict[bytes, bytes],
    method: str,
    path: str,
    router: Router,
    dialects: dict[str, Dialect],
    request_id: str,
) -> Request:
    """The route of `method` on `path`, the dialect that answers (the route's, else the
    one of the closest paths), and the credentials."""
    match = router.match(ROUTED_AS.get(method, method), path)
    dialect = dialects[match.route.dialect if match else (router.dialect_for_path(path) or "google")]
    open_route = match is not None and is_open(match.route.grpc_path)
    credentials = tuple((k.decode(), v.decode("latin-1")) for k, v in scope["headers"] if k in CREDENTIAL_HEADERS)
    can_carry = carriable(credentials)
    if open_route and not can_carry:
        credentials = ()  # the method reads no credentials; gRPC could not have carried these
    return Request(
        method,
        path,
        scope.get("query_string", b""),
        headers,
        match,
        dialect,
        open_route,
        can_carry and any([value for _, value in credentials]),  # a list: cheaper than a generator here
        (*credentials, ("x-request-id", request_id)),
        _peer(scope.get("client")),
    )


def carriable(metadata: tuple[tuple[str, str], ...]) -> bool:
    """Whether every value could travel as gRPC metadata, so the methods' authentication
    may read it as it reads a gRPC caller's (it never sees other characters)."""
    return all(_PRINTABLE.fullmatch(value) for _, value in metadata)


def _peer(client: tuple[str, int] | None) -> str:
    """The HTTP client as grpc names a peer (ServicerContext.peer)."""
    if not client:
        return ""
    host, port = client[0], client[1]
    return f"ipv6:[{host}]:{port}" if ":" in host else f"ipv4:{host}:{port}"


class BodyTooLarge(Exception):
    pass


class ClientGone(Exception):
    """The client closed the connection before its request body was whole."""


async def read_body(receive, headers: dict[bytes, bytes], max_body: int) -> bytes:
    """The whole request body; BodyTooLarge past max_body (declared or sent), ClientGone
    when the connection closes first (what came is never taken for the whole body)."""
    declared = headers.get(b"content-length")
    if declared and declared.isdigit() and int(declared) > max_body:
        raise BodyTooLarge
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientGone
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > max_body:
            raise BodyTooLarge
        chunks.append(chunk)
        if not message.get("more_body"):
            return b"".join(chunks)


def as_json_body(body: bytes, content_type: bytes) -> bytes | None:
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
