"""The README's client example, run as written against a real server process that has
the grpcurl session's user (admin / admin-pass-1), found through $DATASTORE_TARGET."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from tests.procs import cli, environment, serve

README = (Path(__file__).resolve().parents[2] / "README.md").read_text()


def test_readme_client_example_runs_as_written(process_db, tmp_path):
    section = re.search(r"<!-- client-example -->\n(.*?)<!-- /client-example -->", README, re.S).group(1)
    blocks = re.findall(r"```python\n(.*?)```", section, re.S)
    assert len(blocks) == 2 and "DatastoreClient(" in blocks[0] and "AsyncDatastoreClient(" in blocks[1]
    cli("user", "add", "admin", "--password", "admin-pass-1", "--admin", "--global-data", db=process_db)
    served = serve(process_db)
    try:
        outputs = []
        for i, block in enumerate(blocks):
            script = tmp_path / f"example{i}.py"
            script.write_text(block)
            run = subprocess.run(
                [sys.executable, str(script)],
                capture_output=True,
                text=True,
                timeout=60,
                cwd=tmp_path,
                env=environment({"DATASTORE_TARGET": served.grpc}),
            )
            assert run.returncode == 0, run.stderr
            outputs += run.stdout.splitlines()
    finally:
        served.stop_checked()
    assert outputs == [
        "{'hex': '#f00'}",
        "blue 1",
        "green 1",
        "REVISION_MISMATCH",
        "1",
        "ENTRY_NOT_FOUND",
        "{'hex': '#fff'}",
        "['white', 'red', 'hits', 'green', 'blue']",
    ]
