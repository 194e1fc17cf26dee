"""Helpers of the dhis2-core ports (test_dhis2_core*.py): dhis2-core's own assertion
and set-up helpers, written over real HTTP."""

from __future__ import annotations

import json

import pytest

JSON = {"content-type": "application/json"}


def send(client, method: str, url: str, body: str | None = None):
    """A request with a raw JSON text body (dhis2-core's POST/PUT(url, body))."""
    return client.request(method, url, content=body if body is not None else b"", headers=JSON)


def assert_web_message(r, http_status: str, code: int, status: str, message: str | None = None) -> dict:
    """dhis2-core's Assertions.assertWebMessage(httpStatus, httpStatusCode, status, message, ...)."""
    assert r.status_code == code, r.text
    body = r.json()
    assert {"httpStatus", "httpStatusCode", "status"} <= set(body), body
    assert (body["httpStatus"], body["httpStatusCode"], body["status"]) == (http_status, code, status), body
    if message is not None:
        assert body.get("message") == message, body
    return body


def error_message(r, code: int) -> str:
    """dhis2-core's `.error(HttpStatus.X).getMessage()`."""
    assert r.status_code == code, r.text
    body = r.json()
    assert body["status"] == "ERROR", body
    return body["message"]


def protect(harness, ns: str, mode: str, *authorities: str) -> None:
    """dhis2-core's setUpNamespaceProtection(ns, mode, authorities) (service call there)."""
    with harness.client("admin") as admin:
        rule = {"namespace": ns, "reads": mode, "writes": mode, "authorities": list(authorities)}
        r = admin.post("/api/dataStore/protections", json=rule)
        assert r.status_code == 200, r.text


def share(client, ns: str, key: str, public_access: str) -> None:
    uid = client.get(f"/api/dataStore/{ns}/{key}/metaData").json()["id"]
    body = json.dumps({"object": {"publicAccess": public_access}})
    assert send(client, "POST", f"/api/sharing?type=dataStore&id={uid}", body).status_code == 200


def keys(*names: str) -> list[dict]:
    """A keys-only list, as the query API's entries with fields=. show them."""
    return [{"key": n} for n in names]


def cast(username: str):
    """A fixture: a REST client logged in as one of the cast. A test module names the
    ones it uses (`admin = cast("admin")`), so the suite-wide gRPC `admin` fixture stays
    what it is elsewhere."""

    @pytest.fixture(name=username)
    def client(harness):
        with harness.client(username) as c:
            yield c

    return client
