"""Numbers past their range, on every REST route, in every place a request carries one:
each integer field of the route's request message (as a query parameter, or in the
JSON body when the route takes its body there), each numeric path variable, If-Match,
the JSON bodies that carry numbers untyped (Argus PutEntries, Make records) and the
numbers inside DHIS2 filters, orders and paths. Sent where the names exist (so the
call gets as far as its numbers go), against a real server process on the selected
backend. Every answer must be a 4xx or a success - never a 5xx or a traceback - and
the seeded data reads back unchanged. Exhaustive over routes, fields and numbers."""

from __future__ import annotations

import json
from dataclasses import dataclass

import httpx
import pytest
from google.protobuf.descriptor import Descriptor, FieldDescriptor

from server.app import service_descriptors
from server.rest.rules import routes_for
from tests.fuzz import rawhttp

ROUTES = routes_for(service_descriptors())
METHODS = {f"/{s.full_name}/{m.name}": m for s in service_descriptors() for m in s.methods}
# Past int64 both ways, past uint64, past int32, and below zero.
NUMBERS = ["9223372036854775808", "-9223372036854775809", "18446744073709551616", "2147483648", "-1"]
_INTEGERS = {
    FieldDescriptor.TYPE_INT32, FieldDescriptor.TYPE_INT64, FieldDescriptor.TYPE_UINT32, FieldDescriptor.TYPE_UINT64,
    FieldDescriptor.TYPE_SINT32, FieldDescriptor.TYPE_SINT64, FieldDescriptor.TYPE_FIXED32,
    FieldDescriptor.TYPE_FIXED64, FieldDescriptor.TYPE_SFIXED32, FieldDescriptor.TYPE_SFIXED64,
}  # fmt: skip
_OPAQUE = ("google.protobuf.Value", "google.protobuf.Struct", "google.protobuf.ListValue")
# Text fields whose content holds numbers: (field name, texts with {} for the number).
_NUMBER_TEXTS = {
    "etag": ['"{}"', "W/{}", "{}"],
    "filter": ["n:eq:{}", "n:in:[1,{}]", "n.{}:gt:1", "_:eq:{}"],
    "order": ["n.{}:desc"],
    "path": ["a.[{}]", "a.{}"],
    "fields": ["n.{}"],
    "last_updated": ["{}"],
}
NAMESPACE = "fz-numbers"  # the fuzzer's own: seeded DHIS2 keys are public and must stay untouched


@dataclass(frozen=True)
class Place:
    """One field of a request message that carries a number."""

    path: str  # dotted proto names, as route templates and bodies name fields
    steps: tuple[tuple[str, bool], ...]  # (JSON name, repeated) from the message down
    texts: tuple[str, ...]  # the field's text, {} standing for the number

    @property
    def json_name(self) -> str:
        return ".".join(name for name, _ in self.steps)

    def body(self, value: object, skip: int = 0) -> object:
        """A JSON body holding value at this field (below the first `skip` steps)."""
        for name, repeated in reversed(self.steps[skip:]):
            value = {name: [value] if repeated else value}
        return value


def number_fields(desc: Descriptor, up: tuple = (), steps: tuple = ()) -> list[Place]:
    """Every integer field and JSON Value (the number itself), and every text field
    that carries numbers, down to messages 3 deep."""
    out = []
    for f in desc.fields:
        path, here = (*up, f.name), (*steps, (f.json_name, f.is_repeated))
        if f.type == FieldDescriptor.TYPE_MESSAGE and f.message_type.full_name == "google.protobuf.Value":
            out.append(Place(".".join(path), here, ("{}",)))
        elif f.type == FieldDescriptor.TYPE_MESSAGE:
            if len(up) < 2 and not f.message_type.GetOptions().map_entry and f.message_type.full_name not in _OPAQUE:
                out += number_fields(f.message_type, path, here)
        elif f.type in _INTEGERS:
            out.append(Place(".".join(path), here, ("{}",)))
        elif f.type == FieldDescriptor.TYPE_STRING and f.name in _NUMBER_TEXTS:
            out.append(Place(".".join(path), here, tuple(_NUMBER_TEXTS[f.name])))
    return out


