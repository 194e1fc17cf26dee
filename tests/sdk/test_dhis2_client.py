"""DHIS2's published Python SDK (dhis2-client 0.3.2), driven unmodified against a real
`datastore serve` process on a fresh database.

The SDK has no dataStore helpers: apps reach the dataStore, the userDataStore and the
query API through its raw calls (`get`, `post`, `put`, `delete` of a path, joined to
`base_url`; a version prefix is part of that path or of `base_url`), and sharing through
its `/api/sharing` helpers, which GET `{meta, object}` and POST back `{meta, object}`.
Every non-2xx answer raises `DHIS2HTTPError(status_code, path, payload)`. Each test
asserts what a real DHIS2 server does for the same requests; sharing ids are usernames
and group names here (DHIS2 uses uids), as the README documents."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import pytest
from dhis2_client import DHIS2Client, DHIS2HTTPError
from dhis2_client.settings import ClientSettings

from tests.conftest import unique
from tests.procs import cli, serve

PASSWORD = "sdk-pass-1"
USERS = ("root", "alice", "bob", "carol")  # root: admin; carol: in group "editors"
DS = "dataStore"


@dataclass
class Server:
    base: str
    tokens: dict[str, str]
    clients: list[DHIS2Client] = field(default_factory=list)

    def sdk(self, user: str, auth: str = "token", prefix: str = "") -> DHIS2Client:
        """An SDK client as `user`: a bare token (sent as `ApiToken <t>`) or Basic."""
        creds = {"token": self.tokens[user]} if auth == "token" else {"username": user, "password": PASSWORD}
        client = DHIS2Client(self.base + prefix, retries=0, timeout=30, **creds)
        self.clients.append(client)
        return client


@pytest.fixture(scope="module")
def server(new_database):
    db = new_database()
    cli("user", "add", "root", "--password", PASSWORD, "--admin", db=db)
    for name in USERS[1:]:
        cli("user", "add", name, "--password", PASSWORD, db=db)
    cli("group", "add", "editors", db=db)
    cli("group", "add-user", "editors", "carol", db=db)
    tokens = {name: cli("token", "create", name, db=db).stdout.strip() for name in USERS}
    served = serve(db)
    srv = Server(f"http://{served.http}", tokens)
    yield srv
    for client in srv.clients:
        client.close()
    served.stop_checked()


def ok(message, code: int | None = None) -> None:
    """A DHIS2 web message acknowledging a write."""
    assert isinstance(message, dict) and message["status"] == "OK", message
    assert message["httpStatusCode"] in ({code} if code else range(200, 300)), message


def fails(call, status: int) -> dict:
    """The call raises the SDK's DHIS2HTTPError carrying DHIS2's error web message."""
    with pytest.raises(DHIS2HTTPError) as info:
        call()
    err = info.value
    assert err.status_code == status, err.payload
    assert err.payload["httpStatusCode"] == status and err.payload["status"] == "ERROR", err.payload
    assert str(err) == f"ERROR: {err.payload['message']}"
    return err.payload


def sharing_of(client: DHIS2Client, uid: str) -> dict:
    return client.get_sharing(object_type=DS, object_id=uid)["object"]


def accesses(obj: dict, kind: str = "userAccesses") -> list[tuple[str, str]]:
    return sorted((a["id"], a["access"]) for a in obj[kind])


def new_key(client: DHIS2Client, value) -> tuple[str, str]:
    """A fresh dataStore key holding `value`: its path and its uid (from /metaData)."""
    path = f"/api/{DS}/{unique('shared')}/doc"
    ok(client.post(path, json=value), 201)
    return path, client.get(f"{path}/metaData")["id"]


AUTH_AND_PREFIX = [("token", "/api"), ("token", "/api/33"), ("basic", "/api"), ("basic", "/api/41")]


# ------------------------------------------------------------ dataStore CRUD


@pytest.mark.parametrize("auth, prefix", AUTH_AND_PREFIX)
def test_datastore_crud(server, auth, prefix):
    c, ns = server.sdk("alice", auth), unique("sdk")
    ds = f"{prefix}/{DS}"
    ok(c.post(f"{ds}/{ns}/settings", json={"theme": "dark", "sizes": [1, 2]}), 201)
    ok(c.post(f"{ds}/{ns}/counter", json=7), 201)
    ok(c.post(f"{ds}/{ns}/label", json="text"), 201)
    assert ns in c.get(ds)
    assert c.get(f"{ds}/{ns}") == ["counter", "label", "settings"]
    assert c.get(f"{ds}/{ns}/settings") == {"theme": "dark", "sizes": [1, 2]}
    assert c.get(f"{ds}/{ns}/counter") == 7
    assert c.get(f"{ds}/{ns}/label") == "text"

    ok(c.put(f"{ds}/{ns}/settings", json={"theme": "light", "sizes": [3]}), 200)
    assert c.get(f"{ds}/{ns}/settings") == {"theme": "light", "sizes": [3]}
    ok(c.put(f"{ds}/{ns}/settings", params={"path": "theme"}, json="blue"), 200)
    assert c.get(f"{ds}/{ns}/settings") == {"theme": "blue", "sizes": [3]}
    fails(lambda: c.post(f"{ds}/{ns}/counter", json=8), 409)
    assert c.get(f"{ds}/{ns}/counter") == 7

    ok(c.delete(f"{ds}/{ns}/counter"), 200)
    fails(lambda: c.get(f"{ds}/{ns}/counter"), 404)
    assert c.get(f"{ds}/{ns}") == ["label", "settings"]
    ok(c.delete(f"{ds}/{ns}"), 200)
    assert ns not in c.get(ds)
    fails(lambda: c.get(f"{ds}/{ns}"), 404)


def test_version_prefix_in_base_url(server):
    """base_url may carry the version prefix; the SDK joins paths under it."""
    versioned, plain, ns = server.sdk("bob", "basic", prefix="/api/33"), server.sdk("alice"), unique("v")
    ok(versioned.post(f"/{DS}/{ns}/k", json={"n": 1}), 201)
    assert versioned.get(f"{DS}/{ns}/k") == {"n": 1}
    assert plain.get(f"/api/{DS}/{ns}/k") == {"n": 1}
    ok(plain.put(f"/api/{DS}/{ns}/k", json={"n": 2}), 200)
    assert versioned.get(f"/{DS}/{ns}") == ["k"]
    assert versioned.get(f"/{DS}/{ns}/k") == {"n": 2}


def test_metadata(server):
    alice, bob = server.sdk("alice"), server.sdk("bob", "basic")
    path, uid = new_key(alice, {"a": 1})
    meta = alice.get(f"{path}/metaData")
    assert meta == alice.get(path.replace("/api/", "/api/33/") + "/metaData")
    assert len(uid) == 11 and uid.isalnum() and uid[0].isalpha()
    assert meta["namespace"] == path.split("/")[3] and meta["key"] == "doc" and meta["encrypted"] is False
    assert meta["created"] and meta["lastUpdated"] and "value" not in meta
    assert meta["createdBy"]["username"] == "alice"
    assert meta["access"]["read"] and meta["access"]["write"] and meta["access"]["manage"]
    assert meta["sharing"]["public"] == "rw------"  # DHIS2's default for a new key
    other = bob.get(f"{path}/metaData")
    assert other["id"] == uid and other["access"]["read"] and other["access"]["write"]  # public rw


# -------------------------------------------------------------- query API

PEOPLE = {
    "luke": {"name": "Luke", "age": 19},
    "peter": {"name": "Peter", "age": 25},
    "kid": {"name": "Kid", "age": 12},
    "old": {"name": "Old", "age": 70},
    "note": "not a person",
}


@pytest.fixture(scope="module")
def people(server):
    c, ns = server.sdk("root", "basic"), unique("people")
    for key, value in PEOPLE.items():
        ok(c.post(f"/api/{DS}/{ns}/{key}", json=value), 201)
    return ns


@pytest.mark.parametrize("prefix", ["/api", "/api/33"])
def test_query_pages_fields_filter_order(server, people, prefix):
    c, url = server.sdk("bob"), f"{prefix}/{DS}/{people}"
    query = {"fields": "name,age", "filter": "age:ge:18", "order": "age:ndesc", "pageSize": 2}
    first = c.get(url, params={**query, "page": 1})
    assert first == {
        "pager": {"page": 1, "pageSize": 2},  # DHIS2's dataStore pager: no total, no pageCount
        "entries": [{"key": "old", "name": "Old", "age": 70}, {"key": "peter", "name": "Peter", "age": 25}],
    }
    second = c.get(url, params={**query, "page": 2})
    assert second == {"pager": {"page": 2, "pageSize": 2}, "entries": [{"key": "luke", "name": "Luke", "age": 19}]}
    assert c.get(url, params={**query, "page": 3})["entries"] == []

    headless = c.get(url, params={"fields": "name", "filter": "age:lt:18", "headless": True})
    assert headless == [{"key": "kid", "name": "Kid"}]
    unpaged = c.get(url, params={"fields": ".", "paging": False})
    assert unpaged == [{"key": k, "value": PEOPLE[k]} for k in sorted(PEOPLE)]
    both = c.get(url, params={"fields": "name", "filter": ["age:gt:20", "name:like:e"], "headless": True})
    assert both == [{"key": "peter", "name": "Peter"}]
    either = {"fields": "", "filter": ["age:gt:60", "name:eq:Kid"], "rootJunction": "OR", "headless": True}
    assert c.get(url, params=either) == [{"key": "kid"}, {"key": "old"}]


def test_paging_parameters_without_fields_still_list_keys(server, people):
    """DHIS2 maps the query API to `GET /{namespace}` with `fields` only (params="fields");
    without it page/pageSize are ignored and the key listing answers."""
    c = server.sdk("bob")
    assert c.get(f"/api/{DS}/{people}", params={"page": 1, "pageSize": 2}) == sorted(PEOPLE)


# ---------------------------------------------------------- userDataStore


@pytest.mark.parametrize("auth, prefix", AUTH_AND_PREFIX)
def test_user_datastore(server, auth, prefix):
    alice, bob, root = server.sdk("alice", auth), server.sdk("bob", auth), server.sdk("root", auth)
    uds, ns = f"{prefix}/userDataStore", unique("prefs")
    ok(alice.post(f"{uds}/{ns}/theme", json={"mode": "dark"}), 201)
    ok(alice.post(f"{uds}/{ns}/font", json="mono"), 201)
    ok(alice.put(f"{uds}/{ns}/theme", json={"mode": "light"}))
    assert alice.get(f"{uds}/{ns}/theme") == {"mode": "light"}
    assert ns in alice.get(uds) and alice.get(f"{uds}/{ns}") == ["font", "theme"]
    fails(lambda: alice.post(f"{uds}/{ns}/font", json="sans"), 409)
    assert alice.get(f"{uds}/{ns}", params={"fields": "mode", "headless": True}) == [{"key": "theme", "mode": "light"}]

    fails(lambda: bob.get(f"{uds}/{ns}/theme"), 404)  # per user: bob's store has no such key
    assert ns not in bob.get(uds)
    ok(bob.post(f"{uds}/{ns}/theme", json="bob's"), 201)
    assert bob.get(f"{uds}/{ns}/theme") == "bob's" and alice.get(f"{uds}/{ns}/theme") == {"mode": "light"}
    assert ns not in alice.get(f"{prefix}/{DS}")  # not the shared dataStore
    assert root.get(f"{uds}/{ns}/theme", params={"username": "alice"}) == {"mode": "light"}

    ok(alice.delete(f"{uds}/{ns}/theme"), 200)
    fails(lambda: alice.get(f"{uds}/{ns}/theme"), 404)
    ok(alice.delete(f"{uds}/{ns}"), 200)
    fails(lambda: alice.get(f"{uds}/{ns}"), 404)
    assert bob.get(f"{uds}/{ns}/theme") == "bob's"


# ---------------------------------------------------------------- sharing


def test_sharing_helpers_grant_a_second_user(server):
    alice, bob, carol = server.sdk("alice"), server.sdk("bob", "basic"), server.sdk("carol")
    path, uid = new_key(alice, {"v": 1})
    shared = alice.get_sharing(object_type=DS, object_id=uid)
    assert set(shared) == {"meta", "object"} and {"allowPublicAccess", "allowExternalAccess"} <= set(shared["meta"])
    obj = shared["object"]
    assert obj["id"] == uid and obj["publicAccess"] == "rw------" and obj["userAccesses"] == []
    assert obj["user"]["id"] == "alice"

    ok(alice.set_public_access(object_type=DS, object_id=uid, public_access="--------"), 200)
    assert sharing_of(alice, uid)["publicAccess"] == "--------"
    fails(lambda: bob.get(path), 403)
    fails(lambda: bob.put(path, json={"v": "bob"}), 403)

    ok(alice.grant_access(object_type=DS, object_id=uid, user_ids=["bob"], access="rw------"), 200)
    obj = sharing_of(alice, uid)
    assert obj["publicAccess"] == "--------"  # keep_public=True kept what it read
    assert accesses(obj) == [("bob", "rw------")]

    assert bob.get(path) == {"v": 1}  # bob now reads and writes
    ok(bob.put(path, json={"v": 2}), 200)
    assert alice.get(path) == {"v": 2}
    seen_by_bob = sharing_of(bob, uid)
    assert accesses(seen_by_bob) == [("bob", "rw------")] and seen_by_bob["access"]["write"] is True
    assert bob.get(f"{path}/metaData")["sharing"]["users"]["bob"]["access"] == "rw------"
    fails(lambda: carol.get(path), 403)  # nobody else


def test_set_sharing_and_group_grants(server):
    alice, bob, carol = server.sdk("alice"), server.sdk("bob"), server.sdk("carol", "basic")
    path, uid = new_key(alice, ["draft"])
    users = [{"id": "bob", "access": "r-------"}]
    ok(alice.set_sharing(object_type=DS, object_id=uid, public_access="r-------", user_accesses=users), 200)
    obj = sharing_of(alice, uid)
    assert obj["publicAccess"] == "r-------" and accesses(obj) == [("bob", "r-------")]
    assert carol.get(path) == ["draft"]
    fails(lambda: carol.put(path, json=["carol"]), 403)

    ok(alice.grant_access(object_type=DS, object_id=uid, user_group_ids=["editors"], access="rw------"), 200)
    obj = sharing_of(alice, uid)
    assert accesses(obj, "userGroupAccesses") == [("editors", "rw------")]
    assert accesses(obj) == [("bob", "r-------")] and obj["publicAccess"] == "r-------"  # merged, kept
    ok(carol.put(path, json=["carol"]), 200)  # through the group
    fails(lambda: bob.put(path, json=["bob"]), 403)

    ok(alice.grant_access(object_type=DS, object_id=uid, user_ids=["bob"], access="rw------", keep_public=False))
    obj = sharing_of(alice, uid)
    assert obj["publicAccess"] == "--------" and accesses(obj) == [("bob", "rw------")]
    ok(bob.put(path, json=["bob"]), 200)
    fails(lambda: server.sdk("root").get("/api/sharing", params={"type": DS, "id": "NoSuchUid01"}), 404)
    assert server.sdk("root").get(path) == ["bob"]


def test_grant_access_with_the_sdk_default_mask(server):
    """DHIS2Client.grant_access defaults to "r-rw----" (metadata read, data write). A
    dataStore entry is not data-shareable, so DHIS2 drops the data part: "r-------"."""
    alice, bob = server.sdk("alice"), server.sdk("bob")
    path, uid = new_key(alice, {"v": 1})
    ok(alice.set_public_access(object_type=DS, object_id=uid, public_access="--------"))
    ok(alice.grant_access(object_type=DS, object_id=uid, user_ids=["bob"]), 200)
    assert accesses(sharing_of(alice, uid)) == [("bob", "r-------")]
    assert bob.get(path) == {"v": 1}
    fails(lambda: bob.put(path, json={"v": 2}), 403)


def test_grant_self_access(server):
    """grant_self_access reads the caller's id from /api/me, then merges it into userAccesses."""
    alice = server.sdk("alice")
    path, uid = new_key(alice, 1)
    me = alice.get_current_user(fields="id")["id"]
    ok(alice.grant_self_access(object_type=DS, object_id=uid, access="rw------"), 200)
    assert accesses(sharing_of(alice, uid)) == [(me, "rw------")]


