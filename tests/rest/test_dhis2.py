"""DHIS2's dataStore and userDataStore over real HTTP through the shim:
every example of the documentation as written, the query API, partial updates, roll,
encryption, bad input, and the version prefix."""

from __future__ import annotations

import json

import pytest

from tests.conftest import PASSWORD, unique


@pytest.fixture
def admin_http(harness):
    with harness.client(None, authorization=_basic("admin")) as client:
        yield client


def _basic(user: str) -> str:
    import base64

    return "Basic " + base64.b64encode(f"{user}:{PASSWORD}".encode()).decode()


def http(harness, user: str):
    return harness.client(None, authorization=_basic(user))


def web_message(r, code: int, message: str | None = None, http_status: str | None = None) -> dict:
    assert r.status_code == code, r.text
    body = r.json()
    assert set(body) >= {"httpStatus", "httpStatusCode", "status", "message"}, body
    assert body["httpStatusCode"] == code
    assert body["status"] == ("OK" if code < 400 else "ERROR")
    if message is not None:
        assert body["message"] == message
    if http_status is not None:
        assert body["httpStatus"] == http_status
    return body


def put_json(client, url: str, value) -> object:
    return client.put(url, content=json.dumps(value), headers={"content-type": "application/json"})


# --------------------------------------------------------- the documentation, as written


def test_seed_walkthrough_datastore(admin_http):
    """Each curl example of the DHIS2 documentation's dataStore section, with its documented response."""
    c, foo = admin_http, unique("foo")
    web_message(
        c.post(f"/api/33/dataStore/{foo}/key_1", content='{"foo":"bar"}', headers={"content-type": "application/json"}),
        201,
        "Key 'key_1' created.",
        "OK",  # as the DHIS2 documentation shows it for the dataStore
    )
    web_message(c.post(f"/api/33/dataStore/{foo}/key_2", json=1), 201)
    assert foo in c.get("/api/33/dataStore").json()
    assert c.get(f"/api/33/dataStore/{foo}").json() == ["key_1", "key_2"]
    assert c.get(f"/api/33/dataStore/{foo}/key_1").json() == {"foo": "bar"}
    meta = c.get(f"/api/33/dataStore/{foo}/key_1/metaData").json()
    assert meta["namespace"] == foo and meta["key"] == "key_1" and meta["user"]["username"] == "admin"
    assert len(meta["id"]) == 11 and meta["created"] and meta["encrypted"] is False
    assert "value" not in meta
    r = c.put(f"/api/33/dataStore/{foo}/key_1", content="[1, 2, 3]", headers={"content-type": "application/json"})
    web_message(r, 200, "Key 'key_1' updated.", "OK")
    assert c.get(f"/api/33/dataStore/{foo}/key_1").json() == [1, 2, 3]
    web_message(c.delete(f"/api/33/dataStore/{foo}/key_1"), 200, f"Key 'key_1' deleted from namespace '{foo}'.")
    web_message(c.delete(f"/api/33/dataStore/{foo}"), 200, f"Namespace '{foo}' deleted.")
    assert foo not in c.get("/api/33/dataStore").json()
    web_message(c.get(f"/api/33/dataStore/{foo}"), 404)


def test_seed_walkthrough_user_datastore(harness):
    foo = unique("foo")
    with http(harness, "alice") as c:
        r = c.post(f"/api/33/userDataStore/{foo}/bar", json=["some value"])
        web_message(r, 201, f"Key 'bar' in namespace '{foo}' created.", "Created")
        assert foo in c.get("/api/33/userDataStore").json()
        assert c.get(f"/api/userDataStore/{foo}").json() == ["bar"]
        assert c.get(f"/api/33/userDataStore/{foo}/bar").json() == ["some value"]
        r = c.put(f"/api/33/userDataStore/{foo}/bar", json=["new value"])
        web_message(r, 201, f"Key 'bar' in namespace '{foo}' updated.", "Created")  # 201, as the documentation shows
        assert c.get(f"/api/33/userDataStore/{foo}/bar").json() == ["new value"]
        # The documentation's message lacks the quote after the namespace; clients match on it.
        web_message(c.delete(f"/api/33/userDataStore/{foo}/bar"), 200, f"Key 'bar' deleted from the namespace '{foo}.")
        c.post(f"/api/33/userDataStore/{foo}/a", json=1)
        web_message(c.delete(f"/api/33/userDataStore/{foo}"), 200, f"All keys from namespace '{foo}' deleted.")
        web_message(c.get(f"/api/33/userDataStore/{foo}"), 404)