def cases() -> list:
    """(route, where, field, text with {}) for every number a route carries."""
    out = []
    for route in ROUTES:
        variables = [seg.strip("{}") for seg in route.template.split("/") if seg.startswith("{")]
        for field in number_fields(METHODS[route.grpc_path].input_type):
            where = "query"
            if field.path in variables:
                where = "path"
            elif route.body == "*" or (route.body and field.path.split(".")[0] == route.body):
                where = "body"
            out += [pytest.param(route, where, field, text, id=f"{route.http_method} {route.template} {field.json_name}={text}")
                    for text in field.texts]  # fmt: skip
        if route.body and route.body != "*":  # a body of its own (a value, a Struct): numbers untyped
            out.append(pytest.param(route, "raw", None, "{}", id=f"{route.http_method} {route.template} body"))
        if route.grpc_path.endswith("PutEntry"):
            out.append(
                pytest.param(route, "if-match", None, '"{}"', id=f"{route.http_method} {route.template} If-Match")
            )
    return out


@pytest.fixture(scope="module")
def server(new_database):
    served = rawhttp.start(new_database())
    rawhttp.seed(served)
    r = httpx.post(
        f"http://{served.http}/api/dataStore/{NAMESPACE}/k",
        json={"n": 1},
        headers={"authorization": served.fuzzer_basic},
    )
    assert r.status_code < 300, r.text
    before = rawhttp.snapshot(served)
    yield served
    print(f"\nnumbers status mix: {dict(sorted(served.statuses.items(), key=str))}")
    assert rawhttp.snapshot(served) == before, "seeded data changed"
    served.served.stop()
    assert not served.tracebacks(), served.tracebacks()[0]


def _known(server, variable: str) -> str:
    n = server.names
    known = {"namespace": NAMESPACE, "key": "k", "api_version": "41", "data_store_id": n["make"]}
    known["data_structure_id"] = n["make"]
    return known.get(variable.split(".")[-1], n["store"])


def _untyped_body(number: str) -> bytes:
    """Numbers where the message has none: Argus PutEntries' entries, record data, values."""
    return b'{"customerID":N,"entries":[{"key":"k","value":N}],"n":N}'.replace(b"N", number.encode())


@pytest.mark.parametrize(("route", "where", "field", "text"), cases())
def test_numbers_out_of_range_are_client_errors(server, route, where, field, text):
    for number in NUMBERS:
        value = text.format(number)
        segments = []
        for seg in route.template.lstrip("/").split("/"):
            name = seg.strip("{}")
            if not seg.startswith("{"):
                segments.append(seg)
            else:
                segments.append(value if where == "path" and name == field.path else _known(server, name))
        target = "/" + "/".join(segments)
        headers = {b"content-type": b"application/json", b"authorization": server.fuzzer_basic.encode()}
        body = b"{}" if route.body == "*" else b"1" if route.body else b""
        if where == "query":
            target += "?" + str(httpx.QueryParams({field.json_name: value}))
        elif where == "body":
            literal = json.loads(value) if value.lstrip("-").isdigit() else value
            body = json.dumps(field.body(literal, skip=0 if route.body == "*" else 1)).encode()
        elif where == "raw":
            body = _untyped_body(number)
        elif where == "if-match":
            headers[b"if-match"] = value.encode()
        status, answer = rawhttp.send(server.http, route.http_method.encode(), target.encode(), headers, body)
        server.statuses[status] += 1
        assert status < 500, f"{route.http_method} {target} {body[:200]!r}: {status} {answer[:300]!r}"
        assert not server.tracebacks(), server.tracebacks()[0]
