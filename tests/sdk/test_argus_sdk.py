"""The published Argus SDK (`argus-api==5.1.0` from PyPI), unmodified, against a real
`datastore serve` process: what its users' code does, and what the real Argus answers.

The SDK is configured only through its public API: an `ArgusAPISession` with the API key
(sent as `Argus-API-Key`) and `api_url` pointing at the server's HTTP listener, passed to
each `argus_api.lib` call as `api_session`. Errors come back as its typed exceptions,
chosen by HTTP status (401, 403, 404, 412), with the envelope's `messages` parsed.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import pytest
from argus_api.exceptions.http import (
    AccessDeniedException,
    AuthenticationFailedException,
    ObjectNotFoundException,
    ValidationErrorException,
)
from argus_api.lib.datastores.v1 import descriptor
from argus_api.lib.datastores.v1.store import store
from argus_api.session import ArgusAPISession

from tests.procs import cli, serve

ENVELOPE = {"responseCode", "limit", "offset", "count", "size", "data", "messages"}


def sdk_session(base: str, api_key: str) -> ArgusAPISession:
    """The SDK's own session object: API key auth (`Argus-API-Key`), our base URL, no retries."""
    return ArgusAPISession(auth=api_key, api_url=base, max_retries=0, timeout=30)


@dataclass
class Argus:
    base: str
    admin: ArgusAPISession
    plain: ArgusAPISession


@pytest.fixture(scope="module")
def argus(new_database):
    """A server of its own on a fresh database: an administrator and a plain user."""
    db = new_database()
    cli("user", "add", "admin", "--password", "admin-pass-1", "--admin", "--global-data", db=db)
    cli("user", "add", "plain", "--password", "plain-pass-1", db=db)
    admin_key = cli("token", "create", "admin", db=db).stdout.strip()
    plain_key = cli("token", "create", "plain", db=db).stdout.strip()
    served = serve(db)
    base = f"http://{served.http}"
    yield Argus(base, sdk_session(base, admin_key), sdk_session(base, plain_key))
    served.stop_checked()


def name(prefix: str = "sdk") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def new_store(argus: Argus, data_type: str = "MAP", **fields) -> str:
    store_name = fields.pop("name", None) or name()
    r = descriptor.add_data_store_descriptor(
        description=fields.pop("description", "made by the SDK"),
        name=store_name,
        dataType=data_type,
        api_session=argus.admin,
        **fields,
    )
    assert r["responseCode"] == 201 and r["data"]["name"] == store_name
    return store_name


def keys(result: dict) -> list[str]:
    return [e["key"] for e in result["data"]]


# ------------------------------------------------------------------ descriptors


def test_descriptor_create_get_update_delete(argus):
    created = descriptor.add_data_store_descriptor(
        description="first words", name=name(), expireData=True, lifeTime=3_600_000, api_session=argus.admin
    )
    assert ENVELOPE <= set(created) and created["responseCode"] == 201 and created["messages"] == []
    d = created["data"]
    assert d["dataType"] == "MAP" and d["behaviourType"] == "CENTRAL" and d["useLowerCaseKeys"] is False
    assert d["expireData"] is True and d["lifeTime"] == 3_600_000 and d["deleted"] is False
    assert d["lastUpdatedByUser"]["userName"] == "admin"

    got = descriptor.get_descriptor(d["name"], api_session=argus.admin)
    assert got["responseCode"] == 200 and got["data"]["description"] == "first words"

    updated = descriptor.update_data_store_descriptor(
        d["name"], description="second words", lifeTime=7_200_000, api_session=argus.admin
    )["data"]
    assert updated["description"] == "second words" and updated["lifeTime"] == 7_200_000
    assert descriptor.get_descriptor(d["name"], api_session=argus.admin)["data"]["lifeTime"] == 7_200_000

    renamed = name()
    r = descriptor.update_data_store_descriptor(d["name"], name=renamed, api_session=argus.admin)["data"]
    assert r["name"] == renamed and r["description"] == "second words" and r["expireData"] is True
    with pytest.raises(ObjectNotFoundException):
        descriptor.get_descriptor(d["name"], api_session=argus.admin)

    deleted = descriptor.delete_data_store_descriptor(renamed, api_session=argus.admin)
    assert deleted["responseCode"] == 200 and deleted["data"]["name"] == renamed and deleted["data"]["deleted"] is True
    live = descriptor.search_descriptors(keywords=[renamed], api_session=argus.admin)
    assert live["count"] == 0 and live["data"] == []
    gone = descriptor.search_descriptors(keywords=[renamed], includeDeleted=True, api_session=argus.admin)
    assert [x["name"] for x in gone["data"]] == [renamed] and gone["data"][0]["deleted"] is True


