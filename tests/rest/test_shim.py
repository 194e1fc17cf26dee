"""The REST shim over real HTTP: routes from the http rules of datastore.v1, transcoding
of path/query/body, JSON output, and the canonical (AIP-193) errors."""

import grpc
import pytest

from datastore.v1 import entry_pb2 as e
from server.domain.limits import MAX_MESSAGE_BYTES
from tests.conftest import make_store, unique
from tests.helpers import plain


@pytest.fixture
def api(harness):
    with harness.client("admin") as client:
        yield client


def test_descriptor_lifecycle_over_rest(api):
    name = unique()
    body = {
        "name": name,
        "dataType": "DATA_TYPE_MAP",
        "behaviourType": "BEHAVIOUR_TYPE_CENTRAL",
        "lifeTime": 1000,
        "expireData": True,
    }
    created = api.post("/v1/descriptors", json=body)
    assert created.status_code == 200, created.text
    d = created.json()["descriptor"]
    assert d["name"] == name and d["lifeTime"] == 1000 and isinstance(d["lastUpdatedTimestamp"], int)
    assert d["lastUpdatedByUser"]["userName"] == "admin" and d["globalData"] is False  # defaults printed
    assert api.get(f"/v1/descriptors/{name}").json()["descriptor"] == d
    patched = api.patch(f"/v1/descriptors/{name}", json={"description": "changed"})
    assert patched.json()["descriptor"]["description"] == "changed"
    assert patched.json()["descriptor"]["lifeTime"] == 1000  # mask derived from the body
    listed = api.get("/v1/descriptors", params={"limit": 1000}).json()
    assert name in [x["name"] for x in listed["descriptors"]] and isinstance(listed["totalSize"], int)
    assert api.delete(f"/v1/descriptors/{name}").json()["descriptor"]["deleted"] is True
    assert api.get(f"/v1/descriptors/{name}", params={"showDeleted": "true"}).status_code == 200


def test_entries_over_rest_agree_with_grpc(harness, api, admin):
    store = make_store(admin)
    put = api.put(f"/v1/descriptors/{store}/entries/my%2Fkey", json={"n": 5, "f": 2.5, "l": [1, "x", None, True]})
    assert put.status_code == 200, put.text
    entry = put.json()["entry"]
    assert entry["key"] == "my/key" and entry["value"] == {"n": 5, "f": 2.5, "l": [1, "x", None, True]}
    assert entry["revision"] == 1 and entry["customerId"] == 1
    via_grpc = admin.call(admin.entries.GetEntry, e.GetEntryRequest(store=store, key="my/key")).entry
    assert plain(via_grpc.value) == {"n": 5, "f": 2.5, "l": [1, "x", None, True]}
    assert via_grpc.revision == entry["revision"] and via_grpc.last_updated_timestamp == entry["lastUpdatedTimestamp"]
    got = api.get(f"/v1/descriptors/{store}/entries/my%2Fkey", params={"customerId": 1}).json()["entry"]
    assert got == entry
    # the camelCase and the proto name of a query parameter both work
    assert api.get(f"/v1/descriptors/{store}/entries/my%2Fkey", params={"customer_id": 1}).status_code == 200


def test_bulk_query_stream_delete_over_rest(api, admin):
    store = make_store(admin)
    bulk = api.post(
        f"/v1/descriptors/{store}/entries:bulkPut",
        json={"entries": [{"key": f"k{i}", "value": {"i": i}} for i in range(5)]},
    )
    assert [x["key"] for x in bulk.json()["entries"]] == [f"k{i}" for i in range(5)]
    query = {
        "conditions": [{"path": "i", "op": "OPERATOR_GE", "value": 3}],
        "orderBy": [{"path": "i", "descending": True}],
    }
    r = api.post(f"/v1/descriptors/{store}/entries:query", json=query).json()
    assert [x["key"] for x in r["entries"]] == ["k4", "k3"] and r["totalSize"] == 2
    streamed = api.post(f"/v1/descriptors/{store}/entries:stream", json={"limit": 2}).json()
    assert [m["entry"]["key"] for m in streamed] == ["k0", "k1"]
    deleted = api.delete(f"/v1/descriptors/{store}/entries", params=[("keys", "k0"), ("keys", "k1")]).json()
    assert sorted(x["key"] for x in deleted["entries"]) == ["k0", "k1"]


def test_auth_over_rest(harness):
    from tests.conftest import PASSWORD

    with harness.client() as anon:
        token = anon.post("/v1/tokens", json={"username": "alice", "password": PASSWORD})
        assert token.status_code == 200 and token.json()["token"]
        me = anon.get("/v1/users/me", headers={"authorization": f"Token {token.json()['token']}"}).json()["user"]
        assert me["userName"] == "alice" and me["readableCustomerIds"] == [1]
        denied = anon.get("/v1/users/me")
        assert denied.status_code == 401 and denied.headers["www-authenticate"].startswith("Token")
        assert denied.json()["error"]["status"] == "UNAUTHENTICATED"
        assert anon.get("/v1/users/me", headers={"argus-api-key": token.json()["token"]}).status_code == 200


