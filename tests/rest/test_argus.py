"""The Argus DataStores API over real HTTP, as its clients call it."""

import pytest

from tests.conftest import unique

ENVELOPE = ["responseCode", "limit", "offset", "count", "size", "metaData", "messages", "data", "currentPage"]


@pytest.fixture
def argus(harness):
    with harness.client(**{"Argus-API-Key": harness.tokens["admin"]}) as client:
        yield client


def add_store(argus, **fields):
    body = {
        "name": unique(),
        "description": "Description of store",
        "dataType": "MAP",
        "behaviourType": "CENTRAL",
        **fields,
    }
    r = argus.post("/datastores/v1/descriptor", json=body)
    assert r.status_code == 201, r.text
    return r.json()["data"]


def test_descriptor_endpoints(argus):
    d = add_store(argus, lifeTime=259200000, expireData=True)
    assert d["dataType"] == "MAP" and d["behaviourType"] == "CENTRAL" and d["lifeTime"] == 259200000
    assert d["deleted"] is False and d["globalData"] is False and d["expireData"] is True
    assert isinstance(d["lastUpdatedTimestamp"], int) and d["lastUpdatedByUser"]["userName"] == "admin"
    r = argus.get(f"/datastores/v1/descriptor/{d['name']}").json()
    assert list(r) == ENVELOPE and r["responseCode"] == 200 and r["size"] == 0 and r["data"]["name"] == d["name"]
    listed = argus.get("/datastores/v1/descriptor", params={"limit": 1000}).json()
    assert d["name"] in [x["name"] for x in listed["data"]] and listed["count"] >= listed["size"] >= 1
    assert listed["limit"] == 1000
    # PUT: only the fields that are set change; a new name renames.
    renamed = unique()
    r = argus.put(f"/datastores/v1/descriptor/{d['name']}", json={"name": renamed, "description": "new"}).json()["data"]
    assert r["name"] == renamed and r["description"] == "new" and r["lifeTime"] == 259200000
    assert argus.get(f"/datastores/v1/descriptor/{d['name']}").status_code == 404
    deleted = argus.delete(f"/datastores/v1/descriptor/{renamed}").json()["data"]
    assert deleted["deleted"] is True
    search = argus.post("/datastores/v1/descriptor/search", json={"keywords": [renamed], "includeDeleted": True}).json()
    assert [x["name"] for x in search["data"]] == [renamed]


def test_descriptor_keywords_and_sort(argus):
    tag = unique("kw")
    a = add_store(argus, name=f"{tag}-alpha", description="first")
    b = add_store(argus, name=f"{tag}-beta", description="second thing")
    r = argus.get("/datastores/v1/descriptor", params={"keywords": tag, "sortBy": "-name"}).json()
    assert [x["name"] for x in r["data"]] == [b["name"], a["name"]] and r["count"] == 2
    r = argus.get(
        "/datastores/v1/descriptor", params=[("keywords", tag), ("keywords", "second"), ("keywordMatch", "all")]
    )
    assert [x["name"] for x in r.json()["data"]] == [b["name"]]
    r = argus.get(
        "/datastores/v1/descriptor",
        params=[
            ("keywords", "first"),
            ("keywords", "second"),
            ("keywordMatch", "any"),
            ("keywordField", "description"),
        ],
    )
    assert {a["name"], b["name"]} <= {x["name"] for x in r.json()["data"]}
    r = argus.post("/datastores/v1/descriptor/search", json={"keywords": [tag], "exclude": True, "limit": 1000}).json()
    assert a["name"] not in [x["name"] for x in r["data"]]


