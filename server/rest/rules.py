"""google.api.http rules -> compiled routes, and matching a request path to one.

Grammar (google/api/http.proto):
    Template = "/" Segments [ Verb ] ;  Segment = "*" | "**" | LITERAL | Variable ;
    Variable = "{" FieldPath [ "=" Segments ] "}" ;  Verb = ":" LITERAL ;
`{var}` is `{var=*}` (one segment). Matching prefers a literal over `*` over `**`
position by position (Envoy's trie order), so registration order never matters; two
rules with the same method and shape are a start-up error, as is a malformed template.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from google.api import annotations_pb2, http_pb2
from google.protobuf.descriptor import MethodDescriptor, ServiceDescriptor

from datastore.options.v1 import http_options_pb2

LIT, STAR, DSTAR = 0, 1, 2  # also the preference order
_LITERAL = re.compile(r"^[A-Za-z0-9_.\-~%@!$&'()+,;=]+$")
_FIELD_PATH = re.compile(r"^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)*$")

# HEAD goes wherever GET does (RFC 9110, 9.3.2): the same call, status and headers,
# Content-Length included; the HTTP server sends no body on a HEAD (uvicorn drops it).
ROUTED_AS = {"HEAD": "GET"}


class TemplateError(ValueError):
    pass


@dataclass(frozen=True)
class Segment:
    kind: int
    literal: str = ""


@dataclass(frozen=True)
class Capture:
    field_path: str
    start: int  # first segment index
    end: int  # one past the last; -1 with a trailing ** (to the end of the path)


@dataclass
class Route:
    http_method: str
    template: str
    segments: list[Segment]
    captures: list[Capture]
    verb: str
    method: MethodDescriptor
    body: str
    response_body: str
    dialect: str
    success_status: int
    rank: tuple[int, ...] = field(default=())

    @property
    def grpc_path(self) -> str:
        return f"/{self.method.containing_service.full_name}/{self.method.name}"

    @property
    def server_streaming(self) -> bool:
        return self.method.server_streaming


def parse_template(template: str) -> tuple[list[Segment], list[Capture], str]:
    """Extension to the grammar: a trailing "/" (Django-style documented paths such as
    /api/v1/token-auth/) is kept as a final empty literal segment."""
    if not template.startswith("/"):
        raise TemplateError(f"template {template!r} must start with '/'")
    trailing_slash = len(template) > 1 and template.endswith("/")
    body, verb = (template[1:-1] if trailing_slash else template[1:]), ""
    last_slash = body.rfind("/")
    tail = body[last_slash + 1 :]
    if ":" in tail and "}" not in tail[tail.rfind(":") :]:
        body, verb = body[: last_slash + 1] + tail[: tail.rfind(":")], tail[tail.rfind(":") + 1 :]
        if not _LITERAL.match(verb):
            raise TemplateError(f"template {template!r} has a bad verb")
    segments: list[Segment] = []
    captures: list[Capture] = []
    for token in _split_top(body, template):
        if token.startswith("{"):
            inner = token[1:-1]
            path, _, sub = inner.partition("=")
            if not _FIELD_PATH.match(path):
                raise TemplateError(f"template {template!r}: bad field path {path!r}")
            start = len(segments)
            for part in (sub or "*").split("/"):
                segments.append(_segment(part, template))
            end = -1 if segments[-1].kind == DSTAR else len(segments)
            captures.append(Capture(path, start, end))
        else:
            segments.append(_segment(token, template))
    if any(s.kind == DSTAR for s in segments[:-1]):
        raise TemplateError(f"template {template!r}: '**' must be the last segment")
    if trailing_slash:
        if verb or (segments and segments[-1].kind == DSTAR):
            raise TemplateError(f"template {template!r}: a trailing '/' cannot follow a verb or '**'")
        segments.append(Segment(LIT, ""))
    return segments, captures, verb


def _split_top(body: str, template: str) -> list[str]:
    tokens, depth, current = [], 0, ""
    for ch in body:
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth < 0:
                raise TemplateError(f"template {template!r}: unbalanced braces")
        if ch == "/" and depth == 0:
            tokens.append(current)
            current = ""
        else:
            current += ch
    if depth:
        raise TemplateError(f"template {template!r}: unbalanced braces")
    tokens.append(current)
    if any(not t for t in tokens):
        raise TemplateError(f"template {template!r}: empty segment")
    return tokens


def _segment(part: str, template: str) -> Segment:
    if part == "*":
        return Segment(STAR)
    if part == "**":
        return Segment(DSTAR)
    if not _LITERAL.match(part):
        raise TemplateError(f"template {template!r}: bad literal {part!r}")
    return Segment(LIT, part)


def _bindings(rule: http_pb2.HttpRule):
    yield rule
    yield from rule.additional_bindings


def routes_for(services: list[ServiceDescriptor]) -> list[Route]:
    routes: list[Route] = []
    seen: dict[tuple, str] = {}
    for service in services:
        dialect = service.GetOptions().Extensions[http_options_pb2.http_dialect] or "google"
        for method in service.methods:
            options = method.GetOptions()
            if not options.HasExtension(annotations_pb2.http):
                continue
            success = options.Extensions[http_options_pb2.http_success_status] or 200
            for rule in _bindings(options.Extensions[annotations_pb2.http]):
                kind = rule.WhichOneof("pattern")
                if kind == "custom":
                    http_method, template = rule.custom.kind.upper(), rule.custom.path
                else:
                    http_method, template = kind.upper(), getattr(rule, kind)
                segments, captures, verb = parse_template(template)
                shape = (http_method, tuple((s.kind, s.literal) for s in segments), verb)
                if shape in seen:
                    raise TemplateError(f"{template} ({method.full_name}) duplicates {seen[shape]}")
                seen[shape] = f"{template} ({method.full_name})"
                route = Route(
                    http_method,
                    template,
                    segments,
                    captures,
                    verb,
                    method,
                    rule.body,
                    rule.response_body,
                    dialect,
                    success,
                )
                route.rank = tuple(s.kind for s in segments)
                routes.append(route)
    return routes


@dataclass
class Match:
    route: Route
    variables: dict[str, str]


class Router:
    def __init__(self, routes: list[Route]) -> None:
        self.routes = sorted(routes, key=lambda r: r.rank)  # literal before * before **
        self.by_method: dict[str, list[Route]] = {}
        for r in self.routes:
            self.by_method.setdefault(r.http_method, []).append(r)
        self._by_length: dict[tuple[str, int], list[Route]] = {}

    def _candidates(self, http_method: str, length: int) -> list[Route]:
        """The routes of a method that can match a path of `length` segments, in rank
        order (so the first match is still the preferred one)."""
        found = self._by_length.get((http_method, length))
        if found is None:
            found = [r for r in self.by_method.get(http_method, ()) if _fits(r, length)]
            if http_method in self.by_method and length <= 64:
                self._by_length[(http_method, length)] = found
        return found

    def match(self, http_method: str, raw_path: str) -> Match | None:
        parts = raw_path.lstrip("/").split("/") if raw_path != "/" else []
        for candidate in (parts, [*parts, ""]):  # a missing trailing "/" is forgiven
            for route in self._candidates(http_method, len(candidate)):
                variables = _match(route, candidate)
                if variables is not None:
                    return Match(route, variables)
            if parts and parts[-1] == "":
                break
        return None

    def allowed(self, raw_path: str) -> list[str]:
        """Methods that would match this path (for 405 and its Allow header), HEAD with GET."""
        parts = raw_path.lstrip("/").split("/")
        methods = {r.http_method for r in self.routes if _match(r, parts) is not None}
        return sorted(methods | {alias for alias, method in ROUTED_AS.items() if method in methods})

    def dialect_for_path(self, raw_path: str) -> str | None:
        """The dialect whose routes share the longest literal prefix with the path."""
        parts = raw_path.lstrip("/").split("/")
        best, best_len = None, 0
        for r in self.routes:
            n = 0
            for seg, part in zip(r.segments, parts, strict=False):
                if seg.kind != LIT or seg.literal != part:
                    break
                n += 1
            if n > best_len:
                best, best_len = r.dialect, n
        return best


def _fits(route: Route, length: int) -> bool:
    """Whether a path of `length` segments has the route's length (** takes one or more)."""
    segs = route.segments
    if segs and segs[-1].kind == DSTAR:
        return length >= len(segs)
    return length == len(segs)


def _match(route: Route, parts: list[str]) -> dict[str, str] | None:
    if route.verb:
        if not parts or not parts[-1].endswith(":" + route.verb):
            return None
        parts = [*parts[:-1], parts[-1][: -len(route.verb) - 1]]
    segs = route.segments
    has_dstar = bool(segs) and segs[-1].kind == DSTAR
    if has_dstar:
        if len(parts) < len(segs):  # ** matches one or more segments
            return None
    elif len(parts) != len(segs):
        return None
    for i, seg in enumerate(segs):
        if seg.kind == LIT and parts[i] != seg.literal and unquote(parts[i]) != seg.literal:
            return None
        if seg.kind == STAR and not parts[i]:
            return None
    variables: dict[str, Any] = {}
    for cap in route.captures:
        end = len(parts) if cap.end == -1 else cap.end
        chunk = parts[cap.start : end]
        if len(chunk) == 1 and cap.end != -1:
            variables[cap.field_path] = unquote(chunk[0])  # one segment: decode fully
        else:  # several segments: decode each but keep an encoded '/' encoded
            variables[cap.field_path] = "/".join(
                unquote(p.replace("%2F", "%252F").replace("%2f", "%252f")) for p in chunk
            )
    return variables
