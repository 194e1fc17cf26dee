"""The server on a real PostgreSQL 15: schema creation, entries, the query compiler on
jsonb, retention and concurrent writers, through a real `datastore serve` process."""

import time
from concurrent.futures import ThreadPoolExecutor

import grpc
import pytest

from datastore.v1 import entry_pb2 as e
from datastore.v1 import query_pb2 as q
from datastore.v1 import query_pb2_grpc
from datastore_client import DatastoreClient, DatastoreError
from tests.grpc.test_query import DOCS
from tests.helpers import value
from tests.procs import cli, serve

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def served(pg_cluster):
    pg_url = pg_cluster.create_database("make_tests")
    cli("user", "add", "root", "--password", "root-pass-1", "--admin", "--global-data", db=pg_url)
    token = cli("token", "create", "root", db=pg_url).stdout.strip()
    process = serve(pg_url)
    yield process, token
    assert process.stop() == 0


def test_make_size_accounting_on_postgres(served):
    import httpx

    process, token = served
    with httpx.Client(base_url=f"http://{process.http}", headers={"authorization": f"Token {token}"}) as make:
        ds = make.post("/api/v2/data-structures", json={"name": "ds", "teamId": 1, "spec": []}).json()["dataStructure"]
        body = {"name": "s", "teamId": 1, "datastructureId": ds["id"], "maxSizeMB": 1}
        store = make.post("/api/v2/data-stores", json=body).json()["dataStore"]
        base = f"/api/v2/data-stores/{store['id']}/data"
        assert make.post(base, json={"key": "a", "data": {"blob": "x" * 600_000}}).status_code == 200
        r = make.post(base, json={"key": "b", "data": {"blob": "x" * 600_000}})
        assert r.status_code == 400 and "maxSizeMB" in r.json()["detail"]
        after = make.get(f"/api/v2/data-stores/{store['id']}").json()["dataStore"]
        assert after["records"] == 1 and 600_000 < int(after["size"]) < 1_048_576


@pytest.fixture(scope="module")
def server(pg_cluster):
    pg_url = pg_cluster.create_database("server_tests")
    cli("user", "add", "root", "--password", "root-pass-1", "--admin", "--global-data", db=pg_url)
    cli("customer", "add", "2", "Two", db=pg_url)
    cli("user", "add", "reader", "--password", "reader-pass-1", "--customer", "2", db=pg_url)
    cli("grant", "reader", "--customer", "1", "--access", "read", db=pg_url)
    token = cli("token", "create", "root", db=pg_url).stdout.strip()
    reader = cli("token", "create", "reader", db=pg_url).stdout.strip()
    served = serve(pg_url)
    with DatastoreClient(served.grpc, token=token) as admin, DatastoreClient(served.grpc, token=reader) as ro:
        yield admin, ro
    assert served.stop() == 0


def test_entries_roundtrip(server):
    admin, ro = server
    admin.create_descriptor("roundtrip")
    doc = {"a": 5, "b": [1, 2.5, "x", None, True], "c": {"d": "e"}}
    assert admin.put_entry("roundtrip", "k", doc).revision == 1
    assert admin.get_entry("roundtrip", "k").value == {"a": 5.0, "b": [1.0, 2.5, "x", None, True], "c": {"d": "e"}}
    assert admin.put_entry("roundtrip", "k", "v2").revision == 2
    assert ro.get_entry("roundtrip", "k", customer_id=1).value == "v2"
    with pytest.raises(DatastoreError) as info:
        ro.put_entry("roundtrip", "k", "nope", customer_id=1)
    assert info.value.code == grpc.StatusCode.PERMISSION_DENIED and info.value.reason == "CUSTOMER_ACCESS_DENIED"
    assert [x.key for x in admin.delete_entries("roundtrip", ["k", "missing"])] == ["k"]
    with pytest.raises(DatastoreError) as info:
        admin.get_entry("roundtrip", "k")
    assert info.value.code == grpc.StatusCode.NOT_FOUND


def test_bulk_put_to_missing_customer_writes_nothing(server):
    admin, _ = server
    admin.create_descriptor("bulk")
    good = [e.EntryInput(key=f"k{i}", value=value(i)) for i in range(100)]
    admin.entries.BulkPutEntries(e.BulkPutEntriesRequest(store="bulk", entries=good))
    # customer 77 does not exist: the whole batch fails, nothing is written there.
    with pytest.raises(grpc.RpcError) as info:
        admin.entries.BulkPutEntries(e.BulkPutEntriesRequest(store="bulk", customer_id=77, entries=good))
    assert info.value.code() == grpc.StatusCode.NOT_FOUND
    assert admin.query_entries("bulk", limit=1000).total_size == 100