def test_store_put_get_delete(argus):
    store = add_store(argus)["name"]
    r = argus.put(f"/datastores/v1/store/{store}/myKey/myValue")
    assert r.status_code == 200
    e = r.json()["data"]
    assert e["dataStoreName"] == store and e["key"] == "myKey" and e["value"] == "myValue" and e["customerID"] == 1
    assert e["customer"]["id"] == 1 and e["lastUpdatedByUser"]["userName"] == "admin" and e["flags"] == []
    assert argus.get(f"/datastores/v1/store/{store}/myKey").json()["data"]["value"] == "myValue"
    # customer 1 explicitly, and another customer
    argus.put(f"/datastores/v1/store/{store}/myKey/forTwo", params={"customerID": 2})
    assert (
        argus.get(f"/datastores/v1/store/{store}/myKey", params={"customerID": 2}).json()["data"]["value"] == "forTwo"
    )
    # bulk: the guide's plain map with customerID as a query parameter
    r = argus.put(
        f"/datastores/v1/store/{store}", params={"customerID": 1}, json={"myKey": "myValue2", "otherKey": "otherValue"}
    )
    assert r.status_code == 200 and [x["key"] for x in r.json()["data"]] == ["myKey", "otherKey"]
    # bulk: the documented {"customerID", "entries"} shape
    r = argus.put(f"/datastores/v1/store/{store}", json={"customerID": 2, "entries": [{"key": "k2", "value": "v2"}]})
    assert r.json()["data"][0]["customerID"] == 2
    listed = argus.get(f"/datastores/v1/store/{store}").json()
    assert listed["limit"] == 25 and listed["count"] == 4 and listed["size"] == 4
    assert argus.get(f"/datastores/v1/store/{store}", params={"customerID": 2}).json()["count"] == 2
    r = argus.delete(f"/datastores/v1/store/{store}", params=[("key", "myKey"), ("key", "otherKey")]).json()
    assert sorted(x["key"] for x in r["data"]) == ["myKey", "otherKey"]
    assert argus.get(f"/datastores/v1/store/{store}/myKey").status_code == 404
    deleted = argus.get(f"/datastores/v1/store/{store}/myKey", params={"includeDeleted": "true"}).json()["data"]
    assert deleted["flags"] == ["DELETED"]
    assert argus.get(f"/datastores/v1/store/{store}", params={"includeDeleted": "true"}).json()["count"] == 4


def test_list_store_keys(argus):
    store = add_store(argus, dataType="LIST")["name"]
    e = argus.put(f"/datastores/v1/store/{store}/present").json()["data"]
    assert e["key"] == "present" and "value" not in e
    r = argus.put(f"/datastores/v1/store/{store}/present/aValue")
    assert r.status_code == 412 and r.json()["messages"][0]["field"] == "value"


def test_store_search(argus):
    store = add_store(argus)["name"]
    argus.put(f"/datastores/v1/store/{store}", json={"a": "1", "b": "2", "c": "3", "d": "4"})
    r = argus.post(f"/datastores/v1/store/{store}/search", json={"fromKey": "b", "toKey": "c"}).json()
    assert [x["key"] for x in r["data"]] == ["b", "c"] and r["count"] == 2
    r = argus.post(f"/datastores/v1/store/{store}/search", json={"sortBy": ["-key"], "limit": 2}).json()
    assert [x["key"] for x in r["data"]] == ["d", "c"] and r["count"] == 4 and r["limit"] == 2
    r = argus.post(f"/datastores/v1/store/{store}/search", json={"key": ["a", "b"], "exclude": True}).json()
    assert [x["key"] for x in r["data"]] == ["c", "d"]
    admin_id = argus.get(f"/datastores/v1/store/{store}/a").json()["data"]["lastUpdatedByUser"]["id"]
    r = argus.post(f"/datastores/v1/store/{store}/search", json={"userID": [admin_id], "startTimestamp": 1}).json()
    assert r["count"] == 4
    r = argus.post(f"/datastores/v1/store/{store}/search", json={"userID": [999999]}).json()
    assert r["count"] == 0 and r["data"] == []


def test_seed_000_rules_over_argus(harness, argus):
    local = add_store(argus, behaviourType="LOCAL")["name"]
    r = argus.put(f"/datastores/v1/store/{local}/k/v")
    assert r.status_code == 412 and r.json()["messages"][0]["type"] == "ACTION_ERROR"
    glob = add_store(argus, globalData=True)["name"]
    assert argus.put(f"/datastores/v1/store/{glob}/g/v").json()["data"]["customerID"] == 0
    with harness.client(**{"Argus-API-Key": harness.tokens["alice"]}) as alice:
        r = alice.get(f"/datastores/v1/store/{glob}/g")
        assert r.status_code == 403 and r.json()["responseCode"] == 403
        r = alice.post(
            "/datastores/v1/descriptor", json={"name": unique(), "dataType": "MAP", "behaviourType": "CENTRAL"}
        )
        assert r.status_code == 403