def test_descriptor_search_and_simple_search(argus):
    tag = name("kw")
    a = new_store(argus, name=f"{tag}-alpha", description="first")
    b = new_store(argus, name=f"{tag}-beta", description="second", data_type="LIST")

    # GET /datastores/v1/descriptor?keywords=..&offset=0&limit=25&keywordMatch=all (the SDK's defaults)
    r = descriptor.search_descriptors_simple(keywords=tag, api_session=argus.admin)
    assert r["responseCode"] == 200 and r["limit"] == 25 and r["offset"] == 0
    assert sorted(x["name"] for x in r["data"]) == [a, b] and r["count"] == r["size"] == 2
    r = descriptor.search_descriptors_simple(keywords=[tag], sortBy=["-name"], limit=1, api_session=argus.admin)
    assert [x["name"] for x in r["data"]] == [b] and r["count"] == 2 and r["size"] == 1

    # POST /datastores/v1/descriptor/search with criteria in the body
    r = descriptor.search_descriptors(keywords=[tag], sortBy=["name"], api_session=argus.admin)
    assert [x["name"] for x in r["data"]] == [a, b] and r["count"] == 2
    assert [x["dataType"] for x in r["data"]] == ["MAP", "LIST"]
    r = descriptor.search_descriptors(keywords=[tag], sortBy=["name"], limit=1, offset=1, api_session=argus.admin)
    assert [x["name"] for x in r["data"]] == [b] and r["count"] == 2 and r["offset"] == 1
    r = descriptor.search_descriptors(keywords=[tag, "second"], keywordMatchStrategy="all", api_session=argus.admin)
    assert [x["name"] for x in r["data"]] == [b]


# ------------------------------------------------------------------ entries


def test_map_put_single_and_get(argus):
    s = new_store(argus)
    put = store.put_single_data_store_map_entry(s, "myKey", "myValue", api_session=argus.admin)
    assert put["responseCode"] == 200
    e = put["data"]
    assert e["dataStoreName"] == s and e["key"] == "myKey" and e["value"] == "myValue" and e["customerID"] == 1
    assert e["flags"] == [] and e["lastUpdatedByUser"]["userName"] == "admin"

    got = store.get_single_entry(s, "myKey", api_session=argus.admin)
    assert got["responseCode"] == 200 and got["data"]["value"] == "myValue"

    store.put_single_data_store_map_entry(s, "myKey", "newValue", customerID=1, api_session=argus.admin)
    assert store.get_single_entry(s, "myKey", customerID=1, api_session=argus.admin)["data"]["value"] == "newValue"
    assert store.get_entries_from_store_simplified(s, api_session=argus.admin)["count"] == 1


def test_list_put_single(argus):
    s = new_store(argus, data_type="LIST")
    put = store.put_single_data_store_list_entry(s, "present", api_session=argus.admin)
    assert put["responseCode"] == 200
    assert put["data"]["key"] == "present" and put["data"]["dataStoreName"] == s and "value" not in put["data"]
    got = store.get_single_entry(s, "present", api_session=argus.admin)["data"]
    assert got["key"] == "present" and "value" not in got
    listed = store.get_entries_from_store_simplified(s, api_session=argus.admin)
    assert keys(listed) == ["present"] and listed["count"] == 1


def test_bulk_put_and_list(argus):
    s = new_store(argus)
    entries = [{"key": "a", "value": "1"}, {"key": "b", "value": "2"}, {"key": "c", "value": "3"}]
    put = store.put_data_store_entries(s, entries=entries, api_session=argus.admin)
    assert put["responseCode"] == 200 and put["size"] == 3
    assert {(e["key"], e["value"], e["customerID"]) for e in put["data"]} == {
        ("a", "1", 1),
        ("b", "2", 1),
        ("c", "3", 1),
    }

    # update one and add one, bound to customer 1 explicitly (body customerID)
    store.put_data_store_entries(
        s, entries=[{"key": "a", "value": "10"}, {"key": "d", "value": "4"}], customerID=1, api_session=argus.admin
    )
    listed = store.get_entries_from_store_simplified(s, api_session=argus.admin)
    assert listed["count"] == listed["size"] == 4 and listed["limit"] == 25
    assert {e["key"]: e["value"] for e in listed["data"]} == {"a": "10", "b": "2", "c": "3", "d": "4"}
    page = store.get_entries_from_store_simplified(s, limit=2, offset=1, api_session=argus.admin)
    assert page["size"] == 2 and page["count"] == 4 and page["offset"] == 1
    only = store.get_entries_from_store_simplified(s, key=["b", "d"], customerID=[1], api_session=argus.admin)
    assert sorted(keys(only)) == ["b", "d"] and only["count"] == 2

    lst = new_store(argus, data_type="LIST")
    r = store.put_data_store_entries(lst, entries=[{"key": "x"}, {"key": "y"}], api_session=argus.admin)
    assert sorted(keys(r)) == ["x", "y"] and all("value" not in e for e in r["data"])


