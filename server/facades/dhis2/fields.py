"""DHIS2's `fields` parameter: which parts of each value a query returns,
parsed as dhis2-core's DatastoreQuery.parseFields does.

    fields=                     only the keys
    fields=.                    the whole value, as member "value"
    fields=name,age             members (dotted paths allowed: person.age)
    fields=root[a,b]            nested members, same as root.a,root.b; `(..)` = `[..]`
    fields=root[a~hoist(x)]     the leaf as top-level member "x" (an alias; dotted
                                aliases nest: ~hoist(my-root.my-prop))

Names are letters, digits and dots; anything else where a `,`, `[`, `(`, `]` or `)`
belongs is E7651, a path that is not valid E7650 (both 409 in the DHIS2 façade). Like
dhis2-core, an unclosed `[` or a stray `]` is forgiven. `required_condition` is the
SQL-side rule "at least one extracted field is present" (JSON null counts; dropped by
includeAll), so paging counts only entries that will be returned; `project` builds one
result object from a value.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from server.domain.errors import InvalidArgument
from server.query.ast import Node, Or, Path
from server.query.syntax import IllegalQuery, exists, normalise_path

MAX_FIELDS = 50
_HOIST = "~hoist("


@dataclass(frozen=True)
class Field:
    path: Path
    alias: str  # output member; dots nest


def _is_name_char(c: str) -> bool:
    return c.isalnum() or c == "."


def _name_end(text: str, start: int, field: str) -> int:
    """The index after a name and its `~hoist(..)` alias, if any."""
    pos = start
    while pos < len(text) and _is_name_char(text[pos]):
        pos += 1
    if pos < len(text) and text[pos] == "~":
        close = text.find(")", pos)
        if close < 0:
            raise _unexpected(pos, "~", field)
        return close + 1
    return pos


def _unexpected(position: int, found: str, field: str) -> IllegalQuery:
    message = f"Illegal fields expression, expected `,`, `[` or `]` at position {position} but found `{found}`"
    return IllegalQuery(message, field, "E7651")


def parse_fields(text: str, field: str = "fields") -> list[Field]:
    flat: list[Field] = []
    parent = ""
    start, n = 0, len(text)
    while start < n:
        end = _name_end(text, start, field)
        name = text[start:end]
        start = end + 1
        if end >= n:
            _add(flat, parent, name, field)
            break
        nxt = text[end]
        if nxt == ",":
            _add(flat, parent, name, field)
        elif nxt in "[(":
            parent += name + "."
        elif nxt in "])":
            _add(flat, parent, name, field)
            parent = parent[: parent.rfind(".", 0, len(parent) - 1) + 1]
        else:
            raise _unexpected(end, nxt, field)
    return flat


def _add(flat: list[Field], parent: str, name: str, field: str) -> None:
    if not name:
        return
    at = name.find(_HOIST)
    alias = name[at + len(_HOIST) : -1] if at > 0 else None
    path = parent + (name[:at] if at > 0 else name)
    flat.append(Field(normalise_path(path, field), alias if alias is not None else "value" if path == "." else path))
    if len(flat) > MAX_FIELDS:
        raise InvalidArgument.for_field(field, f"at most {MAX_FIELDS} fields")


def required_condition(fields: list[Field]) -> Node | None:
    """Entries where at least one extracted field is present (DHIS2 without includeAll:
    `<extracted> is not null` in SQL, where a JSON null is not SQL NULL)."""
    paths = [f.path for f in fields if not f.path.is_key]
    if not paths:
        return None
    conditions = tuple(exists(p) for p in paths)
    return conditions[0] if len(conditions) == 1 else Or(conditions)


def extract(value: Any, path: Path) -> Any:
    for member in path.members:
        if isinstance(member, int) and isinstance(value, list):
            value = value[member] if 0 <= member < len(value) else None
        elif isinstance(value, dict):
            value = value.get(str(member))
        else:
            return None
    return value


def project(key: str, value: Any, fields: list[Field]) -> dict[str, Any]:
    """{"key": key, <alias>: <extracted value>...}; dotted aliases become nested
    objects, merged where they share a parent."""
    out: dict[str, Any] = {"key": key}
    for f in fields:
        leaf = key if f.path.is_key else extract(value, f.path)
        *parents, last = f.alias.split(".")
        if not parents and last == "key":
            continue  # the entry key stays; an alias resolves the clash
        target = out
        for p in parents:
            child = target.get(p)
            if not isinstance(child, dict):
                child = target[p] = {}
            target = child
        target[last] = leaf
    return out
