"""The stderr line filter of `serve` (server/stderr_filter.py), without a server."""

from __future__ import annotations

import json
import subprocess
import sys

from server.stderr_filter import as_json

HANDSHAKE = (
    b"I1203 11:49:02.944139   30392 ssl_transport_security.cc:2563] Handshake failed with error SSL_ERROR_SSL: "
    b"error:100000f7:SSL routines:OPENSSL_internal:WRONG_VERSION_NUMBER"
)


def test_lines_become_json_objects():
    native = json.loads(as_json(HANDSHAKE, None))
    assert native["level"] == "info" and native["logger"] == "native"
    assert native["source"] == "ssl_transport_security.cc:2563" and native["message"].startswith("Handshake failed")
    absl = json.loads(as_json(b"E0000 00:00:1735030583.349300 13730754 chttp2_server.cc:12] boom", 2))
    assert (absl["level"], absl["source"], absl["message"], absl["worker"]) == (
        "error",
        "chttp2_server.cc:12",
        "boom",
        2,
    )
    plain = json.loads(as_json(b'WARNING: All log messages before absl::InitializeLog() "quoted" \xff', None))
    assert plain["level"] == "warning" and plain["logger"] == "stderr" and "\ufffd" in plain["message"]
    assert json.loads(as_json(b"Traceback (most recent call last):", None))["level"] == "error"
    already = b'{"time": "x", "level": "info", "message": "m"}'
    assert as_json(already, 3) == already


CRASH = """
import os, sys
from server.stderr_filter import filter_stderr
filter_stderr(json_lines=True, worker=None, handshake_failed=print)
os.write(2, b"F1203 11:49:02.944139   30392 chttp2.cc:7] Check failed: it\\n")
sys.stderr.write("and a half line")
sys.stderr.flush()
os.abort()
"""


def test_what_a_crashing_server_wrote_is_not_lost():
    """The filter is a process of its own: it writes out what it was sent after abort()."""
    result = subprocess.run([sys.executable, "-c", CRASH], capture_output=True, timeout=60)
    assert result.returncode < 0
    fatal, half = (json.loads(line) for line in result.stderr.decode().splitlines())
    assert fatal["level"] == "critical" and fatal["message"] == "Check failed: it" and fatal["source"] == "chttp2.cc:7"
    assert half["message"] == "and a half line"
