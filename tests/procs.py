"""Running `datastore` as a real process, the way users and outside checks do."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass

# faulthandler's header of each thread's stack: a stop that hung (server/cli/serve.py) wrote it
STUCK_STOP_DUMP = "(most recent call first)"
DATASTORE = shutil.which("datastore") or os.path.join(os.path.dirname(sys.executable), "datastore")


def environment(env: dict | None) -> dict[str, str]:
    """os.environ with `env` applied; a None value removes the variable."""
    merged = {**os.environ, **(env or {})}
    return {k: v for k, v in merged.items() if v is not None}


def cli(*args: str, db: str, check: bool = True, env: dict | None = None) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [DATASTORE, *args, "--db", db], capture_output=True, text=True, timeout=120, env=environment(env)
    )
    if check and result.returncode != 0:
        raise AssertionError(f"datastore {' '.join(args)} failed: {result.stderr}")
    return result


@dataclass
class Served:
    """A running server. Its output is read as it comes into `output` (a server that
    logs a line per call would stall on a full pipe otherwise)."""

    proc: subprocess.Popen
    grpc: str
    http: str
    output: list[str]

    def __post_init__(self) -> None:
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in iter(self.proc.stdout.readline, ""):
            self.output.append(line)

    def log(self) -> str:
        """Everything the server printed so far (all of it, once stopped)."""
        if self.proc.poll() is not None:
            self._reader.join(timeout=10)
        return "".join(self.output)

    def stop(self, sig=None) -> int:
        import signal

        if self.proc.poll() is None:
            self.proc.send_signal(sig or signal.SIGTERM)
        try:
            code = self.proc.wait(timeout=60)  # past config.STUCK_STOP_S: a stuck stop has dumped its stacks
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            self._reader.join(timeout=10)
            raise AssertionError(f"the server did not stop within 60 s; its last output:\n{self._tail()}") from None
        self._reader.join(timeout=10)
        if any(STUCK_STOP_DUMP in line for line in self.output[-400:]):
            raise AssertionError(f"the server's stop hung and dumped its threads:\n{self._tail()}")
        return code

    def _tail(self) -> str:
        return "".join(self.output[-200:])

    def stop_checked(self) -> None:
        """Stops with SIGTERM, expects exit 0 and no traceback in what the server logged."""
        assert self.stop() == 0
        text = self.log()
        assert "Traceback" not in text, text[-4000:]


def serve(db: str, *extra: str, env: dict | None = None, timeout: float = 60) -> Served:
    proc = subprocess.Popen(
        [DATASTORE, "serve", "--db", db, "--grpc", "127.0.0.1:0", "--http", "127.0.0.1:0", *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=environment(env),
    )
    lines: list[str] = []
    found: dict[str, str] = {}
    deadline = time.monotonic() + timeout
    while len(found) < 2:
        line = proc.stdout.readline()
        if not line:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError("server did not start:\n" + "".join(lines))
            continue
        lines.append(line)
        m = re.match(r"(grpc|http) listening on (\S+)$", line.strip())
        if m:
            found[m.group(1)] = m.group(2)
    return Served(proc, found["grpc"], found["http"], lines)
