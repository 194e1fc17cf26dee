"""The server factory: gRPC services, the call rules, health, reflection, HTTP listener.

`DatastoreServer(settings).start()` binds the listeners (port 0 picks a free one) and
returns the bound addresses; `stop()` drains in-flight calls for settings.grace_s.
"""

from __future__ import annotations

import importlib
import logging
import socket
import threading
import time
from collections.abc import Callable
from concurrent import futures
from dataclasses import dataclass
from typing import Any

import grpc
import uvicorn
from grpc_health.v1 import health_pb2

from datastore.argus.v1 import datastores_pb2
from datastore.dhis2.v1 import datastore_pb2 as dhis2_pb2
from datastore.make.v2 import data_stores_pb2
from datastore.tokenauth.v1 import token_auth_pb2
from datastore.v1 import auth_pb2, descriptor_pb2, entry_pb2, query_pb2, sharing_pb2
from server import observability
from server.api.interceptors import CallChain, call_rules
from server.api.registration import register
from server.api.servicers.auth import AuthServicer
from server.api.servicers.descriptor import DescriptorServicer
from server.api.servicers.entry import EntryServicer
from server.api.servicers.query import QueryServicer
from server.api.servicers.sharing import SharingServicer
from server.api.stock import HealthServicer, register_stock
from server.config import Settings, split_addr
from server.domain.limits import MAX_MESSAGE_BYTES
from server.facades.argus.http import ArgusDialect
from server.facades.argus.servicer import ArgusDescriptorServicer, ArgusStoreServicer
from server.facades.dhis2.http import Dhis2Dialect
from server.facades.dhis2.service import Dhis2Service
from server.facades.dhis2.servicer import DataStoreServicer, Dhis2SharingServicer, UserDataStoreServicer
from server.facades.make.http import MakeDialect
from server.facades.make.service import MakeService
from server.facades.make.servicer import MakeDataStoreServicer, MakeDataStructureServicer
from server.facades.tokenauth.http import TokenAuthDialect
from server.facades.tokenauth.servicer import TokenAuthServicer
from server.rest.app import RestApp
from server.rest.http1 import HalfCloseHttpToolsProtocol
from server.rest.inprocess import InProcessCalls
from server.services.auth import AuthService
from server.services.crypto import Cipher
from server.services.descriptors import DescriptorService
from server.services.entries import EntryService
from server.services.keyfiles import key_source, no_encrypted_values_guard
from server.services.queries import QueryService
from server.services.retention import Sweeper
from server.services.sharing import SharingService
from server.storage.cache import CacheRegistry
from server.storage.db import connection_errors, ping, pool_sizes
from server.storage.migrations import init_database
from server.tls import TlsFiles, warn_if_plaintext

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ServicesLayer:
    """The one services layer every API surface delegates to."""

    auth: AuthService
    caches: CacheRegistry
    descriptors: DescriptorService
    entries: EntryService
    queries: QueryService
    make: MakeService
    dhis2: Dhis2Service


# Every service this server registers, once: (generated module, service name) -> its
# servicer, made from the services layer. Registration, reflection, health and the REST
# shim all read this table: the canonical datastore.v1 services and the dialect façades.
_SERVICES: dict[tuple[Any, str], Callable[[ServicesLayer], Any]] = {
    (data_stores_pb2, "DataStoreService"): lambda s: MakeDataStoreServicer(s.make),
    (data_stores_pb2, "DataStructureService"): lambda s: MakeDataStructureServicer(s.make),
    (datastores_pb2, "DescriptorService"): lambda s: ArgusDescriptorServicer(s.descriptors, s.caches),
    (datastores_pb2, "StoreService"): lambda s: ArgusStoreServicer(s.entries, s.queries, s.caches),
    (token_auth_pb2, "TokenAuthService"): lambda s: TokenAuthServicer(s.auth),
    (dhis2_pb2, "DataStoreService"): lambda s: DataStoreServicer(s.dhis2),
    (dhis2_pb2, "UserDataStoreService"): lambda s: UserDataStoreServicer(s.dhis2),
    (dhis2_pb2, "SharingService"): lambda s: Dhis2SharingServicer(s.dhis2.sharing),
    (auth_pb2, "AuthService"): lambda s: AuthServicer(s.auth),
    (descriptor_pb2, "DescriptorService"): lambda s: DescriptorServicer(s.descriptors),
    (entry_pb2, "EntryService"): lambda s: EntryServicer(s.entries),
    (query_pb2, "QueryService"): lambda s: QueryServicer(s.queries),
    (sharing_pb2, "SharingService"): lambda s: SharingServicer(SharingService(s.caches)),
}
SERVICE_NAMES = tuple(module.DESCRIPTOR.services_by_name[name].full_name for module, name in _SERVICES)
FACADE_DIALECTS = (ArgusDialect(), TokenAuthDialect(), MakeDialect(), Dhis2Dialect())


