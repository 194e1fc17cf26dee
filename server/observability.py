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


class GrpcCall:
    """The metric children of one method, looked up once (labels() costs a dict walk)."""

    def __init__(self, full_method: str, streaming: bool) -> None:
        service, _, method = full_method.lstrip("/").partition("/")
        self.labels = ("server_stream" if streaming else "unary", service, method)
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

    def format(self, record: logging.LogRecord) -> str:
        out = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        out.update({k: v for k, v in vars(record).items() if k not in _RESERVED})
        if record.exc_info:
            out["traceback"] = self.formatException(record.exc_info)
        return json.dumps(out, default=str, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        extra = {k: v for k, v in vars(record).items() if k not in _RESERVED}
        return text + "".join(f" {k}={v}" for k, v in extra.items()) if extra else text


def configure_logging(fmt: str = "text", level: int = logging.INFO, worker: int | None = None) -> None:
    """Root logging to stderr in `fmt` (text|json); warnings are logged too. With
    `worker` (a `serve --workers N` worker's index) every record carries worker=INDEX.

    Calls only enqueue their records; one thread writes them (logging's QueueHandler and
    QueueListener). Written directly, 16 worker threads queued on the stream handler's
    lock: py-spy put 12% of a GetEntry load in the access log, most of it waiting."""
    if fmt not in ("text", "json"):
        raise ValueError(f"log format must be text or json, got {fmt!r}")
    global _listener
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    records: queue.SimpleQueue = queue.SimpleQueue()
    if _listener is not None:
        _listener.stop()
    _listener = logging.handlers.QueueListener(records, handler)
    _listener.start()
    atexit.register(_listener.stop)  # writes what is still queued
    root = logging.getLogger()
    enqueue = logging.handlers.QueueHandler(records)
    if worker is not None:
        enqueue.addFilter(_WorkerField(worker))
    root.handlers[:] = [enqueue]
    root.setLevel(level)
    logging.captureWarnings(True)


_listener: logging.handlers.QueueListener | None = None


class _WorkerField(logging.Filter):
    def __init__(self, worker: int) -> None:
        super().__init__()
        self.worker = worker

    def filter(self, record: logging.LogRecord) -> bool:
        record.worker = self.worker
        return True


def access(kind: str, name: str, status: str | int, seconds: float, user: str, request_id: str) -> None:
    """The one access-log line of a call. Never given credentials or bodies."""
    ACCESS.info(
        "%s %s %s %.1fms",
        kind,
        name,
        status,
        seconds * 1000,
        extra={"call": name, "status": status, "ms": round(seconds * 1000, 2), "user": user, "request_id": request_id},
    )
