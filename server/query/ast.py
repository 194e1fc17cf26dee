"""The query AST: one small tree every query surface compiles to.

The canonical QueryService builds it from structured conditions; the DHIS2 query
language (fields/filter/order) parses into the same nodes later. sql.py compiles it to
SQL for SQLite (JSON1) and PostgreSQL (jsonb). Nothing here knows SQL or protobuf.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from server.domain import limits
from server.domain.errors import InvalidArgument

MAX_PATH_DEPTH = 5
MAX_CONDITIONS = 20
MAX_IN_VALUES = 100
MAX_ORDERS = 5
KEY_PATH_NAMES = ("_", "key")
_FORBIDDEN_MEMBER_CHARS = set('"\\[]')


class Op(enum.Enum):
    EQ = "eq"
    NE = "ne"
    LT = "lt"
    LE = "le"
    GT = "gt"
    GE = "ge"
    IN = "in"
    LIKE = "like"
    ILIKE = "ilike"
    NULL = "null"
    NOT_NULL = "!null"
    EMPTY = "empty"  # "", [] or {}
    TEXT_IN = "text_in"  # the value's text is one of the given strings (DHIS2 `in`)


UNARY_OPS = frozenset({Op.NULL, Op.NOT_NULL, Op.EMPTY})
ORDERING_OPS = frozenset({Op.LT, Op.LE, Op.GT, Op.GE})
TEXT_OPS = frozenset({Op.LIKE, Op.ILIKE})


# Entry metadata a query can filter and sort on besides the value.
COLUMNS = ("key", "customer_id", "updated_at", "updated_by", "created_at")


@dataclass(frozen=True)
class Path:
    """A path into the JSON value (members; () is the root), or one of the entry's
    metadata COLUMNS (the key, its customer, last update time and user, creation time).

    Integer members are array indexes, string members object keys.
    """

    members: tuple[str | int, ...] = ()
    column: str | None = None

    @classmethod
    def key(cls) -> Path:
        return cls(column="key")

    @classmethod
    def of_column(cls, column: str) -> Path:
        if column not in COLUMNS:
            raise ValueError(f"unknown entry column {column!r}")
        return cls(column=column)

    @property
    def is_key(self) -> bool:
        return self.column == "key"

    @classmethod
    def parse(cls, text: str, field: str = "path") -> Path:
        """'_' / 'key' -> the key; '.' -> the whole value; 'a.b.0' -> members."""
        if text in KEY_PATH_NAMES:
            return cls.key()
        if text == ".":
            return cls()
        if not text:
            raise InvalidArgument.for_field(field, "must not be empty (use '.' for the value)")
        parts = text.split(".")
        if len(parts) > MAX_PATH_DEPTH:
            raise InvalidArgument.for_field(field, f"'{text}' is deeper than {MAX_PATH_DEPTH} members")
        members: list[str | int] = []
        for part in parts:
            if not part:
                raise InvalidArgument.for_field(field, f"'{text}' has an empty member")
            if any(c in _FORBIDDEN_MEMBER_CHARS or ord(c) < 0x20 for c in part):
                raise InvalidArgument.for_field(field, f"'{text}' has a member with a quote, backslash or bracket")
            members.append(int(part) if part.isdigit() else part)
        return cls(tuple(members))

    def __str__(self) -> str:
        if self.is_key:
            return "_"
        if self.column:
            return f"@{self.column}"
        return ".".join(str(m) for m in self.members) or "."


@dataclass(frozen=True)
class Condition:
    path: Path
    op: Op
    value: Any = None

    def __post_init__(self) -> None:
        validate_condition(self)


@dataclass(frozen=True)
class And:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    child: Node


Node = Condition | And | Or | Not


ORDER_MODES = ("typed", "text", "number")


@dataclass(frozen=True)
class Order:
    """mode "typed": by JSON type, then value (numbers numerically, strings byte-wise);
    "text": by the value's text (DHIS2 asc/desc); "number": numbers only, by value (DHIS2
    nasc/ndesc). Missing values sort last ascending, first descending, in every mode."""

    path: Path
    descending: bool = False
    mode: str = "typed"


SCALAR_TYPES = (str, int, float, bool, type(None))


def validate_condition(c: Condition) -> None:
    name = f"conditions[{c.path}]"
    if c.op in UNARY_OPS:
        return
    for operand in c.value if isinstance(c.value, (list, tuple)) else (c.value,):
        if isinstance(operand, int):  # an integer operand is bound to SQL as one
            limits.check_int64(operand, name)
    if c.op is Op.TEXT_IN:
        if not isinstance(c.value, (list, tuple)) or not c.value or not all(isinstance(v, str) for v in c.value):
            raise InvalidArgument.for_field(name, "'in' needs a non-empty list of texts")
        if len(c.value) > MAX_IN_VALUES:
            raise InvalidArgument.for_field(name, f"'in' takes at most {MAX_IN_VALUES} values")
        return
    if c.op is Op.IN:
        if not isinstance(c.value, (list, tuple)) or not c.value:
            raise InvalidArgument.for_field(name, "'in' needs a non-empty list of values")
        if len(c.value) > MAX_IN_VALUES:
            raise InvalidArgument.for_field(name, f"'in' takes at most {MAX_IN_VALUES} values")
        if not all(isinstance(v, SCALAR_TYPES) for v in c.value):
            raise InvalidArgument.for_field(name, "'in' values must be numbers, strings, booleans or null")
        return
    if not isinstance(c.value, SCALAR_TYPES):
        raise InvalidArgument.for_field(
            name, f"'{c.op.value}' compares with a number, string, boolean or null, not a list or object"
        )
    if c.op in TEXT_OPS and not isinstance(c.value, str):
        raise InvalidArgument.for_field(name, f"'{c.op.value}' needs a string pattern")
    if c.op in ORDERING_OPS and (c.value is None or isinstance(c.value, bool)):
        raise InvalidArgument.for_field(name, f"'{c.op.value}' needs a number or a string")


def count_conditions(node: Node | None) -> int:
    if node is None:
        return 0
    if isinstance(node, Condition):
        return 1
    if isinstance(node, Not):
        return count_conditions(node.child)
    return sum(count_conditions(c) for c in node.children)
