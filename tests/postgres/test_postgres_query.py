"""The DHIS2 query language compiled for PostgreSQL (jsonb) returns exactly what the
Python reference evaluator selects, as on SQLite."""

import pytest

from tests.query_reference import sql_agrees_with_reference
from tests.sql_harness import QueryDb

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def pg_db(pg_cluster):
    db = QueryDb(pg_cluster.create_database("query_property"))
    yield db
    db.close()


test_sql_matches_reference_on_postgres = sql_agrees_with_reference("pg_db")
