"""The README's first commands and its grpcurl session, run as written."""

import os
import re
import socket
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def test_readme_starts_with_the_two_commands():
    commands = [line.strip() for line in README.splitlines()[:10] if line.startswith("    ")]
    assert commands[0].endswith("datastore serve")
    assert commands[1].endswith("python -m pytest")
    ci = (ROOT / ".ci" / "run").read_text()
    assert commands[1] in ci, ".ci/run must run the README's test command"


def _port_free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def test_grpcurl_session(tmp_path):
    block = re.search(r"<!-- grpcurl-session -->\s*```sh\n(.*?)```", README, re.S).group(1)
    assert _port_free(50051) and _port_free(8080), "the README session uses the default ports 50051 and 8080"
    venv = tmp_path / ".venv" / "bin"
    venv.mkdir(parents=True)
    # `. .venv/bin/activate` of the session: point it at this interpreter's environment.
    (venv / "activate").write_text(f'export PATH="{os.path.dirname(sys.executable)}:$PATH"\n')
    result = subprocess.run(
        ["bash", "-e", "-c", block],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=180,
        env={k: v for k, v in os.environ.items() if k != "DATASTORE_DB"},
    )
    out = result.stdout
    assert result.returncode == 0, out + result.stderr
    assert "datastore.v1.EntryService" in out and "grpc.health.v1.Health" in out
    assert '"color": "red"' in out
    assert out.count('"key": "myKey"') == 3  # put, get, query
    assert '"totalSize": "1"' in out or '"total_size": "1"' in out