def test_search_entries(argus):
    s = new_store(argus)
    store.put_data_store_entries(s, entries=[{"key": k, "value": k.upper()} for k in "abcd"], api_session=argus.admin)
    r = store.get_entries_from_store(s, fromKey="b", toKey="c", api_session=argus.admin)
    assert r["responseCode"] == 200 and keys(r) == ["b", "c"] and r["count"] == 2
    r = store.get_entries_from_store(s, sortBy=["-key"], limit=2, api_session=argus.admin)
    assert keys(r) == ["d", "c"] and r["count"] == 4 and r["size"] == 2 and r["limit"] == 2
    r = store.get_entries_from_store(s, key=["a", "b"], exclude=True, sortBy=["key"], api_session=argus.admin)
    assert keys(r) == ["c", "d"]
    r = store.get_entries_from_store(s, customerID=[1], key=["a"], api_session=argus.admin)
    assert [(e["key"], e["value"]) for e in r["data"]] == [("a", "A")]
    user_id = r["data"][0]["lastUpdatedByUser"]["id"]
    assert store.get_entries_from_store(s, userID=[user_id], startTimestamp="1", api_session=argus.admin)["count"] == 4


def test_search_entries_timestamp_as_iso_text(argus):
    """The SDK types startTimestamp/endTimestamp as text: epoch ms, ISO timestamp or relative."""
    s = new_store(argus)
    store.put_data_store_entries(s, entries=[{"key": "k", "value": "v"}], api_session=argus.admin)
    r = store.get_entries_from_store(s, startTimestamp="2000-01-01T00:00:00Z", api_session=argus.admin)
    assert keys(r) == ["k"]
    r = store.get_entries_from_store(s, startTimestamp="2999-01-01T00:00:00Z", api_session=argus.admin)
    assert r["count"] == 0 and r["data"] == []


def test_search_entries_flags(argus):
    """includeFlags / excludeFlags (["DELETED"]) are documented search criteria of the SDK."""
    s = new_store(argus)
    store.put_data_store_entries(
        s, entries=[{"key": "a", "value": "1"}, {"key": "b", "value": "2"}], api_session=argus.admin
    )
    store.delete_data_store_entries(s, key=["a"], api_session=argus.admin)
    r = store.get_entries_from_store(s, includeDeleted=True, excludeFlags=["DELETED"], api_session=argus.admin)
    assert keys(r) == ["b"]


def test_delete_entries(argus):
    s = new_store(argus)
    store.put_data_store_entries(s, entries=[{"key": k, "value": k} for k in "abc"], api_session=argus.admin)
    r = store.delete_data_store_entries(s, key=["a", "b"], api_session=argus.admin)
    assert r["responseCode"] == 200 and sorted(keys(r)) == ["a", "b"]
    with pytest.raises(ObjectNotFoundException):
        store.get_single_entry(s, "a", api_session=argus.admin)
    deleted = store.get_single_entry(s, "a", includeDeleted=True, api_session=argus.admin)["data"]
    assert deleted["flags"] == ["DELETED"]
    assert keys(store.get_entries_from_store_simplified(s, api_session=argus.admin)) == ["c"]
    assert store.get_entries_from_store_simplified(s, includeDeleted=True, api_session=argus.admin)["count"] == 3
    r = store.delete_data_store_entries(s, key="c", customerID=1, api_session=argus.admin)
    assert keys(r) == ["c"] and store.get_entries_from_store(s, api_session=argus.admin)["count"] == 0


# ------------------------------------------------------------------ typed exceptions


def _first_message(exc) -> dict:
    body = exc.parsed_resp
    assert isinstance(body, dict) and ENVELOPE <= set(body) and body["data"] is None
    assert body["responseCode"] == exc.status_code
    return body["messages"][0]


def test_bad_api_key_is_401(argus):
    bad = sdk_session(argus.base, "not-a-real-key")
    with pytest.raises(AuthenticationFailedException) as info:
        descriptor.search_descriptors_simple(api_session=bad)
    assert info.value.status_code == 401 and _first_message(info.value)["type"] == "ACTION_ERROR"
    s = new_store(argus)
    with pytest.raises(AuthenticationFailedException):
        store.get_entries_from_store_simplified(s, api_session=bad)
    with pytest.raises(AuthenticationFailedException):
        store.put_single_data_store_map_entry(s, "k", "v", api_session=bad)