def test_user_datastores_are_per_user(harness):
    ns = unique("prefs")
    with http(harness, "alice") as alice, http(harness, "bob") as bob, http(harness, "admin") as admin:
        alice.post(f"/api/userDataStore/{ns}/theme", json="dark")
        web_message(bob.get(f"/api/userDataStore/{ns}/theme"), 404)
        assert ns not in bob.get("/api/userDataStore").json()
        bob.post(f"/api/userDataStore/{ns}/theme", json="light")  # same namespace and key, own store
        assert alice.get(f"/api/userDataStore/{ns}/theme").json() == "dark"
        assert bob.get(f"/api/userDataStore/{ns}/theme").json() == "light"
        assert ns not in admin.get("/api/dataStore").json()  # not the shared dataStore
        # Admin access to another user's datastore (seed: ?username=Peter).
        assert admin.get(f"/api/userDataStore/{ns}/theme?username=alice").json() == "dark"
        web_message(admin.post(f"/api/userDataStore/{ns}/font?username=alice", json="mono"), 201)
        assert alice.get(f"/api/userDataStore/{ns}").json() == ["font", "theme"]
        # The documentation is silent on others' use of ?username=; dhis2-core answers 409 Conflict.
        only = "Only superusers can read or write other users data using the `username` parameter."
        web_message(alice.get(f"/api/userDataStore/{ns}/theme?username=bob"), 409, only)
        web_message(
            admin.get(f"/api/userDataStore/{ns}/theme?username=nobody"), 409, "No user with username nobody exists."
        )


def test_get_with_encrypt_parameter_as_the_seed_shows(admin_http):
    ns = unique("enc")
    web_message(admin_http.post(f"/api/33/dataStore/{ns}/k?encrypt=true", json={"password": "s3cret"}), 201)
    assert admin_http.get(f"/api/33/dataStore/{ns}/k?encrypt=true").json() == {"password": "s3cret"}
    web_message(admin_http.post(f"/api/33/userDataStore/{ns}/k?encrypt=true", json="x"), 201)
    assert admin_http.get(f"/api/33/userDataStore/{ns}/k?encrypt=true").json() == "x"


# ------------------------------------------------------- partial update, roll


def test_partial_update_and_roll_as_in_the_seed(admin_http):
    for store in ("dataStore", "userDataStore"):
        c, ns = admin_http, unique("pets")
        url = f"/api/{store}/{ns}/whiskers"
        c.post(url, json={"name": "wisker", "favFood": ["fish", "rabbit"]})
        assert put_json(c, f"{url}?path=name", "whiskers").status_code in (200, 201)
        assert c.get(url).json() == {"name": "whiskers", "favFood": ["fish", "rabbit"]}
        put_json(c, f"{url}?path=name", "wisker")
        put_json(c, f"{url}?path=favFood.[0]", "carrot")
        assert c.get(url).json() == {"name": "wisker", "favFood": ["carrot", "rabbit"]}
        put_json(c, f"{url}?path=favFood.[0]", "fish")
        put_json(c, f"{url}?roll=3&path=favFood", "carrot")
        assert c.get(url).json() == {"name": "wisker", "favFood": ["fish", "rabbit", "carrot"]}
        put_json(c, f"{url}?roll=3&path=favFood", "bird")
        assert c.get(url).json() == {"name": "wisker", "favFood": ["rabbit", "carrot", "bird"]}
        web_message(put_json(c, f"{url}?roll=2&path=favFood", "cat"), 400)  # a roll may only grow
        put_json(c, f"{url}?roll=5&path=favFood", "cat")
        assert c.get(url).json()["favFood"] == ["rabbit", "carrot", "bird", "cat"]
        # Nested roll (the documentation prints the result as ["shorthair, small"]; it means two elements).
        put_json(c, f"{url}?path=type", {"breed": ["shorthair"]})
        put_json(c, f"{url}?roll=3&path=type.breed", "small")
        assert c.get(url).json()["type"] == {"breed": ["shorthair", "small"]}
        # Update root (entire entry): no path, or path=.
        put_json(c, url, "whiskers")
        assert c.get(url).json() == "whiskers"
        put_json(c, f"{url}?path=.", {"name": "w"})
        assert c.get(url).json() == {"name": "w"}


