"""The DHIS2 query language compiled for PostgreSQL (jsonb) returns exactly what the
Python reference evaluator selects, as on SQLite."""

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from server.domain.errors import InvalidArgument
from server.query.dhis2 import parse_filters
from tests.query_reference import documents, evaluate, filters
from tests.sql_harness import QueryDb

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def pg_db(pg_cluster):
    db = QueryDb(pg_cluster.create_database("query_property"))
    yield db
    db.close()


@settings(
    max_examples=150, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    docs=st.lists(documents, min_size=1, max_size=8),
    filter_texts=st.lists(filters, min_size=1, max_size=3),
    junction=st.sampled_from(["AND", "OR"]),
)
def test_sql_matches_reference_on_postgres(pg_db, docs, filter_texts, junction):
    try:
        node = parse_filters(filter_texts, junction)
    except InvalidArgument:
        assume(False)
    expected = [f"k{i}" for i, doc in enumerate(docs) if evaluate(node, f"k{i}", doc)]
    assert pg_db.select(docs, node) == expected, filter_texts
