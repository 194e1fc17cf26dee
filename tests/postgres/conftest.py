"""tests/postgres use the session cluster fixture `pg_cluster` of tests/conftest.py."""
