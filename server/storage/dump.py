"""Logical backup: `datastore export` writes the database as NDJSON, `datastore import`
reads it back; `datastore backup` copies a SQLite file online.

The export is an image of the rows, ids included (the rows refer to each other by id:
entries to users, DHIS2 sharing to users and groups), so a restore into an empty
database is exact. One line per row, `{"t": table, "r": {column: value}}`, between a
header (`{"format": "datastore-export", "version": 1, "schema": N, ...}`) and a trailer
(`{"end": {table: rows}}`). Values are as stored: JSON values as JSON, encrypted DHIS2
values as their ciphertext. Users travel with their password hashes (logins keep
working after a restore), so the file is as sensitive as the database; tokens are not
exported (create new ones).

Export streams in id order, `BATCH` rows per query, inside one read transaction (a
snapshot: repeatable read on PostgreSQL, a WAL read transaction on SQLite). Import
upserts by id, one transaction per batch (all or nothing), so a second run changes
nothing; a row whose natural key (a username, a store name, an entry's key) belongs to
another id in the target database fails its batch with a clear error.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from typing import IO, Any

import peewee

from server.storage.db import database, is_sqlite, now_ms, write_transaction
from server.storage.models import (
    Customer,
    DataStructure,
    Descriptor,
    Entry,
    EntryAccess,
    Grant,
    Group,
    GroupMember,
    MakeStore,
    NamespaceProtection,
    User,
)

FORMAT, VERSION, BATCH = "datastore-export", 1, 1000

# In dependency order: every row's references come before it.
TABLES: list[type[peewee.Model]] = [
    Customer,
    User,
    Group,
    GroupMember,
    Grant,
    NamespaceProtection,
    DataStructure,
    Descriptor,
    MakeStore,
    Entry,
    EntryAccess,
]
BY_NAME = {m._meta.table_name: m for m in TABLES}

Progress = Callable[[int], None]


def _selection(stores: list[str] | None) -> dict[type, peewee.Expression | None]:
    """Per table, the rows to export (None: all of them)."""
    where: dict[type, peewee.Expression | None] = dict.fromkeys(TABLES)
    if stores:
        found = {
            r.name: r.id for r in Descriptor.select(Descriptor.id, Descriptor.name).where(Descriptor.name.in_(stores))
        }
        missing = sorted(set(stores) - found.keys())
        if missing:
            raise ValueError(f"no such store: {', '.join(missing)}")
        ids = list(found.values())
        where[Descriptor] = Descriptor.id.in_(ids)
        where[MakeStore] = MakeStore.descriptor.in_(ids)
        where[Entry] = Entry.descriptor.in_(ids)
        where[EntryAccess] = EntryAccess.entry.in_(Entry.select(Entry.id).where(Entry.descriptor.in_(ids)))
    return where


def _rows(model: type[peewee.Model], where: peewee.Expression | None) -> Iterator[dict]:
    """Every selected row, by id, BATCH at a time (keyset paging: constant memory)."""
    pk = model._meta.primary_key
    last = None
    while True:
        query = model.select(*model._meta.sorted_fields)
        cond = where
        if last is not None:
            cond = (pk > last) if cond is None else (cond & (pk > last))
        if cond is not None:
            query = query.where(cond)
        batch = list(query.order_by(pk).limit(BATCH).dicts())
        yield from batch
        if len(batch) < BATCH:
            return
        last = batch[-1][pk.name]


def _snapshot() -> None:
    if not is_sqlite():
        database.execute_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")


def export_count(stores: list[str] | None = None) -> int:
    where = _selection(stores)
    return sum(m.select().where(w).count() if w is not None else m.select().count() for m, w in where.items())


def export(out: IO[str], stores: list[str] | None = None, progress: Progress | None = None) -> dict[str, int]:
    """Writes the NDJSON export to `out`; returns rows per table."""
    from server.storage.migrations import current_version

    counts: dict[str, int] = {}
    with database.atomic():
        _snapshot()
        where = _selection(stores)
        header = {"format": FORMAT, "version": VERSION, "schema": current_version(database.obj)}
        header.update({"created": now_ms(), "stores": stores or None})
        out.write(json.dumps(header) + "\n")
        for model, cond in where.items():
            table = model._meta.table_name
            counts[table] = 0
            for row in _rows(model, cond):
                out.write(json.dumps({"t": table, "r": row}, ensure_ascii=False, separators=(",", ":")) + "\n")
                counts[table] += 1
                if progress and counts[table] % 200 == 0:
                    progress(200)
            if progress:
                progress(counts[table] % 200)
        out.write(json.dumps({"end": counts}) + "\n")
    return counts


def _upsert_sql(model: type[peewee.Model]) -> str:
    """INSERT … ON CONFLICT (id) DO UPDATE of one row, for executemany (peewee building a
    multi-row statement costs twenty times what the database spends on it)."""
    db, meta = database.obj, model._meta

    def q(name: str) -> str:
        return f'"{name}"'  # SQLite and PostgreSQL quote identifiers alike

    columns = [q(f.column_name) for f in meta.sorted_fields]
    updates = [
        f"{q(f.column_name)} = EXCLUDED.{q(f.column_name)}" for f in meta.sorted_fields if f is not meta.primary_key
    ]
    return (
        f"INSERT INTO {q(meta.table_name)} ({', '.join(columns)}) VALUES ({', '.join([db.param] * len(columns))}) "
        f"ON CONFLICT ({q(meta.primary_key.column_name)}) DO UPDATE SET {', '.join(updates)}"
    )


def _upsert(model: type[peewee.Model], rows: list[dict]) -> None:
    fields = model._meta.sorted_fields

    def value(field: peewee.Field, row: dict) -> Any:
        if field.name in row:
            v = row[field.name]
        else:
            v = field.default() if callable(field.default) else field.default
        if isinstance(field, peewee.JSONField):  # its db_value is an SQL function call on SQLite
            return None if v is None else json.dumps(v, separators=(",", ":"))
        return field.db_value(v)

    params = [[value(f, row) for f in fields] for row in rows]
    with peewee.__exception_wrapper__:  # driver errors as peewee's (IntegrityError)
        database.cursor().executemany(_upsert_sql(model), params)


def _flush(model: type[peewee.Model], rows: list[dict], first_line: int) -> None:
    try:
        with write_transaction():
            _upsert(model, rows)
    except peewee.IntegrityError as exc:
        raise ValueError(
            f"lines {first_line}-{first_line + len(rows) - 1} ({model._meta.table_name}) conflict with rows "
            f"already in the database ({str(exc).splitlines()[0]}); import into an empty database"
        ) from None


def _reset_sequences() -> None:
    """PostgreSQL: serial sequences past the imported ids, so new rows do not collide."""
    if is_sqlite():
        return
    for model in TABLES:
        pk = model._meta.primary_key
        if not isinstance(pk, peewee.AutoField):
            continue
        table = model._meta.table_name
        database.execute_sql(
            f"SELECT setval(pg_get_serial_sequence('\"{table}\"', '{pk.column_name}'), "
            f'COALESCE(MAX("{pk.column_name}"), 0) + 1, false) FROM "{table}"'
        )


def import_lines(lines: Iterable[str], progress: Progress | None = None, batch: int = 500) -> dict[str, int]:
    """Restores an export; returns rows per table. Raises ValueError on a malformed,
    foreign or truncated file (batches before the problem stay committed)."""
    from server.storage.migrations import current_version

    counts: dict[str, int] = {}
    pending: list[dict] = []
    model: type[peewee.Model] | None = None
    first = 0
    header: dict[str, Any] | None = None
    end: dict | None = None
    for number, line in enumerate(lines, 1):
        if progress:
            progress(len(line.encode()) if isinstance(line, str) else len(line))
        if not line.strip():
            continue
        try:
            doc = json.loads(line)
        except ValueError:
            raise ValueError(f"line {number}: not JSON") from None
        if header is None:
            if not isinstance(doc, dict) or doc.get("format") != FORMAT:
                raise ValueError("not a datastore export (no header line)")
            if doc.get("version") != VERSION or doc.get("schema", 0) > current_version(database.obj):
                raise ValueError(f"export version {doc.get('version')}/schema {doc.get('schema')} is newer than this")
            header = doc
            continue
        if "end" in doc:
            end = doc["end"]
            break
        target = BY_NAME.get(doc.get("t"))
        if target is None or not isinstance(doc.get("r"), dict):
            raise ValueError(f"line {number}: unknown record")
        if pending and (target is not model or len(pending) >= batch):
            _flush(model, pending, first)  # type: ignore[arg-type]
            pending = []
        if not pending:
            model, first = target, number
        pending.append(doc["r"])
        counts[doc["t"]] = counts.get(doc["t"], 0) + 1
    if pending:
        _flush(model, pending, first)  # type: ignore[arg-type]
    if header is None:
        raise ValueError("empty file: not a datastore export")
    _reset_sequences()
    if end is None:
        raise ValueError("the file ends before its last line: truncated export (the rows read were imported)")
    if {k: v for k, v in end.items() if v} != counts:
        raise ValueError(f"row counts differ from the export's: {counts} != {end}")
    return counts


def backup_sqlite(target: str) -> int:
    """Copies the SQLite database to `target` with the online backup API (one step: a
    consistent snapshot, writers in WAL mode are not blocked). Returns its page count."""
    if not is_sqlite():
        raise ValueError("datastore backup is for SQLite; on PostgreSQL use pg_dump or datastore export")
    source_path = database.obj.database
    if source_path == ":memory:":
        raise ValueError("an in-memory database has nothing to back up")
    tmp = f"{target}.partial"
    if os.path.exists(tmp):
        os.remove(tmp)
    source = sqlite3.connect(source_path, timeout=30)
    try:
        copy = sqlite3.connect(tmp)
        try:
            source.backup(copy)
            copy.execute("PRAGMA journal_mode=wal")
            pages = copy.execute("PRAGMA page_count").fetchone()[0]
        finally:
            copy.close()
    finally:
        source.close()
    os.replace(tmp, target)
    return pages
