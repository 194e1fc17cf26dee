"""Make's data stores API  over real HTTP: stores, records, data structures."""

import pytest

from tests.conftest import unique

SPEC = [
    {"name": "name", "label": "Name", "type": "text", "required": True},
    {"name": "age", "label": "Age", "type": "number"},
    {"name": "active", "type": "boolean", "default": True},
]


@pytest.fixture
def make(harness):
    with harness.client("admin") as client:
        yield client


def structure(make, strict=True, team=1):
    r = make.post(
        "/api/v2/data-structures", json={"name": unique("ds"), "teamId": team, "spec": SPEC, "strict": strict}
    )
    assert r.status_code == 200, r.text
    return r.json()["dataStructure"]


def store(make, max_mb=1, team=1, **kw):
    ds = kw.pop("ds", None) or structure(make, team=team)
    body = {"name": kw.pop("name", unique("store")), "teamId": team, "datastructureId": ds["id"], "maxSizeMB": max_mb}
    r = make.post("/api/v2/data-stores", json=body)
    assert r.status_code == 200, r.text
    return r.json()["dataStore"]


def test_data_store_crud(make):
    ds = structure(make)
    assert ds["spec"][0] == {"name": "name", "label": "Name", "type": "text", "required": True}
    created = store(make, ds=ds, name="Zeta store")
    assert set(created) == {"id", "name", "records", "size", "maxSize", "teamId", "datastructureId"}
    assert created["records"] == 0 and created["size"] == "0" and created["maxSize"] == "1048576"
    assert created["teamId"] == 1 and created["datastructureId"] == ds["id"]
    other = store(make, ds=ds, name="Alpha store")
    listed = make.get("/api/v2/data-stores", params={"teamId": 1, "pg[limit]": 1000}).json()
    names = [s["name"] for s in listed["dataStores"]]
    assert names == sorted(names) and {"Zeta store", "Alpha store"} <= set(names)
    assert listed["pg"]["sortBy"] == "name" and listed["pg"]["sortDir"] == "asc" and listed["pg"]["limit"] == 1000
    desc = make.get("/api/v2/data-stores", params={"teamId": 1, "pg[sortDir]": "desc", "pg[limit]": 1000}).json()
    assert [s["name"] for s in desc["dataStores"]] == sorted(names, reverse=True)
    page = make.get("/api/v2/data-stores", params={"teamId": 1, "pg[offset]": 1, "pg[limit]": 1}).json()
    assert [s["name"] for s in page["dataStores"]] == names[1:2]
    got = make.get(f"/api/v2/data-stores/{created['id']}").json()["dataStore"]
    assert got == created
    patched = make.patch(f"/api/v2/data-stores/{created['id']}", json={"name": "Renamed"}).json()["dataStore"]
    assert patched["name"] == "Renamed" and patched["maxSize"] == "1048576"  # omitted: unchanged
    r = make.request("DELETE", "/api/v2/data-stores", params={"teamId": 1}, json={"ids": [created["id"], other["id"]]})
    assert r.status_code == 200 and sorted(r.json()["dataStores"]) == sorted([created["id"], other["id"]])
    assert make.get(f"/api/v2/data-stores/{created['id']}").status_code == 404


def test_records(make):
    s = store(make)
    base = f"/api/v2/data-stores/{s['id']}/data"
    r = make.post(base, json={"key": "john", "data": {"name": "John", "age": 30}})
    assert r.status_code == 200 and r.json() == {"key": "john", "data": {"name": "John", "age": 30, "active": True}}
    generated = make.post(base, json={"data": {"name": "Anon"}}).json()
    assert generated["key"] and generated["data"]["name"] == "Anon"
    assert make.post(base, json={"key": "john", "data": {"name": "Again"}}).status_code == 409
    listed = make.get(base, params={"pg[limit]": 10}).json()
    assert listed["count"] == 2 and listed["strict"] is True and listed["pg"] == {"limit": 10, "offset": 0}
    assert [f["name"] for f in listed["spec"]] == ["name", "age", "active"]
    assert {"key": "john", "data": {"name": "John", "age": 30, "active": True}} in listed["records"]
    replaced = make.put(f"{base}/john", json={"name": "Johnny"}).json()
    assert replaced["data"] == {"name": "Johnny", "active": True}  # replaced: age gone
    merged = make.patch(f"{base}/john", json={"age": 31}).json()
    assert merged["data"] == {"name": "Johnny", "active": True, "age": 31}  # merged: name kept
    assert make.patch(f"{base}/nobody", json={"age": 1}).status_code == 404
    assert make.get(f"/api/v2/data-stores/{s['id']}").json()["dataStore"]["records"] == 2
    r = make.request("DELETE", base, json={"keys": ["john"]})
    assert r.json() == {"keys": ["john"]}
    make.post(base, json={"key": "keep", "data": {"name": "Keep"}})
    r = make.request("DELETE", base, json={"all": True, "exceptKeys": ["keep"]})
    assert r.json()["keys"] == [generated["key"]]
    assert [x["key"] for x in make.get(base).json()["records"]] == ["keep"]


