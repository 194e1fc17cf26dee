"""The DHIS2 sharing rule on SQLite: every cell of tests/dhis2_sharing_matrix.py's
table, as the database answers it (tests/postgres has the same on PostgreSQL and
tests/rest/test_dhis2_sharing.py through the HTTP API)."""

import pytest

from tests.dhis2_sharing_matrix import check_matrix
from tests.sql_harness import QueryDb


@pytest.fixture(scope="module")
def sqlite_db(tmp_path_factory):
    db = QueryDb(f"sqlite:///{tmp_path_factory.mktemp('rule') / 'rule.db'}")
    yield db
    db.close()


def test_sql_answers_the_sharing_matrix(sqlite_db):
    check_matrix(sqlite_db)
