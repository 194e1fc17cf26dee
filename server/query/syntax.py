"""The DHIS2 dataStore query language -> the query AST, as dhis2-core parses, validates
and runs it (dhis-api DatastoreQuery, dhis-service-core DatastoreQueryValidator and
hibernate/DatastoreQueryBuilder).

    filter=<path>:<op>[:<value>]   separators `:`, `::`, `~` or `@`; the operator in any case
      unary     null !null empty !empty                  (not on the key `_`)
      binary    eq ieq !eq|neq|ne lt lte|le gt gte|ge
      patterns  like !like $like !$like like$ !like$     (case-sensitive)
                ilike !ilike $ilike|startswith !$ilike|!startswith
                ilike$|endswith !ilike$|!endswith        (case-insensitive)
      sets      in !in with [a,b,...]
    order=<path>[:asc|desc|nasc|ndesc]

Paths: `_` the key, `.` the root value, up to 5 members of `[-_a-zA-Z0-9]{1,32}` joined by
dots (dhis2-core allows 6; the DHIS2 documentation shows 5), `a[0]` = `a.0`. The DHIS2 façade
parses strictly; the canonical QueryService (`filters`, `order`) lets member names have
any character its own paths take.

Values are typed from their text: `true`/`false` booleans, `null` the JSON null,
`[0-9]+(.[0-9]*)?` numbers, `[..]`/`{..}` arrays/objects, anything else text (single
quotes stripped: `'13'` is text). On a value path a comparison only matches values of
the operand's JSON type, negations included (`!eq:Fury` matches the strings other than
Fury, never a number or a missing value); `null` is the JSON null, `!null` present and
not null, `empty` "", [] or {}, `!empty` a non-empty string, array or object. `in`/`!in`
match string values whose text is (not) one of the items, split at commas as written.
Patterns match string values with `*` as `%` (SQL's `%` and `_` stay wildcards); they
always take the value as text (dhis2-core fails on a numeric pattern). On the key every
operator compares the key as text. Errors carry dhis2-core's messages and error codes.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from dataclasses import dataclass

from server.domain import limits
from server.domain.errors import FieldViolation, InvalidArgument
from server.query.ast import MAX_PATH_DEPTH, And, Condition, Node, Not, Op, Or, Order, Path

_SPLIT = re.compile(r"::|:|~|@")
_NUMBER = re.compile(r"[0-9]+(\.[0-9]*)?")
_MEMBER = r"[-_a-zA-Z0-9]{1,32}"
_PATH = re.compile(rf"{_MEMBER}(\.{_MEMBER}){{0,{MAX_PATH_DEPTH - 1}}}")
_INDEX = re.compile(r"\[(\d+)]")
_FORBIDDEN = set('"\\[]')
# Commas separate filters, except inside [..] or (..) (DatastoreQuery.FILTER_SPLIT).
_FILTER_SPLIT = re.compile(r",(?![^\[\]]*\]|[^()]*\))")

# DatastoreQuery.Comparison, in its order: name -> the operator spellings.
COMPARISONS: dict[str, tuple[str, ...]] = {
    "NULL": ("null",), "NOT_NULL": ("!null",), "EMPTY": ("empty",), "NOT_EMPTY": ("!empty",),
    "IN": ("in",), "NOT_IN": ("!in",),
    "EQUAL": ("eq",), "NOT_EQUAL": ("!eq", "neq", "ne"),
    "LESS_THAN": ("lt",), "LESS_THAN_OR_EQUAL": ("lte", "le"),
    "GREATER_THAN": ("gt",), "GREATER_THAN_OR_EQUAL": ("gte", "ge"),
    "LIKE": ("like",), "NOT_LIKE": ("!like",), "STARTS_LIKE": ("$like",), "NOT_STARTS_LIKE": ("!$like",),
    "ENDS_LIKE": ("like$",), "NOT_ENDS_LIKE": ("!like$",),
    "IEQ": ("ieq",), "ILIKE": ("ilike",), "NOT_ILIKE": ("!ilike",),
    "STARTS_WITH": ("$ilike", "startswith"), "NOT_STARTS_WITH": ("!$ilike", "!startswith"),
    "ENDS_WITH": ("ilike$", "endswith"), "NOT_ENDS_WITH": ("!ilike$", "!endswith"),
}  # fmt: skip
_NAMES = list(COMPARISONS)
_BY_SPELLING = {s: name for name, spellings in COMPARISONS.items() for s in spellings}
UNARY = frozenset(_NAMES[:4])
TEXT_BASED = frozenset(_NAMES[_NAMES.index("LIKE") :])  # patterns and ieq
CASE_INSENSITIVE = frozenset(_NAMES[_NAMES.index("IEQ") :])
_FIXED_START = {"IEQ", "STARTS_LIKE", "STARTS_WITH", "NOT_STARTS_LIKE", "NOT_STARTS_WITH"}
_FIXED_END = {"IEQ", "ENDS_LIKE", "ENDS_WITH", "NOT_ENDS_LIKE", "NOT_ENDS_WITH"}
_ORDERING = {"LESS_THAN": Op.LT, "LESS_THAN_OR_EQUAL": Op.LE, "GREATER_THAN": Op.GT, "GREATER_THAN_OR_EQUAL": Op.GE}
_PY_ORDERING: dict[str, Callable[[object, object], bool]] = {
    "LESS_THAN": operator.lt, "LESS_THAN_OR_EQUAL": operator.le,
    "GREATER_THAN": operator.gt, "GREATER_THAN_OR_EQUAL": operator.ge,
}  # fmt: skip
DIRECTIONS = {"ASC": (False, "text"), "DESC": (True, "text"), "NASC": (False, "number"), "NDESC": (True, "number")}


class IllegalQuery(InvalidArgument):
    """A query dhis2-core refuses with 409 Conflict; `errorCode` (metadata) is its
    ErrorCode where it has one. INVALID_ARGUMENT on the canonical QueryService."""

    reason = "ILLEGAL_QUERY"

    def __init__(self, message: str, field: str, error_code: str = "") -> None:
        metadata = {"field": field, **({"errorCode": error_code} if error_code else {})}
        super().__init__(message, field_violations=[FieldViolation(field, message)], metadata=metadata)


def _bad_request(message: str, field: str) -> InvalidArgument:
    """What dhis2-core answers with 400 (an IllegalArgumentException)."""
    return InvalidArgument(message, field_violations=[FieldViolation(field, message)], metadata={"field": field})


def java_split(text: str) -> list[str]:
    """String.split("(::|:|~|@)") as Java does it: trailing empty parts are dropped."""
    parts = _SPLIT.split(text)
    if text == "":
        return [""]
    while parts and parts[-1] == "":
        parts.pop()
    return parts


def normalise_path(text: str, field: str, strict: bool = True) -> Path:
    """`_` -> the key, `.` -> the root, `a[0].b` -> members ("a", 0, "b"); else E7650.
    strict: dhis2-core's member names (`[-_a-zA-Z0-9]{1,32}`); else any the query AST
    takes (no quote, backslash, bracket or control character), as the canonical
    QueryService does for its own paths."""
    if text == ".":
        return Path()
    normalised = _INDEX.sub(r".\1", text)
    members = normalised.split(".")
    valid = (
        _PATH.fullmatch(normalised)
        if strict
        else len(members) <= MAX_PATH_DEPTH
        and all(m and not any(c in _FORBIDDEN or ord(c) < 0x20 for c in m) for m in members)
    )
    if not valid:
        raise IllegalQuery(f"Not a valid path: `{text}`", field, "E7650")
    if normalised == "_":
        return Path.key()
    return Path(tuple(int(m) if m.isdigit() else m for m in members))


def path_text(path: Path) -> str:
    return "_" if path.is_key else ".".join(str(m) for m in path.members) or "."


@dataclass(frozen=True)
class Filter:
    path: Path
    comparison: str  # a COMPARISONS name
    spelling: str  # the operator as written, lower case
    value: str

    def __str__(self) -> str:  # DatastoreQuery.Filter.toString
        head = f"{path_text(self.path)}:{self.spelling}"
        return f"{head}:{self.value}" if self.value else head


def parse_comparison(text: str, field: str = "filter") -> str:
    name = _BY_SPELLING.get(text.lower())
    if name is None:
        known = ", ".join(s for spellings in COMPARISONS.values() for s in spellings)
        raise IllegalQuery(f"Unknown operator: `{text}` Use one of [{known}]", field)
    return name


def _parse(text: str, field: str, strict: bool = True) -> Filter:
    parts = java_split(text)
    if len(parts) < 2:
        message = f"Illegal filter expression `{text}`: expected expression of pattern: <property>:<operator>[:<value>]"
        raise IllegalQuery(message, field, "E7652")
    comparison = parse_comparison(parts[1].upper(), field)
    return Filter(normalise_path(parts[0], field, strict), comparison, parts[1].lower(), ":".join(parts[2:]))


def _validate(f: Filter, field: str) -> None:
    """DatastoreQueryValidator: E7653."""
    unary = f.comparison in UNARY
    problem = ""
    if f.path.is_key and unary:
        problem = "key filters cannot be used with unary operators"
    elif not unary and not f.value.strip():
        problem = f"the operator `{f.spelling}` requires a value"
    elif unary and f.value.strip():
        problem = f"the operator `{f.spelling}` is unary and does not require a value"
    if problem:
        raise IllegalQuery(f"Illegal filter `{f}`: {problem}", field, "E7653")


# ------------------------------------------------- JSON type tests as AST nodes

FALSE: Node = Condition(Path.key(), Op.NULL)  # every entry has a key


def is_string(p: Path) -> Node:
    return Condition(p, Op.LIKE, "%")


def is_number(p: Path) -> Node:
    return Or((Condition(p, Op.LT, 0), Condition(p, Op.GE, 0)))


def is_boolean(p: Path) -> Node:
    return Or((Condition(p, Op.EQ, True), Condition(p, Op.EQ, False)))


def is_null(p: Path) -> Node:
    return Condition(p, Op.EQ, None)


def exists(p: Path) -> Node:
    """The path is present in the value (JSON null included)."""
    return Or((Condition(p, Op.NOT_NULL), is_null(p)))


def _is_container(p: Path) -> Node:
    return And((Condition(p, Op.NOT_NULL), Not(is_string(p)), Not(is_number(p)), Not(is_boolean(p))))


def is_array(p: Path) -> Node:
    return And((_is_container(p), Or((Condition(p, Op.TEXT_IN, ["[]"]), exists(Path((*p.members, 0)))))))


def is_object(p: Path) -> Node:
    return And((_is_container(p), Not(is_array(p))))


_TYPE_TESTS = {"array": is_array, "boolean": is_boolean, "null": is_null, "number": is_number,
               "object": is_object, "string": is_string}  # fmt: skip


def node_type(value: str) -> str:
    """DatastoreQueryBuilder.deriveNodeType ("null" for `null`, as it tests nullness)."""
    if value in ("true", "false"):
        return "boolean"
    if value in ("", "null"):
        return "null"
    if value.startswith("{") and value.endswith("}"):
        return "object"
    if value.startswith("[") and value.endswith("]"):
        return "array"
    return "number" if _NUMBER.fullmatch(value) else "string"


def unquote(value: str) -> str:
    return value[1:-1] if len(value) >= 2 and value[0] == value[-1] == "'" else value


def _items(value: str) -> list[str]:
    """`[a,b]` -> ["a", "b"] (Java's split: trailing empty items dropped); else the value."""
    if node_type(value) != "array":
        return [unquote(value)]
    inner = value[1:-1]
    if not inner:
        return [""]
    items = inner.split(",")
    while items and items[-1] == "":
        items.pop()
    return items


def _pattern(f: Filter) -> Condition:
    text = unquote(f.value)
    if f.comparison != "IEQ":
        text = text.replace("*", "%")
        text = ("" if f.comparison in _FIXED_START else "%") + text + ("" if f.comparison in _FIXED_END else "%")
    return Condition(f.path, Op.ILIKE if f.comparison in CASE_INSENSITIVE else Op.LIKE, text)


def _negated(f: Filter) -> bool:
    return f.comparison.startswith("NOT_")


def _key_node(f: Filter) -> Node:
    p, c = f.path, f.comparison
    if c in ("IN", "NOT_IN"):
        items = _items(f.value)
        node = Condition(p, Op.TEXT_IN, items) if items else FALSE
    elif c in TEXT_BASED:
        node = _pattern(f)
    elif c in _ORDERING:
        return Condition(p, _ORDERING[c], unquote(f.value))
    else:
        node = Condition(p, Op.EQ, unquote(f.value))
    return Not(node) if _negated(f) else node


def _value_node(f: Filter) -> Node:
    p, c, value = f.path, f.comparison, f.value
    if c in UNARY:
        return {
            "NULL": is_null(p),
            "NOT_NULL": Condition(p, Op.NOT_NULL),
            "EMPTY": Condition(p, Op.EMPTY),
            "NOT_EMPTY": And((Condition(p, Op.NOT_NULL), Not(Condition(p, Op.EMPTY)),
                              Not(is_number(p)), Not(is_boolean(p)))),
        }[c]  # fmt: skip
    if c in ("IN", "NOT_IN"):
        items = _items(value)
        if not items:
            return is_string(p) if c == "NOT_IN" else FALSE
        inside = Condition(p, Op.TEXT_IN, items)
        return And((is_string(p), Not(inside) if c == "NOT_IN" else inside))
    kind = node_type(value)
    if kind == "null":  # `jsonb_typeof(p) <op> 'null'`
        if c in _ORDERING:
            names = [n for n in sorted(_TYPE_TESTS) if _PY_ORDERING[c](n, "null")]
            return Or(tuple(_TYPE_TESTS[n](p) for n in names))
        return Condition(p, Op.NOT_NULL) if _negated(f) else is_null(p)
    if c in TEXT_BASED and (c != "IEQ" or kind == "string"):
        return And((is_string(p), Not(_pattern(f)))) if _negated(f) else _pattern(f)
    if kind in ("array", "object"):  # compared with a JSON string: only the type decides
        return _TYPE_TESTS[kind](p) if c in ("NOT_EQUAL", "GREATER_THAN", "GREATER_THAN_OR_EQUAL") else FALSE
    if kind == "boolean":
        return _boolean(p, c, value == "true")
    operand: object = unquote(value)
    if kind == "number":
        number = float(value)
        exact = int(value) if value.isdigit() else int(number) if number.is_integer() else number
        # an integer literal compares exactly (jsonb compares so); past 64 bits, which SQL
        # binds no integer for, as the double it is
        fits = not isinstance(exact, int) or limits.INT64_MIN <= exact <= limits.INT64_MAX
        operand = exact if fits else number
    if c in _ORDERING:
        return Condition(p, _ORDERING[c], operand)
    equal = Condition(p, Op.EQ, operand)
    return And((_TYPE_TESTS[kind](p), Not(equal))) if c == "NOT_EQUAL" else equal


def _boolean(p: Path, c: str, b: bool) -> Node:
    """Comparisons with a boolean, as jsonb orders them (false < true)."""
    every, true, false = is_boolean(p), Condition(p, Op.EQ, True), Condition(p, Op.EQ, False)
    table = {
        "NOT_EQUAL": false if b else true,
        "LESS_THAN": false if b else FALSE,
        "LESS_THAN_OR_EQUAL": every if b else false,
        "GREATER_THAN": FALSE if b else true,
        "GREATER_THAN_OR_EQUAL": true if b else every,
    }
    return table.get(c, true if b else false)


def _node(f: Filter, field: str) -> Node:
    try:
        return _key_node(f) if f.path.is_key else _value_node(f)
    except InvalidArgument as exc:  # an AST limit (e.g. `in` values), re-attributed
        raise InvalidArgument.for_field(field, exc.field_violations[0].description) from None


def parse_filter(text: str, field: str = "filter", strict: bool = False) -> Node:
    """One filter expression, parsed and validated (the canonical QueryService's
    `filters`: paths not strict, see normalise_path)."""
    f = _parse(text, field, strict)
    _validate(f, field)
    return _node(f, field)


def split_filters(values: list[str]) -> list[str]:
    """Several `filter` parameters reach dhis2-core as one comma-joined string, split again
    at commas outside [..] and (..); trailing empty parts are dropped."""
    joined = ",".join(values)
    if not joined:
        return []
    parts = _FILTER_SPLIT.split(joined)
    while parts and parts[-1] == "":
        parts.pop()
    return parts


def parse_junction(root_junction: str) -> str:
    junction = (root_junction or "AND").upper()
    if junction not in ("AND", "OR"):
        raise InvalidArgument.for_field("rootJunction", f"'{root_junction}' is not AND or OR")
    return junction


def parse_filters(filters: list[str], root_junction: str = "", strict: bool = False) -> Node | None:
    """All filters parsed first, then validated (dhis2-core's order of errors), combined
    with AND unless rootJunction=OR (AND is DHIS2's default and what the documentation's
    examples do). strict: dhis2-core's path names (the DHIS2 façade)."""
    junction = parse_junction(root_junction)
    parsed = [_parse(text, "filter", strict) for text in split_filters(filters)]
    for f in parsed:
        _validate(f, "filter")
    nodes = tuple(_node(f, "filter") for f in parsed)
    if not nodes:
        return None
    if len(nodes) == 1:
        return nodes[0]
    return And(nodes) if junction == "AND" else Or(nodes)


def parse_order(text: str, field: str = "order", strict: bool = False) -> Order:
    """DatastoreQuery.Order.parse: `<path>[:asc|desc|nasc|ndesc]`; asc/desc sort by the
    value's text (alphanumeric, as the DHIS2 documentation shows), nasc/ndesc numerically."""
    parts = java_split(text)
    if len(parts) == 1:
        path, direction = text, "ASC"
    elif len(parts) == 2:
        path, direction = parts[0], parts[1].upper()
        if direction not in DIRECTIONS:
            raise _bad_request(f"No enum constant org.hisp.dhis.datastore.DatastoreQuery.Direction.{direction}", field)
    else:
        raise _bad_request(f"Not a valid order expression: {text}", field)
    descending, mode = DIRECTIONS[direction]
    return Order(normalise_path(path, field, strict), descending, mode)