# The same operator table as the SQLite test, so both databases must agree.
from tests.grpc.test_query import test_operators as _sqlite_operators  # noqa: E402

OPERATOR_CASES = _sqlite_operators.pytestmark[0].args[1]


@pytest.fixture(scope="module")
def docs(server):
    admin, _ = server
    admin.create_descriptor("docs")
    admin.entries.BulkPutEntries(
        e.BulkPutEntriesRequest(store="docs", entries=[e.EntryInput(key=k, value=value(v)) for k, v in DOCS.items()])
    )
    return admin


@pytest.mark.parametrize("cond, expected", OPERATOR_CASES)
def test_operators_on_jsonb(docs, cond, expected):
    path, op, *operand = cond
    condition = {"path": path, "op": q.Operator.Name(op)}
    if operand:
        condition["value"] = operand[0]
    r = docs.query_entries("docs", conditions=[condition])
    assert [x.key for x in r.entries] == expected and r.total_size == len(expected)


def test_order_matches_sqlite(docs):
    r = docs.query_entries(
        "docs", order_by=[{"path": "n", "descending": True}], conditions=[{"path": "n", "op": "OPERATOR_NOT_NULL"}]
    )
    assert [x.key for x in r.entries] == ["d", "e", "c", "b", "a"]
    r = docs.query_entries("docs", order_by=[{"path": "s"}])
    assert [x.key for x in r.entries] == ["c", "a", "b", "d", "e"]
    assert [x.key for x in docs.stream_entries("docs", order_by=[{"path": "_", "descending": True}])] == [
        "e",
        "d",
        "c",
        "b",
        "a",
    ]


def test_retention(server):
    admin, _ = server
    admin.create_descriptor("short", expire_data=True, life_time=300)
    admin.put_entry("short", "k", 1)
    assert admin.get_entry("short", "k").value == 1
    time.sleep(0.5)
    with pytest.raises(DatastoreError):
        admin.get_entry("short", "k")
    assert admin.query_entries("short").total_size == 0


def test_concurrent_writers_same_key(server):
    admin, _ = server
    admin.create_descriptor("hot")

    def writer(t):
        return [admin.put_entry("hot", "k", {"t": t}).revision for _ in range(20)]

    with ThreadPoolExecutor(16) as pool:
        revisions = sorted(r for rs in pool.map(writer, range(16)) for r in rs)
    assert revisions == list(range(1, 16 * 20 + 1))


def test_stream_uses_a_server_side_cursor(pg_cluster):
    """A big stream is read from a named cursor batch by batch (FETCH FORWARD), not
    materialised: while the client holds the stream open after the first message, the
    server's session sits in a transaction on a FETCH; all rows arrive, in key order."""
    import psycopg

    url = pg_cluster.create_database("streaming")
    cli("user", "add", "root", "--password", "root-pass-1", "--admin", db=url)
    token = cli("token", "create", "root", db=url).stdout.strip()
    served = serve(url)
    try:
        with DatastoreClient(served.grpc, token=token) as ds:
            ds.create_descriptor("big")
            pad = "p" * 2000
            for start in range(0, 4000, 1000):
                batch = [
                    e.EntryInput(key=f"k{i:05}", value=value({"i": i, "pad": pad})) for i in range(start, start + 1000)
                ]
                ds.entries.BulkPutEntries(e.BulkPutEntriesRequest(store="big", entries=batch))
        # A plain channel without BDP probing: its HTTP/2 window stays small (64 KiB), so
        # the 8 MB stream cannot all be buffered on our side while we hold it open.
        channel = grpc.insecure_channel(served.grpc, options=[("grpc.http2.bdp_probe", 0)])
        streams = query_pb2_grpc.QueryServiceStub(channel)
        request = q.StreamEntriesRequest(query=q.QueryEntriesRequest(store="big"))
        stream = streams.StreamEntries(request, metadata=[("authorization", f"Token {token}")], timeout=60)
        first = next(stream)
        assert first.entry.key == "k00000"
        activity: list = []
        deadline = time.monotonic() + 10
        with psycopg.connect(url, autocommit=True) as conn:
            while not activity and time.monotonic() < deadline:
                time.sleep(0.1)  # until the server has filled the window and waits for us
                activity = conn.execute(
                    "SELECT state, query FROM pg_stat_activity WHERE datname = current_database() "
                    "AND pid <> pg_backend_pid() AND state = 'idle in transaction' AND query LIKE 'FETCH%'"
                ).fetchall()
        assert activity, "no server-side cursor held open while the stream waits"
        keys = [first.entry.key] + [m.entry.key for m in stream]
        assert keys == [f"k{i:05}" for i in range(4000)]
        channel.close()
    finally:
        assert served.stop() == 0
