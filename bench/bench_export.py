"""Export/import round trip: N entries (default 1M) written straight into a database,
`datastore export` to a file, `datastore import` into a fresh database, the fresh one
exported again and compared line by line (SHA-256 of the rows). Prints entries/s and
the peak RSS of each command (constant memory: it must not grow with N).

    python bench/bench_export.py [--entries 1000000] [--db postgresql]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from common import database_url, tempdir  # noqa: E402

from tests.procs import DATASTORE, cli  # noqa: E402


def seed(db: str, entries: int) -> None:
    from server.storage.db import database, now_ms
    from server.storage.migrations import init_database
    from server.storage.models import Descriptor, Entry

    cli("user", "add", "bench", "--password", "bench-pass-1", "--admin", db=db)
    init_database(db)
    now = now_ms()
    with database.connection_context():
        d = Descriptor.create(
            name="big", data_type="MAP", behaviour_type="CENTRAL", created_at=now, updated_at=now, created_by=1
        )
        for start in range(0, entries, 2000):
            rows = [
                {
                    "descriptor": d.id,
                    "customer": 1,
                    "key": f"k{i:08d}",
                    "value": {"i": i, "f": i / 7, "s": f"value {i}", "tags": ["a", "b"]},
                    "created_at": now,
                    "created_by": 1,
                    "updated_at": now,
                    "updated_by": 1,
                }
                for i in range(start, min(start + 2000, entries))
            ]
            with database.atomic():
                Entry.insert_many(rows).execute()
    database.close()


def timed(*args: str, db: str) -> tuple[float, int]:
    """Runs `datastore ARGS --db db`; (seconds, peak RSS in MiB)."""
    probe = (
        "import resource, subprocess, sys; r = subprocess.run(sys.argv[1:]); "
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); sys.exit(r.returncode)"
    )
    started = time.monotonic()
    out = subprocess.run(
        [sys.executable, "-c", probe, DATASTORE, *args, "--db", db], capture_output=True, text=True, check=True
    )
    return time.monotonic() - started, int(out.stdout.split()[-1]) // 1024


def digest(path: str) -> str:
    h = hashlib.sha256()
    with open(path, encoding="utf-8") as f:
        next(f)  # the header holds the export time
        for line in f:
            h.update(line.encode())
    return h.hexdigest()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--db", help="postgresql (a throwaway cluster) or a URL; default a temp SQLite file")
    ns = parser.parse_args()
    work = tempdir()
    source, target = database_url(ns.db, "exportsrc"), database_url(ns.db, "exportdst")
    if source == target:
        raise SystemExit("give --db postgresql or nothing: the round trip needs two databases")
    started = time.monotonic()
    seed(source, ns.entries)
    print(f"seeded {ns.entries} entries in {time.monotonic() - started:.0f} s ({source.split(':')[0]})")
    first, second = os.path.join(work, "a.ndjson"), os.path.join(work, "b.ndjson")
    secs, rss = timed("export", "--out", first, db=source)
    size = os.path.getsize(first) / 2**20
    print(f"export  {ns.entries / secs:>9.0f} entries/s  {secs:6.1f} s  peak RSS {rss} MiB  file {size:.0f} MiB")
    secs, rss = timed("import", first, db=target)
    print(f"import  {ns.entries / secs:>9.0f} entries/s  {secs:6.1f} s  peak RSS {rss} MiB")
    timed("export", "--out", second, db=target)
    same = digest(first) == digest(second)
    print(f"round trip identical: {same}")
    if not same:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
