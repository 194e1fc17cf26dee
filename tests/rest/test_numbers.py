"""Every REST surface gives back the numbers a client wrote: integers of any size
exactly, 1.0 as a float, decimals to a double's precision, on SQLite and PostgreSQL.

Compared as JSON text read with exact integers (a float parse would hide the loss).
PostgreSQL's jsonb normalises a number's spelling: 1.5e300 comes back as the same
number written out in full (an integer), -0.0 as 0.0; `same` accepts exactly that.
"""

from __future__ import annotations

import base64
import json
import math
from decimal import Decimal

import pytest

from tests.conftest import PASSWORD, unique

VALUE_TEXT = (
    '{"id": 1234567890123456789, "big": 123456789012345678901234567890, "d": 0.1, "e": 1.5e300, "n": -0,'
    ' "f": 1.0, "neg": -9007199254740993, "list": [9007199254740993, 2.5, 3], "s": "1234567890123456789"}'
)
VALUE = json.loads(VALUE_TEXT)


def exact(text: str):
    return json.loads(text, parse_float=Decimal)


def same(got, want) -> bool:
    """Equal as written, with type (int vs float) kept; jsonb may spell a whole float
    as an integer of the same value (1.5e300)."""
    if isinstance(want, dict):
        return isinstance(got, dict) and got.keys() == want.keys() and all(same(got[k], want[k]) for k in want)
    if isinstance(want, list):
        return isinstance(got, list) and len(got) == len(want) and all(map(same, got, want))
    if isinstance(want, float):
        if isinstance(got, Decimal):
            return Decimal(repr(want)) == got
        return type(got) is int and abs(want) >= 2**53 and Decimal(got) == Decimal(repr(want))  # jsonb
    if isinstance(want, bool) or want is None or isinstance(want, str):
        return got == want and type(got) is type(want)
    return type(got) is int and got == want


def test_same_is_strict():
    assert same(exact(VALUE_TEXT), VALUE)
    assert not same(exact('{"id": 1234567890123456768}'), {"id": 1234567890123456789})
    assert not same(exact('{"f": 1}'), {"f": 1.0})
    assert not same(exact('{"d": 1.0}'), {"d": 1})
    assert math.isclose(VALUE["e"], 1.5e300)


