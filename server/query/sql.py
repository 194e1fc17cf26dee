"""Compiles the query AST (ast.py) to Peewee expressions: SQLite JSON1 or PostgreSQL jsonb.

Semantics, the same on both databases:
- Comparisons are type-aware: a number operand only matches JSON numbers, a string only
  JSON strings, a boolean only JSON booleans; `eq null` matches JSON null. Nothing is
  coerced, so "5" (string) never equals 5 (number).
- A condition on a missing path is false; `Not` turns "false or unknown" into true, so
  `ne` also matches entries where the path is missing.
- `like` (case-sensitive) and `ilike` (case-insensitive; ASCII only on SQLite) match
  string values only; `%` and `_` are the wildcards, no escape character.
- The key path compares the entry key as text; other metadata columns (customer,
  update/creation time, updater) compare as numbers.
Ordering is the same on both databases: first by JSON type (numbers, strings, booleans,
arrays, objects, then null or missing), then by value within a type (numbers
numerically, strings byte-wise); ties break on key and customer so pages are stable.
"""

from __future__ import annotations

import json
import operator
from collections.abc import Callable
from functools import reduce
from typing import Any

import peewee
from peewee import SQL, Case, Cast, Expression, NodeList, Value, fn

from server.query.ast import And, Condition, Node, Not, Op, Or, Order, Path

_CMP: dict[Op, Callable[[Any, Any], Expression]] = {
    Op.EQ: lambda a, b: a == b,
    Op.LT: lambda a, b: a < b,
    Op.LE: lambda a, b: a <= b,
    Op.GT: lambda a, b: a > b,
    Op.GE: lambda a, b: a >= b,
}


def json_kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    return "string"


class _Backend:
    def __init__(self, value_field: peewee.Field) -> None:
        self.value = value_field

    def type_is(self, path: Path, kind: str) -> Expression:  # pragma: no cover - abstract
        raise NotImplementedError

    def compare(self, path: Path, op: Op, operand: Any) -> Expression:  # pragma: no cover
        raise NotImplementedError

    def text(self, path: Path) -> Any:  # pragma: no cover
        raise NotImplementedError

    def sort_exprs(self, path: Path) -> list[Any]:  # pragma: no cover
        raise NotImplementedError

    def as_text(self, path: Path) -> Any:  # pragma: no cover
        """The value's text: strings bare, numbers and booleans as written, null -> NULL."""
        raise NotImplementedError

    def is_empty(self, path: Path) -> Expression:  # pragma: no cover
        raise NotImplementedError

    def text_in(self, path: Path, texts: list[str]) -> Expression:
        return self.as_text(path).in_(texts)

    def number(self, path: Path) -> Any:  # pragma: no cover
        """The value if it is a JSON number, else NULL."""
        raise NotImplementedError

    def like(self, lhs: Any, pattern: str, insensitive: bool) -> Any:  # pragma: no cover
        raise NotImplementedError

    def key_sort(self, key_field: peewee.Field) -> Any:
        return key_field

    def collate_bytes(self, expr: Any) -> Any:
        return expr  # SQLite compares text byte-wise (BINARY) already


