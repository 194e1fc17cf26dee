"""What the commands that call a server over gRPC share (data.py, descriptors.py), like
etcdctl beside etcd: the connection options, a datastore_client from them, and one exit
status per kind of failure (EXIT_CODES)."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from functools import partial
from typing import Any

import server.cli.output as output
from datastore_client import (
    Aborted,
    AlreadyExists,
    DatastoreClient,
    DatastoreError,
    DeadlineExceeded,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    PermissionDenied,
    Unauthenticated,
    Unavailable,
)
from datastore_client._base import DEFAULT_TARGET

Action = Callable[[argparse.Namespace, DatastoreClient], int]

EXIT_ERROR, EXIT_NOT_FOUND, EXIT_DENIED, EXIT_INVALID, EXIT_UNAVAILABLE, EXIT_CONFLICT = 1, 4, 5, 6, 7, 8
EXIT_CODES: dict[type[DatastoreError], int] = {
    NotFound: EXIT_NOT_FOUND,
    PermissionDenied: EXIT_DENIED,
    Unauthenticated: EXIT_DENIED,
    InvalidArgument: EXIT_INVALID,
    FailedPrecondition: EXIT_INVALID,
    Unavailable: EXIT_UNAVAILABLE,
    DeadlineExceeded: EXIT_UNAVAILABLE,
    AlreadyExists: EXIT_CONFLICT,
    Aborted: EXIT_CONFLICT,
}
EXIT_HELP = (
    "exit status: 0 ok, 1 other error, 2 usage, 4 not found, 5 denied (credentials or rights), "
    "6 invalid (argument or precondition), 7 unavailable (or timed out), 8 conflict (exists, or a lost "
    "compare-and-set)"
)
CUSTOMER_HELP = "customer id (default: the caller's own)"


class BadInput(Exception):
    """The command line itself is wrong in a way argparse cannot see (e.g. bad JSON)."""


def command(subparsers: Any, name: str, action: Action, help_text: str) -> argparse.ArgumentParser:
    """A command over gRPC: its subparser, with the connection options and --json, that
    runs `action` with a client."""
    p: argparse.ArgumentParser = subparsers.add_parser(name, help=help_text, description=help_text)
    env = os.environ.get
    g = p.add_argument_group("connection")
    g.add_argument(
        "--target",
        metavar="HOST:PORT",
        default=env("DATASTORE_TARGET", DEFAULT_TARGET),
        help=f"the server's gRPC listener (env DATASTORE_TARGET; default {DEFAULT_TARGET})",
    )
    g.add_argument("--token", metavar="T", default=env("DATASTORE_TOKEN"), help="API token (env DATASTORE_TOKEN)")
    g.add_argument("--user", default=env("DATASTORE_USER"), help="username, instead of a token (env DATASTORE_USER)")
    g.add_argument("--password", default=env("DATASTORE_PASSWORD"), help="its password (env DATASTORE_PASSWORD)")
    g.add_argument("--timeout", metavar="SECONDS", type=float, default=30.0, help="per call (default 30)")
    g.add_argument("--tls", action="store_true", help="TLS, trusting the system's root certificates")
    g.add_argument("--tls-ca", metavar="FILE", default=env("DATASTORE_TLS_CA"), help="TLS, trusting this PEM CA bundle")
    g.add_argument(
        "--tls-client-cert", metavar="FILE", default=env("DATASTORE_TLS_CLIENT_CERT"), help="PEM client cert"
    )
    g.add_argument("--tls-client-key", metavar="FILE", default=env("DATASTORE_TLS_CLIENT_KEY"), help="its PEM key")
    p.add_argument("--json", action="store_true", help="print JSON (one object) instead of tables")
    p.set_defaults(func=partial(_with_client, action), remote=True)
    return p


def _with_client(action: Action, ns: argparse.Namespace) -> int:
    with _client(ns) as client:
        return action(ns, client)


def _client(ns: argparse.Namespace) -> DatastoreClient:
    credentials = None
    if ns.tls_ca or ns.tls_client_cert or ns.tls:
        import grpc

        def read(path: str | None) -> bytes | None:
            if not path:
                return None
            with open(path, "rb") as f:
                return f.read()

        credentials = grpc.ssl_channel_credentials(
            root_certificates=read(ns.tls_ca),
            private_key=read(ns.tls_client_key),
            certificate_chain=read(ns.tls_client_cert),
        )
    return DatastoreClient(
        ns.target,
        token=ns.token or None,
        username=ns.user or None,
        password=ns.password,
        timeout=ns.timeout,
        channel_credentials=credentials,
    )


def failed(ns: argparse.Namespace, exc: DatastoreError | BadInput | OSError) -> int:
    """A failed command over gRPC: the error on stderr (JSON with --json), its exit status."""
    if isinstance(exc, BadInput):
        output.error(ns, "INVALID_ARGUMENT", str(exc), "BAD_INPUT")
        return EXIT_INVALID
    if isinstance(exc, OSError):
        output.error(ns, "ERROR", str(exc))
        return EXIT_ERROR
    output.error(ns, exc.code.name, exc.message, exc.reason, [tuple(v) for v in exc.field_violations])
    if isinstance(exc, Unauthenticated) and not (ns.token or ns.user):
        print("hint: give --token (or $DATASTORE_TOKEN), or --user and --password", file=sys.stderr)
    return next((code for cls, code in EXIT_CODES.items() if isinstance(exc, cls)), EXIT_ERROR)
