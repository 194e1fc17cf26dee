"""DHIS2 names and values: namespace and key checks, the request value, and partial
updates (`?path=`) and roll (`?roll=N`) on a JSON document, in one Python function the
service runs under compare-and-set (so SQLite and PostgreSQL give the same result).

Roll, as dhis2-core runs it (HibernateDatastoreStore.updateEntry*RollValue): onto an
array the value is appended and the last N elements kept (seed 004: "we only want the
last 3 elements"); a null or missing node starts the array `[value]`; any other node
(object, string, number, boolean) is replaced by the value.
"""

from __future__ import annotations

import re
from typing import Any

from server.domain import names
from server.domain.errors import FieldViolation, InvalidArgument
from server.services.entries import MISSING

_MEMBER = re.compile(r"^\[(\d+)\]$|^([^.\[\]]+)$")
MAX_UPDATE_DEPTH = 10
NAMESPACE_MAX = 120  # the descriptor name holds "dhis2:" + namespace in 128


def _check_name(text: str, what: str, limit: int) -> str:
    """names.check_key's rules (non-empty, no control characters), a length limit, and
    nothing that reads as a path step."""
    names.check_key(text, what)
    if len(text) > limit:
        raise InvalidArgument.for_field(what, f"must be at most {limit} characters")
    if text in (".", "..") or "/" in text or "\\" in text:
        raise InvalidArgument.for_field(what, f"'{text}' is not allowed: no '/', '\\', '.' or '..'")
    return text


def check_namespace(namespace: str) -> str:
    return _check_name(namespace, "namespace", NAMESPACE_MAX)


def check_key(key: str) -> str:
    return _check_name(key, "key", names.KEY_MAX)


def check_value(value: Any) -> Any:
    if value is MISSING:
        raise InvalidArgument.for_field("value", "the request body must hold the JSON value")
    names.check_value_size(value)
    return value


def invalid(message: str, field: str) -> InvalidArgument:
    """400 with exactly this message (no field prefix), naming the field."""
    return InvalidArgument(message, field_violations=[FieldViolation(field, message)], metadata={"field": field})


def parse_update_path(path: str) -> list[str | int]:
    """`a.b`, `favFood.[0]`, `favFood[0]`, `.` or empty (the root) -> members; `[i]`
    is an array index, a bare name an object member (or an index if it is all digits
    and the node is an array)."""
    path = path.strip()
    if path in ("", "."):
        return []
    text = re.sub(r"(?<=[^.])\[", ".[", path)
    members: list[str | int] = []
    for part in text.split("."):
        m = _MEMBER.match(part)
        if not m:
            raise InvalidArgument.for_field("path", f"'{path}' is not a path like a.b or list.[0]")
        members.append(int(m.group(1)) if m.group(1) is not None else m.group(2))
    if len(members) > MAX_UPDATE_DEPTH:
        raise InvalidArgument.for_field("path", f"'{path}' is deeper than {MAX_UPDATE_DEPTH} members")
    return members


def apply_update(doc: Any, members: list[str | int], value: Any, roll: int | None) -> Any:
    """The document with the node at `members` replaced by value (roll: see the module
    docstring). Missing object members are created; array indexes may address an
    element or append right after the end. Never changes `doc` in place."""

    def leaf(old: Any) -> Any:
        if roll is None:
            return value
        if old is MISSING or old is None:
            return [value]
        if isinstance(old, list):
            return [*old, value][-roll:]
        return value

    def walk(node: Any, i: int) -> Any:
        if i == len(members):
            return leaf(node)
        member = members[i]
        where = ".".join(str(m) for m in members[: i + 1])
        if isinstance(node, list):
            index = member if isinstance(member, int) else int(member) if str(member).isdigit() else None
            if index is None:
                raise InvalidArgument.for_field("path", f"'{where}': the node is an array, use an index like [0]")
            copy = list(node)
            if index < len(copy):
                copy[index] = walk(copy[index], i + 1)
            elif index == len(copy):
                copy.append(walk(MISSING, i + 1))
            else:
                raise InvalidArgument.for_field("path", f"'{where}': index {index} is past the end ({len(copy)})")
            return copy
        if node is MISSING or node is None:
            if isinstance(member, int):
                raise InvalidArgument.for_field("path", f"'{where}': there is no array here")
            node = {}
        if isinstance(node, dict):
            if isinstance(member, int):
                raise InvalidArgument.for_field("path", f"'{where}': the node is an object, not an array")
            copy = dict(node)
            copy[member] = walk(copy.get(member, MISSING), i + 1)
            return copy
        kind = type(node).__name__.replace("str", "string").replace("int", "number").replace("float", "number")
        raise InvalidArgument.for_field("path", f"'{where}': cannot go into a {kind}")

    return walk(doc, 0)
