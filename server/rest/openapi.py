"""The shim's OpenAPI 3.0 document (GET /openapi.json), generated from the same
google.api.http rules the router serves, so it lists exactly the routes that exist.

Per route: the path (captures become `{field_path}` parameters), query parameters
(every input field not bound by the path or the body, nested singular messages as
dotted names, as the transcoder accepts them), the JSON body (`body: "*"` or one
field), and the success status. Schemas are the proto messages in proto3 JSON form
(json_name, enums by name, well-known types as JSON). Success bodies are described for
the `google` dialect only: the façades wrap or reshape payloads in their documented
formats (as their public APIs document them), which the proto does not describe, so there the schema is any
JSON. Limits: a capture over several segments (`{name=a/*}`) appears as one parameter
whose value holds the slash, which OpenAPI cannot say; `**` likewise.
"""

from __future__ import annotations

from typing import Any

from google.protobuf.descriptor import Descriptor, FieldDescriptor

from server.rest.rules import LIT, Route

_METHODS = {"get", "put", "post", "delete", "patch", "head", "options"}
_INT32 = (FieldDescriptor.TYPE_INT32, FieldDescriptor.TYPE_SINT32, FieldDescriptor.TYPE_SFIXED32)
_UINT32 = (FieldDescriptor.TYPE_UINT32, FieldDescriptor.TYPE_FIXED32)
_INT64 = (
    FieldDescriptor.TYPE_INT64,
    FieldDescriptor.TYPE_SINT64,
    FieldDescriptor.TYPE_SFIXED64,
    FieldDescriptor.TYPE_UINT64,
    FieldDescriptor.TYPE_FIXED64,
)
_WELL_KNOWN: dict[str, dict[str, Any]] = {
    "google.protobuf.Value": {},
    "google.protobuf.Struct": {"type": "object"},
    "google.protobuf.ListValue": {"type": "array", "items": {}},
    "google.protobuf.Timestamp": {"type": "string", "format": "date-time"},
    "google.protobuf.Duration": {"type": "string", "pattern": r"^-?\d+(\.\d+)?s$"},
    "google.protobuf.FieldMask": {"type": "string"},
    "google.protobuf.Empty": {"type": "object"},
    "google.protobuf.BoolValue": {"type": "boolean"},
    "google.protobuf.StringValue": {"type": "string"},
    "google.protobuf.BytesValue": {"type": "string", "format": "byte"},
    "google.protobuf.Int32Value": {"type": "integer", "format": "int32"},
    "google.protobuf.UInt32Value": {"type": "integer", "format": "int64", "minimum": 0},
    "google.protobuf.Int64Value": {"type": "integer", "format": "int64"},
    "google.protobuf.UInt64Value": {"type": "integer", "format": "int64", "minimum": 0},
    "google.protobuf.FloatValue": {"type": "number"},
    "google.protobuf.DoubleValue": {"type": "number"},
}


class _Schemas:
    """components/schemas, filled on demand, one entry per message type."""

    def __init__(self) -> None:
        self.components: dict[str, Any] = {}

    def message(self, desc: Descriptor, skip: set[str] | None = None) -> dict[str, Any]:
        if desc.full_name in _WELL_KNOWN:
            return dict(_WELL_KNOWN[desc.full_name])
        if skip is not None:  # a body minus the path-bound fields: inline, not shared
            return self._object(desc, skip)
        if desc.full_name not in self.components:
            self.components[desc.full_name] = {}  # placeholder: recursion ends here
            self.components[desc.full_name] = self._object(desc, set())
        return {"$ref": f"#/components/schemas/{desc.full_name}"}

    def _object(self, desc: Descriptor, skip: set[str]) -> dict[str, Any]:
        props = {f.json_name: self.field(f) for f in desc.fields if f.name not in skip}
        return {"type": "object", "properties": props}

    def field(self, f: FieldDescriptor, *, element: bool = False) -> dict[str, Any]:
        if f.is_repeated and not element:
            if f.message_type is not None and f.message_type.GetOptions().map_entry:
                value = f.message_type.fields_by_name["value"]
                return {"type": "object", "additionalProperties": self.field(value)}
            return {"type": "array", "items": self.field(f, element=True)}
        if f.type == FieldDescriptor.TYPE_MESSAGE:
            return self.message(f.message_type)
        if f.type == FieldDescriptor.TYPE_ENUM:
            return {"type": "string", "enum": [v.name for v in f.enum_type.values]}
        if f.type in _INT32:
            return {"type": "integer", "format": "int32"}
        if f.type in _UINT32:
            return {"type": "integer", "format": "int64", "minimum": 0, "maximum": 2**32 - 1}
        if f.type in _INT64:
            return {"type": "integer", "format": "int64"}
        if f.type in (FieldDescriptor.TYPE_FLOAT, FieldDescriptor.TYPE_DOUBLE):
            return {"type": "number"}
        if f.type == FieldDescriptor.TYPE_BOOL:
            return {"type": "boolean"}
        if f.type == FieldDescriptor.TYPE_BYTES:
            return {"type": "string", "format": "byte"}
        return {"type": "string"}