def test_partial_update_refuses_impossible_paths(admin_http):
    c, ns = admin_http, unique("pets")
    url = f"/api/dataStore/{ns}/k"
    c.post(url, json={"name": "x", "list": [1]})
    for path, value in (("name.first", "a"), ("list.[5]", 1), ("list.a", 1), ("a..b", 1)):
        web_message(put_json(c, f"{url}?path={path}", value), 400)
    assert c.get(url).json() == {"name": "x", "list": [1]}  # nothing changed
    # Roll onto a node that is not an array replaces it (dhis2-core; the documentation is silent).
    web_message(put_json(c, f"{url}?path=name&roll=2", "y"), 200)
    assert c.get(url).json() == {"name": "y", "list": [1]}


# ------------------------------------------------------------ the query API

EXTRACTION = {
    "key1": {"name": "name1", "description": "description1", "id": 1, "key": "my-key1",
             "root": {"child1": 1, "child2": [], "level1": {"level2": {"level3": 42}}}},
    "key2": {"name": "name2", "description": "description2", "id": 2, "key": "my-key2",
             "root": {"child1": 2, "child2": [], "level1": {"level2": {"level3": 13}}}},
    "key3": {"other": 1},
    "key4": {"other": 2},
}  # fmt: skip

PEOPLE = {
    "luke": {"name": "Luke", "age": 19, "enabled": True, "minor": False},
    "peter": {"name": "Peter", "age": 25, "enabled": False, "minor": False},
    "kid": {"name": "Kid Pet", "age": 12, "enabled": True, "minor": True},
    "old": {"name": "Old", "age": 70, "minor": False},
    "teen": {"name": "Teen", "age": 16, "minor": False},
    "num": 43,
    "small": 7,
}


@pytest.fixture(scope="module")
def extraction_ns(harness):
    return _namespace(harness, EXTRACTION)


@pytest.fixture(scope="module")
def people_ns(harness):
    return _namespace(harness, PEOPLE)


def _namespace(harness, entries: dict) -> str:
    ns = unique("query")
    with http(harness, "admin") as c:
        for key, value in entries.items():
            assert c.post(f"/api/dataStore/{ns}/{key}", json=value).status_code == 201
    return ns


EXTRACTION_CASES = [
    ("fields=", [{"key": "key1"}, {"key": "key2"}, {"key": "key3"}, {"key": "key4"}]),
    ("fields=name,description", [
        {"key": "key1", "name": "name1", "description": "description1"},
        {"key": "key2", "name": "name2", "description": "description2"}]),
    ("fields=name,description&includeAll=true", [
        {"key": "key1", "name": "name1", "description": "description1"},
        {"key": "key2", "name": "name2", "description": "description2"},
        {"key": "key3", "name": None, "description": None},
        {"key": "key4", "name": None, "description": None}]),
    ("fields=name,root[child1,child2]", [
        {"key": "key1", "name": "name1", "root": {"child1": 1, "child2": []}},
        {"key": "key2", "name": "name2", "root": {"child1": 2, "child2": []}}]),
    ("fields=name,root(child1,child2)", [
        {"key": "key1", "name": "name1", "root": {"child1": 1, "child2": []}},
        {"key": "key2", "name": "name2", "root": {"child1": 2, "child2": []}}]),
    ("fields=root[level1[level2[level3]]]", [
        {"key": "key1", "root": {"level1": {"level2": {"level3": 42}}}},
        {"key": "key2", "root": {"level1": {"level2": {"level3": 13}}}}]),
    ("fields=root(level1(level2(level3)))", [
        {"key": "key1", "root": {"level1": {"level2": {"level3": 42}}}},
        {"key": "key2", "root": {"level1": {"level2": {"level3": 13}}}}]),
    ("fields=root[level1[level2[level3~hoist(my-prop)]]]", [
        {"key": "key1", "my-prop": 42}, {"key": "key2", "my-prop": 13}]),
    ("fields=root[level1[level2[level3~hoist(my-root.my-prop)]]]", [
        {"key": "key1", "my-root": {"my-prop": 42}}, {"key": "key2", "my-root": {"my-prop": 13}}]),
    ("fields=id,key~hoist(value-key)", [
        {"key": "key1", "id": 1, "value-key": "my-key1"}, {"key": "key2", "id": 2, "value-key": "my-key2"}]),
    ("fields=root.level1.level2.level3", [
        {"key": "key1", "root": {"level1": {"level2": {"level3": 42}}}},
        {"key": "key2", "root": {"level1": {"level2": {"level3": 13}}}}]),
]  # fmt: skip


