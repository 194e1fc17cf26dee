"""HTTP request -> request message, response message -> JSON, following google.api.http.

Order as grpc-gateway: body first, then path variables, then query parameters (for
fields bound by neither). Query keys may be proto names or JSON names, nested with dots
(`a.b`) or brackets (`pg[limit]`); a repeated key fills a repeated field. Unknown query
parameters are refused (Envoy's strict default) so typos do not pass silently.

JSON numbers are kept as written (integers of any size, 1.0 a float): the request's
google.protobuf.Value numbers a double would not give back are tagged and the printer
resolves the response's tags, through the call's ExactNumbers (server/api/numbers.py).
"""

from __future__ import annotations

import base64
import json
import math
import re
from dataclasses import dataclass
from typing import Any

from google.protobuf import json_format
from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import Message

from server.api.numbers import CURRENT, ExactNumbers, from_double, needs_tag, number, tag_message
from server.domain.limits import TOO_DEEP_FOR_PROTOBUF
from server.rest.rules import Route

_INT_TYPES = {
    FieldDescriptor.TYPE_INT32, FieldDescriptor.TYPE_INT64, FieldDescriptor.TYPE_UINT32,
    FieldDescriptor.TYPE_UINT64, FieldDescriptor.TYPE_SINT32, FieldDescriptor.TYPE_SINT64,
    FieldDescriptor.TYPE_FIXED32, FieldDescriptor.TYPE_FIXED64, FieldDescriptor.TYPE_SFIXED32,
    FieldDescriptor.TYPE_SFIXED64,
}  # fmt: skip
_FLOAT_TYPES = {FieldDescriptor.TYPE_DOUBLE, FieldDescriptor.TYPE_FLOAT}
_INT_RANGES = {
    FieldDescriptor.TYPE_INT32: (-(2**31), 2**31 - 1),
    FieldDescriptor.TYPE_SINT32: (-(2**31), 2**31 - 1),
    FieldDescriptor.TYPE_SFIXED32: (-(2**31), 2**31 - 1),
    FieldDescriptor.TYPE_UINT32: (0, 2**32 - 1),
    FieldDescriptor.TYPE_FIXED32: (0, 2**32 - 1),
    FieldDescriptor.TYPE_INT64: (-(2**63), 2**63 - 1),
    FieldDescriptor.TYPE_SINT64: (-(2**63), 2**63 - 1),
    FieldDescriptor.TYPE_SFIXED64: (-(2**63), 2**63 - 1),
    FieldDescriptor.TYPE_UINT64: (0, 2**64 - 1),
    FieldDescriptor.TYPE_FIXED64: (0, 2**64 - 1),
}
# A \u escape of a UTF-16 surrogate: only then can decoded JSON hold a lone surrogate.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


@dataclass(frozen=True)
class Parsing:
    """How strictly a dialect reads requests, as the API it reproduces does."""

    unknown_fields_ok: bool = False  # unknown JSON members in a body are ignored
    unknown_query_ok: bool = False  # unknown query parameters are ignored
    empty_object_is_no_body: bool = False  # `{}` or `null` on a call that takes no body


STRICT = Parsing()
_WELL_KNOWN_JSON = {"google.protobuf.Value", "google.protobuf.Struct", "google.protobuf.ListValue"}


class TranscodeError(Exception):
    """A request that cannot become a message: 400 in every dialect, naming `field`."""

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.message, self.field = message, field


def _lookup(descriptor: Descriptor, name: str) -> FieldDescriptor | None:
    f = descriptor.fields_by_name.get(name)
    if f is not None:
        return f
    for candidate in descriptor.fields:
        if candidate.json_name == name:
            return candidate
    return None


def _resolve(message: Message, path: str, param: str) -> tuple[Message, FieldDescriptor]:
    """The message holding the last field of a dotted path, and that field."""
    parts = path.split(".")
    target = message
    for i, part in enumerate(parts):
        f = _lookup(target.DESCRIPTOR, part)
        if f is None:
            raise TranscodeError(f"unknown parameter '{param}'", param)
        if i == len(parts) - 1:
            return target, f
        if f.type != FieldDescriptor.TYPE_MESSAGE or f.is_repeated:
            raise TranscodeError(f"parameter '{param}' does not name a nested field", param)
        target = getattr(target, f.name)
    raise TranscodeError(f"unknown parameter '{param}'", param)  # pragma: no cover