@pytest.mark.parametrize(
    "data, path",
    [
        ({"age": 3}, "data.name"),  # required
        ({"name": 5}, "data.name"),  # type
        ({"name": "x", "age": "old"}, "data.age"),
        ({"name": "x", "active": "yes"}, "data.active"),
        ({"name": "x", "extra": 1}, "data.extra"),  # strict
    ],
)
def test_record_validation(make, data, path):
    s = store(make)
    r = make.post(f"/api/v2/data-stores/{s['id']}/data", json={"key": "k", "data": data})
    assert r.status_code == 400, r.text
    body = r.json()
    assert body["code"] == "SC400" and body["detail"] and path in [e["path"] for e in body["suberrors"]]
    assert make.get(f"/api/v2/data-stores/{s['id']}").json()["dataStore"]["records"] == 0


def test_non_strict_structure_allows_extra_fields(make):
    s = store(make, ds=structure(make, strict=False))
    r = make.post(f"/api/v2/data-stores/{s['id']}/data", json={"key": "k", "data": {"name": "x", "extra": [1]}})
    assert r.status_code == 200 and r.json()["data"]["extra"] == [1]


def test_max_size_is_enforced(make):
    s = store(make, max_mb=1)
    base = f"/api/v2/data-stores/{s['id']}/data"
    blob = "x" * 600_000
    assert make.post(base, json={"key": "a", "data": {"name": blob}}).status_code == 200
    r = make.post(base, json={"key": "b", "data": {"name": blob}})
    assert r.status_code == 400 and "maxSizeMB" in r.json()["detail"]
    after = make.get(f"/api/v2/data-stores/{s['id']}").json()["dataStore"]
    assert after["records"] == 1 and 600_000 < int(after["size"]) < 1_048_576


def test_delete_in_use_needs_confirmation(make):
    s = store(make)
    make.post(f"/api/v2/data-stores/{s['id']}/data", json={"key": "k", "data": {"name": "x"}})
    r = make.request("DELETE", "/api/v2/data-stores", params={"teamId": 1}, json={"ids": [s["id"]]})
    assert r.status_code == 400 and "confirmed=true" in r.json()["detail"]
    assert make.get(f"/api/v2/data-stores/{s['id']}").status_code == 200
    r = make.request(
        "DELETE", "/api/v2/data-stores", params={"teamId": 1, "confirmed": "true"}, json={"ids": [s["id"]]}
    )
    assert r.json() == {"dataStores": [s["id"]]}


def test_data_structures(make):
    ds = structure(make)
    got = make.get(f"/api/v2/data-structures/{ds['id']}").json()["dataStructure"]
    assert got == ds
    listed = make.get("/api/v2/data-structures", params={"teamId": 1, "pg[limit]": 1000}).json()
    assert ds["id"] in [x["id"] for x in listed["dataStructures"]]
    patched = make.patch(f"/api/v2/data-structures/{ds['id']}", json={"strict": False}).json()["dataStructure"]
    assert patched["strict"] is False and patched["spec"] == ds["spec"]
    s = store(make, ds=ds)
    assert make.delete(f"/api/v2/data-structures/{ds['id']}").status_code == 400  # in use
    make.request("DELETE", "/api/v2/data-stores", params={"teamId": 1}, json={"ids": [s["id"]]})
    assert make.delete(f"/api/v2/data-structures/{ds['id']}").status_code == 200
    r = make.post("/api/v2/data-structures", json={"name": "bad", "teamId": 1, "spec": [{"name": "a", "type": "blob"}]})
    assert r.status_code == 400 and r.json()["suberrors"][0]["path"] == "spec[0].type"


@pytest.mark.parametrize(
    "body, path",
    [
        ({"name": "", "teamId": 1, "datastructureId": 1, "maxSizeMB": 1}, "name"),
        ({"name": "x" * 129, "teamId": 1, "datastructureId": 1, "maxSizeMB": 1}, "name"),
        ({"name": "n", "teamId": 1, "maxSizeMB": 1}, "datastructureId"),
        ({"name": "n", "teamId": 1, "datastructureId": 1, "maxSizeMB": 0}, "maxSizeMB"),
        ({"name": "n", "teamId": 0, "datastructureId": 1, "maxSizeMB": 1}, "teamId"),
    ],
)
def test_create_validation(make, body, path):
    r = make.post("/api/v2/data-stores", json=body)
    assert r.status_code == 400 and path in [e["path"] for e in r.json()["suberrors"]], r.text


def test_team_access(harness, make):
    s = store(make)
    with harness.client("bob") as bob:  # read grant on team 1
        assert bob.get("/api/v2/data-stores", params={"teamId": 1}).status_code == 200
        assert bob.get(f"/api/v2/data-stores/{s['id']}/data").status_code == 200
        r = bob.post(f"/api/v2/data-stores/{s['id']}/data", json={"key": "k", "data": {"name": "x"}})
        assert r.status_code == 403 and r.json()["code"] == "SC403"
    with harness.client("dave") as dave:  # team 4 only
        assert dave.get("/api/v2/data-stores", params={"teamId": 1}).status_code == 403
        assert dave.get(f"/api/v2/data-stores/{s['id']}").status_code == 403
    with harness.client() as anon:
        r = anon.get("/api/v2/data-stores", params={"teamId": 1})
        assert r.status_code == 401 and r.json()["code"] == "SC401"
    assert make.get("/api/v2/data-stores/999999").status_code == 404
    assert make.get("/api/v2/data-stores", params={"teamId": 1, "pg[sortBy]": "nope"}).status_code == 400
