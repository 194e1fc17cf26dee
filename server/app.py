"""The server factory: gRPC services, interceptors, health, reflection, HTTP listener.

`DatastoreServer(settings).start()` binds the listeners (port 0 picks a free one) and
returns the bound addresses; `stop()` drains in-flight calls for settings.grace_s.
"""

from __future__ import annotations

import json
import logging
import threading
from concurrent import futures
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from datastore.v1 import (
    auth_pb2,
    auth_pb2_grpc,
    descriptor_pb2,
    descriptor_pb2_grpc,
    entry_pb2,
    entry_pb2_grpc,
    query_pb2,
    query_pb2_grpc,
    sharing_pb2,
    sharing_pb2_grpc,
)
from server.api.interceptors import AuthInterceptor, DbConnectionInterceptor, ErrorInterceptor
from server.api.servicers.auth import AuthServicer
from server.api.servicers.descriptor import DescriptorServicer
from server.api.servicers.entry import EntryServicer
from server.api.servicers.query import QueryServicer
from server.api.servicers.sharing import SharingServicer
from server.config import Settings, split_addr
from server.services.auth import AuthService
from server.services.descriptors import DescriptorService
from server.services.entries import EntryService
from server.services.queries import QueryService
from server.services.retention import Sweeper
from server.services.sharing import SharingService
from server.storage.db import init_database

log = logging.getLogger(__name__)

SERVICE_NAMES = tuple(
    module.DESCRIPTOR.services_by_name[name].full_name
    for module, name in (
        (auth_pb2, "AuthService"),
        (descriptor_pb2, "DescriptorService"),
        (entry_pb2, "EntryService"),
        (query_pb2, "QueryService"),
        (sharing_pb2, "SharingService"),
    )
)
MAX_MESSAGE_BYTES = 16 * 1024 * 1024


class _NotYetHttp(BaseHTTPRequestHandler):
    """Placeholder HTTP listener: the REST transcoder is a separate piece of work; until
    it lands every path answers 404 with an AIP-193 error body."""

    def _reply(self) -> None:
        body = json.dumps(
            {"error": {"code": 404, "status": "NOT_FOUND", "message": f"no HTTP route for {self.path}"}}
        ).encode()
        self.send_response(404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _reply  # noqa: N815

    def log_message(self, format, *args):  # noqa: A002 - quiet
        return


class DatastoreServer:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.auth = AuthService(token_days=settings.token_days)
        self.sweeper = Sweeper(settings.sweep_interval_s)
        self.health = health.HealthServicer(experimental_non_blocking=True)
        self.grpc_server: grpc.Server | None = None
        self.http_server: ThreadingHTTPServer | None = None
        self.grpc_port = 0
        self.http_port = 0

    def _build_grpc(self) -> grpc.Server:
        server = grpc.server(
            futures.ThreadPoolExecutor(max_workers=self.settings.workers, thread_name_prefix="grpc"),
            interceptors=[ErrorInterceptor(), DbConnectionInterceptor(), AuthInterceptor(self.auth)],
            options=[
                ("grpc.so_reuseport", 0),  # fail loudly if the port is taken
                ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
                ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
            ],
        )
        auth_pb2_grpc.add_AuthServiceServicer_to_server(AuthServicer(self.auth), server)
        descriptor_pb2_grpc.add_DescriptorServiceServicer_to_server(DescriptorServicer(DescriptorService()), server)
        entry_pb2_grpc.add_EntryServiceServicer_to_server(EntryServicer(EntryService()), server)
        query_pb2_grpc.add_QueryServiceServicer_to_server(QueryServicer(QueryService()), server)
        sharing_pb2_grpc.add_SharingServiceServicer_to_server(SharingServicer(SharingService()), server)
        health_pb2_grpc.add_HealthServicer_to_server(self.health, server)
        reflection.enable_server_reflection((*SERVICE_NAMES, health.SERVICE_NAME, reflection.SERVICE_NAME), server)
        return server

    def start(self) -> tuple[str, str | None]:
        """Opens the database, binds and starts the listeners; returns their addresses."""
        init_database(self.settings.db_url, max_connections=self.settings.workers + 4)
        self.grpc_server = self._build_grpc()
        host, port = split_addr(self.settings.grpc_addr)
        bind_host = f"[{host}]" if ":" in host else host
        self.grpc_port = self.grpc_server.add_insecure_port(f"{bind_host}:{port}")
        if self.grpc_port == 0:
            raise OSError(f"cannot listen on {self.settings.grpc_addr}")
        self.grpc_server.start()
        for name in ("", *SERVICE_NAMES):
            self.health.set(name, health_pb2.HealthCheckResponse.SERVING)
        http_addr = None
        if self.settings.http_addr:
            h_host, h_port = split_addr(self.settings.http_addr)
            self.http_server = ThreadingHTTPServer((h_host, h_port), _NotYetHttp)
            self.http_port = self.http_server.server_address[1]
            threading.Thread(target=self.http_server.serve_forever, name="http", daemon=True).start()
            http_addr = f"{h_host}:{self.http_port}"
        self.sweeper.start()
        return f"{host}:{self.grpc_port}", http_addr

    def stop(self, grace: float | None = None) -> None:
        """Stops accepting calls, lets in-flight ones finish (up to grace), then returns."""
        grace = self.settings.grace_s if grace is None else grace
        self.health.enter_graceful_shutdown()
        if self.http_server is not None:
            self.http_server.shutdown()
            self.http_server.server_close()
        if self.grpc_server is not None:
            self.grpc_server.stop(grace).wait()
        self.sweeper.stop()