class _Sqlite(_Backend):
    _TYPES = {
        "number": ("integer", "real"),
        "string": ("text",),
        "null": ("null",),
    }

    @staticmethod
    def json_path(path: Path) -> SQL:
        out = "$"
        for m in path.members:
            out += f"[{m}]" if isinstance(m, int) else f'."{m}"'
        return sql_literal(out)

    def type_is(self, path: Path, kind: str) -> Expression:
        jtype = fn.json_type(self.value, self.json_path(path))
        if kind == "boolean":
            return jtype.in_(("true", "false"))
        return jtype.in_(self._TYPES[kind])

    def compare(self, path: Path, op: Op, operand: Any) -> Expression:
        kind = json_kind(operand)
        if kind == "null":
            return fn.json_type(self.value, self.json_path(path)) == "null"
        if kind == "boolean":
            return fn.json_type(self.value, self.json_path(path)) == ("true" if operand else "false")
        lhs = fn.json_extract(self.value, self.json_path(path))
        if kind == "number" and not -(2**63) <= operand < 2**63:
            operand = float(operand)  # SQLite reads such JSON integers as REAL too, and binds no bigger int
        # The type guard is needed (json_extract gives 1/0 for booleans and JSON text for
        # arrays/objects) but goes second: AND short-circuits, so it only runs on rows
        # whose value already compared true.
        return _CMP[op](lhs, operand) & self.type_is(path, kind)

    def text(self, path: Path) -> Any:
        return fn.json_extract(self.value, self.json_path(path))

    def sort_exprs(self, path: Path) -> list[Any]:
        rank = Case(
            fn.json_type(self.value, self.json_path(path)),
            [("integer", 1), ("real", 1), ("text", 2), ("true", 3), ("false", 3), ("array", 4), ("object", 5)],
            9,
        )
        return [rank, fn.json_extract(self.value, self.json_path(path))]

    def as_text(self, path: Path) -> Any:
        p = self.json_path(path)
        jtype = fn.json_type(self.value, p)
        return Case(
            jtype, [("true", "true"), ("false", "false"), ("null", None)], Cast(fn.json_extract(self.value, p), "TEXT")
        )

    def is_empty(self, path: Path) -> Expression:
        p = self.json_path(path)
        jtype, raw = fn.json_type(self.value, p), fn.json_extract(self.value, p)
        return (
            ((jtype == "text") & (raw == ""))
            | ((jtype == "array") & (fn.json_array_length(self.value, p) == 0))
            | ((jtype == "object") & (raw == "{}"))
        )

    def number(self, path: Path) -> Any:
        p = self.json_path(path)
        return Case(
            None, [(fn.json_type(self.value, p).in_(("integer", "real")), fn.json_extract(self.value, p))], None
        )

    def like(self, lhs: Any, pattern: str, insensitive: bool) -> Any:
        # SQLite's LIKE ignores ASCII case; its GLOB is case-sensitive. So `ilike` is
        # LIKE and `like` is GLOB with the pattern translated. Written as explicit SQL
        # because peewee itself rewrites its LIKE operator to GLOB on SQLite.
        if insensitive:
            return NodeList((lhs, SQL("LIKE"), Value(pattern)))
        return NodeList((lhs, SQL("GLOB"), Value(like_to_glob(pattern))))