@pytest.mark.parametrize(
    "method, path, kwargs, field",
    [
        (
            "POST",
            "/datastores/v1/descriptor",
            {"json": {"name": "", "dataType": "MAP", "behaviourType": "CENTRAL"}},
            "name",
        ),
        (
            "POST",
            "/datastores/v1/descriptor",
            {"json": {"name": "ok-name", "dataType": "NOPE", "behaviourType": "CENTRAL"}},
            "dataType",
        ),
        (
            "POST",
            "/datastores/v1/descriptor",
            {"json": {"name": "ok-name2", "dataType": "MAP", "behaviourType": "CENTRAL", "expireData": True}},
            "lifeTime",
        ),
        (
            "POST",
            "/datastores/v1/descriptor",
            {"json": {"name": "ok-name3", "dataType": "MAP", "behaviourType": "CENTRAL", "readFunction": {"id": 1}}},
            "readFunction",
        ),
        ("GET", "/datastores/v1/descriptor", {"params": {"limit": "-5"}}, "limit"),
        ("GET", "/datastores/v1/descriptor", {"params": {"keywordMatch": "some"}}, "keywordMatch"),
        ("GET", "/datastores/v1/descriptor", {"params": {"bogus": "1"}}, "bogus"),
        ("POST", "/datastores/v1/descriptor/search", {"json": {"subCriteria": [{"a": 1}]}}, "subCriteria"),
        (
            "POST",
            "/datastores/v1/descriptor",
            {"content": b"{nope", "headers": {"content-type": "application/json"}},
            "body",
        ),
    ],
)
def test_field_errors_are_412(argus, method, path, kwargs, field):
    r = argus.request(method, path, **kwargs)
    assert r.status_code == 412, r.text
    body = r.json()
    assert list(body) == ENVELOPE and body["responseCode"] == 412 and body["data"] is None
    message = body["messages"][0]
    assert message["type"] == "FIELD_ERROR" and message["field"] == field
    assert message["messageTemplate"] == "invalid.field.value" and isinstance(message["timestamp"], int)


def test_duplicate_name_is_412(argus):
    d = add_store(argus)
    r = argus.post("/datastores/v1/descriptor", json={"name": d["name"], "dataType": "MAP", "behaviourType": "CENTRAL"})
    assert r.status_code == 412 and r.json()["messages"][0]["type"] == "ACTION_ERROR"


def test_other_statuses(harness, argus):
    with harness.client() as anon:
        r = anon.get("/datastores/v1/descriptor")
        assert r.status_code == 401 and r.json()["responseCode"] == 401
    r = argus.get("/datastores/v1/descriptor/no-such-store")
    assert r.status_code == 404 and r.json()["messages"][0]["type"] == "ACTION_ERROR"
    r = argus.post("/datastores/v1/descriptor", content=b"<a/>", headers={"content-type": "application/xml"})
    assert r.status_code == 405 and r.json()["responseCode"] == 405  # as Argus documents: bad content type
    r = argus.patch("/datastores/v1/descriptor")
    assert r.status_code == 405 and r.headers["allow"] == "GET, HEAD, POST"  # HEAD goes where GET does
    r = argus.get("/datastores/v1/nothing-here")
    assert r.status_code == 404 and list(r.json()) == ENVELOPE


def test_argus_and_canonical_views_agree(argus, harness):
    store = add_store(argus)["name"]
    argus.put(f"/datastores/v1/store/{store}/k/hello")
    with harness.client("admin") as canonical:
        entry = canonical.get(f"/v1/descriptors/{store}/entries/k").json()["entry"]
    assert entry["value"] == "hello"
    argus_entry = argus.get(f"/datastores/v1/store/{store}/k").json()["data"]
    assert argus_entry["lastUpdatedTimestamp"] == entry["lastUpdatedTimestamp"]


# ------------------------------------------------------------------ what the Argus SDK sends


def search(argus, store, **body):
    r = argus.post(f"/datastores/v1/store/{store}/search", json=body)
    assert r.status_code == 200, r.text
    return sorted(x["key"] for x in r.json()["data"])


def test_search_timestamps_as_numbers_or_text(argus):
    """startTimestamp / endTimestamp: epoch ms as a number or text, ISO-8601, relative."""
    store = add_store(argus)["name"]
    argus.put(f"/datastores/v1/store/{store}", json={"a": "1"})
    stamp = argus.get(f"/datastores/v1/store/{store}/a").json()["data"]["lastUpdatedTimestamp"]
    for start in (stamp, str(stamp), "2000-01-01T00:00:00Z", "2000-01-01T01:00:00.5+01:00", "now-1d", "-1d", None, ""):
        assert search(argus, store, startTimestamp=start) == ["a"], start
    for start in (stamp + 1, str(stamp + 1), "2999-01-01T00:00:00Z", "now+1h", "+1h"):
        assert search(argus, store, startTimestamp=start) == [], start
    assert search(argus, store, endTimestamp=stamp) == ["a"]
    assert search(argus, store, endTimestamp="NOW + 1H") == ["a"]
    assert search(argus, store, endTimestamp="1999-12-31T23:59:59Z") == []
    assert search(argus, store, endTimestamp=str(stamp - 1)) == []
    assert search(argus, store, startTimestamp="now-1h30m", endTimestamp="now+1m") == ["a"]


