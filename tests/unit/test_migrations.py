"""The migration runner on real SQLite files: fresh databases are stamped LATEST; an
existing database runs pending playhouse.migrate steps once, in order."""

import peewee
import pytest
from playhouse.migrate import SchemaMigrator

from server.storage import migrations
from server.storage.db import database, make_database
from server.storage.migrations import current_version, migrate_to_latest


@pytest.fixture
def db(tmp_path):
    previous = database.obj
    fresh = make_database(f"sqlite:///{tmp_path / 'm.db'}")
    database.initialize(fresh)
    yield fresh
    fresh.close()
    database.initialize(previous)


def test_fresh_database_gets_latest_schema(db):
    assert current_version(db) is None
    assert migrate_to_latest(db) == migrations.LATEST
    assert current_version(db) == migrations.LATEST
    assert db.execute_sql("SELECT name FROM customer WHERE id = 0").fetchone() == ("global",)
    assert migrate_to_latest(db) == migrations.LATEST  # idempotent


def test_pending_step_applies_once(db, monkeypatch):
    migrate_to_latest(db)
    applied = []

    def add_column(migrator: SchemaMigrator):
        applied.append(1)
        migrator.add_column("descriptor", "note", peewee.TextField(default="")).run()

    monkeypatch.setattr(migrations, "STEPS", [(migrations.LATEST + 1, "add descriptor.note", add_column)])
    assert migrate_to_latest(db) == migrations.LATEST + 1
    assert "note" in [c.name for c in db.get_columns("descriptor")]
    assert migrate_to_latest(db) == migrations.LATEST + 1
    assert applied == [1]


def test_failed_step_rolls_back(db, monkeypatch):
    migrate_to_latest(db)

    def broken(migrator: SchemaMigrator):
        migrator.add_column("descriptor", "half", peewee.TextField(default="")).run()
        raise RuntimeError("step failed midway")

    monkeypatch.setattr(migrations, "STEPS", [(migrations.LATEST + 1, "broken", broken)])
    with pytest.raises(RuntimeError):
        migrate_to_latest(db)
    assert current_version(db) == migrations.LATEST
    assert "half" not in [c.name for c in db.get_columns("descriptor")]


def test_version_1_database_upgrades_to_latest(db):
    """A database as the first release created it gains the Make tables (step 2)."""
    from server.storage.models import MODELS, DataStructure, EntryAccess, MakeStore, NamespaceProtection, SchemaVersion

    later = (DataStructure, MakeStore, EntryAccess, NamespaceProtection)
    v1_models = [m for m in MODELS if m not in later]
    db.create_tables(v1_models)
    db.execute_sql("DROP INDEX entry_uid")
    for column in ("uid", "encrypted", "secret", "public_access", "external_access", "rolls"):
        db.execute_sql(f"ALTER TABLE entry DROP COLUMN {column}")  # as version 1 had it
    db.execute_sql("ALTER TABLE descriptor DROP COLUMN kind")
    SchemaVersion.create(version=1)
    db.execute_sql("INSERT INTO customer (id, name, created_at) VALUES (5, 'five', 0)")
    assert not db.table_exists("make_store")
    db.execute_sql(
        "INSERT INTO descriptor (name, description, data_type, behaviour_type, life_time, global_data, expire_data,"
        " use_lower_case_keys, deleted, created_at, updated_at) VALUES ('s', '', 'MAP', 'CENTRAL', 0, 0, 0, 0, 0, 0, 0)"
    )
    db.execute_sql(
        "INSERT INTO entry (descriptor_id, customer_id, owner_user_id, key, value, revision, deleted, created_at,"
        " updated_at) VALUES (1, 5, 0, 'k', '{\"a\": 1}', 1, 0, 0, 0)"
    )
    assert migrate_to_latest(db) == migrations.LATEST == 4
    assert db.table_exists("data_structure") and db.table_exists("make_store")
    assert db.table_exists("entry_access") and db.table_exists("namespace_protection")
    row = db.execute_sql("SELECT kind FROM descriptor WHERE name = 's'").fetchone()
    assert row == ("argus",)
    row = db.execute_sql("SELECT value, encrypted, public_access, uid FROM entry WHERE key = 'k'").fetchone()
    assert row == ('{"a": 1}', 0, "rw------", None)
    structure = DataStructure.create(team=5, name="s", spec=[{"name": "a", "type": "text"}], created_at=0, updated_at=0)
    assert DataStructure.get_by_id(structure.id).spec == [{"name": "a", "type": "text"}]
    assert db.execute_sql("SELECT name FROM customer WHERE id = 5").fetchone() == ("five",)
