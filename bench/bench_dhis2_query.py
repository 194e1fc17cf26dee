"""The DHIS2 query API over a big namespace: a filtered, ordered, paged query
(GET /api/dataStore/bench?fields=name,n&filter=group:eq:g42&filter=n:ge:<half>
&order=n:ndesc&pageSize=50) through the running server, against the same query as
hand-written SQL run with the bare driver, and against a pure-Python scan (fetch
every value of the namespace, filter, sort, page) - same run, same database.

    python bench/bench_dhis2_query.py [--entries 1000000] [--db URL] [--rounds 5]

Entries are loaded straight into the database through the storage layer (bulk
inserts), not through the API: the subject is the query, not the load.

Two phases in one run: first with the indexes every database has (on PostgreSQL that
includes the GIN jsonb_path_ops index, which serves `group:eq:g42`), then after
`datastore index add group` and `datastore index add n` (expression indexes; the only
JSON indexes SQLite can have).
"""

from __future__ import annotations

import argparse
import json
import time

import httpx
from common import database_url, start_datastore

# What someone writing the query by hand would write, spelled so that the same indexes
# apply (`'$."n"'` is how `datastore index add n` spells the SQLite path).
HAND_SQLITE = """
SELECT key, json_extract(value, '$."name"'), json_extract(value, '$."n"') FROM entry
WHERE descriptor_id = ? AND owner_user_id = 0
  AND json_extract(value, '$."group"') = 'g42' AND json_type(value, '$."group"') = 'text'
  AND json_extract(value, '$."n"') >= ? AND json_type(value, '$."n"') IN ('integer', 'real')
ORDER BY json_extract(value, '$."n"') DESC, key LIMIT 50
"""
HAND_PG = """
SELECT key, value -> 'name', value -> 'n' FROM entry
WHERE descriptor_id = %s AND owner_user_id = 0
  AND value @> '{"group": "g42"}'
  AND (value #> '{"n"}'::text[]) >= to_jsonb(%s::int) AND jsonb_typeof(value -> 'n') = 'number'
ORDER BY (value ->> 'n')::numeric DESC, key LIMIT 50
"""


def doc(i: int) -> dict:
    return {"n": i, "group": f"g{i % 100}", "flag": i % 2 == 0, "name": f"item-{i}", "tags": ["a", "b"]}


def load(db: str, entries: int) -> tuple[int, float]:
    from server.domain import types as t
    from server.facades.dhis2 import storage as namespaces
    from server.facades.dhis2.service import new_uid
    from server.storage.db import database
    from server.storage.migrations import init_database
    from server.storage.models import Entry

    init_database(db)
    started = time.perf_counter()
    with database.connection_context():
        descriptor = namespaces.ensure_namespace("bench", None)
        for start in range(0, entries, 10_000):
            rows = [
                {
                    Entry.descriptor: descriptor,
                    Entry.customer: t.GLOBAL_CUSTOMER_ID,
                    Entry.owner_user_id: 0,
                    Entry.key: f"k{i:07}",
                    Entry.uid: new_uid(),
                    Entry.value: doc(i),
                    Entry.created_at: 0,
                    Entry.updated_at: 0,
                }
                for i in range(start, min(start + 10_000, entries))
            ]
            with database.atomic():
                for part in range(0, len(rows), 2000):  # PostgreSQL: at most 65,535 parameters
                    Entry.insert_many(rows[part : part + 2000]).execute()
    return descriptor, time.perf_counter() - started


def timed(fn, rounds: int) -> tuple[float, object]:
    result = fn()  # warm up
    best = []
    for _ in range(rounds):
        t = time.perf_counter()
        result = fn()
        best.append(time.perf_counter() - t)
    best.sort()
    return best[len(best) // 2] * 1000, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--db", help="database URL, or `postgresql` for a throwaway cluster (default: temp SQLite)")
    ns = parser.parse_args()
    db = database_url(ns.db, "dhis2")
    half = ns.entries // 2
    descriptor, load_s = load(db, ns.entries)
    print(f"loaded {ns.entries} entries in {load_s:.1f} s")

    from server.storage.db import database

    conn = database.connection()
    pg = not hasattr(conn, "total_changes")
    if pg:
        database.obj.execute_sql("VACUUM ANALYZE entry")  # what autovacuum does after a bulk load

    def hand_sql():
        cur = conn.cursor()
        cur.execute(HAND_PG if pg else HAND_SQLITE, (descriptor, half))
        return [r[0] for r in cur.fetchall()]

    def python_scan():
        cur = conn.cursor()
        cur.execute("SELECT key, value FROM entry WHERE descriptor_id = %s AND owner_user_id = 0".replace(
            "%s", "%s" if pg else "?"), (descriptor,))  # fmt: skip
        matches = []
        for key, raw in cur:
            v = raw if isinstance(raw, dict) else json.loads(raw)
            n = v.get("n")
            if v.get("group") == "g42" and isinstance(n, (int, float)) and n >= half:
                matches.append((-n, key))
        return [key for _, key in sorted(matches)[:50]]

    served, token = start_datastore(db)
    try:
        client = httpx.Client(base_url=f"http://{served.http}", headers={"authorization": f"Token {token}"})
        url = f"/api/dataStore/bench?fields=name,n&filter=group:eq:g42&filter=n:ge:{half}&order=n:ndesc&pageSize=50"

        def via_api():
            r = client.get(url)
            r.raise_for_status()
            return [e["key"] for e in r.json()["entries"]]

        print(f"query: group == 'g42' AND n >= {half}, order by n desc, page of 50 ({ns.entries // 200} matches)")
        for phase in ("built-in indexes", "path indexes"):
            if phase == "path indexes":
                from server.storage import indexes

                t = time.perf_counter()
                for path in ("group", "n"):
                    indexes.add(database.obj, path)
                database.obj.execute_sql("VACUUM ANALYZE entry" if pg else "ANALYZE")
                print(f"-- datastore index add group, n: {time.perf_counter() - t:.1f} s")
            sql_ms, sql_keys = timed(hand_sql, ns.rounds)
            api_ms, api_keys = timed(via_api, ns.rounds)
            print(f"-- {phase}")
            print(f"{'hand-written SQL':20} {sql_ms:>9.1f} ms   1.00")
            print(f"{'DHIS2 API (REST)':20} {api_ms:>9.1f} ms   {api_ms / sql_ms:.2f}  x SQL")
            if phase == "built-in indexes":
                py_ms, py_keys = timed(python_scan, max(1, ns.rounds // 2))
                print(
                    f"{'pure-Python scan':20} {py_ms:>9.1f} ms   {py_ms / sql_ms:.2f}  x SQL ({py_ms / api_ms:.1f} x API)"
                )
                assert py_keys == sql_keys
            assert sql_keys == api_keys and len(api_keys) == 50, (sql_keys[:3], api_keys[:3])
    finally:
        served.stop()


if __name__ == "__main__":
    main()
