"""Versioned schema migrations (playhouse.migrate).

A new, empty database gets the current models' tables in one go and is stamped with
LATEST. An existing database at an older version runs each pending step in order, each
in its own transaction. To change the schema: change models.py, then append a step
`(N, "what", fn(migrator))` below using `playhouse.migrate` operations
(migrator.add_column(...), add_index(...), ...) and bump nothing else.

With several servers on one PostgreSQL, an advisory lock makes the first one migrate
and the others wait.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable

import peewee
from playhouse.migrate import SchemaMigrator

from server.storage.db import database, make_database, now_ms
from server.storage.models import MODELS, Customer, SchemaVersion

Step = tuple[int, str, Callable[[SchemaMigrator], None]]


def _v2_make_tables(migrator: SchemaMigrator) -> None:
    """Make data structures and data stores. Frozen copies of the models as they were
    at version 2, so later model changes do not change what this step creates."""
    import peewee as pw

    class Frozen(pw.Model):
        class Meta:
            database = migrator.database
            legacy_table_names = False

    class Customer(Frozen):
        id = pw.BigIntegerField(primary_key=True)

    class Descriptor(Frozen):
        pass

    class DataStructure(Frozen):
        team = pw.ForeignKeyField(Customer, backref="+", on_delete="CASCADE")
        name = pw.CharField(max_length=128)
        spec = pw.JSONField()
        strict = pw.BooleanField(default=False)
        created_at = pw.BigIntegerField()
        updated_at = pw.BigIntegerField()

    class MakeStore(Frozen):
        descriptor = pw.ForeignKeyField(Descriptor, unique=True, backref="+", on_delete="CASCADE")
        team = pw.ForeignKeyField(Customer, backref="+", on_delete="CASCADE")
        name = pw.CharField(max_length=128)
        datastructure = pw.ForeignKeyField(DataStructure, null=True, backref="+", on_delete="RESTRICT")
        max_size_mb = pw.BigIntegerField()
        created_at = pw.BigIntegerField()

    migrator.database.create_tables([DataStructure, MakeStore])


def _v3_dhis2(migrator: SchemaMigrator) -> None:
    """DHIS2 namespaces, per-entry sharing, encryption and namespace protection; the
    descriptor kind (Make descriptors marked as such so the Argus listing hides them)."""
    import peewee as pw
    from playhouse.migrate import migrate

    db = migrator.database
    migrate(
        migrator.add_column("descriptor", "kind", pw.CharField(max_length=8, default="argus")),
        migrator.add_column("entry", "uid", pw.CharField(max_length=11, null=True)),
        migrator.add_column("entry", "encrypted", pw.BooleanField(default=False)),
        migrator.add_column("entry", "secret", pw.TextField(null=True)),
        migrator.add_column("entry", "public_access", pw.CharField(max_length=8, default="rw------")),
        migrator.add_column("entry", "external_access", pw.BooleanField(default=False)),
        migrator.add_column("entry", "rolls", pw.JSONField(null=True)),
        migrator.add_index("entry", ("uid",), True),
    )
    db.execute_sql("UPDATE descriptor SET kind = 'make' WHERE id IN (SELECT descriptor_id FROM make_store)")

    class Frozen(pw.Model):
        class Meta:
            database = db
            legacy_table_names = False

    class Entry(Frozen):
        pass

    class EntryAccess(Frozen):
        entry = pw.ForeignKeyField(Entry, backref="+", on_delete="CASCADE")
        grantee = pw.CharField(max_length=40)
        access = pw.CharField(max_length=8)

        class Meta:
            indexes = ((("entry", "grantee"), True), (("grantee",), False))

    class NamespaceProtection(Frozen):
        namespace = pw.CharField(max_length=128, unique=True)
        read_mode = pw.CharField(max_length=10, default="NONE")
        write_mode = pw.CharField(max_length=10, default="RESTRICTED")
        authorities = pw.JSONField(default=list)

    db.create_tables([EntryAccess, NamespaceProtection])


def json_indexes(db: peewee.Database) -> None:
    """PostgreSQL: one GIN index over every entry value (`jsonb_path_ops`), which serves
    containment (`value @> '{"group": "g42"}'`). The query compiler adds such a
    containment test in front of each equality filter on an object path (sql.py), so
    `eq`/`in` filters on any member of any store become index scans without anyone
    declaring an index per path. SQLite has no index over arbitrary JSON paths; there an
    expression index per path is opt-in (`datastore index`, see server/storage/indexes.py)."""
    if isinstance(db, peewee.PostgresqlDatabase):
        db.execute_sql("CREATE INDEX IF NOT EXISTS entry_value_path_ops ON entry USING GIN (value jsonb_path_ops)")


def _v4_json_index(migrator: SchemaMigrator) -> None:
    json_indexes(migrator.database)


# Version 1 is the initial schema (models.py as first released).
BASELINE = 1
STEPS: list[Step] = [
    (2, "Make data structures and data stores", _v2_make_tables),
    (3, "DHIS2 namespaces: entry uid, encryption, sharing; namespace protection; descriptor kind", _v3_dhis2),
    (4, "PostgreSQL: GIN jsonb_path_ops index over entry values", _v4_json_index),
]
LATEST = max([BASELINE, *(v for v, _, _ in STEPS)])
_PG_LOCK_ID = 0x64617461  # "data"


def current_version(db: peewee.Database) -> int | None:
    if not db.table_exists(SchemaVersion._meta.table_name):
        return None
    row = SchemaVersion.select(peewee.fn.MAX(SchemaVersion.version)).scalar()
    return int(row) if row is not None else None


def migrate_to_latest(db: peewee.Database) -> int:
    is_pg = isinstance(db, peewee.PostgresqlDatabase)
    if is_pg:
        db.execute_sql("SELECT pg_advisory_lock(%s)", (_PG_LOCK_ID,))
    try:
        version = current_version(db)
        if version is None:
            with db.atomic():
                db.create_tables(MODELS)
                json_indexes(db)
                SchemaVersion.create(version=LATEST)
            version = LATEST
        migrator = SchemaMigrator.from_database(db)
        for step_version, _what, step in STEPS:
            if step_version > version:
                with _foreign_keys_off(db):
                    with db.atomic():
                        step(migrator)
                        SchemaVersion.create(version=step_version)
                version = step_version
        _ensure_global_customer()
        return version
    finally:
        if is_pg:
            db.execute_sql("SELECT pg_advisory_unlock(%s)", (_PG_LOCK_ID,))


@contextlib.contextmanager
def _foreign_keys_off(db: peewee.Database):
    """SQLite: playhouse.migrate rebuilds a table to add a NOT NULL column, and dropping
    the old copy of a parent table with foreign keys on would cascade-delete every child
    row (found by the upgrade test: adding descriptor.kind emptied `entry`). SQLite's
    documented procedure: foreign keys off outside the transaction, check after."""
    if not isinstance(db, peewee.SqliteDatabase):
        yield
        return
    db.execute_sql("PRAGMA foreign_keys = OFF")
    try:
        yield
        problems = db.execute_sql("PRAGMA foreign_key_check").fetchall()
        if problems:
            raise RuntimeError(f"migration left broken foreign keys: {problems[:5]}")
    finally:
        db.execute_sql("PRAGMA foreign_keys = ON")


def _ensure_global_customer() -> None:
    """Customer 0 ("global") always exists (contract)."""
    Customer.insert(id=0, name="global", created_at=now_ms()).on_conflict_ignore().execute()


def init_database(
    url: str, *, max_connections: int = 32, durability: str | None = None, group_commit: bool = False
) -> peewee.Database:
    """Points the proxy at `url` and brings the schema up to date."""
    db = make_database(url, max_connections=max_connections, durability=durability, group_commit=group_commit)
    database.initialize(db)
    with database.connection_context():
        migrate_to_latest(db)
    return db
