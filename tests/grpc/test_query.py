"""QueryService through a real server: customers, keys, JSON-path filters, order, paging."""

import grpc
import pytest

from datastore.v1 import entry_pb2 as e
from datastore.v1 import query_pb2 as q
from tests.conftest import make_store
from tests.helpers import expect_error, plain, value, violations

DOCS = {
    "a": {"n": 1, "s": "apple", "tags": ["x"], "nested": {"deep": True}},
    "b": {"n": 2, "s": "banana", "tags": ["y", "z"]},
    "c": {"n": 3, "s": "Cherry", "nested": {"deep": False}},
    "d": {"n": "3", "s": None},
    "e": {"n": 10.5},
}


@pytest.fixture(scope="module")
def docs_store(harness):
    admin = harness.as_user("admin")
    store = make_store(admin)
    entries = [e.EntryInput(key=k, value=value(v)) for k, v in DOCS.items()]
    admin.call(admin.entries.BulkPutEntries, e.BulkPutEntriesRequest(store=store, entries=entries))
    # Customer 2 has its own "a" and a "z".
    entries = [e.EntryInput(key="a", value=value({"n": 100})), e.EntryInput(key="z", value=value({"n": 0}))]
    admin.call(admin.entries.BulkPutEntries, e.BulkPutEntriesRequest(store=store, customer_id=2, entries=entries))
    return store


def run(stubs, store, *conds, **kw):
    request = q.QueryEntriesRequest(store=store, **kw)
    for path, op, *operand in conds:
        cond = request.conditions.add(path=path, op=op)
        if operand:
            cond.value.CopyFrom(value(operand[0]))
    return stubs.call(stubs.queries.QueryEntries, request)


def keys(response):
    return [(x.customer_id, x.key) for x in response.entries]


def test_admin_sees_all_customers(admin, docs_store):
    r = run(admin, docs_store)
    assert r.total_size == 7
    assert keys(r) == [(1, "a"), (2, "a"), (1, "b"), (1, "c"), (1, "d"), (1, "e"), (2, "z")]


def test_customer_filter(admin, docs_store):
    assert keys(run(admin, docs_store, customer_ids=[2])) == [(2, "a"), (2, "z")]


def test_user_sees_only_readable_customers(harness, docs_store):
    alice = harness.as_user("alice")  # customer 1 only
    assert {c for c, _ in keys(run(alice, docs_store))} == {1}
    bob = harness.as_user("bob")  # customer 2 + read grant on 1
    assert run(bob, docs_store).total_size == 7
    dave = harness.as_user("dave")  # customer 4: nothing here
    assert run(dave, docs_store).total_size == 0
    expect_error(grpc.StatusCode.PERMISSION_DENIED, run, dave, docs_store, customer_ids=[1])


def test_keys_filter(admin, docs_store):
    assert keys(run(admin, docs_store, keys=["a", "c"], customer_ids=[1])) == [(1, "a"), (1, "c")]


@pytest.mark.parametrize(
    "cond, expected",
    [
        (("n", q.OPERATOR_EQ, 3), ["c"]),
        (("n", q.OPERATOR_EQ, "3"), ["d"]),  # type-aware: "3" is not 3
        (("n", q.OPERATOR_NE, 3), ["a", "b", "d", "e"]),
        (("n", q.OPERATOR_LT, 3), ["a", "b"]),
        (("n", q.OPERATOR_LE, 3), ["a", "b", "c"]),
        (("n", q.OPERATOR_GT, 2), ["c", "e"]),
        (("n", q.OPERATOR_GE, 10.5), ["e"]),
        (("n", q.OPERATOR_IN, [1, 3, "3"]), ["a", "c", "d"]),
        (("s", q.OPERATOR_LIKE, "%an%"), ["b"]),
        (("s", q.OPERATOR_LIKE, "c%"), []),  # LIKE is case-sensitive
        (("s", q.OPERATOR_NULL), ["d", "e"]),
        (("s", q.OPERATOR_NOT_NULL), ["a", "b", "c"]),
        (("nested.deep", q.OPERATOR_EQ, True), ["a"]),
        (("nested.deep", q.OPERATOR_EQ, False), ["c"]),
        (("tags.1", q.OPERATOR_EQ, "z"), ["b"]),
        (("_", q.OPERATOR_GT, "c"), ["d", "e"]),
        (("key", q.OPERATOR_IN, ["a", "e"]), ["a", "e"]),
        (("_", q.OPERATOR_LIKE, "b%"), ["b"]),
    ],
)
def test_operators(admin, docs_store, cond, expected):
    r = run(admin, docs_store, cond, customer_ids=[1])
    assert [k for _, k in keys(r)] == expected
    assert r.total_size == len(expected)


