"""DHIS2's `fields` parameter (seed 004): which parts of each value a query returns.

    fields=                     only the keys
    fields=.                    the whole value, as member "value"
    fields=name,age             members (dotted paths allowed: person.age)
    fields=root[a,b]            nested members, same as root.a,root.b; `(..)` = `[..]`
    fields=root[a~hoist(x)]     the leaf as top-level member "x" (an alias; dotted
                                aliases nest: ~hoist(my-root.my-prop))

Parsing gives a list of Field(path, alias). `required_condition` is the SQL-side rule
"at least one extracted field is not null" (dropped by includeAll), so paging counts
only entries that will be returned; `project` builds one result object from a value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from server.domain.errors import InvalidArgument
from server.query.ast import Condition, Node, Op, Or, Path

_NAME_CHARS = re.compile(r"[A-Za-z0-9_.\-]")
_ALIAS = re.compile(r"^[A-Za-z0-9_\-]+(\.[A-Za-z0-9_\-]+)*$")
_HOIST = "~hoist("
MAX_FIELDS = 50
_OPEN, _CLOSE = "[(", "])"


@dataclass(frozen=True)
class Field:
    path: Path
    alias: str  # output member; dots nest


def parse_fields(text: str, field: str = "fields") -> list[Field]:
    text = text.strip()
    if text == "":
        return []
    if text == ".":
        return [Field(Path(), "value")]
    out: list[Field] = []
    parents: list[str] = []
    closers: list[str] = []
    i, n = 0, len(text)
    while i < n:
        start = i
        while i < n and _NAME_CHARS.match(text[i]):
            i += 1
        name = text[start:i]
        alias = None
        if text.startswith(_HOIST, i):
            end = text.find(")", i)
            if end < 0:
                raise InvalidArgument.for_field(field, f"'~hoist(' at position {i} is not closed")
            alias = text[i + len(_HOIST) : end]
            if not _ALIAS.match(alias):
                raise InvalidArgument.for_field(field, f"'{alias}' is not a valid alias (letters, digits, _ - and .)")
            i = end + 1
        nxt = text[i] if i < n else "$"  # "$": the end
        if nxt in _OPEN:
            if not name or alias is not None:
                raise InvalidArgument.for_field(field, f"'{nxt}' at position {i} must follow a member name")
            parents.append(name)
            closers.append(_CLOSE[_OPEN.index(nxt)])
            i += 1
            continue
        if name:
            out.append(_field(parents, name, alias, field))
        elif alias is not None:
            raise InvalidArgument.for_field(field, f"an alias at position {start} must follow a member name")
        if nxt == ",":
            i += 1
            if i == n:
                raise InvalidArgument.for_field(field, "ends with ','")
        elif nxt in _CLOSE:
            if not closers or closers[-1] != nxt:
                raise InvalidArgument.for_field(field, f"unexpected '{nxt}' at position {i}")
            closers.pop()
            parents.pop()
            i += 1
            if i < n and text[i] == ",":
                i += 1
        elif nxt != "$":
            raise InvalidArgument.for_field(field, f"unexpected '{nxt}' at position {i}")
        if i < n and not name and nxt not in _CLOSE:
            raise InvalidArgument.for_field(field, f"empty member name at position {start}")
        if len(out) > MAX_FIELDS:
            raise InvalidArgument.for_field(field, f"at most {MAX_FIELDS} fields")
    if closers:
        raise InvalidArgument.for_field(field, f"'{closers[-1]}' is missing at the end")
    return out


def _field(parents: list[str], name: str, alias: str | None, field: str) -> Field:
    dotted = ".".join([*parents, name])
    if dotted == "_":
        return Field(Path.key(), alias or "_")
    try:  # "key" is a member of the value here; "_" is the entry key
        path = Path.parse(dotted, field) if dotted != "key" else Path(("key",))
    except InvalidArgument:
        raise InvalidArgument.for_field(field, f"'{dotted}' is not a valid path (at most 5 members)") from None
    return Field(path, alias or dotted)


def required_condition(fields: list[Field]) -> Node | None:
    """Entries with at least one non-null extracted field (DHIS2 without includeAll)."""
    paths = [f.path for f in fields if not f.path.is_key]
    if not paths:
        return None
    conditions = tuple(Condition(p, Op.NOT_NULL) for p in paths)
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
            continue  # the entry key stays; an alias resolves the clash (seed 004)
        target = out
        for p in parents:
            child = target.get(p)
            if not isinstance(child, dict):
                child = target[p] = {}
            target = child
        target[last] = leaf
    return out