def _param_name(field_path: str) -> str:
    """`{descriptor.name}` -> `{descriptor_name}`: validators of OpenAPI documents
    (schemathesis among them) refuse dots in path template names."""
    return field_path.replace(".", "_")


def openapi_path(route: Route) -> str | None:
    parts: list[str] = []
    by_start = {c.start: c for c in route.captures}
    i = 0
    while i < len(route.segments):
        capture = by_start.get(i)
        if capture is not None:
            parts.append("{" + _param_name(capture.field_path) + "}")
            i = len(route.segments) if capture.end == -1 else capture.end
            continue
        seg = route.segments[i]
        if seg.kind != LIT:
            return None  # an uncaptured wildcard: not expressible in OpenAPI
        parts.append(seg.literal)
        i += 1
    path = "/" + "/".join(parts)
    return path + (f":{route.verb}" if route.verb else "")


def _query_parameters(
    schemas: _Schemas, desc: Descriptor, skip: set[str], prefix: str = "", depth: int = 0
) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for f in desc.fields:
        if not prefix and f.name in skip:
            continue
        name = prefix + f.json_name
        is_map = f.message_type is not None and f.message_type.GetOptions().map_entry
        if is_map:
            continue  # maps cannot be given as query parameters
        if f.type == FieldDescriptor.TYPE_MESSAGE and f.message_type.full_name not in _WELL_KNOWN:
            if not f.is_repeated and depth < 2:
                out.extend(_query_parameters(schemas, f.message_type, set(), name + ".", depth + 1))
            continue
        param: dict[str, Any] = {"name": name, "in": "query", "required": False, "schema": schemas.field(f)}
        if f.is_repeated:
            param.update(style="form", explode=True)
        out.append(param)
    return out


def document(routes: list[Route], *, title: str = "datastore", version: str = "1") -> dict[str, Any]:
    schemas = _Schemas()
    paths: dict[str, dict[str, Any]] = {}
    for route in sorted(routes, key=lambda r: r.rank):  # literal before * before **, as the router
        method = route.http_method.lower()
        path = openapi_path(route)
        if path is None or method not in _METHODS or method in paths.get(path, {}):
            continue
        bound = {c.field_path.split(".")[0] for c in route.captures}
        params: list[dict[str, Any]] = [
            {
                "name": _param_name(c.field_path),
                "in": "path",
                "required": True,
                "schema": {"type": "string", "minLength": 1},
            }
            for c in route.captures
        ]
        request = route.method.input_type
        operation: dict[str, Any] = {
            "operationId": f"{route.method.full_name}:{method}:{path}",
            "tags": [route.dialect],
            "summary": f"{route.method.containing_service.name}.{route.method.name}",
        }
        if route.body == "*":
            operation["requestBody"] = {"content": {"application/json": {"schema": schemas.message(request, bound)}}}
        else:
            skip = bound | ({route.body} if route.body else set())
            params.extend(_query_parameters(schemas, request, skip))
            if route.body:
                body_field = request.fields_by_name[route.body]
                operation["requestBody"] = {"content": {"application/json": {"schema": schemas.field(body_field)}}}
        operation["parameters"] = params
        out = route.method.output_type
        if route.dialect == "google":
            schema = (
                schemas.field(out.fields_by_name[route.response_body]) if route.response_body else schemas.message(out)
            )
        else:
            schema = {}
        operation["responses"] = {
            str(route.success_status): {"description": "success", "content": {"application/json": {"schema": schema}}},
            "default": {"description": "an error, in the dialect's own error format"},
        }
        paths.setdefault(path, {})[method] = operation
    return {
        "openapi": "3.0.3",
        "info": {"title": title, "version": version, "description": __doc__.split("\n\n")[0]},
        "paths": paths,
        "components": {
            "schemas": schemas.components,
            "securitySchemes": {
                "token": {"type": "apiKey", "in": "header", "name": "Authorization", "description": "Token <t>"},
                "basic": {"type": "http", "scheme": "basic"},
            },
        },
        "security": [{"token": []}, {"basic": []}],
    }