def test_non_admin_is_403(argus):
    with pytest.raises(AccessDeniedException) as info:
        descriptor.add_data_store_descriptor(description="no", name=name(), api_session=argus.plain)
    assert info.value.status_code == 403 and _first_message(info.value)["type"] == "ACTION_ERROR"


MISSING = "no-such-store"


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda a: descriptor.get_descriptor(MISSING, api_session=a), id="get_descriptor"),
        pytest.param(
            lambda a: descriptor.update_data_store_descriptor(MISSING, description="x", api_session=a),
            id="update_descriptor",
        ),
        pytest.param(lambda a: descriptor.delete_data_store_descriptor(MISSING, api_session=a), id="delete_descriptor"),
        pytest.param(lambda a: store.get_single_entry(MISSING, "k", api_session=a), id="get_single_entry"),
        pytest.param(lambda a: store.get_entries_from_store_simplified(MISSING, api_session=a), id="list_entries"),
        pytest.param(lambda a: store.get_entries_from_store(MISSING, api_session=a), id="search_entries"),
        pytest.param(
            lambda a: store.put_data_store_entries(MISSING, entries=[{"key": "k", "value": "v"}], api_session=a),
            id="bulk_put",
        ),
        pytest.param(lambda a: store.put_single_data_store_map_entry(MISSING, "k", "v", api_session=a), id="put_map"),
        pytest.param(lambda a: store.put_single_data_store_list_entry(MISSING, "k", api_session=a), id="put_list"),
        pytest.param(lambda a: store.delete_data_store_entries(MISSING, key=["k"], api_session=a), id="delete_entries"),
    ],
)
def test_missing_store_is_404(argus, call):
    with pytest.raises(ObjectNotFoundException) as info:
        call(argus.admin)
    message = _first_message(info.value)
    assert info.value.status_code == 404 and message["type"] == "ACTION_ERROR" and MISSING in message["message"]


def test_missing_entry_is_404(argus):
    s = new_store(argus)
    with pytest.raises(ObjectNotFoundException) as info:
        store.get_single_entry(s, "never-put", api_session=argus.admin)
    assert info.value.status_code == 404 and "never-put" in _first_message(info.value)["message"]


@pytest.mark.parametrize(
    "call, field",
    [
        pytest.param(
            lambda a, _s, _l: descriptor.add_data_store_descriptor(
                description="x", name=name(), dataType="NOPE", api_session=a
            ),
            "dataType",
            id="bad_dataType",
        ),
        pytest.param(
            lambda a, _s, _l: descriptor.add_data_store_descriptor(description="x", name="bad name!", api_session=a),
            "name",
            id="bad_name",
        ),
        pytest.param(
            lambda a, _s, _l: descriptor.add_data_store_descriptor(
                description="x", name=name(), expireData=True, api_session=a
            ),
            "lifeTime",
            id="expire_without_lifeTime",
        ),
        pytest.param(
            lambda a, s, _l: descriptor.update_data_store_descriptor(s, lifeTime=-5, api_session=a),
            "lifeTime",
            id="negative_lifeTime",
        ),
        pytest.param(
            lambda a, s, _l: store.put_data_store_entries(s, entries=[], api_session=a), "entries", id="no_entries"
        ),
        pytest.param(
            lambda a, _s, lst: store.put_data_store_entries(lst, entries=[{"key": "k", "value": "v"}], api_session=a),
            "entries[0].value",
            id="bulk_value_into_list",
        ),
        pytest.param(
            lambda a, _s, lst: store.put_single_data_store_map_entry(lst, "k", "v", api_session=a),
            "value",
            id="single_value_into_list",
        ),
    ],
)
def test_invalid_input_is_412_field_error(argus, call, field):
    s, lst = new_store(argus), new_store(argus, data_type="LIST")
    with pytest.raises(ValidationErrorException) as info:
        call(argus.admin, s, lst)
    message = _first_message(info.value)
    assert info.value.status_code == 412 and message["type"] == "FIELD_ERROR" and message["field"] == field
    assert f"FIELD_ERROR ({field})" in info.value.message  # the SDK's own rendering of the envelope


def test_broken_constraints_are_412_action_error(argus):
    existing = new_store(argus)
    with pytest.raises(ValidationErrorException) as info:
        descriptor.add_data_store_descriptor(description="dup", name=existing, api_session=argus.admin)
    assert _first_message(info.value)["type"] == "ACTION_ERROR"
    local = new_store(argus, behaviourType="LOCAL")
    with pytest.raises(ValidationErrorException) as info:
        store.put_single_data_store_map_entry(local, "k", "v", api_session=argus.admin)
    assert info.value.status_code == 412 and _first_message(info.value)["type"] == "ACTION_ERROR"
