"""Sikt Argus's token API over real HTTP, as Argus's DRF clients call it."""

import pytest

from server.services.auth import DAY_MS
from server.storage.db import now_ms
from tests.conftest import PASSWORD


@pytest.mark.parametrize("version", ["v1", "v2"])
def test_token_auth_and_user(harness, version):
    with harness.client() as anon:
        r = anon.post(f"/api/{version}/token-auth/", json={"username": "alice", "password": PASSWORD})
        assert r.status_code == 200 and list(r.json()) == ["token"]
        token = r.json()["token"]
        user = anon.get(f"/api/{version}/auth/user/", headers={"Authorization": f"Token {token}"})
        assert user.status_code == 200
        assert user.json() == {
            "pk": user.json()["pk"],
            "username": "alice",
            "first_name": "",
            "last_name": "",
            "email": "",
        }


def test_form_post_as_drf_clients_send_it(harness):
    with harness.client() as anon:
        r = anon.post("/api/v1/token-auth/", data={"username": "alice", "password": PASSWORD})
        assert r.status_code == 200 and r.json()["token"]


def test_token_lifetime_is_14_days(harness):
    from server.services.auth import hash_token
    from server.storage import users as user_repo
    from server.storage.db import connection

    with harness.client() as anon:
        token = anon.post("/api/v2/token-auth/", json={"username": "bob", "password": PASSWORD}).json()["token"]
    with connection():
        _, _, expires_at = user_repo.find_token(hash_token(token))
    assert abs(expires_at - (now_ms() + 14 * DAY_MS)) < 60_000


def test_bad_credentials_are_400_with_drf_message(harness):
    with harness.client() as anon:
        r = anon.post("/api/v1/token-auth/", json={"username": "alice", "password": "wrong"})
        assert r.status_code == 400
        assert r.json() == {"non_field_errors": ["Unable to log in with provided credentials."]}
        r = anon.post("/api/v1/token-auth/", json={"username": "alice"})
        assert r.status_code == 400 and r.json() == {"password": ["This field is required."]}
        r = anon.post("/api/v1/token-auth/", content=b"{oops", headers={"content-type": "application/json"})
        assert r.status_code == 400 and "JSON" in str(r.json())


def test_refresh_replaces_the_token(harness):
    with harness.client() as anon:
        old = anon.post("/api/v2/token-auth/", json={"username": "carol", "password": PASSWORD}).json()["token"]
        r = anon.post("/api/v2/refresh-token/", headers={"Authorization": f"Token {old}"})
        assert r.status_code == 200
        new = r.json()["token"]
        assert new != old
        assert anon.get("/api/v2/auth/user/", headers={"Authorization": f"Token {old}"}).status_code == 401
        assert anon.get("/api/v2/auth/user/", headers={"Authorization": f"Token {new}"}).json()["username"] == "carol"


def test_unauthenticated_calls_are_401_with_detail(harness):
    with harness.client() as anon:
        for method, path in (("GET", "/api/v1/auth/user/"), ("POST", "/api/v2/refresh-token/")):
            r = anon.request(method, path)
            assert r.status_code == 401 and "detail" in r.json()
        r = anon.get("/api/v1/auth/user/", headers={"Authorization": "Token nonsense"})
        assert r.status_code == 401 and r.json() == {"detail": "invalid token"}


def test_missing_trailing_slash_is_forgiven(harness):
    with harness.client() as anon:
        assert anon.post("/api/v1/token-auth", json={"username": "alice", "password": PASSWORD}).status_code == 200