class _Postgres(_Backend):
    @staticmethod
    def _path_literal(path: Path) -> SQL:
        # Members never contain double quotes, backslashes or brackets (ast.Path.parse).
        return SQL(sql_literal("{" + ",".join(f'"{m}"' for m in path.members) + "}").sql + "::text[]")

    def _extract(self, path: Path) -> NodeList:
        return NodeList((self.value, SQL("#>"), self._path_literal(path)))

    def type_is(self, path: Path, kind: str) -> Expression:
        return fn.jsonb_typeof(self._extract(path)) == kind

    def compare(self, path: Path, op: Op, operand: Any) -> Expression:
        literal = Cast(Value(json.dumps(operand)), "jsonb")
        if op is Op.EQ:
            exact = Expression(self._extract(path), "=", literal)
            if not self._object_path(path):
                return exact
            # `value @> '{"a":{"b":v}}'` is implied by `value #> '{a,b}' = v` when every
            # member is an object key, and the GIN jsonb_path_ops index (migrations
            # step 4) answers it. Containment alone is looser (an array at a.b holding v
            # also contains it), so the exact comparison stays as the recheck.
            return self._contains(path, operand) & exact
        kind = json_kind(operand)
        if kind == "string":  # byte-wise like SQLite, not the database's collation
            return _CMP[op](self.collate_bytes(self.text(path)), operand) & self.type_is(path, kind)
        return _CMP[op](self._extract(path), literal) & self.type_is(path, kind)

    @staticmethod
    def _object_path(path: Path) -> bool:
        return bool(path.members) and all(isinstance(m, str) for m in path.members)

    def _contains(self, path: Path, operand: Any, raw: str | None = None) -> Expression:
        """`value @> {"a": {"b": operand}}`; raw, if given, is the operand's JSON text,
        spliced in as written so PostgreSQL reads a number with its full precision."""
        doc = raw if raw is not None else json.dumps(operand)
        for member in reversed(path.members):
            doc = "{" + json.dumps(member) + ":" + doc + "}"
        return Expression(self.value, "@>", Cast(Value(doc, converter=False), "jsonb"))

    def text_in(self, path: Path, texts: list[str]) -> Expression:
        exact = self.as_text(path).in_(texts)
        if not self._object_path(path):
            return exact
        # The GIN prefilter again: a value whose text is t is the string t, or the JSON
        # that t spells (1 for "1", true for "true"); containment of either is implied.
        candidates: list[Expression] = []
        for text in texts:
            candidates.append(self._contains(path, text))
            try:  # JSON as PostgreSQL reads it: no NaN/Infinity
                json.loads(text, parse_constant=_refuse)
            except ValueError:
                continue
            candidates.append(self._contains(path, None, raw=text))
        return reduce(operator.or_, candidates) & exact

    def text(self, path: Path) -> Any:
        return NodeList((self.value, SQL("#>>"), self._path_literal(path)))

    def sort_exprs(self, path: Path) -> list[Any]:
        typ = fn.jsonb_typeof(self._extract(path))
        rank = Case(typ, [("number", 1), ("string", 2), ("boolean", 3), ("array", 4), ("object", 5)], 9)
        number = Case(None, [(typ == "number", Cast(self.text(path), "numeric"))], None)
        return [rank, number, NodeList((self.text(path), SQL('COLLATE "C"')))]

    def like(self, lhs: Any, pattern: str, insensitive: bool) -> Any:
        return NodeList((lhs, SQL("ILIKE" if insensitive else "LIKE"), Value(pattern)))

    def as_text(self, path: Path) -> Any:
        return self.text(path)  # #>> gives strings bare, other scalars as JSON, null as NULL

    def is_empty(self, path: Path) -> Expression:
        x = self._extract(path)
        empties = [Cast(Value(v), "jsonb") for v in ('""', "[]", "{}")]
        return Expression(x, "=", empties[0]) | Expression(x, "=", empties[1]) | Expression(x, "=", empties[2])

    def number(self, path: Path) -> Any:
        return Case(None, [(fn.jsonb_typeof(self._extract(path)) == "number", Cast(self.text(path), "numeric"))], None)

    def key_sort(self, key_field: peewee.Field) -> Any:
        # Byte order, as on SQLite, whatever the database's default collation is.
        return NodeList((key_field, SQL('COLLATE "C"')))

    def collate_bytes(self, expr: Any) -> Any:
        return NodeList((expr, SQL('COLLATE "C"')))


def _refuse(constant: str) -> Any:
    raise ValueError(constant)


def sql_literal(text: str) -> SQL:
    """A JSON path written into the statement as a literal, not bound as a parameter:
    a database only uses an expression index (server/storage/indexes.py) when the query
    spells the indexed expression identically, and a parameter is not identical to a
    constant. Safe because paths are validated (ast.Path.parse) and quotes doubled."""
    return SQL("'" + text.replace("'", "''") + "'")


def like_to_glob(pattern: str) -> str:
    """SQL LIKE pattern -> GLOB pattern: % -> *, _ -> ?, GLOB's own specials bracketed."""
    out = []
    for ch in pattern:
        if ch == "%":
            out.append("*")
        elif ch == "_":
            out.append("?")
        elif ch in "*?[":
            out.append(f"[{ch}]")
        else:
            out.append(ch)
    return "".join(out)


def path_expression(database: Any, value_field: Any, path: Path) -> Any:
    """The value at path, spelled exactly as compiled queries spell it (what an
    expression index over that path must be built on: server/storage/indexes.py)."""
    if _is_postgres(database):
        return _Postgres(value_field)._extract(path)
    return fn.json_extract(value_field, _Sqlite.json_path(path))


def _is_postgres(database: Any) -> bool:
    db = getattr(database, "obj", database)  # unwrap a DatabaseProxy
    return isinstance(db, peewee.PostgresqlDatabase)


