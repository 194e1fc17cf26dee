import pytest

from tests.pg_harness import start_cluster


@pytest.fixture(scope="session")
def pg_cluster():
    """One throwaway PostgreSQL cluster per test session; tests create databases on it."""
    cluster = start_cluster()
    yield cluster
    cluster.stop()
