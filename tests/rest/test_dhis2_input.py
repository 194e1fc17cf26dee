"""DHIS2 bad input over real HTTP: malformed queries (dhis2-core's 409s and 400s), what
dhis2-core forgives, refused writes that change nothing, PUT creating, unsafe names and
unknown paths. Fixtures and helpers as in test_dhis2.py."""

from __future__ import annotations

import pytest

from tests.conftest import unique
from tests.rest.test_dhis2 import PEOPLE, _namespace, http, put_json, web_message


@pytest.fixture
def admin_http(harness):
    with http(harness, "admin") as client:
        yield client


@pytest.fixture(scope="module")
def people_ns(harness):
    return _namespace(harness, PEOPLE)


# dhis2-core's answers (the documentation shows no errors): its parser's and validator's errors
# are 409 Conflict, request binding errors (a direction, a junction, a number) 400.
BAD_QUERIES = [
    ("fields=.&filter=name", 409),
    ("fields=.&filter=name:zz:1", 409),
    ("fields=.&filter=name:eq", 409),
    ("fields=.&filter=a..b:eq:1", 409),
    ("fields=.&filter=a.b.c.d.e.f:eq:1", 409),  # the DHIS2 documentation: paths up to 5 levels
    ("fields=.&filter=_:null", 409),
    ("fields=illegal'", 409),
    ("fields=a~hoist(", 409),
    ("fields=a..b", 409),
    ("fields=.&order=a..b", 409),
    ("fields=.&order=name:sideways", 400),
    ("fields=.&rootJunction=xor", 400),
    ("fields=.&page=x", 400),
    ("fields=age&order=name:nasc", 400),  # numeric order over text values
]


@pytest.mark.parametrize("query, status", BAD_QUERIES, ids=[q for q, _ in BAD_QUERIES])
def test_malformed_queries_are_web_messages(admin_http, people_ns, query, status):
    body = web_message(admin_http.get(f"/api/dataStore/{people_ns}?{query}"), status)
    assert body["message"]


def test_queries_dhis2_forgives(admin_http, people_ns):
    """dhis2-core's fields parser forgives an unclosed `[` or a stray `]`, and takes any
    alias text; unknown query parameters are ignored."""
    cases = {
        "fields=x[name": {"key": "luke", "x": {"name": None}},
        "fields=name]": {"key": "luke", "name": "Luke"},
        "fields=name~hoist(my name)": {"key": "luke", "my name": "Luke"},
        "fields=name&unknown=1": {"key": "luke", "name": "Luke"},
    }
    for query, expected in cases.items():
        r = admin_http.get(f"/api/dataStore/{people_ns}?{query}&headless=true&includeAll=true&filter=_:eq:luke")
        assert r.status_code == 200, r.text
        assert r.json() == [expected], query


def test_bad_writes_change_nothing(admin_http):
    c, ns = admin_http, unique("bad")
    headers = {"content-type": "application/json"}
    web_message(c.post(f"/api/dataStore/{ns}/k", content="{not json", headers=headers), 400)
    web_message(c.post(f"/api/dataStore/{ns}/k", content="['single quotes']", headers=headers), 400)
    web_message(c.post(f"/api/dataStore/{ns}/k", content="", headers=headers), 400)
    web_message(c.get(f"/api/dataStore/{ns}/k"), 404)
    huge = {"blob": "x" * (1024 * 1024 + 10)}
    body = web_message(c.post(f"/api/dataStore/{ns}/k", json=huge), 400)
    assert "limit" in body["message"]
    web_message(c.get(f"/api/dataStore/{ns}"), 404)  # nothing was created
    c.post(f"/api/dataStore/{ns}/k", json={"a": 1})
    web_message(c.post(f"/api/dataStore/{ns}/k", json={"a": 2}), 409, f"Key 'k' already exists in namespace '{ns}'")
    web_message(c.put(f"/api/dataStore/{ns}/k", content="{oops", headers=headers), 400)
    web_message(put_json(c, f"/api/dataStore/{ns}/k", huge), 400)
    assert c.get(f"/api/dataStore/{ns}/k").json() == {"a": 1}


def test_put_creates_an_absent_key(admin_http):
    """Today's DHIS2 creates on PUT (the documentation only shows PUT on an existing key), with the
    documentation's create web message."""
    c, ns = admin_http, unique("put")
    body = put_json(c, f"/api/dataStore/{ns}/missing", 1).json()
    assert (body["httpStatusCode"], body["message"]) == (201, "Key 'missing' created.")
    assert c.get(f"/api/dataStore/{ns}/missing").json() == 1


@pytest.mark.parametrize(
    "path",
    [
        "/api/dataStore/%2E%2E/k",
        "/api/dataStore/%2E/k",
        "/api/dataStore/ns/a%2Fb",
        "/api/dataStore/ns%5Cx/k",
        "/api/dataStore/ns/%2E%2E",
        "/api/userDataStore/%2E%2E/k",
    ],
)
def test_path_traversal_names_are_refused(admin_http, path):
    web_message(admin_http.post(path, json=1), 400)
    web_message(admin_http.get(path), 400)


def test_errors_and_unknown_paths_use_web_messages(harness, admin_http):
    web_message(admin_http.get("/api/dataStore/nope-" + unique()), 404)
    web_message(admin_http.delete("/api/dataStore/nope-" + unique()), 404)
    web_message(admin_http.patch("/api/dataStore/a/b"), 405)
    with harness.client(None) as anonymous:
        r = anonymous.get("/api/dataStore")
        web_message(r, 401)
        assert r.headers["www-authenticate"].startswith("Basic")
