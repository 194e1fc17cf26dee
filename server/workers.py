"""`datastore serve --workers N`: N server processes on the same ports.

The supervisor (this module) reserves the gRPC and HTTP ports, starts N `datastore serve`
worker processes that listen on them with SO_REUSEPORT (the kernel spreads incoming
connections over them), and prints the listening lines once every worker is ready. It
restarts a worker that dies, with backoff, and gives up (exit 1, quoting the worker's
last words) when one dies before it is ready MAX_START_FAILURES times in a row.
SIGTERM/SIGINT go on to every worker, which drains as a lone server does; the
supervisor exits 0 once all have. Worker 0 runs the background jobs (the retention
sweeper); metrics are shared through prometheus-client's multiprocess directory.
"""

from __future__ import annotations

import collections
import ctypes
import logging
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field

from server import observability
from server.config import STUCK_STOP_S, Settings, split_addr

log = logging.getLogger("datastore.workers")

MAX_START_FAILURES = 3  # deaths before ready, in a row, that end the supervisor
FIRST_DELAY_S, MAX_DELAY_S = 0.25, 8.0  # restart backoff, doubling per death
STABLE_S = 30.0  # a worker that ran this long restarts its slot's backoff
TAIL_LINES = 5  # a starting worker's last stderr lines, quoted if it never gets ready
LISTENING = re.compile(rb"(grpc|http) listening on \S+\n")
WORKER_MAIN = "import sys; from server.cli import main; sys.exit(main())"


class WorkerFailure(Exception):
    """A worker cannot be kept running: the supervisor stops them all."""


