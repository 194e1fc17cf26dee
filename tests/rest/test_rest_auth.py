"""Over HTTP, like over gRPC: no route but the token exchanges answers anonymous callers,
and every credential header of the operating contract works."""

import base64
import re

import pytest

from server.app import service_descriptors
from server.rest.rules import routes_for
from tests.conftest import PASSWORD

OPEN = {"datastore.v1.AuthService.CreateToken", "datastore.tokenauth.v1.TokenAuthService.ObtainToken"}
ROUTES = [r for r in routes_for(service_descriptors()) if r.method.full_name not in OPEN]


def concrete(template: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", template)


@pytest.mark.parametrize("route", ROUTES, ids=[f"{r.http_method} {r.template}" for r in ROUTES])
def test_anonymous_callers_get_401(harness, route):
    with harness.client() as anon:
        kwargs = {"json": {}} if route.body else {}
        r = anon.request(route.http_method, concrete(route.template), **kwargs)
    assert r.status_code == 401, f"{route.method.full_name}: {r.status_code} {r.text}"


@pytest.mark.parametrize(
    "header",
    [
        lambda t: {"Argus-API-Key": t},
        lambda t: {"Authorization": f"Token {t}"},
        lambda t: {"Authorization": f"ApiToken {t}"},
        lambda t: {"Authorization": "Basic " + base64.b64encode(f"alice:{PASSWORD}".encode()).decode()},
    ],
    ids=["argus-api-key", "token", "apitoken", "basic"],
)
def test_contract_credential_headers(harness, header):
    with harness.client(**header(harness.tokens["alice"])) as client:
        assert client.get("/v1/users/me").json()["user"]["userName"] == "alice"
        assert client.get("/api/v1/auth/user/").json()["username"] == "alice"
        assert client.get("/datastores/v1/descriptor").status_code == 200
        assert client.get("/api/v2/data-stores", params={"teamId": 1}).status_code == 200
