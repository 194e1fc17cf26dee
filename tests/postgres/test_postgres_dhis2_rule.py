"""The DHIS2 sharing rule on PostgreSQL: every cell of tests/dhis2_sharing_matrix.py's
table, as the database answers it."""

import pytest

from tests.dhis2_sharing_matrix import check_matrix
from tests.sql_harness import QueryDb

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def pg_db(pg_cluster):
    db = QueryDb(pg_cluster.create_database("dhis2_rule"))
    yield db
    db.close()


def test_sql_answers_the_sharing_matrix_on_postgres(pg_db):
    check_matrix(pg_db)
