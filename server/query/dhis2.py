"""The DHIS2 dataStore query language (seed 004) -> the query AST.

    filter=<path>:<op>[:<value>]    unary: null !null empty !empty
                                    binary: eq !eq ne neq lt le gt ge, like ilike !like
                                    !ilike $like $ilike startswith !$like !$ilike
                                    !startswith like$ ilike$ endswith !like$ !ilike$
                                    !endswith
                                    set: in !in with [a,b,...]
    rootJunction=AND|OR             AND is the default (see parse_filters)
    order=<path>[:asc|desc|nasc|ndesc]

Paths: `_` the key, `.` the root value, members with dots, array indexes as `.0` or
`[0]`, at most 5 deep. Values: true/false are booleans, numbers are numbers, anything
else (or anything in single quotes: '13') is text. Negated operators (and `ne`) do not
match entries where the path is missing, as SQL's NOT on a missing value would not in
DHIS2 either. Pattern operators match text values: `like` contains, `$like` starts with,
`like$` ends with; `%` and `_` in the value keep their SQL meaning.
"""

from __future__ import annotations

import re

from server.domain.errors import InvalidArgument
from server.query.ast import And, Condition, Node, Not, Op, Or, Order, Path

_NUMBER = re.compile(r"^-?(0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?$")
_INDEX = re.compile(r"\.?\[(\d+)\]")  # a[0] and a.[0] are a.0

UNARY = {
    "null": (Op.NULL, False),
    "!null": (Op.NOT_NULL, False),
    "empty": (Op.EMPTY, False),
    "!empty": (Op.EMPTY, True),
}
BINARY = {
    "eq": (Op.EQ, False),
    "!eq": (Op.EQ, True),
    "ne": (Op.EQ, True),
    "neq": (Op.EQ, True),
    "lt": (Op.LT, False),
    "le": (Op.LE, False),
    "gt": (Op.GT, False),
    "ge": (Op.GE, False),
}
# name -> (case-insensitive, negated, pattern template)
PATTERNS = {
    "like": (False, False, "%{}%"),
    "ilike": (True, False, "%{}%"),
    "!like": (False, True, "%{}%"),
    "!ilike": (True, True, "%{}%"),
    "$like": (False, False, "{}%"),
    "$ilike": (True, False, "{}%"),
    "startswith": (True, False, "{}%"),
    "!$like": (False, True, "{}%"),
    "!$ilike": (True, True, "{}%"),
    "!startswith": (True, True, "{}%"),
    "like$": (False, False, "%{}"),
    "ilike$": (True, False, "%{}"),
    "endswith": (True, False, "%{}"),
    "!like$": (False, True, "%{}"),
    "!ilike$": (True, True, "%{}"),
    "!endswith": (True, True, "%{}"),
}
SETS = {"in": False, "!in": True}
ORDER_DIRECTIONS = {
    "asc": (False, "text"),
    "desc": (True, "text"),
    "nasc": (False, "number"),
    "ndesc": (True, "number"),
}


def parse_path(text: str, field: str) -> Path:
    """DHIS2 path -> Path; `addresses[0].street` is `addresses.0.street`. `_` is the
    entry key, `.` the root value; every other name (even `key`) is a value member."""
    if text not in ("_", "."):
        text = _INDEX.sub(r".\1", text).lstrip(".")
    if text == "key":
        return Path(("key",))
    return Path.parse(text, field)


def infer(value: str) -> bool | int | float | str:
    if len(value) >= 2 and value[0] == value[-1] == "'":
        return value[1:-1]
    if value in ("true", "false"):
        return value == "true"
    if _NUMBER.match(value):
        number = float(value)
        return int(number) if number.is_integer() and "." not in value and "e" not in value.lower() else number
    return value


def _negated(path: Path, positive: Node) -> Node:
    """NOT positive, for entries that have the path at all (DHIS2/SQL semantics)."""
    return And((Condition(path, Op.NOT_NULL), Not(positive)))


