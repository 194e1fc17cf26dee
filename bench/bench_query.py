"""A JSON-path filtered, ordered, paged query over 100k entries: through the running
server (gRPC QueryEntries) vs the very same SQL (count + page) run directly with the
database driver, same run, same file. Prints ms per query and the ratio.

    python bench/bench_query.py [--entries 100000] [--db URL] [--rounds 20]
"""

from __future__ import annotations

import argparse
import statistics
import time

from common import database_url, start_datastore
from google.protobuf import json_format

from datastore.v1 import entry_pb2, query_pb2
from datastore_client import DatastoreClient


def doc(i: int) -> dict:
    return {"n": i, "group": f"g{i % 100}", "flag": i % 2 == 0, "name": f"item-{i}", "tags": ["a", "b"]}


QUERIES = {
    "group == 'g42' AND n >= 50000": (
        [{"path": "group", "op": "OPERATOR_EQ", "value": "g42"}, {"path": "n", "op": "OPERATOR_GE", "value": 50000}],
        lambda i: i % 100 == 42 and i >= 50000,
    ),
    "n >= 50000 (broad)": ([{"path": "n", "op": "OPERATOR_GE", "value": 50000}], lambda i: i >= 50000),
}


def interleaved(fns: list, rounds: int) -> list[float]:
    """Median ms of each function, measured round-robin so drift hits all alike."""
    for fn in fns:
        fn()  # warm up
    samples: list[list[float]] = [[] for _ in fns]
    for _ in range(rounds):
        for i, fn in enumerate(fns):
            t = time.perf_counter()
            fn()
            samples[i].append(time.perf_counter() - t)
    return [statistics.median(s) * 1000 for s in samples]


def direct_sql(store: str, request: query_pb2.QueryEntriesRequest):
    """The server's own SQL for this request, run through the bare DB-API driver."""
    from server.api.servicers.query import query_from_proto
    from server.storage import descriptors as descriptor_repo
    from server.storage import entries as entry_repo
    from server.storage.db import database

    q = query_from_proto(request)
    from server.domain.types import Selection

    page, _ = entry_repo.page_query(
        descriptor_repo.get_descriptor(store), Selection(customers=None, where=q.where, order=q.order, limit=q.limit)
    )
    sql, params = page.sql()
    conn = database.connection()

    def run():
        rows = (
            conn.cursor().execute(sql, params).fetchall() if hasattr(conn, "total_changes") else _pg(conn, sql, params)
        )
        return (rows[0][-1] if rows else 0), rows

    return run


def _pg(conn, sql, params):
    with conn.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchall()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--db", help="database URL, or `postgresql` for a throwaway cluster (default: temp SQLite)")
    ns = parser.parse_args()
    db = database_url(ns.db, "query")
    served, token = start_datastore(db)
    try:
        with DatastoreClient(served.grpc, token=token, timeout=300) as client:
            client.create_descriptor("big")
            t = time.perf_counter()
            for start in range(0, ns.entries, 1000):
                batch = entry_pb2.BulkPutEntriesRequest(store="big")
                for i in range(start, min(start + 1000, ns.entries)):
                    json_format.ParseDict(doc(i), batch.entries.add(key=f"k{i:07}").value)
                client.entries.BulkPutEntries(batch, timeout=300)
            load_s = time.perf_counter() - t
            from server.storage.migrations import init_database

            init_database(db)
            print(
                f"loaded {ns.entries} entries in {load_s:.1f} s ({ns.entries / load_s:.0f} entries/s via BulkPutEntries)"
            )
            print("each query: order by n desc, limit 25, with the total count")
            print(f"{'filter':32} {'matches':>7} {'SQL ms':>8} {'gRPC ms':>8} {'ratio':>6}")
            for label, (conditions, matches) in QUERIES.items():
                body = {
                    "store": "big",
                    "conditions": conditions,
                    "orderBy": [{"path": "n", "descending": True}],
                    "limit": 25,
                }
                request = json_format.ParseDict(body, query_pb2.QueryEntriesRequest())
                expected = sum(1 for i in range(ns.entries) if matches(i))
                assert client.queries.QueryEntries(request, timeout=300).total_size == expected
                run = direct_sql("big", request)
                total, rows = run()
                assert total == expected and len(rows) == min(25, expected)
                via_sql, via_grpc = interleaved(
                    [run, lambda r=request: client.queries.QueryEntries(r, timeout=300)], ns.rounds
                )
                print(f"{label:32} {expected:>7} {via_sql:>8.1f} {via_grpc:>8.1f} {via_grpc / via_sql:>6.2f}")
    finally:
        served.stop()


if __name__ == "__main__":
    main()
