"""Numbers past their range over REST: 400 (412 in Argus) in each façade's error shape,
naming the field - never a 500 from the database refusing the number."""

import pytest

from tests.conftest import make_store, unique

TOO_BIG = "9223372036854775808"  # 2**63: one past the largest 64-bit integer


@pytest.mark.parametrize(
    "where", [{"headers": {"if-match": f'"{TOO_BIG}"'}}, {"params": {"etag": TOO_BIG}}, {"params": {"etag": 'W/"1e3"'}}]
)
def test_etag_past_64_bits_is_400(harness, admin, where):
    store = make_store(admin)
    with harness.client("admin") as c:
        r = c.put(f"/v1/descriptors/{store}/entries/k", json={"a": 1}, **where)
        assert r.status_code == 400, r.text
        error = r.json()["error"]
        assert error["status"] == "INVALID_ARGUMENT" and error["message"].startswith("etag: "), error
        assert c.get(f"/v1/descriptors/{store}/entries/k").status_code == 404, "nothing was written"


def test_if_match_at_the_largest_revision_is_a_failed_precondition(harness, admin):
    store = make_store(admin)
    with harness.client("admin") as c:
        assert c.put(f"/v1/descriptors/{store}/entries/k", json={"a": 1}).status_code == 200
        r = c.put(f"/v1/descriptors/{store}/entries/k", json={"a": 2}, headers={"if-match": f'"{2**63 - 1}"'})
        assert r.status_code == 412 and r.json()["error"]["status"] == "ABORTED", r.text


def test_canonical_numbers_out_of_range(harness):
    with harness.client("admin") as c:
        r = c.get("/v1/grants", params={"customerId": "-1"})
        assert r.status_code == 400 and "customer_id" in r.text, r.text
        r = c.post("/v1/grants", json={"customerId": "0", "userName": "bob", "access": "ACCESS_READ"})
        assert r.status_code == 400 and "customer_id" in r.text, r.text


def test_dhis2_filter_numbers_past_64_bits_compare_as_numbers(harness):
    ns = unique("big")
    with harness.client("alice") as c:
        assert c.post(f"/api/dataStore/{ns}/k", json={"n": 1}).status_code == 201

        def keys(f: str) -> list[str]:
            r = c.get(f"/api/dataStore/{ns}", params={"fields": "", "headless": "true", "filter": f})
            assert r.status_code == 200, (f, r.text)
            return [e["key"] for e in r.json()]

        assert keys(f"n:lt:{TOO_BIG}") == ["k"]
        assert keys(f"n:eq:{TOO_BIG}") == keys(f"n:ge:{TOO_BIG}") == keys(f"n:in:[{TOO_BIG}]") == []


def test_argus_customer_ids_out_of_range_are_412(harness, admin):
    store = make_store(admin)
    with harness.client("admin") as c:
        for customer in (-1, 2**63, 10**30):
            r = c.put(f"/datastores/v1/store/{store}", json={"customerID": customer, "entries": [{"key": "k"}]})
            assert r.status_code == 412, r.text
            assert r.json()["messages"][0]["field"].lower() in ("customerid", "customer_id"), r.text
        r = c.get(f"/datastores/v1/store/{store}/k", params={"customerID": "-1"})
        assert r.status_code == 412, r.text


def test_make_ids_out_of_range_are_400(harness):
    with harness.client("admin") as c:
        for method, path, kwargs, field in [
            ("GET", "/api/v2/data-stores/-1", {}, "dataStoreId"),
            ("GET", "/api/v2/data-structures/0", {}, "dataStructureId"),
            ("GET", "/api/v2/data-stores", {"params": {"teamId": "-5"}}, "teamId"),
            ("DELETE", "/api/v2/data-stores", {"params": {"teamId": "1"}, "json": {"ids": [-1]}}, "ids[0]"),
        ]:
            r = c.request(method, path, **kwargs)
            assert r.status_code == 400, r.text
            body = r.json()
            assert body["code"] == "SC400" and field in [e["path"] for e in body["suberrors"]], body