# ------------------------------------------------- configuration and errors


def test_client_configuration_forms(server):
    """ClientSettings (Basic auth; it also reconfigures the SDK's logger, restored after)
    and a token given with its `ApiToken ` prefix, which the SDK sends as is."""
    ns, sdk_logger = unique("conf"), logging.getLogger("dhis2_client")
    handlers, level = sdk_logger.handlers[:], sdk_logger.level
    try:
        settings = ClientSettings(base_url=server.base + "/", username="alice", password=PASSWORD, retries=0)
        by_settings = DHIS2Client(settings=settings)
    finally:
        sdk_logger.handlers[:] = handlers
        sdk_logger.setLevel(level)
    server.clients.append(by_settings)
    explicit = DHIS2Client(server.base, token=f"ApiToken {server.tokens['bob']}", retries=0)
    server.clients.append(explicit)
    ok(by_settings.post(f"/api/{DS}/{ns}/k", json={"from": "settings"}), 201)
    assert explicit.get(f"/api/{DS}/{ns}/k") == {"from": "settings"}


def test_errors_raise_dhis2_http_error(server):
    c = server.sdk("alice")
    payload = fails(lambda: c.get(f"/api/{DS}/{unique('none')}/k"), 404)
    assert payload["httpStatus"] == "Not Found"
    wrong_password = DHIS2Client(server.base, username="alice", password="wrong-pass", retries=0)
    wrong_token = DHIS2Client(server.base, token="not-a-token", retries=0)
    server.clients += [wrong_password, wrong_token]
    for client in (wrong_password, wrong_token):
        assert fails(lambda client=client: client.get(f"/api/{DS}"), 401)["httpStatus"] == "Unauthorized"
