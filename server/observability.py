"""Metrics (Prometheus text on GET /metrics) and logs (text or one JSON object a line).

gRPC metrics carry go-grpc-prometheus' names and labels, so existing dashboards work:
grpc_server_started_total, grpc_server_handled_total{grpc_code} and the
grpc_server_handling_seconds histogram. The rest are this server's own (datastore_*).
One registry per process, fed by the layers that know the facts; nothing here imports
the rest of the server.

Under `serve --workers N` the supervisor sets PROMETHEUS_MULTIPROC_DIR (a directory it
owns) for its workers: prometheus-client keeps every process's values in files there,
and /metrics from any worker reports the sums over all workers, dead ones included
(counters and histograms); `datastore_database_up` is the minimum over the live workers
and `datastore_db_pool_connections` the pool of the worker that answered.
"""

from __future__ import annotations

import atexit
import json
import logging
import logging.handlers
import os
import queue
import random
import threading
import time
from collections.abc import Callable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily

REGISTRY = CollectorRegistry(auto_describe=True)
# go-grpc-prometheus' default buckets (seconds)
_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
_GRPC_LABELS = ("grpc_type", "grpc_service", "grpc_method")

GRPC_STARTED = Counter("grpc_server_started_total", "RPCs started on the server.", _GRPC_LABELS, registry=REGISTRY)
GRPC_HANDLED = Counter(
    "grpc_server_handled_total",
    "RPCs completed on the server, regardless of success or failure.",
    (*_GRPC_LABELS, "grpc_code"),
    registry=REGISTRY,
)
GRPC_SECONDS = Histogram(
    "grpc_server_handling_seconds",
    "Response latency (seconds) of gRPC that had been application-level handled by the server.",
    _GRPC_LABELS,
    buckets=_BUCKETS,
    registry=REGISTRY,
)
HTTP_REQUESTS = Counter(
    "datastore_http_requests_total",
    "HTTP requests by dialect, route template, method and status.",
    ("dialect", "route", "method", "status"),
    registry=REGISTRY,
)
HTTP_SECONDS = Histogram(
    "datastore_http_request_duration_seconds",
    "HTTP request latency by dialect and route template.",
    ("dialect", "route"),
    buckets=_BUCKETS,
    registry=REGISTRY,
)
SWEEPS = Counter("datastore_sweeper_runs_total", "Retention sweeper rounds run.", registry=REGISTRY)
SWEPT = Counter("datastore_sweeper_rows_deleted_total", "Expired entries the sweeper deleted.", registry=REGISTRY)
AUTH_FAILURES = Counter(
    "datastore_auth_failures_total", "Refused credentials, by reason.", ("reason",), registry=REGISTRY
)
TLS_HANDSHAKE_FAILURES = Counter(
    "datastore_tls_handshake_failures_total",
    "TLS handshakes that failed on the gRPC listener, as grpc's C core reports them on stderr.",
    registry=REGISTRY,
)
WAL_SYNCS = Counter(
    "datastore_wal_syncs_total", "Shared fsyncs of the SQLite write-ahead log (group commit).", registry=REGISTRY
)
WAL_SYNC_CALLERS = Histogram(
    "datastore_wal_sync_callers",
    "Calls one group-commit fsync made durable.",
    buckets=(1, 2, 4, 8, 16, 32, 64),
    registry=REGISTRY,
)
WAL_SYNC_SECONDS = Histogram(
    "datastore_wal_sync_seconds", "Time one group-commit fsync took.", buckets=_BUCKETS, registry=REGISTRY
)
DB_UP = Gauge(
    "datastore_database_up",
    "1 while the database answers, 0 while it does not.",
    registry=REGISTRY,
    multiprocess_mode="livemin",  # with workers: 0 if any live worker cannot reach it
)


class _PoolCollector:
    """Connection-pool use, read when scraped (PostgreSQL's pool; SQLite has none)."""

    def __init__(self) -> None:
        self.source: Callable[[], tuple[int, int] | None] = lambda: None

    def collect(self):
        sizes = self.source()
        if sizes is None:
            return
        in_use, idle = sizes
        family = GaugeMetricFamily("datastore_db_pool_connections", "Pooled connections by state.", labels=["state"])
        family.add_metric(["in_use"], in_use)
        family.add_metric(["idle"], idle)
        yield family


POOL = _PoolCollector()
REGISTRY.register(POOL)


def exposition() -> bytes:
    shared = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not shared:
        return generate_latest(REGISTRY)
    registry = CollectorRegistry()  # every worker's values, read from the shared directory
    multiprocess.MultiProcessCollector(registry, shared)
    registry.register(POOL)
    return generate_latest(registry)


_http_children: dict[tuple, tuple] = {}


def http_request(dialect: str, route: str, method: str, status: int, seconds: float) -> None:
    """Counts one HTTP request (metric children looked up once per label set)."""
    key = (dialect, route, method, status)
    children = _http_children.get(key)
    if children is None:
        children = HTTP_REQUESTS.labels(dialect, route, method, str(status)), HTTP_SECONDS.labels(dialect, route)
        _http_children[key] = children
    children[0].inc()
    children[1].observe(seconds)


def new_request_id() -> str:
    """32 hex digits for a call that brought no x-request-id: unique, not secret (no
    system call, unlike uuid4: py-spy found os.urandom in the REST hot path)."""
    return f"{random.getrandbits(128):032x}"