@pytest.mark.parametrize(
    "method, path, kwargs, status, field",
    [
        ("GET", "/nope", {}, 404, None),
        ("GET", "/v1/descriptors/x/entries/y/z", {}, 404, None),
        ("PATCH", "/v1/users/me", {}, 405, None),
        ("GET", "/v1/descriptors", {"params": {"bogus": "1"}}, 400, "bogus"),
        ("GET", "/v1/descriptors", {"params": {"limit": "ten"}}, 400, "limit"),
        ("GET", "/v1/descriptors", {"params": {"limit": ["1", "2"]}}, 400, "limit"),
        ("GET", "/v1/descriptors", {"params": {"limit": "-1"}}, 400, "limit"),
        (
            "POST",
            "/v1/descriptors",
            {"content": b"{not json", "headers": {"content-type": "application/json"}},
            400,
            "body",
        ),
        ("POST", "/v1/descriptors", {"json": {"name": "x", "dataType": "NOPE"}}, 400, "body"),
        ("POST", "/v1/descriptors", {"json": {"nme": "x"}}, 400, "body"),
        ("POST", "/v1/descriptors", {"json": {"name": 5}}, 400, "body"),
        ("POST", "/v1/descriptors", {"content": b"<a/>", "headers": {"content-type": "application/xml"}}, 415, None),
        ("POST", "/v1/descriptors/x/entries:query", {"json": {}, "params": {"limit": "1"}}, 400, "limit"),
        ("GET", "/v1/users/me", {"content": b'{"a":1}'}, 400, "body"),
    ],
)
def test_shim_errors(api, method, path, kwargs, status, field):
    r = api.request(method, path, **kwargs)
    assert r.status_code == status, r.text
    error = r.json()["error"]
    assert error["code"] == status and error["message"]
    if field:
        assert field in error["message"]
    if status == 405:
        assert r.headers["allow"]
    kinds = [d["@type"].rsplit(".", 1)[1] for d in error["details"]]
    assert "ErrorInfo" in kinds


def test_body_too_large(harness, api):
    r = api.post(
        "/v1/descriptors", content=b"x" * (MAX_MESSAGE_BYTES + 1), headers={"content-type": "application/json"}
    )
    assert r.status_code == 413 and "larger" in r.json()["error"]["message"]


def test_grpc_errors_map_to_http(api, admin):
    store = make_store(admin)
    r = api.get(f"/v1/descriptors/{store}/entries/missing")
    assert r.status_code == 404 and r.json()["error"]["details"][0]["reason"] == "ENTRY_NOT_FOUND"
    r = api.put(f"/v1/descriptors/{store}/entries/k", params={"customerId": 0}, json=1)
    assert r.status_code == 400
    bad = [d for d in r.json()["error"]["details"] if d["@type"].endswith("BadRequest")]
    assert bad[0]["fieldViolations"][0]["field"] == "customer_id"
    r = api.post(
        "/v1/descriptors", json={"name": store, "dataType": "DATA_TYPE_MAP", "behaviourType": "BEHAVIOUR_TYPE_CENTRAL"}
    )
    assert r.status_code == 409 and r.json()["error"]["status"] == "ALREADY_EXISTS"


def test_forbidden_is_403(harness, admin):
    store = make_store(admin)
    with harness.client("dave") as dave:
        r = dave.put(f"/v1/descriptors/{store}/entries/k", params={"customerId": 1}, json="v")
    assert r.status_code == 403 and r.json()["error"]["status"] == "PERMISSION_DENIED"


def test_form_encoded_json_body_is_accepted(harness, api, admin):
    """curl -d sends application/x-www-form-urlencoded by default."""
    store = make_store(admin)
    r = api.put(
        f"/v1/descriptors/{store}/entries/k",
        content=b'{"a":1}',
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert r.status_code == 200 and r.json()["entry"]["value"] == {"a": 1}


def test_every_grpc_error_code_has_an_http_status():
    from server.rest.dialects.base import CODE_TO_HTTP

    assert set(CODE_TO_HTTP) == set(grpc.StatusCode)


def test_etag_and_if_match(api, admin):
    store = make_store(admin)
    put = api.put(f"/v1/descriptors/{store}/entries/k", json={"n": 1})
    assert put.headers["etag"] == '"1"' and put.json()["entry"]["etag"] == "1"
    got = api.get(f"/v1/descriptors/{store}/entries/k")
    assert got.headers["etag"] == '"1"'
    ok = api.put(f"/v1/descriptors/{store}/entries/k", json={"n": 2}, headers={"if-match": got.headers["etag"]})
    assert ok.status_code == 200 and ok.headers["etag"] == '"2"'
    stale = api.put(f"/v1/descriptors/{store}/entries/k", json={"n": 3}, headers={"if-match": '"1"'})
    assert stale.status_code == 412 and stale.json()["error"]["status"] == "ABORTED"
    assert api.get(f"/v1/descriptors/{store}/entries/k").json()["entry"]["value"] == {"n": 2}
    weak = api.put(f"/v1/descriptors/{store}/entries/k", json={"n": 4}, headers={"if-match": 'W/"2"'})
    assert weak.status_code == 200
    bad = api.put(f"/v1/descriptors/{store}/entries/k", json={"n": 5}, headers={"if-match": '"abc"'})
    assert bad.status_code == 400 and "etag" in bad.json()["error"]["message"]
    # without If-Match the write is unconditional; lists carry no ETag header
    assert api.put(f"/v1/descriptors/{store}/entries/k", json={"n": 6}).status_code == 200
    assert "etag" not in api.post(f"/v1/descriptors/{store}/entries:query", json={}).headers