def _basic(user: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{PASSWORD}".encode()).decode()


def _send(client, method: str, url: str, text: str, **kw):
    return client.request(method, url, content=text.encode(), headers={"content-type": "application/json"}, **kw)


@pytest.fixture
def http(harness):
    with harness.client("admin") as client:
        yield client


# ---------------------------------------------------------------- canonical /v1


def test_v1_entry_put_get_bulk_query_stream(http, admin):
    from tests.conftest import make_store

    store = make_store(admin)
    base = f"/v1/descriptors/{store}/entries"
    r = _send(http, "PUT", f"{base}/one", VALUE_TEXT)
    assert r.status_code == 200, r.text
    assert same(exact(r.text)["entry"]["value"], VALUE)
    assert same(exact(http.get(f"{base}/one").text)["entry"]["value"], VALUE)
    bulk = '{"entries": [{"key": "two", "value": ' + VALUE_TEXT + '}, {"key": "three", "value": 1e20}]}'
    r = _send(http, "POST", f"{base}:bulkPut", bulk)
    assert r.status_code == 200, r.text
    assert same(exact(http.get(f"{base}/two").text)["entry"]["value"], VALUE)
    query = '{"conditions": [{"path": "id", "op": "OPERATOR_EQ", "value": 1234567890123456789}]}'
    r = _send(http, "POST", f"{base}:query", query)
    assert r.status_code == 200, r.text
    found = exact(r.text)["entries"]
    assert sorted(e["key"] for e in found) == ["one", "two"]
    assert all(same(e["value"], VALUE) for e in found)
    missing = '{"conditions": [{"path": "id", "op": "OPERATOR_EQ", "value": 1234567890123456788}]}'
    assert exact(_send(http, "POST", f"{base}:query", missing).text)["entries"] == []
    streamed = exact(_send(http, "POST", f"{base}:stream", '{"keys": ["one"]}').text)
    assert len(streamed) == 1 and same(streamed[0]["entry"]["value"], VALUE)


def test_v1_grpc_gets_the_nearest_double(http, admin):
    """What the proto says: over gRPC a Value carries doubles."""
    from datastore.v1 import entry_pb2
    from tests.conftest import make_store

    store = make_store(admin)
    assert _send(http, "PUT", f"/v1/descriptors/{store}/entries/k", VALUE_TEXT).status_code == 200
    got = admin.call(admin.entries.GetEntry, entry_pb2.GetEntryRequest(store=store, key="k"))
    got = got.entry.value.struct_value.fields
    assert got["id"].number_value == float(1234567890123456789)
    assert got["big"].number_value == float(123456789012345678901234567890)
    assert got["f"].number_value == 1.0 and got["d"].number_value == 0.1


# ----------------------------------------------------------------------- Argus


def test_argus_put_entries_and_reads(harness):
    with harness.client(**{"Argus-API-Key": harness.tokens["admin"]}) as argus:
        name = unique()
        body = {"name": name, "description": "d", "dataType": "MAP", "behaviourType": "CENTRAL"}
        assert argus.post("/datastores/v1/descriptor", json=body).status_code == 201
        put = '{"entries": [{"key": "k", "value": ' + VALUE_TEXT + '}, {"key": "t", "value": "' + "x" + '"}]}'
        r = _send(argus, "PUT", f"/datastores/v1/store/{name}", put)
        assert r.status_code == 200, r.text
        got = argus.get(f"/datastores/v1/store/{name}/k").json()["data"]["value"]
        assert same(exact(got), VALUE)  # Argus values are strings: the JSON text
        listed = argus.get(f"/datastores/v1/store/{name}").json()["data"]
        assert same(exact(next(e["value"] for e in listed if e["key"] == "k")), VALUE)


# ------------------------------------------------------------------------ Make


def test_make_records(harness):
    with harness.client("admin") as make:
        spec = {"name": unique("ds"), "teamId": 1, "spec": [{"name": "name", "type": "text"}], "strict": False}
        ds = make.post("/api/v2/data-structures", json=spec).json()["dataStructure"]
        body = {"name": unique("store"), "teamId": 1, "datastructureId": ds["id"], "maxSizeMB": 1}
        store = make.post("/api/v2/data-stores", json=body).json()["dataStore"]
        base = f"/api/v2/data-stores/{store['id']}/data"
        r = _send(make, "POST", base, '{"key": "k", "data": ' + VALUE_TEXT + "}")
        assert r.status_code == 200, r.text
        assert same(exact(r.text)["data"], VALUE)
        listed = exact(make.get(base).text)["records"]
        assert same(next(x["data"] for x in listed if x["key"] == "k"), VALUE)
        r = _send(make, "PUT", f"{base}/k", VALUE_TEXT)
        assert r.status_code == 200 and same(exact(r.text)["data"], VALUE), r.text
        r = _send(make, "PATCH", f"{base}/k", '{"id": 1234567890123456788, "g": 2.0}')
        assert r.status_code == 200, r.text
        assert same(exact(r.text)["data"], {**VALUE, "id": 1234567890123456788, "g": 2.0})


# ----------------------------------------------------------------------- DHIS2


@pytest.mark.parametrize("store", ["dataStore", "userDataStore"])
def test_dhis2_values(harness, store):
    with harness.client(None, authorization=_basic("admin")) as dhis2:
        ns = unique("ns")
        url = f"/api/{store}/{ns}/k"
        r = _send(dhis2, "POST", url, VALUE_TEXT)
        assert r.status_code == 201, r.text
        assert same(exact(dhis2.get(url).text), VALUE)
        assert same(exact(dhis2.get(f"/api/41/{store}/{ns}/k").text), VALUE)
        r = _send(dhis2, "PUT", url, '{"id": 1234567890123456789, "list": [1.0]}')
        assert r.status_code in (200, 201), r.text  # userDataStore answers an update 201
        assert same(exact(dhis2.get(url).text), {"id": 1234567890123456789, "list": [1.0]})
        _send(dhis2, "PUT", url, VALUE_TEXT)
        if store == "dataStore":  # the query API: values in entries, filters on numbers
            page = exact(dhis2.get(f"/api/{store}/{ns}", params={"fields": "."}).text)
            assert same(page["entries"][0]["value"], VALUE)
            for literal, hits in (("1234567890123456789", 1), ("1234567890123456788", 0)):
                found = dhis2.get(f"/api/{store}/{ns}", params={"fields": "id", "filter": f"id:eq:{literal}"})
                assert found.status_code == 200, found.text
                assert [e["key"] for e in exact(found.text)["entries"]] == ["k"] * hits
            found = exact(
                dhis2.get(f"/api/{store}/{ns}", params={"fields": "id", "filter": "id:gt:1000000000000000000"}).text
            )
            assert [e["key"] for e in found["entries"]] == ["k"]
            big = exact(dhis2.get(f"/api/{store}/{ns}", params={"fields": "big", "headless": "true"}).text)
            assert same(big, [{"key": "k", "big": VALUE["big"]}])


def test_dhis2_partial_update_and_roll(harness):
    with harness.client(None, authorization=_basic("admin")) as dhis2:
        url = f"/api/dataStore/{unique('ns')}/k"
        assert _send(dhis2, "POST", url, VALUE_TEXT).status_code == 201
        r = _send(dhis2, "PUT", url, "123456789012345678901234567891", params={"path": "big"})
        assert r.status_code == 200, r.text
        r = _send(dhis2, "PUT", url, "4.0", params={"path": "list", "roll": "3"})
        assert r.status_code == 200, r.text
        want = {**VALUE, "big": 123456789012345678901234567891, "list": [2.5, 3, 4.0]}
        assert same(exact(dhis2.get(url).text), want)