def _scalar(f: FieldDescriptor, text: str, param: str) -> Any:
    try:
        if f.type in _INT_TYPES:
            low, high = _INT_RANGES[f.type]
            number = int(text)
            if not low <= number <= high:
                raise TranscodeError(f"parameter '{param}' must be between {low} and {high}, got '{text}'", param)
            return number
        if f.type in _FLOAT_TYPES:
            number = float(text)
            if not math.isfinite(number):
                raise ValueError
            return number
        if f.type == FieldDescriptor.TYPE_BOOL:
            if text.lower() in ("true", "1", ""):
                return True
            if text.lower() in ("false", "0"):
                return False
            raise ValueError
        if f.type == FieldDescriptor.TYPE_ENUM:
            value = f.enum_type.values_by_name.get(text)
            if value is None and text.lstrip("-").isdigit():
                value = f.enum_type.values_by_number.get(int(text))
            if value is None:
                raise ValueError
            return value.number
        if f.type == FieldDescriptor.TYPE_BYTES:
            return text.encode()
        if f.type == FieldDescriptor.TYPE_STRING:
            return text
    except ValueError:
        kind = {
            FieldDescriptor.TYPE_BOOL: "true or false",
            FieldDescriptor.TYPE_ENUM: "one of " + ", ".join(v.name for v in f.enum_type.values) if f.enum_type else "",
        }.get(f.type, "a number")
        raise TranscodeError(f"parameter '{param}' must be {kind}, got '{text}'", param) from None
    raise TranscodeError(f"parameter '{param}' cannot be given as text", param)


def set_text(message: Message, path: str, values: list[str], param: str) -> None:
    target, f = _resolve(message, path, param)
    if f.type == FieldDescriptor.TYPE_MESSAGE:
        if f.message_type.full_name not in _WELL_KNOWN_JSON:
            raise TranscodeError(f"parameter '{param}' names a message; name one of its fields", param)
        holder = getattr(target, f.name)
        try:
            json_format.ParseDict(values[0] if len(values) == 1 else values, holder)
        except (json_format.ParseError, ValueError) as exc:
            raise TranscodeError(f"parameter '{param}': {_clean(str(exc))}", param) from None
        return
    if f.is_repeated:
        getattr(target, f.name).extend(_scalar(f, v, param) for v in values)
        return
    if len(values) > 1:
        raise TranscodeError(f"parameter '{param}' is given {len(values)} times but takes one value", param)
    setattr(target, f.name, _scalar(f, values[0], param))


def _query_key(key: str) -> str:
    """pg[limit] -> pg.limit; a[b][c] -> a.b.c."""
    return key.replace("][", ".").replace("[", ".").rstrip("]") if "[" in key else key


def _bound_roots(route: Route) -> set[str]:
    return {c.field_path for c in route.captures}


def build_request(
    route: Route, variables: dict[str, str], query: list[tuple[str, str]], body: bytes, parsing: Parsing = STRICT
) -> Message:
    from google.protobuf import message_factory

    message = message_factory.GetMessageClass(route.method.input_type)()
    CURRENT.set(None)  # the in-process call takes it from here (server/rest/inprocess.py)
    if route.body:
        _apply_body(message, route, body, parsing)
    elif body.strip() and not (parsing.empty_object_is_no_body and decode_json(body) in ({}, None)):
        raise TranscodeError("this call takes no request body", "body")
    for path, value in variables.items():
        set_text(message, path, [value], path)
    if route.body == "*" and query:
        raise TranscodeError(f"unknown parameter '{query[0][0]}': this call takes its input in the body", query[0][0])
    grouped: dict[str, list[str]] = {}
    order: list[str] = []
    for key, value in query:
        if key not in grouped:
            order.append(key)
        grouped.setdefault(key, []).append(value)
    blocked = _bound_roots(route) | ({route.body} if route.body else set())
    for key in order:
        path = _query_key(key)
        if path.split(".")[0] in blocked or _camel_root(message, path) in blocked:
            raise TranscodeError(f"parameter '{key}' is already given by the path or body", key)
        if parsing.unknown_query_ok and not _known(message.DESCRIPTOR, path):
            continue
        set_text(message, path, grouped[key], key)
    return message


