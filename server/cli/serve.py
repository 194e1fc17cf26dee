"""`datastore serve`: the gRPC server and the HTTP listener, one process or a supervisor
of several (--workers N)."""

from __future__ import annotations

import argparse
import faulthandler
import os
import signal
import sys
import threading
from typing import Any

from server.cli.common import KEY_FILE_HELP, command
from server.config import DEFAULT_GRPC, DEFAULT_HTTP, STUCK_STOP_S, Settings


def add_parser(sub: Any) -> None:
    p = command(sub, "serve", cmd_serve, "run the gRPC server and the HTTP listener")
    p.add_argument("--grpc", default=DEFAULT_GRPC, help=f"gRPC HOST:PORT (default {DEFAULT_GRPC})")
    p.add_argument("--http", default=DEFAULT_HTTP, help=f"HTTP HOST:PORT (default {DEFAULT_HTTP})")
    p.add_argument("--encryption-key-file", help=KEY_FILE_HELP)
    p.add_argument("--tls-cert", help="PEM certificate (chain): serve TLS on both listeners (env DATASTORE_TLS_CERT)")
    p.add_argument("--tls-key", help="PEM private key of --tls-cert (env DATASTORE_TLS_KEY)")
    p.add_argument(
        "--tls-client-ca", help="PEM CA bundle: require client certificates it signed (env DATASTORE_TLS_CLIENT_CA)"
    )
    p.add_argument(
        "--workers",
        type=int,
        help="server processes sharing the ports, with a supervisor that restarts them "
        "(env DATASTORE_WORKERS_PROCESSES; default 1: one process, no supervisor)",
    )
    p.add_argument("--worker-index", type=int, help=argparse.SUPPRESS)  # set by the supervisor
    p.add_argument("--worker-of", type=int, help=argparse.SUPPRESS)  # the supervisor's pid
    p.add_argument(
        "--log-format",
        choices=("text", "json"),
        default=os.environ.get("DATASTORE_LOG_FORMAT", "text"),
        help="log lines as text or one JSON object each (env DATASTORE_LOG_FORMAT; default text)",
    )
    p.add_argument(
        "--durability",
        choices=("durable", "relaxed"),
        help="SQLite: durable = synchronous=FULL, every acknowledged write survives power loss (default); "
        "relaxed = synchronous=NORMAL, faster (env DATASTORE_DURABILITY)",
    )


def _say(line: str) -> None:
    sys.stdout.write(line)
    sys.stdout.flush()


def cmd_serve(ns: argparse.Namespace) -> int:
    from server import observability
    from server.cli.first_start import first_start_hint
    from server.stderr_filter import filter_stderr

    observability.configure_logging(ns.log_format, worker=ns.worker_index)
    # grpc's C core writes to fd 2 too: its lines in the log format, its TLS handshake failures counted
    filter_stderr(ns.log_format == "json", ns.worker_index, observability.TLS_HANDSHAKE_FAILURES.inc)
    settings = Settings.from_env(
        db_url=ns.db,
        grpc_addr=ns.grpc,
        http_addr=ns.http,
        encryption_key_file=ns.encryption_key_file,
        tls_cert=ns.tls_cert,
        tls_key=ns.tls_key,
        tls_client_ca=ns.tls_client_ca,
        durability=ns.durability,
        worker_processes=ns.workers,
        worker_index=ns.worker_index,
    )
    if ns.worker_index is None and settings.worker_processes <= 1:
        # a lone server; a supervisor (--workers N) gives the hint itself, its workers never
        threading.Thread(target=first_start_hint, name="first-start-hint", daemon=True).start()
    if settings.worker_processes < 1:
        raise ValueError("--workers (DATASTORE_WORKERS_PROCESSES) must be at least 1")
    if settings.worker_processes > 1 and ns.worker_index is None:
        from server.workers import Supervisor

        return Supervisor(settings, ns.log_format).run()
    return _serve(ns, settings)


def _serve(ns: argparse.Namespace, settings: Settings) -> int:
    """One server process, until SIGTERM or SIGINT."""
    from server.app import DatastoreServer

    stop = threading.Event()  # handlers first: a SIGTERM right after the lines below drains too
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    if ns.worker_of is not None:
        from server.workers import follow_supervisor

        follow_supervisor(ns.worker_of)
    server = DatastoreServer(settings)
    grpc_addr, http_addr = server.start()
    # One write a line: log lines come from another thread into the same stream, and a
    # print() of text and newline in two writes could be split by one of them.
    _say(f"grpc listening on {grpc_addr}\n")
    if http_addr:
        _say(f"http listening on {http_addr}\n")
    stop.wait()
    # A stop that hangs (a call that never returns keeps the drain waiting, and its pool
    # thread keeps the interpreter from exiting) ends anyway: past the grace period and
    # STUCK_STOP_S more, every thread's stack goes to stderr and the process exits 1.
    faulthandler.dump_traceback_later(settings.grace_s + STUCK_STOP_S, exit=True)
    server.stop()
    return 0
