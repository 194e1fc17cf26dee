"""PostgreSQL: the hot statements (get and put of one entry) run as server-side prepared
statements on each pooled connection, so PostgreSQL parses and plans them once per
connection, not once per call."""

import pytest

from server.storage import entries as entry_repo
from tests.sql_harness import QueryDb

pytestmark = pytest.mark.postgres


def test_get_and_put_of_one_entry_are_prepared(pg_cluster):
    qdb = QueryDb(pg_cluster.create_database("prepared"))
    try:

        def run(db):
            store = qdb.store
            for i in range(8):
                entry_repo.put_entries(store, 0, [("k", {"n": i})], None)
                assert entry_repo.get_entry(store, 0, "k").value == {"n": i}
            rows = db.execute_sql("SELECT statement FROM pg_prepared_statements WHERE NOT from_sql").fetchall()
            return [r[0] for r in rows]

        prepared = qdb.run(run)
    finally:
        qdb.close()
    assert any(s.lstrip().upper().startswith("SELECT") and '"entry"' in s for s in prepared), prepared
    assert any(s.lstrip().upper().startswith("INSERT") and '"entry"' in s for s in prepared), prepared