def _known(descriptor: Descriptor, path: str) -> bool:
    for part in path.split("."):
        f = _lookup(descriptor, part) if descriptor is not None else None
        if f is None:
            return False
        descriptor = f.message_type
    return True


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


class _Numbers:
    """json.loads hooks: numbers in range, noting one a double would not give back."""

    __slots__ = ("inexact",)

    def __init__(self) -> None:
        self.inexact = False

    def integer(self, text: str) -> int:
        number = int(text)
        if len(text) > 15 and needs_tag(number):
            self.inexact = True
            if len(text) > 300 and abs(number) > 2**1024:  # beyond a double: a Value cannot hold it
                raise ValueError(f"number {text[:40]}… is out of range")
        return number

    def finite(self, text: str) -> float:
        number = float(text)
        if not math.isfinite(number):
            raise ValueError(f"number {text[:40]} is out of range")
        if number.is_integer() and needs_tag(number):
            self.inexact = True
        return number


def decode_json(body: bytes) -> Any:
    """A request body as JSON data, or TranscodeError naming what is wrong with it: not
    UTF-8, not JSON, nested too deep, a number out of range (1e999, NaN, Infinity, an
    integer of thousands of digits) or a lone UTF-16 surrogate (`"\\ud800"`)."""
    return _decode(body)[0]


def _decode(body: bytes) -> tuple[Any, bool]:
    """decode_json, and whether a number needs ExactNumbers to travel in a Value."""
    hooks = _Numbers()
    try:
        data = json.loads(
            body.decode("utf-8"), parse_float=hooks.finite, parse_int=hooks.integer, parse_constant=_reject_constant
        )
        if _SURROGATE_ESCAPE.search(body):
            json.dumps(data, ensure_ascii=False).encode("utf-8")  # raises on a lone surrogate
        return data, hooks.inexact
    except UnicodeError as exc:
        raise TranscodeError(f"request body is not valid UTF-8 text: {exc.reason}", "body") from None
    except RecursionError:
        raise TranscodeError("request body nests too deep", "body") from None
    except ValueError as exc:
        raise TranscodeError(f"request body is not valid JSON: {exc}", "body") from None


def _camel_root(message: Message, path: str) -> str:
    f = _lookup(message.DESCRIPTOR, path.split(".")[0])
    return f.name if f else ""


def _apply_body(message: Message, route: Route, body: bytes, parsing: Parsing) -> None:
    data, inexact = _decode(body) if body.strip() else ({}, False)
    target: Message = message
    if route.body != "*":
        target_holder, f = _resolve(message, route.body, route.body)
        if f.type != FieldDescriptor.TYPE_MESSAGE or f.is_repeated:
            raise TranscodeError("body field must be a message", "body")  # pragma: no cover - proto bug
        target = getattr(target_holder, f.name)
        if not body.strip():
            return
    elif not isinstance(data, dict):
        raise TranscodeError("request body must be a JSON object", "body")
    try:
        json_format.ParseDict(data, target, ignore_unknown_fields=parsing.unknown_fields_ok)
    except json_format.ParseError as exc:
        text = _clean(str(exc))
        if "recursion depth" in text:
            text = TOO_DEEP_FOR_PROTOBUF
        raise TranscodeError(f"request body: {text}", "body") from None
    except (ValueError, TypeError, RecursionError, OverflowError) as exc:  # what ParseDict lets through
        raise TranscodeError(f"request body: {_clean(str(exc)) or 'cannot be read'}", "body") from None
    if inexact:
        exact = ExactNumbers()
        tag_message(target, data, exact)
        CURRENT.set(exact)


def _clean(text: str) -> str:
    # json_format names the message type; callers know fields, not our type names.
    return text.replace('Message type "', 'object "').split(" at ")[0]