def parse_filter(text: str, field: str = "filter") -> Node:
    parts = text.split(":", 2)
    if len(parts) < 2 or not parts[0] or not parts[1]:
        raise InvalidArgument.for_field(field, f"'{text}' is not <path>:<operator>[:<value>]")
    path = parse_path(parts[0], field)
    op_name = parts[1]
    value = parts[2] if len(parts) == 3 else None
    if op_name in UNARY:
        if value is not None:
            raise InvalidArgument.for_field(field, f"operator '{op_name}' takes no value")
        op, negate = UNARY[op_name]
        condition = Condition(path, op)
        return _negated(path, condition) if negate else condition
    if value is None:
        raise InvalidArgument.for_field(field, f"operator '{op_name}' needs a value: {parts[0]}:{op_name}:<value>")
    if op_name in BINARY:
        op, negate = BINARY[op_name]
        condition = _condition(path, op, infer(value), field)
        return _negated(path, condition) if negate else condition
    if op_name in PATTERNS:
        insensitive, negate, template = PATTERNS[op_name]
        text_value = value[1:-1] if len(value) >= 2 and value[0] == value[-1] == "'" else value
        condition = _condition(path, Op.ILIKE if insensitive else Op.LIKE, template.format(text_value), field)
        return _negated(path, condition) if negate else condition
    if op_name in SETS:
        if not (value.startswith("[") and value.endswith("]")) or value == "[]":
            raise InvalidArgument.for_field(field, f"operator '{op_name}' needs a list: [a,b,...]")
        items = [v.strip() for v in value[1:-1].split(",")]
        items = [v[1:-1] if len(v) >= 2 and v[0] == v[-1] == "'" else v for v in items]
        condition = _condition(path, Op.TEXT_IN, items, field)
        return _negated(path, condition) if SETS[op_name] else condition
    known = ", ".join([*UNARY, *BINARY, *PATTERNS, *SETS])
    raise InvalidArgument.for_field(field, f"unknown operator '{op_name}'; use one of {known}")


def _condition(path: Path, op: Op, value, field: str) -> Condition:
    try:
        return Condition(path, op, value)
    except InvalidArgument as exc:  # re-attribute to the query parameter
        raise InvalidArgument.for_field(field, exc.field_violations[0].description) from None


_FILTER_SPLIT = re.compile(r",(?![^\[\]]*\])")


def split_filters(values: list[str]) -> list[str]:
    """Each filter parameter may hold several filters separated by commas (a comma
    inside `[a,b]` belongs to the value), as DHIS2 accepts."""
    return [part for v in values for part in _FILTER_SPLIT.split(v) if part]


def parse_filters(filters: list[str], root_junction: str = "") -> Node | None:
    """Combines filters with AND unless rootJunction=OR. Seed 004's prose calls OR the
    default, but its own examples combine without rootJunction for AND ("has name
    containing Pet and has an age greater than 20") and pass rootJunction=or for OR, and
    DHIS2 itself defaults to AND: examples and DHIS2 win over the sentence."""
    junction = (root_junction or "AND").upper()
    if junction not in ("AND", "OR"):
        raise InvalidArgument.for_field("rootJunction", f"'{root_junction}' is not AND or OR")
    filters = split_filters(filters)
    if not filters:
        return None
    nodes = tuple(parse_filter(f, "filter") for f in filters)
    if len(nodes) == 1:
        return nodes[0]
    return And(nodes) if junction == "AND" else Or(nodes)


def parse_order(text: str, field: str = "order") -> Order:
    path_text, _, direction = text.partition(":")
    if not path_text:
        raise InvalidArgument.for_field(field, f"'{text}' is not <path>[:asc|desc|nasc|ndesc]")
    if direction and direction.lower() not in ORDER_DIRECTIONS:
        raise InvalidArgument.for_field(field, f"'{direction}' is not asc, desc, nasc or ndesc")
    descending, mode = ORDER_DIRECTIONS[direction.lower() or "asc"]
    return Order(parse_path(path_text, field), descending, mode)