def test_or_junction(admin, docs_store):
    r = run(
        admin,
        docs_store,
        ("n", q.OPERATOR_EQ, 1),
        ("s", q.OPERATOR_EQ, "Cherry"),
        customer_ids=[1],
        junction=q.JUNCTION_OR,
    )
    assert [k for _, k in keys(r)] == ["a", "c"]


def test_order_and_paging(admin, docs_store):
    order = [q.Order(path="n", descending=True)]
    r = run(admin, docs_store, ("n", q.OPERATOR_NOT_NULL), customer_ids=[1], order_by=order, limit=2)
    # Descending: nulls/missing first, then booleans, strings, numbers (the reverse of
    # ascending: numbers < strings < booleans < arrays < objects < null).
    assert [k for _, k in keys(r)] == ["d", "e"] and r.total_size == 5
    r2 = run(admin, docs_store, ("n", q.OPERATOR_NOT_NULL), customer_ids=[1], order_by=order, limit=3, offset=2)
    assert [k for _, k in keys(r2)] == ["c", "b", "a"]
    asc = run(admin, docs_store, customer_ids=[1], order_by=[q.Order(path="s")])
    assert [k for _, k in keys(asc)] == ["c", "a", "b", "d", "e"]  # "Cherry" < "apple" byte-wise


def test_default_limit_is_25(admin):
    store = make_store(admin)
    entries = [e.EntryInput(key=f"k{i:03}", value=value(i)) for i in range(30)]
    admin.call(admin.entries.BulkPutEntries, e.BulkPutEntriesRequest(store=store, entries=entries))
    r = run(admin, store)
    assert len(r.entries) == 25 and r.total_size == 30
    r = run(admin, store, ("_", q.OPERATOR_GE, "k010"), order_by=[q.Order(path=".", descending=True)], limit=3)
    assert [x.key for x in r.entries] == ["k029", "k028", "k027"]
    assert [plain(x.value) for x in r.entries] == [29, 28, 27]


def test_stream(admin, docs_store):
    request = q.StreamEntriesRequest(query=q.QueryEntriesRequest(store=docs_store))
    streamed = [m.entry for m in admin.call(admin.queries.StreamEntries, request)]
    assert [(x.customer_id, x.key) for x in streamed] == keys(run(admin, docs_store))
    assert plain(streamed[0].value) == DOCS["a"]


def test_stream_errors(harness, docs_store):
    dave = harness.as_user("dave")
    request = q.StreamEntriesRequest(query=q.QueryEntriesRequest(store=docs_store, customer_ids=[1]))
    expect_error(grpc.StatusCode.PERMISSION_DENIED, lambda: list(dave.call(dave.queries.StreamEntries, request)))
    request = q.StreamEntriesRequest(query=q.QueryEntriesRequest(store="no-such-store"))
    expect_error(grpc.StatusCode.NOT_FOUND, lambda: list(dave.call(dave.queries.StreamEntries, request)))