def to_json(message: Message, response_body: str = "") -> Any:
    """The message as JSON data: lowerCamelCase (or json_name) keys in declaration
    order, fields without presence printed even when default, 64-bit integers as JSON
    numbers (the documented APIs show epoch-ms timestamps as numbers), numbers inside
    google.protobuf.Value as the call's ExactNumbers hold them or by from_double.

    A small descriptor-driven printer instead of json_format.MessageToDict: that one
    prints int64 as strings (needing a second pass) and cost ~120 us per Entry here."""
    if response_body:  # any field, as grpc-gateway: a message, a list or a scalar
        for name, _json_name, kind, repeated, _presence, f in _plan(message.DESCRIPTOR):
            if name == response_body:
                return _field_value(kind, repeated, f, getattr(message, name))
    return _print(message)


_PLANS: dict[str, list[tuple]] = {}
_ENUM, _MESSAGE, _BYTES, _MAP, _SCALAR = range(5)


def _plan(descriptor: Descriptor) -> list[tuple]:
    plan = _PLANS.get(descriptor.full_name)
    if plan is None:
        plan = []
        for f in descriptor.fields:
            if f.type == FieldDescriptor.TYPE_MESSAGE and f.message_type.GetOptions().map_entry:
                kind = _MAP
            elif f.type == FieldDescriptor.TYPE_MESSAGE:
                kind = _MESSAGE
            elif f.type == FieldDescriptor.TYPE_ENUM:
                kind = _ENUM
            elif f.type == FieldDescriptor.TYPE_BYTES:
                kind = _BYTES
            else:
                kind = _SCALAR
            presence = f.has_presence and not f.is_repeated
            plan.append((f.name, f.json_name, kind, f.is_repeated, presence, f))
        _PLANS[descriptor.full_name] = plan
    return plan


def _print(message: Message) -> Any:
    full_name = message.DESCRIPTOR.full_name
    if full_name == "google.protobuf.Value":
        return _value(message)
    if full_name == "google.protobuf.Struct":
        return {k: _value(v) for k, v in message.fields.items()}
    if full_name == "google.protobuf.ListValue":
        return [_value(v) for v in message.values]
    if full_name.startswith("google.protobuf."):
        return _integral(json_format.MessageToDict(message))
    out: dict[str, Any] = {}
    for name, json_name, kind, repeated, presence, f in _plan(message.DESCRIPTOR):
        if presence and not message.HasField(name):
            continue
        out[json_name] = _field_value(kind, repeated, f, getattr(message, name))
    return out


def _field_value(kind: int, repeated: bool, f: FieldDescriptor, value: Any) -> Any:
    if kind == _SCALAR:
        return list(value) if repeated else value
    if kind == _MESSAGE:
        return [_print(v) for v in value] if repeated else _print(value)
    if kind == _ENUM:
        return [_enum_name(f, v) for v in value] if repeated else _enum_name(f, value)
    if kind == _MAP:
        vf = f.message_type.fields_by_name["value"]
        if vf.type == FieldDescriptor.TYPE_MESSAGE:
            return {str(k): _print(v) for k, v in value.items()}
        return {str(k): v for k, v in value.items()}
    return [_b64(v) for v in value] if repeated else _b64(value)  # bytes: base64, as proto3 JSON


def _enum_name(f: FieldDescriptor, number: int) -> Any:
    value = f.enum_type.values_by_number.get(number)
    return value.name if value is not None else number  # unknown numbers print as numbers


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _value(value: Message) -> Any:
    """A google.protobuf.Value as json_format prints it, numbers by from_double (what
    _integral(MessageToDict(value)) gives, at a third of the cost) or the tag's number."""
    kind = value.WhichOneof("kind")
    if kind == "string_value":
        return value.string_value
    if kind == "number_value":
        n = number(value.number_value)
        if n is None:  # json_format's refusal, word for word
            what = "NaN" if math.isnan(value.number_value) else "Infinity"
            raise ValueError(f"Fail to serialize {what} for Value.number_value, which would parse as string_value")
        return n
    if kind == "struct_value":
        return {k: _value(v) for k, v in value.struct_value.fields.items()}
    if kind == "list_value":
        return [_value(v) for v in value.list_value.values]
    if kind == "bool_value":
        return value.bool_value
    return None  # null_value, or nothing set


def _integral(value: Any) -> Any:
    """json_format prints every JSON number of a Value as a float; 5.0 -> 5."""
    if isinstance(value, float):
        return from_double(value)
    if isinstance(value, list):
        return [_integral(v) for v in value]
    if isinstance(value, dict):
        return {k: _integral(v) for k, v in value.items()}
    return value