def service_descriptors():
    """Every service this server registers (what reflection lists and the shim serves)."""
    return [module.DESCRIPTOR.services_by_name[name] for module, name in _SERVICES]


def _adder(module, name: str) -> Callable[[Any, Any], None]:
    """The generated add_<name>Servicer_to_server of module's *_pb2_grpc sibling."""
    return getattr(importlib.import_module(f"{module.__name__}_grpc"), f"add_{name}Servicer_to_server")


def tcp_listener(host: str, port: int, reuse_port: bool = False) -> socket.socket:
    """A listening TCP socket created with proto=IPPROTO_TCP explicitly: asyncio only
    turns off Nagle (TCP_NODELAY) on accepted sockets whose proto says TCP, and
    socket.create_server() leaves it 0, which cost ~40 ms per keep-alive request
    (Nagle + delayed ACK). reuse_port: shared with the other workers (SO_REUSEPORT)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if reuse_port:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    try:
        sock.bind((host, port))
        sock.listen(1024)
    except OSError:
        sock.close()
        raise
    return sock


class _HttpListener:
    """uvicorn serving the REST shim on a socket bound up front (so port 0 works and a
    taken port fails at start), in a thread with its own event loop."""

    def __init__(self, host: str, port: int, app, tls: TlsFiles | None = None, reuse_port: bool = False) -> None:
        self.socket = tcp_listener(host, port, reuse_port)
        self.port = self.socket.getsockname()[1]
        config = uvicorn.Config(
            app,
            http=HalfCloseHttpToolsProtocol,  # a half-closed request is answered, then closed
            **(tls.uvicorn_options() if tls else {}),
            log_config=None,  # uvicorn's loggers go through the root handler (text or JSON)
            log_level="warning",
            access_log=False,  # the shim writes one access line per request itself
            lifespan="on",
            timeout_graceful_shutdown=10,
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.socket]}, name="http", daemon=True
        )

    def start(self) -> None:
        self.thread.start()
        while not self.server.started and self.thread.is_alive():
            time.sleep(0.01)
        if not self.server.started:
            raise OSError("the HTTP listener did not start")

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=15)
        self.socket.close()


class DatabaseWatcher:
    """Health that tells the truth: pings the database every interval and reports every
    service SERVING while it answers, NOT_SERVING while it does not (grpc.health.v1 and
    GET /healthz read the same state)."""

    def __init__(self, servicer: HealthServicer, names: tuple[str, ...], interval_s: float) -> None:
        self.servicer, self.names, self.interval_s = servicer, names, interval_s
        self._ok: bool | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="db-health", daemon=True)

    def healthy(self) -> bool:
        return bool(self._ok)

    def check(self) -> None:
        ok = ping()
        if ok != self._ok:
            if self._ok is not None:
                log.warning("database %s", "reachable again: SERVING" if ok else "unreachable: NOT_SERVING")
            status = health_pb2.HealthCheckResponse.SERVING if ok else health_pb2.HealthCheckResponse.NOT_SERVING
            for name in self.names:
                self.servicer.set(name, status)
            self._ok = ok
        observability.DB_UP.set(1 if ok else 0)

    def start(self) -> None:
        self.check()
        observability.POOL.source = pool_sizes
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            try:
                self.check()
            except Exception:  # keep watching; the next round tells
                log.exception("database health check failed")


class DatastoreServer:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.caches = CacheRegistry()  # every data cache of this server, handed to its services
        self.auth = AuthService(self.caches, token_days=settings.token_days)
        # THE call rules, run by the gRPC server and by the REST shim's in-process calls,
        # on one worker pool: one bound on concurrent calls and on database connections.
        self.chain = CallChain(call_rules(self.auth))
        self.handlers: dict[str, grpc.RpcMethodHandler] = {}  # what the shim calls in-process
        self.pool = futures.ThreadPoolExecutor(max_workers=settings.threads, thread_name_prefix="grpc")
        self.sweeper = Sweeper(settings.sweep_interval_s)
        self.health = HealthServicer()
        self.watcher = DatabaseWatcher(self.health, ("", *SERVICE_NAMES), settings.health_interval_s)
        self.grpc_server: grpc.Server | None = None
        self.http: _HttpListener | None = None
        self.grpc_port = 0
        self.http_port = 0

    def _build_grpc(self) -> grpc.Server:
        server = grpc.server(
            self.pool,
            interceptors=[self.chain.interceptor()],
            options=[
                # fail loudly if the port is taken, unless shared by `serve --workers N`
                ("grpc.so_reuseport", 0 if self.settings.worker_index is None else 1),
                ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
                ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
            ],
        )
        caches = self.caches
        keys = key_source(self.settings, no_encrypted_values_guard)
        log.info("DHIS2 ?encrypt=true: %s", keys.describe())
        layer = ServicesLayer(
            auth=self.auth,
            caches=caches,
            descriptors=DescriptorService(caches),
            entries=EntryService(caches),
            queries=QueryService(caches),
            make=MakeService(caches),
            dhis2=Dhis2Service(Cipher(keys=keys), caches),
        )
        for (module, name), servicer in _SERVICES.items():
            register(server, _adder(module, name), servicer(layer), self.handlers)
        register_stock(server, self.health, SERVICE_NAMES)
        return server

    def start(self) -> tuple[str, str | None]:
        """Opens the database, binds and starts the listeners; returns their addresses."""
        with connection_errors():
            init_database(
                self.settings.db_url,
                max_connections=self.settings.threads + 4,
                durability=self.settings.durability,
                group_commit=True,  # calls run through DbConnectionInterceptor, which waits on it
            )
        tls = TlsFiles.from_settings(self.settings.tls_cert, self.settings.tls_key, self.settings.tls_client_ca)
        self.grpc_server = self._build_grpc()
        host, port = split_addr(self.settings.grpc_addr)
        bind_host = f"[{host}]" if ":" in host else host
        if tls:
            self.grpc_port = self.grpc_server.add_secure_port(f"{bind_host}:{port}", tls.grpc_credentials())
        else:
            self.grpc_port = self.grpc_server.add_insecure_port(f"{bind_host}:{port}")
        if self.grpc_port == 0:
            raise OSError(f"cannot listen on {self.settings.grpc_addr}")
        self.grpc_server.start()
        self.watcher.start()
        http_addr = None
        h_host = ""
        if self.settings.http_addr:
            h_host, h_port = split_addr(self.settings.http_addr)
            calls = InProcessCalls(self.chain, self.handlers, self.pool)
            app = RestApp(service_descriptors(), calls, dialects=FACADE_DIALECTS, healthy=self.watcher.healthy)
            self.http = _HttpListener(h_host, h_port, app, tls, reuse_port=self.settings.worker_index is not None)
            self.http.start()
            self.http_port = self.http.port
            http_addr = f"{h_host}:{self.http_port}"
        if self.settings.runs_jobs:  # with `serve --workers N`, worker 0 only
            self.sweeper.start()
        warn_if_plaintext(tls, host, h_host)
        return f"{host}:{self.grpc_port}", http_addr

    def stop(self, grace: float | None = None) -> None:
        """Stops accepting calls, lets in-flight ones finish (up to grace), then returns."""
        grace = self.settings.grace_s if grace is None else grace
        self.watcher.stop()
        self.health.enter_graceful_shutdown()
        # Both listeners stop taking calls at once and drain side by side: one grace, not two.
        grpc_drained = self.grpc_server.stop(grace) if self.grpc_server is not None else None
        if self.http is not None:
            self.http.stop()
        if grpc_drained is not None:
            grpc_drained.wait()
        if self.settings.runs_jobs:
            self.sweeper.stop()
