"""The JSON value engine of DHIS2 writes: the request value, and partial updates
(`?path=`) and roll (`?roll=N`) on a JSON document, computed in Python by `Update`,
which the service runs under compare-and-set (so SQLite and PostgreSQL give the same
result).

Roll, as dhis2-core runs it (HibernateDatastoreStore.updateEntry*RollValue): onto an
array the value is appended and the last N elements kept (the DHIS2 documentation: "we only want the
last 3 elements"); a null or missing node starts the array `[value]`; any other node
(object, string, number, boolean) is replaced by the value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from server.domain import limits
from server.domain.errors import InvalidArgument
from server.domain.types import MISSING

_MEMBER = re.compile(r"^\[(\d+)\]$|^([^.\[\]]+)$")
MAX_UPDATE_DEPTH = 10


def check_value(value: Any) -> Any:
    if value is MISSING:
        raise InvalidArgument.for_field("value", "the request body must hold the JSON value")
    limits.check_value_limits(value)
    return value


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


@dataclass(frozen=True)
class Update:
    """One PUT onto an existing key: `value` (MISSING: no body) at `members`, rolled to
    the last `roll` elements if given. `where` is the path as the key's rolls remember
    it ("." for the root)."""

    members: list[str | int]
    where: str
    value: Any
    roll: int | None

    @classmethod
    def parse(cls, path: str, value: Any, roll: int | None) -> Update:
        """Checks what needs no stored value: the path, roll >= 1, the body's size."""
        members = parse_update_path(path)
        if roll is not None and roll < 1:
            raise InvalidArgument.for_field("roll", "must be a positive number of elements")
        if value is not MISSING:
            limits.check_value_limits(value)
        return cls(members, path.strip() or ".", value, roll)

    @property
    def deletes(self) -> bool:
        """No body and no path: the key is deleted."""
        return self.value is MISSING and not self.members

    def apply(self, doc: Any, rolls: dict[str, int]) -> tuple[Any, dict[str, int]]:
        """The new document and rolls. Without a body the node is set to null and roll
        does not apply; a path's roll may only grow."""
        rolls = dict(rolls)
        if self.value is MISSING:
            new = apply_update(doc, self.members, None, None)
        else:
            if self.roll is not None:
                if self.roll < rolls.get(self.where, 0):
                    raise InvalidArgument.for_field(
                        "roll",
                        f"can only grow: '{self.where}' keeps the last {rolls[self.where]} elements, "
                        f"{self.roll} is fewer",
                    )
                rolls[self.where] = self.roll
            new = apply_update(doc, self.members, self.value, self.roll)
        limits.check_value_limits(new)
        return new, rolls
