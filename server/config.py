"""Server settings: command-line flags over environment variables over defaults."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass

DEFAULT_DB = "sqlite:///datastore.db"
DEFAULT_GRPC = "127.0.0.1:50051"
DEFAULT_HTTP = "127.0.0.1:8080"
# A server still stopping this long after its grace period dumps its threads' stacks and
# exits 1 (server/cli/serve.py); a slow drain takes up to ~25 s (HTTP's 10 s graceful timeout
# and 15 s join, the sweeper's join), so this leaves room for it.
STUCK_STOP_S = 30.0


@dataclass(frozen=True)
class Settings:
    db_url: str = DEFAULT_DB
    grpc_addr: str = DEFAULT_GRPC
    http_addr: str | None = DEFAULT_HTTP
    token_days: int = 14
    threads: int = 16  # call threads (both listeners' calls run on them) = calls in progress
    sweep_interval_s: float = 60.0
    grace_s: float = 10.0  # time in-flight calls get on shutdown
    health_interval_s: float = 1.0  # how often the database is pinged for health
    tls_cert: str | None = None  # PEM files; with a client CA both listeners require client certificates
    tls_key: str | None = None
    tls_client_ca: str | None = None
    # DHIS2 ?encrypt=true (server/services/keyfiles.py): a key (32 bytes, base64 or hex),
    # else a key file (default: beside a SQLite database), and keys still to decrypt with
    encryption_key: str | None = None
    encryption_key_file: str | None = None
    encryption_old_keys: str | None = None
    durability: str = "durable"  # SQLite: durable = synchronous FULL, relaxed = NORMAL
    # `serve --workers N`: server processes sharing the ports (server/workers.py); in a
    # worker, its index (None: a lone server). Worker 0 runs the background jobs.
    worker_processes: int = 1
    worker_index: int | None = None

    @property
    def runs_jobs(self) -> bool:
        """Whether this process runs the background jobs (the retention sweeper)."""
        return self.worker_index in (None, 0)

    @classmethod
    def from_env(cls, **overrides) -> Settings:
        env = {
            "db_url": os.environ.get("DATASTORE_DB", DEFAULT_DB),
            "token_days": int(os.environ.get("DATASTORE_TOKEN_DAYS", "14")),
            "threads": _threads_from_env(),
            "sweep_interval_s": float(os.environ.get("DATASTORE_SWEEP_INTERVAL", "60")),
            "encryption_key": os.environ.get("DATASTORE_ENCRYPTION_KEY") or None,
            "encryption_key_file": os.environ.get("DATASTORE_ENCRYPTION_KEY_FILE") or None,
            "encryption_old_keys": os.environ.get("DATASTORE_ENCRYPTION_OLD_KEYS") or None,
            "tls_cert": os.environ.get("DATASTORE_TLS_CERT") or None,
            "tls_key": os.environ.get("DATASTORE_TLS_KEY") or None,
            "tls_client_ca": os.environ.get("DATASTORE_TLS_CLIENT_CA") or None,
            "durability": os.environ.get("DATASTORE_DURABILITY") or "durable",
            "worker_processes": int(os.environ.get("DATASTORE_WORKERS_PROCESSES") or "1"),
        }
        env.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**env)


def _threads_from_env() -> int:
    """DATASTORE_THREADS; DATASTORE_WORKERS is its old name (it read as `serve --workers`,
    which counts processes), still taken with a warning."""
    if (value := os.environ.get("DATASTORE_THREADS")) is not None:
        return int(value)
    if (value := os.environ.get("DATASTORE_WORKERS")) is not None:
        logging.getLogger("datastore").warning(
            "DATASTORE_WORKERS is deprecated: it sets call threads, now named DATASTORE_THREADS "
            "(server processes are `serve --workers N`)"
        )
        return int(value)
    return 16


def split_addr(addr: str) -> tuple[str, int]:
    host, sep, port = addr.rpartition(":")
    if not sep or not port.isdigit():
        raise ValueError(f"address must be HOST:PORT, got {addr!r}")
    return host.strip("[]") or "127.0.0.1", int(port)
