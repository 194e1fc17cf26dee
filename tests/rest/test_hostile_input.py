"""The hostile inputs that once reached a 500, each answered by the shared mechanism
(body decoder, query transcoder, path matcher, authentication first) with the dialect's
4xx naming what was wrong - or 401 first when the caller is not authenticated."""

import pytest

from tests.conftest import unique

BODIES = [
    (b"[" * 5000, "nests too deep"),
    (b'{"a":' * 3000, "nests too deep"),
    (b'"\\ud800"', "surrogate"),
    (b'{"x": "\\udfff"}', "surrogate"),
    (b"1e999999", "out of range"),
    (b'{"x": -1e999}', "out of range"),
    (b"NaN", "NaN is not a JSON number"),
    (b"9" * 5000, "not valid JSON"),
    (b"1" + b"0" * 400, "out of range"),
    (b'{"x": -' + b"9" * 320 + b"}", "out of range"),
    (b'"abc', "not valid JSON"),
    (b"\xff\xfe", "not valid UTF-8"),
    (b'"\xed\xa0\x80"', "not valid UTF-8"),
]


@pytest.mark.parametrize("body, words", BODIES, ids=[repr(b[:12]) for b, _ in BODIES])
def test_bad_bodies_are_400_naming_the_problem(harness, body, words):
    ns = unique("hostile")
    with harness.client("alice") as c:
        r = c.post(f"/api/dataStore/{ns}/k", content=body, headers={"content-type": "application/json"})
        assert r.status_code == 400, r.text
        assert r.json()["message"] == "Invalid JSON value for key 'k'"  # as DHIS2 words it
        assert words in r.json()["devMessage"], r.json()
        assert c.get(f"/api/dataStore/{ns}/k").status_code == 404, "nothing was written"
        r = c.post("/v1/descriptors", content=body, headers={"content-type": "application/json"})
        assert r.status_code == 400 and words in r.json()["error"]["message"], r.text


def test_deep_values_within_protobuf_limits_are_refused_clearly(harness):
    with harness.client("alice") as c:
        deep = b'{"v":' * 60 + b"1" + b"}" * 60
        r = c.post(f"/api/dataStore/{unique('deep')}/k", content=deep, headers={"content-type": "application/json"})
        assert r.status_code == 400 and "at most 30 deep" in r.json()["devMessage"], r.text


@pytest.mark.parametrize(
    "path, param",
    [
        ("/api/dataStore/{ns}?fields=.&page=2147483648", "page"),
        ("/api/dataStore/{ns}?fields=.&pageSize=999999999999999999999", "pageSize"),
        ("/v1/descriptors?limit=99999999999999999999", "limit"),
        ("/datastores/v1/store/x?offset=-99999999999999999999", "offset"),
    ],
)
def test_out_of_range_numbers_in_the_query_are_400(harness, path, param):
    with harness.client("alice") as c:
        r = c.get(path.format(ns=unique("q")))
    assert r.status_code in (400, 412), r.text
    assert param in r.text


@pytest.mark.parametrize("segment", ["%00", "%25", "%2E%2E", "~", "%F0%9F%98%80", "%ff", "%ED%A0%80", "a%2Fb"])
def test_odd_path_segments_are_client_errors(harness, segment):
    with harness.client("alice") as c:
        for path in (f"/api/dataStore/{segment}/k", f"/api/dataStore/ns/{segment}", f"/v1/descriptors/{segment}"):
            r = c.get(path)
            assert 400 <= r.status_code < 500, (path, r.status_code, r.text)


@pytest.mark.parametrize("headers", [{}, {"authorization": "Token not-a-token"}], ids=["anonymous", "bad-token"])
@pytest.mark.parametrize(
    "method, path, body",
    [
        ("POST", "/api/dataStore/ns/k", b"[" * 5000),
        ("PUT", "/api/dataStore/ns/k?roll=99999999999999999999", b"{}"),
        ("GET", "/api/dataStore/ns?fields=.&page=2147483648", b""),
        ("POST", "/datastores/v1/descriptor", b'"\\ud800"'),
        ("PUT", "/v1/descriptors/s/entries/k", b"1e999999"),
        ("POST", "/api/v2/data-stores", b"<xml/>"),
        ("GET", "/api/no/such/route", b""),
        ("GET", "/api/dataStore/%00/%ff", b""),
    ],
)
def test_unauthenticated_junk_is_401_first(harness, headers, method, path, body):
    with harness.client(**headers) as c:
        r = c.request(method, path, content=body, headers={"content-type": "application/json"})
    assert r.status_code == 401, r.text


def test_token_exchange_stays_open_and_validates(harness):
    with harness.client() as c:
        r = c.post("/api/v1/token-auth/", content=b"[" * 5000, headers={"content-type": "application/json"})
    assert r.status_code == 400, r.text


@pytest.mark.parametrize("body", [b"{}", b"null", b" "])
def test_argus_takes_an_empty_object_on_calls_without_a_body(harness, body):
    with harness.client("admin") as c:
        r = c.request("GET", "/datastores/v1/descriptor", content=body, headers={"content-type": "application/json"})
        assert r.status_code == 200, r.text
        r = c.request("GET", "/v1/users/me", content=b"{}", headers={"content-type": "application/json"})
        assert r.status_code == 400, "the canonical API stays strict"


def test_dhis2_ignores_unknown_members_and_parameters(harness):
    ns = unique("lenient")
    with harness.client("alice") as c:
        assert c.post(f"/api/dataStore/{ns}/k", json={"a": 1}).status_code == 201
        uid = c.get(f"/api/dataStore/{ns}/k/metaData").json()["id"]
        sharing = c.get("/api/sharing", params={"type": "dataStore", "id": uid}).json()
        assert set(sharing) >= {"meta", "object"}
        sharing["object"]["publicAccess"] = "r-------"
        sharing["object"]["somethingNew"] = [1, 2]
        r = c.post("/api/sharing", params={"type": "dataStore", "id": uid}, json=sharing)
        assert r.status_code == 200, r.text
        assert c.get("/api/sharing", params={"type": "dataStore", "id": uid}).json()["object"]["publicAccess"] == (
            "r-------"
        )
        assert c.get(f"/api/dataStore/{ns}/k", params={"cacheBuster": "1"}).json() == {"a": 1}
