"""JSON indexes are real: the planner of each database picks them for the queries the
compiler writes (SQLite here; PostgreSQL in tests/postgres/test_postgres_indexes.py)."""

import pytest

from server.domain.errors import InvalidArgument
from server.query.syntax import parse_filters
from server.storage import indexes
from tests.sql_harness import QueryDb


@pytest.fixture
def qdb(tmp_path):
    db = QueryDb(f"sqlite:///{tmp_path / 'ix.db'}")
    yield db
    db.close()


def where(*filters: str):
    return parse_filters(list(filters), "AND")


def test_path_index_serves_equality_and_range(qdb):
    assert indexes.index_name("n") not in qdb.plan(where("n:ge:5"))
    name = qdb.run(lambda db: indexes.add(db, "n"))
    assert name == indexes.index_name("n")
    assert name in qdb.plan(where("n:ge:5"))
    assert name in qdb.plan(where("n:eq:5"))
    assert name not in qdb.plan(where("m:eq:5"))  # another path: not this index
    # Still correct with the index in place.
    assert qdb.select([{"n": 4}, {"n": 5}, {"n": "6"}, {"n": 7}], where("n:ge:5")) == ["k1", "k3"]


def test_nested_path_with_a_quote(qdb):
    name = qdb.run(lambda db: indexes.add(db, "it's.x"))
    assert name in qdb.plan(where("it's.x:eq:1"))
    assert qdb.select([{"it's": {"x": 1}}, {"it's": {"x": 2}}], where("it's.x:eq:1")) == ["k0"]


def test_add_is_idempotent_list_and_drop(qdb):
    qdb.run(lambda db: indexes.add(db, "a.b"))
    qdb.run(lambda db: indexes.add(db, "a.b"))
    listed = qdb.run(indexes.listing)
    assert [name for name, _ in listed] == [indexes.index_name("a.b")]
    assert 'json_extract(value, \'$."a"."b"\')' in listed[0][1]
    assert qdb.run(lambda db: indexes.drop(db, "a.b")) is True
    assert qdb.run(lambda db: indexes.drop(db, "a.b")) is False
    assert qdb.run(indexes.listing) == []


@pytest.mark.parametrize("bad", ["_", ".", "", "a..b", 'a"b'])
def test_only_value_paths(qdb, bad):
    with pytest.raises(InvalidArgument):
        qdb.run(lambda db: indexes.add(db, bad))
