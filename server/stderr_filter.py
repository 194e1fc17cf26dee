"""Everything `serve` writes to its stderr goes through one line filter process.

File descriptor 2 is shared by this server's log, grpc's C core (absl-style lines such as
`I1203 11:49:02.944139   30392 ssl_transport_security.cc:2563] Handshake failed ...`,
which a plaintext client or a scanner hitting the TLS port causes), and Python itself
(faulthandler's stack dumps, a thread's uncaught exception). `filter_stderr()` points fd
2 at a pipe read by a child process (`python -m server.stderr_filter`) that writes to the
original stderr:

- with `--log-format json`, a line that is already a JSON object passes as it is and any
  other line becomes one: {"time", "level", "logger", "message"}, with "source" (file:line)
  and the level of its absl prefix (I/W/E/F) for a native line, and "worker" under
  `serve --workers N`; in text mode lines pass unchanged;
- a native line that reports a failed TLS handshake (grpc has no other report of them)
  is signalled back to the server, which counts it: datastore_tls_handshake_failures_total.

A process and not a thread: a native fatal error (its F line, then abort()), faulthandler's
exit after a stop that hangs, or SIGKILL end the server at once, and the filter still
writes out all it was sent. It ends when every writer of the pipe has closed it, that is
when the server has exited; it ignores SIGINT and SIGTERM (it is in a session of its own
as well, away from a terminal's Ctrl-C).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable

NATIVE = re.compile(rb"^([IWEF])\d{4} [\d:.]+ +\d+ ([^\s\]]+:\d+)\] ?(.*)$")
ABSL_LEVELS = {b"I": "info", b"W": "warning", b"E": "error", b"F": "critical"}
PLAIN_LEVEL = re.compile(rb"^(DEBUG|INFO|WARNING|ERROR|CRITICAL):")  # e.g. absl's "WARNING: All log messages..."
HANDSHAKE_FAILED = re.compile(rb"handshake failed", re.IGNORECASE)

_process: subprocess.Popen | None = None  # the filter of this process, once started


def filter_stderr(json_lines: bool, worker: int | None, handshake_failed: Callable[[int], None]) -> None:
    """Routes fd 2 through the filter process from now on; `handshake_failed(n)` is called
    (on a thread of its own) as failed TLS handshakes are reported."""
    global _process
    if _process is not None:
        return
    lines_out, lines_in = os.pipe()
    counts_out, counts_in = os.pipe()
    args = [sys.executable, "-m", "server.stderr_filter", "--counts-fd", str(counts_in)]
    args += ["--json"] if json_lines else []
    args += ["--worker", str(worker)] if worker is not None else []
    original = os.dup(2)
    try:
        _process = subprocess.Popen(
            args, stdin=lines_out, stdout=original, stderr=original, pass_fds=(counts_in,), start_new_session=True
        )
        sys.stderr.flush()
        os.dup2(lines_in, 2)
    finally:
        for fd in (lines_out, lines_in, counts_in, original):
            os.close(fd)
    threading.Thread(
        target=_read_counts, args=(counts_out, handshake_failed), name="stderr-counts", daemon=True
    ).start()


def _read_counts(fd: int, handshake_failed: Callable[[int], None]) -> None:
    with os.fdopen(fd, "rb", buffering=0) as counts:
        while data := counts.read(4096):
            handshake_failed(len(data))


def _stamp(now: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + f".{int(now % 1 * 1000):03d}Z"


def as_json(line: bytes, worker: int | None) -> bytes:
    """One line (without its newline) as one JSON object; JSON objects pass unchanged."""
    if line.startswith(b'{"') and line.endswith(b"}"):
        return line
    out = {"time": _stamp(time.time()), "level": "error", "logger": "stderr", "message": ""}
    native = NATIVE.match(line)
    if native:
        out.update(level=ABSL_LEVELS[native[1]], logger="native", source=native[2].decode(errors="replace"))
        line = native[3]
    elif plain := PLAIN_LEVEL.match(line):
        out["level"] = plain[1].decode().lower()
    out["message"] = line.decode(errors="replace")
    if worker is not None:
        out["worker"] = worker
    return json.dumps(out, ensure_ascii=False).encode()


def _convert(block: bytes, json_lines: bool, worker: int | None, counts_fd: int) -> bytes:
    """Complete lines in, complete lines out; failed handshakes signalled on counts_fd."""
    if HANDSHAKE_FAILED.search(block):
        failed = sum(1 for line in block.split(b"\n")[:-1] if NATIVE.match(line) and HANDSHAKE_FAILED.search(line))
        if failed:
            _write(counts_fd, b"h" * failed)
    if not json_lines:
        return block
    return b"".join(as_json(line, worker) + b"\n" for line in block.split(b"\n")[:-1])


def _write(fd: int, data: bytes) -> None:
    try:
        while data:
            data = data[os.write(fd, data) :]
    except OSError:  # its reader is gone (the server's stderr, or the server): nothing to tell
        pass


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m server.stderr_filter")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--worker", type=int)
    parser.add_argument("--counts-fd", type=int, required=True)
    ns = parser.parse_args(argv)
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, signal.SIG_IGN)
    pending = b""
    while chunk := os.read(0, 1 << 16):
        pending += chunk
        cut = pending.rfind(b"\n") + 1
        if cut:
            _write(1, _convert(pending[:cut], ns.json, ns.worker, ns.counts_fd))
            pending = pending[cut:]
    if pending:  # a last line without its newline
        _write(1, _convert(pending + b"\n", ns.json, ns.worker, ns.counts_fd))
    return 0


if __name__ == "__main__":
    sys.exit(main())