@pytest.mark.parametrize(
    "cond, field",
    [
        (("", q.OPERATOR_EQ, 1), "conditions[0].path"),
        (("a.b.c.d.e.f", q.OPERATOR_EQ, 1), "conditions[0].path"),
        (('a"b', q.OPERATOR_EQ, 1), "conditions[0].path"),
        (("n", q.OPERATOR_UNSPECIFIED, 1), "conditions[0].op"),
        (("n", 99, 1), "conditions[0].op"),
        (("n", q.OPERATOR_IN, 1), "conditions[n]"),
        (("n", q.OPERATOR_IN, []), "conditions[n]"),
        (("n", q.OPERATOR_LT, True), "conditions[n]"),
        (("n", q.OPERATOR_LIKE, 5), "conditions[n]"),
        (("n", q.OPERATOR_EQ, {"x": 1}), "conditions[n]"),
    ],
)
def test_bad_conditions(admin, docs_store, cond, field):
    err = expect_error(grpc.StatusCode.INVALID_ARGUMENT, run, admin, docs_store, cond)
    assert violations(err) == [field]


def test_bad_paging(admin, docs_store):
    err = expect_error(grpc.StatusCode.INVALID_ARGUMENT, run, admin, docs_store, limit=-1)
    assert violations(err) == ["limit"]
    err = expect_error(grpc.StatusCode.INVALID_ARGUMENT, run, admin, docs_store, limit=5000)
    assert violations(err) == ["limit"]
    err = expect_error(grpc.StatusCode.INVALID_ARGUMENT, run, admin, docs_store, offset=-1)
    assert violations(err) == ["offset"]


def test_too_many_conditions(admin, docs_store):
    conds = [("n", q.OPERATOR_EQ, i) for i in range(21)]
    err = expect_error(grpc.StatusCode.INVALID_ARGUMENT, run, admin, docs_store, *conds)
    assert violations(err) == ["conditions"]


def test_no_cross_type_matches(admin):
    store = make_store(admin)
    docs = {"arr": {"v": [1]}, "obj": {"v": {"a": 1}}, "t": {"v": True}, "one": {"v": 1}, "s": {"v": "[1]"}}
    entries = [e.EntryInput(key=k, value=value(v)) for k, v in docs.items()]
    admin.call(admin.entries.BulkPutEntries, e.BulkPutEntriesRequest(store=store, entries=entries))
    assert [x.key for x in run(admin, store, ("v", q.OPERATOR_EQ, "[1]")).entries] == ["s"]
    assert [x.key for x in run(admin, store, ("v", q.OPERATOR_EQ, 1)).entries] == ["one"]
    assert [x.key for x in run(admin, store, ("v", q.OPERATOR_EQ, True)).entries] == ["t"]
    assert [x.key for x in run(admin, store, ("v", q.OPERATOR_GE, 1)).entries] == ["one"]
    assert [x.key for x in run(admin, store, ("v", q.OPERATOR_LIKE, "%1%")).entries] == ["s"]


def test_dhis2_filter_language_on_a_canonical_store(admin, docs_store):
    """The same query language as DHIS2 namespaces, on any store kind."""
    r = run(admin, docs_store, customer_ids=[1], filters=["n:ge:1", "n:lt:10"], order=["n:ndesc"])
    assert [k for _, k in keys(r)] == ["c", "b", "a"]  # "3" (a string) is not a number
    r = run(admin, docs_store, ("s", q.OPERATOR_EQ, "Cherry"), customer_ids=[1], filters=["n:eq:1"],
            junction=q.JUNCTION_OR)  # fmt: skip
    assert [k for _, k in keys(r)] == ["a", "c"]
    r = run(admin, docs_store, customer_ids=[1], filters=["_:in:[a,e]"])
    assert [k for _, k in keys(r)] == ["a", "e"]
    for bad in (["n:zz:1"], ["n"], ["a..b:eq:1"]):
        err = expect_error(grpc.StatusCode.INVALID_ARGUMENT, run, admin, docs_store, filters=bad)
        assert violations(err) == ["filters[0]"]
    err = expect_error(grpc.StatusCode.INVALID_ARGUMENT, run, admin, docs_store, order=["n:up"])
    assert violations(err) == ["order[0]"]
