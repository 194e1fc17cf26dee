"""Opt-in expression indexes over one JSON path of entry values (`datastore index`).

PostgreSQL already has one GIN `jsonb_path_ops` index over every value (migrations
step 4), which serves equality filters on any path. It does not serve ranges
(`n:ge:500000`), and SQLite has no index over arbitrary JSON paths at all. For a path
that many queries filter on, an operator adds an expression index:

    datastore index add n      # CREATE INDEX entry_json_… ON entry (descriptor_id, <n>)

<n> is spelled exactly as the query compiler spells it (server/query/sql.py writes
paths into the statement as literals for this reason), so the planner matches it:
`json_extract(value, '$."n"')` on SQLite, `(value #> '{"n"}'::text[])` on PostgreSQL.
descriptor_id leads, because every query is scoped to one store. The index covers
all stores; an index costs write time and space on every entry, so it is not automatic.
"""

from __future__ import annotations

import hashlib

import peewee

from server.domain.errors import InvalidArgument
from server.query.ast import Path
from server.query.sql import path_expression

PREFIX = "entry_json_"


def _path(text: str) -> Path:
    path = Path.parse(text, "path")
    if path.column or not path.members:
        raise InvalidArgument.for_field("path", f"'{text}' is not a path into the value (e.g. 'a.b')")
    return path


def index_name(text: str) -> str:
    return PREFIX + hashlib.sha1(text.encode()).hexdigest()[:12]


def _expression(db: peewee.Database, path: Path) -> str:
    sql, params = db.get_sql_context().sql(path_expression(db, peewee.SQL("value"), path)).query()
    assert not params, "paths are literals"
    return sql


def add(db: peewee.Database, text: str) -> str:
    """Creates the index for the path (idempotent); returns its name."""
    path = _path(text)
    name = index_name(text)
    expr = _expression(db, path)
    db.execute_sql(f'CREATE INDEX IF NOT EXISTS "{name}" ON entry (descriptor_id, ({expr}))')
    return name


def drop(db: peewee.Database, text: str) -> bool:
    _path(text)
    name = index_name(text)
    existed = name in {i.name for i in db.get_indexes("entry")}
    db.execute_sql(f'DROP INDEX IF EXISTS "{name}"')
    return existed


def listing(db: peewee.Database) -> list[tuple[str, str]]:
    """(index name, its CREATE statement) of every path index."""
    return sorted((i.name, i.sql) for i in db.get_indexes("entry") if i.name.startswith(PREFIX))


def explain(db: peewee.Database, query: peewee.Query) -> str:
    """The planner's plan for query, as text (used by tests and `bench/`)."""
    sql, params = query.sql()
    if isinstance(db, peewee.PostgresqlDatabase):
        return "\n".join(r[0] for r in db.execute_sql("EXPLAIN " + sql, params).fetchall())
    return "\n".join(str(r[-1]) for r in db.execute_sql("EXPLAIN QUERY PLAN " + sql, params).fetchall())