def reserve_port(host: str, port: int) -> socket.socket:
    """Checks that nothing else has host:port (port 0: picks a free one) and keeps it bound
    with SO_REUSEPORT, never listening, so the workers can share it and no one else takes
    it meanwhile. A bound socket that does not listen is given no connections."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:  # without SO_REUSEPORT: no sharing
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise OSError(f"cannot listen on {host}:{port}: {exc.strerror}") from exc
        port = probe.getsockname()[1]
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    return sock


METRICS_DIR_PREFIX = "datastore-metrics-"  # + the supervisor's pid + "-": whose it is


def remove_stale_metrics_dirs() -> list[str]:
    """Removes the metrics directories of supervisors that are gone: one that was killed
    (SIGKILL, OOM) could not delete its own. Only this user's, only those whose
    supervisor pid no longer runs (a reused pid just leaves one behind). Returns them."""
    base, removed = tempfile.gettempdir(), []
    for name in os.listdir(base):
        match = re.fullmatch(rf"{METRICS_DIR_PREFIX}(\d+)-\w+", name)
        path = os.path.join(base, name)
        try:
            if match is None or not os.path.isdir(path) or os.stat(path).st_uid != os.getuid():
                continue
        except OSError:  # removed meanwhile by another supervisor starting
            continue
        try:
            os.kill(int(match.group(1)), 0)
            continue  # its supervisor runs
        except ProcessLookupError:
            pass
        except PermissionError:
            continue  # a process of another user has that pid now
        shutil.rmtree(path, ignore_errors=True)
        removed.append(path)
    if removed:
        log.info("removed %d metrics directories of supervisors that are gone", len(removed))
    return removed


def follow_supervisor(supervisor_pid: int) -> None:
    """In a worker: get SIGTERM, and so drain, when the supervisor dies, even by SIGKILL
    (Linux's PR_SET_PDEATHSIG; the supervisor starts workers from its main thread only)."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGTERM), 0, 0, 0)  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not Linux: an orphan is stopped by hand
        pass
    if os.getppid() != supervisor_pid:  # it died before that
        os.kill(os.getpid(), signal.SIGTERM)


def _backoff(deaths: int) -> float:
    return min(MAX_DELAY_S, FIRST_DELAY_S * 2 ** (deaths - 1))


def _addr(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


@dataclass
class Worker:
    index: int
    proc: subprocess.Popen
    started: float = field(default_factory=time.monotonic)
    ready: threading.Event = field(default_factory=threading.Event)
    listening: list[bytes] = field(default_factory=list)  # its listening lines
    tail: collections.deque = field(default_factory=lambda: collections.deque(maxlen=TAIL_LINES))
    readers: list[threading.Thread] = field(default_factory=list)

    def how_it_ended(self) -> str:
        code = self.proc.returncode
        return f"was killed by {signal.Signals(-code).name}" if code < 0 else f"exited with code {code}"


@dataclass
class Slot:
    """One of the N places; its worker is replaced when it dies."""

    index: int
    worker: Worker | None = None
    failures: int = 0  # deaths before ready, in a row
    crashes: int = 0  # deaths after ready, each within STABLE_S of its start
    restart_at: float = 0.0


class Supervisor:
    def __init__(self, settings: Settings, log_format: str) -> None:
        self.settings, self.log_format = settings, log_format
        self.slots = [Slot(i) for i in range(settings.worker_processes)]
        self.stopping = threading.Event()
        self.signal = signal.SIGTERM  # the one forwarded to the workers
        self.lines_expected = 2 if settings.http_addr else 1
        self.metrics_dir = ""
        self.args: list[str] = []
        self.env: dict[str, str] = {}

    def run(self) -> int:
        """Supervises until SIGTERM/SIGINT (0 once every worker drained) or a worker
        that cannot be kept running (1)."""
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, self._on_signal)
        self._check_settings()
        host, port = split_addr(self.settings.grpc_addr)
        reserved = [reserve_port(host, port)]
        grpc_addr, http_addr = _addr(host, reserved[0].getsockname()[1]), ""
        try:
            if self.settings.http_addr:
                h_host, h_port = split_addr(self.settings.http_addr)
                reserved.append(reserve_port(h_host, h_port))
                http_addr = _addr(h_host, reserved[1].getsockname()[1])
            remove_stale_metrics_dirs()
            self.metrics_dir = tempfile.mkdtemp(prefix=f"{METRICS_DIR_PREFIX}{os.getpid()}-")
            self.args = self._worker_args(grpc_addr, http_addr)
            self.env = {
                **os.environ,
                "DATASTORE_DB": self.settings.db_url,
                "PROMETHEUS_MULTIPROC_DIR": self.metrics_dir,
            }
            return self._supervise()
        finally:
            for sock in reserved:
                sock.close()
            if self.metrics_dir:
                shutil.rmtree(self.metrics_dir, ignore_errors=True)

    def _on_signal(self, signum: int, _frame) -> None:
        self.signal = signal.Signals(signum)
        self.stopping.set()

    def _check_settings(self) -> None:
        """What a lone server checks first, done once here so that a wrong setting fails
        at once: TLS files, and the database opens (and gets migrated)."""
        from server.cli.first_start import first_start_hint
        from server.services.keyfiles import sqlite_path
        from server.storage.db import connection_errors, database
        from server.storage.migrations import init_database
        from server.tls import TlsFiles

        if sqlite_path(self.settings.db_url) == "":
            raise ValueError("--workers needs a database file or PostgreSQL: in-memory SQLite is one per process")
        s = self.settings
        TlsFiles.from_settings(s.tls_cert, s.tls_key, s.tls_client_ca)
        with connection_errors():
            init_database(s.db_url, max_connections=2, durability=s.durability)
        first_start_hint()
        if hasattr(database.obj, "close_all"):  # the workers open their own connections
            database.obj.close_all()
        else:
            database.obj.close()

    def _worker_args(self, grpc_addr: str, http_addr: str) -> list[str]:
        s = self.settings
        args = ["serve", "--grpc", grpc_addr, "--http", http_addr, "--log-format", self.log_format]
        args += ["--durability", s.durability, "--workers", "1", "--worker-of", str(os.getpid())]
        for flag, value in (
            ("--encryption-key-file", s.encryption_key_file),
            ("--tls-cert", s.tls_cert),
            ("--tls-key", s.tls_key),
            ("--tls-client-ca", s.tls_client_ca),
        ):
            if value:
                args += [flag, value]
        return args  # the database URL goes in the environment: no password on a command line

    def _supervise(self) -> int:
        announced = False
        try:
            while not self.stopping.is_set():
                now = time.monotonic()
                for slot in self.slots:
                    self._tend(slot, now)
                if not announced and all(slot.worker and slot.worker.ready.is_set() for slot in self.slots):
                    sys.stdout.buffer.write(b"".join(self.slots[0].worker.listening))
                    sys.stdout.buffer.flush()
                    announced = True
                self.stopping.wait(0.05)
        except WorkerFailure as exc:
            self._drain()
            observability.flush_logs()  # the reason is the last line, after the drain's
            print(f"error: {exc}", file=sys.stderr, flush=True)
            return 1
        return 0 if self._drain() else 1

    def _tend(self, slot: Slot, now: float) -> None:
        """Notices a dead worker and starts a new one when its backoff has passed."""
        worker = slot.worker
        if worker is not None and worker.proc.poll() is not None:
            self._bury(slot, worker, now)
        elif worker is not None and worker.ready.is_set():
            slot.failures = 0
        if slot.worker is None and now >= slot.restart_at and not self.stopping.is_set():
            slot.worker = self._spawn(slot.index)

    def _bury(self, slot: Slot, worker: Worker, now: float) -> None:
        from prometheus_client import multiprocess

        slot.worker = None
        for reader in worker.readers:
            reader.join(timeout=5)  # its last words
        multiprocess.mark_process_dead(worker.proc.pid, self.metrics_dir)
        how = worker.how_it_ended()
        if not worker.ready.is_set():
            slot.failures += 1
            if slot.failures >= MAX_START_FAILURES:
                last = " | ".join(worker.tail) or "nothing"
                raise WorkerFailure(
                    f"worker {slot.index} {how} before it was ready, {slot.failures} times in a row; "
                    f"the last time it said: {last}"
                )
            delay = _backoff(slot.failures)
        else:
            slot.crashes = slot.crashes + 1 if now - worker.started < STABLE_S else 1
            delay = _backoff(slot.crashes)
        log.warning("worker %d (pid %d) %s; starting a new one in %.2f s", slot.index, worker.proc.pid, how, delay)
        slot.restart_at = now + delay

    def _spawn(self, index: int) -> Worker:
        proc = subprocess.Popen(
            [sys.executable, "-c", WORKER_MAIN, *self.args, "--worker-index", str(index)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=self.env,
            process_group=0,  # a terminal's Ctrl-C reaches the supervisor alone, which forwards it
        )
        worker = Worker(index, proc)
        for target in (self._read_stdout, self._pump_stderr):
            thread = threading.Thread(target=target, args=(worker,), name=f"worker-{index}-io", daemon=True)
            thread.start()
            worker.readers.append(thread)
        log.info("worker %d started (pid %d)", index, proc.pid)
        return worker

    def _read_stdout(self, worker: Worker) -> None:
        """Takes the worker's listening lines (it is ready after the last one) and passes
        anything else on."""
        for line in worker.proc.stdout:
            if not worker.ready.is_set() and LISTENING.fullmatch(line):
                worker.listening.append(line)
                if len(worker.listening) == self.lines_expected:
                    worker.ready.set()
                    log.info("worker %d ready (pid %d)", worker.index, worker.proc.pid)
            else:
                sys.stdout.buffer.write(line)
                sys.stdout.buffer.flush()

    def _pump_stderr(self, worker: Worker) -> None:
        """Passes the worker's log on, whole lines at a time (no line of two workers is
        cut into another), and keeps the last lines of a worker not yet ready."""
        out, pending = sys.stderr.buffer, b""
        while chunk := os.read(worker.proc.stderr.fileno(), 1 << 16):
            pending += chunk
            cut = pending.rfind(b"\n") + 1
            if cut:
                out.write(pending[:cut])
                out.flush()
                if not worker.ready.is_set():
                    worker.tail.extend(pending[:cut].decode(errors="replace").splitlines())
                pending = pending[cut:]
        if pending:
            out.write(pending + b"\n")
            out.flush()
            worker.tail.append(pending.decode(errors="replace"))

    def _drain(self) -> bool:
        """Forwards the stop signal to every worker and waits for their drains; True if
        each ended by itself with 0 (or to that very signal, before it could drain)."""
        workers = [slot.worker for slot in self.slots if slot.worker is not None]
        for worker in workers:
            if worker.proc.poll() is None:
                worker.proc.send_signal(self.signal)
        deadline = time.monotonic() + self.settings.grace_s + STUCK_STOP_S + 5  # a stuck one exits by itself first
        clean = True
        for worker in workers:
            try:
                worker.proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                log.error("worker %d (pid %d) did not stop in time: killing it", worker.index, worker.proc.pid)
                worker.proc.kill()
                worker.proc.wait()
            if worker.proc.returncode not in (0, -self.signal):
                log.error("worker %d (pid %d) %s while stopping", worker.index, worker.proc.pid, worker.how_it_ended())
                clean = False
            for reader in worker.readers:
                reader.join(timeout=5)
        return clean