class Compiler:
    """Compiles AST nodes against a model's JSON value column and metadata columns
    (`columns` maps ast.COLUMNS names to fields; "key" is required)."""

    def __init__(self, database: Any, value_field: peewee.Field, columns: dict[str, peewee.Field]) -> None:
        self.columns = columns
        self.key = columns["key"]
        self.backend: _Backend = (_Postgres if _is_postgres(database) else _Sqlite)(value_field)

    def where(self, node: Node) -> Expression:
        if isinstance(node, Condition):
            return self._condition(node)
        if isinstance(node, Not):
            # NOT of "false or unknown" must be true: SQL NULL would drop the row.
            return ~fn.COALESCE(self.where(node.child), False)
        parts = [self.where(child) for child in node.children]
        if not parts:
            return SQL("1 = 1")
        expr = parts[0]
        for part in parts[1:]:
            expr = (expr & part) if isinstance(node, And) else (expr | part)
        return expr

    def order_by(self, orders: tuple[Order, ...] | list[Order], customer_field: peewee.Field) -> list:
        out = []
        for order in orders:
            if order.path.is_key:
                exprs = [self.backend.key_sort(self.key)]
            elif order.path.column:
                exprs = [self.columns[order.path.column]]
            elif order.mode == "text":
                text = self.backend.as_text(order.path)
                exprs = [Case(None, [(text.is_null(), 1)], 0), self.backend.collate_bytes(text)]
            elif order.mode == "number":
                number = self.backend.number(order.path)
                exprs = [Case(None, [(number.is_null(), 1)], 0), number]
            else:
                exprs = self.backend.sort_exprs(order.path)
            out.extend(x.desc() if order.descending else x.asc() for x in exprs)
        out.append(self.backend.key_sort(self.key).asc())
        out.append(customer_field.asc())
        return out

    def _condition(self, c: Condition) -> Expression:
        d = self.backend
        if c.path.is_key:
            return self._key_condition(c)
        if c.path.column:
            return self._column_condition(c)
        if c.op is Op.NULL:
            return d.text(c.path).is_null()
        if c.op is Op.NOT_NULL:
            return d.text(c.path).is_null(False)
        if c.op is Op.EMPTY:
            return d.is_empty(c.path)
        if c.op is Op.TEXT_IN:
            return d.text_in(c.path, list(c.value))
        if c.op is Op.NE:
            return self.where(Not(Condition(c.path, Op.EQ, c.value)))
        if c.op is Op.IN:
            return self.where(Or(tuple(Condition(c.path, Op.EQ, v) for v in c.value)))
        if c.op in (Op.LIKE, Op.ILIKE):
            return d.like(d.text(c.path), c.value, c.op is Op.ILIKE) & d.type_is(c.path, "string")
        return d.compare(c.path, c.op, c.value)

    def _key_condition(self, c: Condition) -> Expression:
        key = self.key
        if c.op is Op.NULL:
            return SQL("1 = 0")  # every entry has a key
        if c.op is Op.NOT_NULL:
            return SQL("1 = 1")
        if c.op is Op.EMPTY:
            return key == ""
        if c.op in (Op.IN, Op.TEXT_IN):
            return key.in_([_as_text(v) for v in c.value])
        if c.op in (Op.LIKE, Op.ILIKE):
            return self.backend.like(key, c.value, c.op is Op.ILIKE)
        if c.op is Op.NE:
            return key != _as_text(c.value)
        lhs = self.backend.key_sort(key)
        return _CMP[c.op](lhs, _as_text(c.value))

    def _column_condition(self, c: Condition) -> Expression:
        column = self.columns[c.path.column]
        if c.op is Op.NULL:
            return column.is_null()
        if c.op is Op.NOT_NULL:
            return column.is_null(False)
        if c.op is Op.EMPTY:
            return SQL("1 = 0")
        if c.op is Op.TEXT_IN:
            return column.in_([int(v) for v in c.value if v.lstrip("-").isdigit()])
        values = c.value if c.op is Op.IN else [c.value]
        if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
            return SQL("1 = 0")  # numeric columns never equal text or booleans
        if c.op is Op.IN:
            return column.in_(list(values))
        if c.op is Op.NE:
            return column != c.value
        if c.op in (Op.LIKE, Op.ILIKE):
            return SQL("1 = 0")
        return _CMP[c.op](column, c.value)


def _as_text(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)