@pytest.mark.parametrize(
    "body, field",
    [
        ({"startTimestamp": "yesterday"}, "startTimestamp"),
        ({"startTimestamp": "2000-13-01T00:00:00Z"}, "startTimestamp"),
        ({"startTimestamp": "now-1M"}, "startTimestamp"),  # months are not supported
        ({"startTimestamp": "now-1d-"}, "startTimestamp"),
        ({"startTimestamp": 1.5}, "startTimestamp"),
        ({"startTimestamp": True}, "startTimestamp"),
        ({"startTimestamp": "9" * 25}, "startTimestamp"),
        ({"endTimestamp": {"at": 1}}, "endTimestamp"),
        ({"endTimestamp": "-99999999999999d"}, "endTimestamp"),
        ({"includeFlags": ["DELETED", "PINNED"]}, "includeFlags[1]"),
        ({"excludeFlags": ["NOPE"]}, "excludeFlags[0]"),
    ],
)
def test_bad_search_criteria_are_412(argus, body, field):
    store = add_store(argus)["name"]
    r = argus.post(f"/datastores/v1/store/{store}/search", json=body)
    assert r.status_code == 412, r.text
    message = r.json()["messages"][0]
    assert message["type"] == "FIELD_ERROR" and message["field"] == field


def test_search_entry_flags(argus):
    """includeFlags / excludeFlags take flag names; DELETED is the one entries have."""
    store = add_store(argus)["name"]
    argus.put(f"/datastores/v1/store/{store}", json={"a": "1", "b": "2"})
    argus.delete(f"/datastores/v1/store/{store}", params={"key": "a"})
    assert search(argus, store) == ["b"]
    assert search(argus, store, includeDeleted=True) == ["a", "b"]
    assert search(argus, store, includeFlags=["DELETED"]) == ["a"]  # implies includeDeleted
    assert search(argus, store, includeFlags=["DELETED"], includeDeleted=True) == ["a"]
    assert search(argus, store, excludeFlags=["DELETED"], includeDeleted=True) == ["b"]
    assert search(argus, store, excludeFlags=["deleted"]) == ["b"]
    assert search(argus, store, includeFlags=["DELETED"], excludeFlags=["DELETED"], includeDeleted=True) == []
    r = argus.post(f"/datastores/v1/store/{store}/search", json={"includeFlags": ["DELETED"]}).json()
    assert r["count"] == 1 and r["data"][0]["flags"] == ["DELETED"]


def test_search_descriptor_flags(argus):
    """Descriptor criteria carry flags as an int64 bit set: 1 is DELETED."""
    tag = unique("flags")
    live, gone = add_store(argus, name=f"{tag}-live")["name"], add_store(argus, name=f"{tag}-gone")["name"]
    argus.delete(f"/datastores/v1/descriptor/{gone}")

    def names(**criteria):
        r = argus.post("/datastores/v1/descriptor/search", json={"keywords": [tag], **criteria})
        assert r.status_code == 200, r.text
        return sorted(x["name"] for x in r.json()["data"])

    assert names() == [live] and names(includeDeleted=True) == [gone, live]
    assert names(includeFlags=1) == [gone] and names(includeFlags="1", includeDeleted=True) == [gone]
    assert names(excludeFlags=1, includeDeleted=True) == [live]
    assert names(includeFlags=1, excludeFlags=1) == []
    assert names(includeFlags=0, excludeFlags=0) == [live]
    for criteria, field in (({"includeFlags": 2}, "includeFlags"), ({"excludeFlags": -1}, "excludeFlags")):
        r = argus.post("/datastores/v1/descriptor/search", json=criteria)
        assert r.status_code == 412 and r.json()["messages"][0]["field"] == field, r.text


def test_functions_as_text_or_objects(argus):
    """readFunction / writeFunction: the SDK sends names as text; unset is null, "" or {}."""
    d = add_store(argus, readFunction=None, writeFunction="")
    add_store(argus, readFunction={}, writeFunction=None)
    for fields, field in (
        ({"readFunction": "viewDataStoreEntry"}, "readFunction"),
        ({"writeFunction": {"id": 7, "name": "updateDataStoreEntry"}}, "writeFunction"),
        ({"writeFunction": 3}, "writeFunction"),
    ):
        body = {"name": unique(), "dataType": "MAP", "behaviourType": "CENTRAL", **fields}
        r = argus.post("/datastores/v1/descriptor", json=body)
        assert r.status_code == 412 and r.json()["messages"][0]["field"] == field, r.text
        assert "not supported" in r.json()["messages"][0]["message"]
        r = argus.put(f"/datastores/v1/descriptor/{d['name']}", json=fields)
        assert r.status_code == 412 and r.json()["messages"][0]["field"] == field, r.text
    r = argus.put(f"/datastores/v1/descriptor/{d['name']}", json={"description": "x", "readFunction": ""})
    assert r.status_code == 200 and r.json()["data"]["description"] == "x"