@pytest.mark.parametrize("query, expected", EXTRACTION_CASES, ids=[q for q, _ in EXTRACTION_CASES])
def test_value_extraction_examples(admin_http, extraction_ns, query, expected):
    r = admin_http.get(f"/api/dataStore/{extraction_ns}?{query}")
    assert r.status_code == 200, r.text
    assert r.json() == {"pager": {"page": 1, "pageSize": 50}, "entries": expected}


FILTER_CASES = [
    ("filter=name:eq:Luke", ["luke"]),
    ("filter=age:gt:42", ["old"]),
    ("filter=.:gt:42", ["num"]),
    ("filter=enabled:eq:true", ["kid", "luke"]),
    ("filter=name:like:Pet&filter=age:gt:20", ["peter"]),
    ("filter=minor:eq:true&filter=age:lt:18&rootJunction=or", ["kid", "teen"]),
    ("filter=name:ilike:pet", ["kid", "peter"]),
    ("filter=name:$like:Pe", ["peter"]),
    ("filter=name:like$:ke", ["luke"]),
    ("filter=name:!like:e", ["old"]),
    ("filter=name:in:[Luke,Old]", ["luke", "old"]),
    ("filter=name:!in:[Luke,Old]", ["kid", "peter", "teen"]),
    ("filter=age:ge:19,age:le:25", ["luke", "peter"]),
    ("filter=_:eq:luke", ["luke"]),
    ("filter=enabled:!null", ["kid", "luke", "peter"]),
    ("filter=name:eq:'Luke'", ["luke"]),
    # dhis2-core, where the documentation is silent: one `in` value without brackets; booleans order
    ("filter=name:in:Luke", ["luke"]),
    ("filter=enabled:lt:true", ["peter"]),
]


@pytest.mark.parametrize("query, keys", FILTER_CASES, ids=[q for q, _ in FILTER_CASES])
def test_filter_examples(admin_http, people_ns, query, keys):
    r = admin_http.get(f"/api/dataStore/{people_ns}?fields=.&{query}")
    assert r.status_code == 200, r.text
    entries = r.json()["entries"]
    assert [e["key"] for e in entries] == keys
    assert all(e["value"] == PEOPLE[e["key"]] for e in entries)


def test_sorting_examples(admin_http, people_ns):
    c = admin_http
    names = [e["name"] for e in c.get(f"/api/dataStore/{people_ns}?fields=name&order=name").json()["entries"]]
    assert names == ["Kid Pet", "Luke", "Old", "Peter", "Teen"]
    desc = [e["name"] for e in c.get(f"/api/dataStore/{people_ns}?fields=name&order=name:desc").json()["entries"]]
    assert desc == names[::-1]
    ages = c.get(f"/api/dataStore/{people_ns}?fields=age&order=age:nasc&filter=age:!null").json()["entries"]
    assert [e["age"] for e in ages] == [12, 16, 19, 25, 70]
    ages = c.get(f"/api/dataStore/{people_ns}?fields=age&order=age:ndesc&filter=age:!null").json()["entries"]
    assert [e["age"] for e in ages] == [70, 25, 19, 16, 12]
    keys = c.get(f"/api/dataStore/{people_ns}?fields=&order=_:desc").json()["entries"]
    assert [e["key"] for e in keys] == sorted(PEOPLE, reverse=True)


