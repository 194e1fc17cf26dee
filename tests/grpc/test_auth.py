"""AuthService and the credential schemes of the contract, through a real server."""

import base64
import re

import grpc
import pytest

from datastore.v1 import auth_pb2 as a
from datastore.v1 import descriptor_pb2 as d
from server.services.auth import DAY_MS, hash_token
from server.storage import users as user_repo
from server.storage.db import connection, now_ms
from tests.conftest import PASSWORD
from tests.helpers import error_info, expect_error, violations


def whoami(stubs):
    return stubs.call(stubs.auth.GetCurrentUser, a.GetCurrentUserRequest()).user


def basic(user, password):
    return ("authorization", "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode())


def test_create_token_and_use_it(harness):
    anon = harness.with_metadata()
    response = anon.call(anon.auth.CreateToken, a.CreateTokenRequest(username="alice", password=PASSWORD))
    assert re.fullmatch(r"[0-9a-f]{64}", response.token)  # never read as a CLI option
    # 14 days by default
    assert abs(response.expire_timestamp - (now_ms() + 14 * DAY_MS)) < 60_000
    user = whoami(harness.with_metadata(("authorization", f"Token {response.token}")))
    assert user.user_name == "alice" and user.customer_id == 1 and not user.admin


@pytest.mark.parametrize("scheme", ["Token", "ApiToken", "Bearer", "token"])
def test_authorization_schemes(harness, scheme):
    token = harness.token("bob")
    assert whoami(harness.with_metadata(("authorization", f"{scheme} {token}"))).user_name == "bob"


def test_argus_api_key(harness):
    token = harness.token("bob")
    assert whoami(harness.with_metadata(("argus-api-key", token))).user_name == "bob"


def test_basic_auth(harness):
    assert whoami(harness.with_metadata(basic("carol", PASSWORD))).user_name == "carol"
    err = expect_error(grpc.StatusCode.UNAUTHENTICATED, whoami, harness.with_metadata(basic("carol", "wrong")))
    assert error_info(err).reason == "CREDENTIALS_INVALID"
    expect_error(grpc.StatusCode.UNAUTHENTICATED, whoami, harness.with_metadata(basic("nobody", PASSWORD)))


@pytest.mark.parametrize(
    "metadata, reason",
    [
        ((), "CREDENTIALS_MISSING"),
        ((("authorization", "Token not-a-token"),), "TOKEN_INVALID"),
        ((("argus-api-key", "garbage"),), "TOKEN_INVALID"),
        ((("authorization", "Digest abc"),), "CREDENTIALS_MALFORMED"),
        ((("authorization", "Basic !!!notbase64"),), "CREDENTIALS_MALFORMED"),
        ((("authorization", "Basic " + base64.b64encode(b"no-colon").decode()),), "CREDENTIALS_MALFORMED"),
        ((("authorization", "Token"),), "CREDENTIALS_MALFORMED"),
    ],
)
def test_bad_credentials(harness, metadata, reason):
    err = expect_error(grpc.StatusCode.UNAUTHENTICATED, whoami, harness.with_metadata(*metadata))
    assert error_info(err).reason == reason


def test_expired_token(harness):
    token = "expired-token-for-test"
    with connection():
        user_repo.add_token(user_repo.user_id_by_name("alice"), hash_token(token), now_ms() - 1)
    err = expect_error(
        grpc.StatusCode.UNAUTHENTICATED, whoami, harness.with_metadata(("authorization", f"Token {token}"))
    )
    assert error_info(err).reason == "TOKEN_EXPIRED"


def test_create_token_errors(harness):
    anon = harness.with_metadata()
    expect_error(
        grpc.StatusCode.UNAUTHENTICATED,
        anon.call,
        anon.auth.CreateToken,
        a.CreateTokenRequest(username="alice", password="nope"),
    )
    err = expect_error(
        grpc.StatusCode.INVALID_ARGUMENT, anon.call, anon.auth.CreateToken, a.CreateTokenRequest(password="x")
    )
    assert violations(err) == ["username"]
    err = expect_error(
        grpc.StatusCode.INVALID_ARGUMENT, anon.call, anon.auth.CreateToken, a.CreateTokenRequest(username="alice")
    )
    assert violations(err) == ["password"]


def test_refresh_replaces_token(harness):
    old = harness.token("alice")
    stubs = harness.with_metadata(("authorization", f"Token {old}"))
    new = stubs.call(stubs.auth.RefreshToken, a.RefreshTokenRequest())
    assert new.token != old and new.expire_timestamp > now_ms()
    expect_error(grpc.StatusCode.UNAUTHENTICATED, whoami, stubs)
    assert whoami(harness.with_metadata(("authorization", f"Token {new.token}"))).user_name == "alice"


def test_refresh_with_password_issues_token(harness):
    stubs = harness.with_metadata(basic("alice", PASSWORD))
    new = stubs.call(stubs.auth.RefreshToken, a.RefreshTokenRequest())
    assert whoami(harness.with_metadata(("authorization", f"Token {new.token}"))).user_name == "alice"


def test_current_user_reports_grants(harness):
    bob = whoami(harness.as_user("bob"))
    assert list(bob.readable_customer_ids) == [1, 2] and list(bob.writable_customer_ids) == [2]
    carol = whoami(harness.as_user("carol"))
    assert list(carol.writable_customer_ids) == [1, 3] and list(carol.groups) == ["ops"]
    admin = whoami(harness.as_user("admin"))
    assert admin.admin and admin.global_data


def test_health_and_reflection_are_open(harness):
    from grpc_health.v1 import health_pb2, health_pb2_grpc

    health = health_pb2_grpc.HealthStub(harness.channel)
    assert health.Check(health_pb2.HealthCheckRequest(), timeout=5).status == health_pb2.HealthCheckResponse.SERVING
    status = health.Check(health_pb2.HealthCheckRequest(service="datastore.v1.EntryService"), timeout=5).status
    assert status == health_pb2.HealthCheckResponse.SERVING


def test_unauthenticated_cannot_read(harness):
    anon = harness.with_metadata()
    expect_error(
        grpc.StatusCode.UNAUTHENTICATED, anon.call, anon.descriptors.ListDescriptors, d.ListDescriptorsRequest()
    )


def test_password_guessing_is_throttled(harness):
    with connection():
        harness.server.auth.add_user("victim", PASSWORD, customer_id=4)
    anon = harness.with_metadata()
    for _ in range(5):
        expect_error(
            grpc.StatusCode.UNAUTHENTICATED,
            anon.call,
            anon.auth.CreateToken,
            a.CreateTokenRequest(username="victim", password="guess"),
        )
    err = expect_error(
        grpc.StatusCode.RESOURCE_EXHAUSTED,
        anon.call,
        anon.auth.CreateToken,
        a.CreateTokenRequest(username="victim", password=PASSWORD),  # even the right one, for now
    )
    assert error_info(err).reason == "TOO_MANY_ATTEMPTS"
    with harness.client() as http:
        r = http.post("/api/v1/token-auth/", json={"username": "victim", "password": PASSWORD})
        assert r.status_code == 429 and "retry in" in r.json()["detail"]
    harness.server.auth.guard.succeeded("victim")  # as the wait running out would
    assert anon.call(anon.auth.CreateToken, a.CreateTokenRequest(username="victim", password=PASSWORD)).token


def test_non_ascii_basic_credentials_are_malformed_not_a_fault(harness):
    """Neither gRPC metadata nor the shim lets such a header through; the service refuses
    it on its own too (base64 of a non-ASCII string raises ValueError)."""
    import pytest

    from server.domain.errors import Unauthenticated

    for header in ("Basic café", "Basic \udcff", "Basic !!!!"):
        with pytest.raises(Unauthenticated) as caught:
            harness.server.auth.authenticate({"authorization": header})
        assert caught.value.reason == "CREDENTIALS_MALFORMED"
