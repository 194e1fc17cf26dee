"""DHIS2 `?encrypt=true` keys and `datastore encryption rotate` on PostgreSQL, always
(tests/test_encryption.py runs the same scenarios on the selected backend)."""

import pytest

from server.services.crypto import key_id, token_key_id
from server.services.keyfiles import read_key_file
from tests.procs import serve
from tests.test_encryption import (
    NO_KEY,
    admin_token,
    client,
    env_key_scenario,
    read_values,
    rotate,
    rotation_scenario,
    stop_and_log,
    stored_secrets,
    write_values,
)

pytestmark = pytest.mark.postgres


def test_without_a_key_setting_encryption_is_refused_naming_the_settings(pg_cluster):
    db = pg_cluster.create_database("enc_refused")
    token = admin_token(db, NO_KEY)
    served = serve(db, env=NO_KEY)
    try:
        with client(served, token) as c:
            r = c.post("/api/dataStore/ns/k?encrypt=true", json="v")
            assert r.status_code == 409, r.text
            message = r.json()["message"]
            assert "DATASTORE_ENCRYPTION_KEY_FILE" in message and "every server" in message
            assert c.post("/api/dataStore/ns/k", json="v").status_code == 201  # plain values still work
    finally:
        stop_and_log(served)


def test_rotation_on_postgres(pg_cluster, tmp_path):
    db = pg_cluster.create_database("enc_rotation")
    key_file = tmp_path / "cluster.key"
    rotation_scenario(db, {**NO_KEY, "DATASTORE_ENCRYPTION_KEY_FILE": str(key_file)}, key_file)


def test_env_key_rotation_on_postgres(pg_cluster):
    env_key_scenario(pg_cluster.create_database("enc_env"))


def test_two_servers_sharing_a_key_file_through_a_rotation(pg_cluster, tmp_path):
    db = pg_cluster.create_database("enc_two")
    key_file = tmp_path / "shared.key"
    env = {**NO_KEY, "DATASTORE_ENCRYPTION_KEY_FILE": str(key_file)}
    token = admin_token(db, env)
    servers = [serve(db, env=env), serve(db, env=env)]
    try:
        with client(servers[0], token) as c0, client(servers[1], token) as c1:
            expected = write_values(c0, 5)
            assert read_values(c1, expected) == expected
            rotate(db, env, "--batch-size", "2")
            new = read_key_file(str(key_file))
            assert {token_key_id(s) for _, s in stored_secrets(db).values()} == {key_id(new)}
            for c in (c0, c1):
                assert read_values(c, expected) == expected
            assert c1.post("/api/dataStore/vault/after?encrypt=true", json="x").status_code == 201
            assert c0.get("/api/dataStore/vault/after").json() == "x"
            assert token_key_id(stored_secrets(db)["after"][1]) == key_id(new)
    finally:
        for s in servers:
            stop_and_log(s)


def test_one_rotation_at_a_time_per_database(pg_cluster, tmp_path):
    import psycopg

    from server.services.rotation import ROTATION_LOCK_ID

    db = pg_cluster.create_database("enc_lock")
    env = {**NO_KEY, "DATASTORE_ENCRYPTION_KEY_FILE": str(tmp_path / "k")}
    with psycopg.connect(db) as other:
        other.execute("SELECT pg_advisory_lock(%s)", (ROTATION_LOCK_ID,))  # what a running rotation holds
        out = rotate(db, env, check=False)
    assert out.returncode == 1 and "running on this database" in out.stderr