def test_paging_examples(admin_http, people_ns):
    c, ordered = admin_http, sorted(PEOPLE)
    r = c.get(f"/api/dataStore/{people_ns}?fields=.&page=2&pageSize=2").json()
    assert r["pager"] == {"page": 2, "pageSize": 2}
    assert [e["key"] for e in r["entries"]] == ordered[2:4]
    assert c.get(f"/api/dataStore/{people_ns}?fields=.&page=9&pageSize=2").json()["entries"] == []
    plain = c.get(f"/api/dataStore/{people_ns}?fields=.&paging=false").json()
    assert isinstance(plain, list) and [e["key"] for e in plain] == ordered
    headless = c.get(f"/api/dataStore/{people_ns}?fields=.&pageSize=3&headless=true").json()
    assert [e["key"] for e in headless] == ordered[:3]
    default = c.get(f"/api/dataStore/{people_ns}?fields=").json()
    assert default["pager"] == {"page": 1, "pageSize": 50}


def test_query_on_the_user_datastore(harness):
    ns = unique("mine")
    with http(harness, "alice") as c:
        for i in range(5):
            c.post(f"/api/userDataStore/{ns}/k{i}", json={"n": i})
        r = c.get(f"/api/userDataStore/{ns}?fields=n&filter=n:ge:3&headless=true").json()
        assert r == [{"key": "k3", "n": 3}, {"key": "k4", "n": 4}]


# ------------------------------------------------------------------ encryption


def test_encrypted_values_are_readable_but_never_stored_or_queried_in_clear(harness, admin_http):
    from server.storage.db import connection
    from server.storage.models import Entry

    c, ns = admin_http, unique("secrets")
    c.post(f"/api/dataStore/{ns}/plain", json={"password": "visible"})
    c.post(f"/api/dataStore/{ns}/hidden?encrypt=true", json={"password": "hunter2"})
    assert c.get(f"/api/dataStore/{ns}/hidden").json() == {"password": "hunter2"}
    assert c.get(f"/api/dataStore/{ns}/hidden/metaData").json()["encrypted"] is True
    assert c.get(f"/api/dataStore/{ns}/plain/metaData").json()["encrypted"] is False
    with connection():
        row = Entry.get(Entry.key == "hidden", Entry.uid.is_null(False), Entry.secret.is_null(False))
        assert row.value is None and "hunter2" not in row.secret and row.encrypted
    r = c.get(f"/api/dataStore/{ns}?fields=password&filter=password:!null&headless=true").json()
    assert r == [{"key": "plain", "password": "visible"}]  # the encrypted value is not queryable
    assert c.get(f"/api/dataStore/{ns}?fields=password&filter=password:eq:hunter2").json()["entries"] == []
    assert c.get(f"/api/dataStore/{ns}?fields=.&includeAll=true&headless=true").json() == [
        {"key": "hidden", "value": None},
        {"key": "plain", "value": {"password": "visible"}},
    ]
    put_json(c, f"/api/dataStore/{ns}/hidden?path=password", "changed")  # stays encrypted
    assert c.get(f"/api/dataStore/{ns}/hidden").json() == {"password": "changed"}
    assert c.get(f"/api/dataStore/{ns}/hidden/metaData").json()["encrypted"] is True


def test_api_token_and_token_credentials_work(harness):
    token = harness.tokens["alice"]
    for header in (f"ApiToken {token}", f"Token {token}"):
        with harness.client(None, authorization=header) as c:
            assert c.get("/api/dataStore").status_code == 200


def test_concurrent_partial_updates_lose_nothing(harness, admin_http):
    """Partial updates are read-change-write with compare-and-set: writers on different
    paths of one key all land (a lost update would drop some of their members)."""
    from concurrent.futures import ThreadPoolExecutor

    ns = unique("race")
    url = f"/api/dataStore/{ns}/doc"
    admin_http.post(url, json={})

    def writer(w: int) -> list[int]:
        codes = []
        with http(harness, "admin") as c:
            for i in range(5):
                codes.append(put_json(c, f"{url}?path=w{w}.i{i}", i).status_code)
        return codes

    with ThreadPoolExecutor(4) as pool:
        codes = [code for result in pool.map(writer, range(4)) for code in result]
    assert codes == [200] * 20
    assert admin_http.get(url).json() == {f"w{w}": {f"i{i}": i for i in range(5)} for w in range(4)}