class GrpcCall:
    """The metric children of one method, looked up once (labels() costs a dict walk)."""

    def __init__(self, full_method: str, grpc_type: str) -> None:
        service, _, method = full_method.lstrip("/").partition("/")
        self.labels = (grpc_type, service, method)
        self.started = GRPC_STARTED.labels(*self.labels)
        self.seconds = GRPC_SECONDS.labels(*self.labels)
        self._handled: dict[str, Counter] = {}

    def handled(self, code: str, elapsed: float) -> None:
        child = self._handled.get(code)
        if child is None:
            child = self._handled[code] = GRPC_HANDLED.labels(*self.labels, code)
        child.inc()
        self.seconds.observe(elapsed)


# ---------------------------------------------------------------------- logs

ACCESS = logging.getLogger("datastore.access")
_RESERVED = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, the record's extra fields
    and, for errors, the traceback as one string."""

    _second, _stamp = -1, ""

    def format(self, record: logging.LogRecord) -> str:
        second = int(record.created)
        if second != self._second:  # strftime once a second, not once a line
            self._second, self._stamp = second, time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
        out = {
            "time": f"{self._stamp}.{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        out.update({k: v for k, v in vars(record).items() if k not in _RESERVED})
        if record.exc_info:
            out["traceback"] = self.formatException(record.exc_info)
        return json.dumps(out, default=str, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    _second, _stamp = -1, ""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        second = int(record.created)
        if second != self._second:  # strftime once a second, not once a line
            self._second, self._stamp = second, time.strftime(self.default_time_format, self.converter(second))
        return self.default_msec_format % (self._stamp, record.msecs)

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        extra = {k: v for k, v in vars(record).items() if k not in _RESERVED}
        return text + "".join(f" {k}={v}" for k, v in extra.items()) if extra else text


def configure_logging(fmt: str = "text", level: int = logging.INFO, worker: int | None = None) -> None:
    """Root logging to stderr in `fmt` (text|json); warnings are logged too. With
    `worker` (a `serve --workers N` worker's index) every record carries worker=INDEX.

    Calls only enqueue their records; one thread formats and writes them. Written
    directly, 16 worker threads queued on the stream handler's lock: py-spy put 12% of a
    GetEntry load in the access log, most of it waiting."""
    if fmt not in ("text", "json"):
        raise ValueError(f"log format must be text or json, got {fmt!r}")
    global _writer
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    _stop_writer()
    _writer = _LogWriter(handler)
    atexit.register(_stop_writer)  # writes what is still queued
    root = logging.getLogger()
    root.handlers[:] = [_QueueHandler(_writer, worker)]
    root.setLevel(level)
    logging.captureWarnings(True)


def flush_logs() -> None:
    """Writes every record logged so far before returning."""
    writer = _writer
    if writer is not None:
        writer.flush()


def _stop_writer() -> None:
    global _writer
    writer, _writer = _writer, None
    if writer is not None:
        writer.stop()


class _LogWriter:
    """The one thread that formats records and writes them to stderr, what was queued
    together in one write. Access records do not wake it: it takes them every
    ACCESS_DELAY_S (a wake-up per call cost the REST event loop a futex call and a GIL
    hand-over per request: py-spy put 11% of its time there); any other record wakes it
    at once, and everything queued before it is written first."""

    ACCESS_DELAY_S = 0.05

    def __init__(self, handler: logging.Handler) -> None:
        self.handler = handler
        self.records: queue.SimpleQueue = queue.SimpleQueue()
        self.wake = threading.Event()
        self._lock = threading.Lock()  # the writer thread and flush() take turns
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="log-writer", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stopping:
            self.wake.wait(self.ACCESS_DELAY_S)
            self.wake.clear()
            self._write_queued()
        self._write_queued()

    def flush(self) -> None:
        """Writes what is queued now, on the caller's thread (so a direct write to stderr
        after it comes after these lines)."""
        self._write_queued()

    def _write_queued(self) -> None:
        with self._lock:
            self._write_locked()

    def _write_locked(self) -> None:
        lines = []
        while True:
            try:
                record = self.records.get_nowait()
            except queue.Empty:
                break
            try:
                lines.append(self.handler.format(record) + "\n")
            except Exception:  # noqa: BLE001 - as logging's handlers: reported, never raised
                self.handler.handleError(record)
        if lines:
            try:
                self.handler.stream.write("".join(lines))
                self.handler.stream.flush()
            except Exception:  # noqa: BLE001 - stderr gone: nothing to tell it to
                pass

    def stop(self) -> None:
        self._stopping = True
        self.wake.set()
        self._thread.join(timeout=10)


_writer: _LogWriter | None = None


class _QueueHandler(logging.handlers.QueueHandler):
    """Hands records to the writer thread. Access records go as they are, to be
    formatted there; other records, whose arguments may be anything, are prepared here
    (formatted, as logging's QueueHandler does) and wake the writer."""

    def __init__(self, writer: _LogWriter, worker: int | None = None) -> None:
        super().__init__(writer.records)
        self.writer, self.worker = writer, worker

    def handle(self, record: logging.LogRecord) -> bool:  # no handler lock: the queue is thread-safe
        if self.worker is not None:  # a `serve --workers N` worker: its index on every record
            record.worker = self.worker
        if record.name == ACCESS.name:
            self.queue.put_nowait(record)
        else:
            self.queue.put_nowait(self.prepare(record))
            self.writer.wake.set()
        return True


def access(kind: str, name: str, status: str | int, seconds: float, user: str, request_id: str) -> None:
    """The one access-log line of a call. Never given credentials or bodies. (A record
    made directly: Logger.info would walk the stack for a caller no format shows.)"""
    if not ACCESS.isEnabledFor(logging.INFO):
        return
    extra = {"call": name, "status": status, "ms": round(seconds * 1000, 2), "user": user, "request_id": request_id}
    args = (kind, name, status, seconds * 1000)
    ACCESS.handle(ACCESS.makeRecord(ACCESS.name, logging.INFO, "", 0, "%s %s %s %.1fms", args, None, extra=extra))
