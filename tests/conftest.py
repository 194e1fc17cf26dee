"""Shared fixtures: one real server per test session on 127.0.0.1:0 over a temp SQLite
file (never :memory:, which is a different database in every server thread), with a
fixed cast of users, and real channels to it."""

from __future__ import annotations

import itertools
import os
import tempfile
import uuid
from dataclasses import dataclass

import grpc
import pytest

from datastore.v1 import (
    auth_pb2_grpc,
    descriptor_pb2,
    descriptor_pb2_grpc,
    entry_pb2_grpc,
    query_pb2_grpc,
    sharing_pb2_grpc,
)
from server.app import DatastoreServer
from server.config import Settings
from server.domain import types as t
from server.services import auth as auth_service
from server.services.sharing import SharingService
from server.storage.db import connection

PASSWORD = "correct-horse-1"
ENCRYPTION_KEY = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"  # tests only

# name -> (home customer, admin, global_data)
USERS = {
    "admin": (1, True, True),
    "alice": (1, False, False),  # writes customer 1 (own)
    "bob": (2, False, False),  # reads customer 1 (grant)
    "carol": (3, False, False),  # writes customer 1 through group "ops"
    "gina": (2, False, True),  # global-data permission
    "dave": (4, False, False),  # nothing beyond own customer 4
}


@dataclass
class Stubs:
    channel: grpc.Channel
    metadata: tuple[tuple[str, str], ...]

    def __post_init__(self) -> None:
        self.auth = auth_pb2_grpc.AuthServiceStub(self.channel)
        self.descriptors = descriptor_pb2_grpc.DescriptorServiceStub(self.channel)
        self.entries = entry_pb2_grpc.EntryServiceStub(self.channel)
        self.queries = query_pb2_grpc.QueryServiceStub(self.channel)
        self.sharing = sharing_pb2_grpc.SharingServiceStub(self.channel)

    def call(self, method, request, **kw):
        return method(request, metadata=self.metadata, timeout=30, **kw)


@dataclass
class Harness:
    server: DatastoreServer
    target: str
    channel: grpc.Channel
    tokens: dict[str, str]
    http: str

    def client(self, user: str | None = None, **headers: str):
        """An httpx client on the REST shim, authenticated as `user` by token."""
        import httpx

        if user:
            headers.setdefault("authorization", f"Token {self.tokens[user]}")
        return httpx.Client(base_url=self.http, headers=headers, timeout=30)

    def as_user(self, name: str) -> Stubs:
        return Stubs(self.channel, (("authorization", f"Token {self.tokens[name]}"),))

    def with_metadata(self, *metadata: tuple[str, str]) -> Stubs:
        return Stubs(self.channel, tuple(metadata))

    def token(self, username: str, days: int | None = None) -> str:
        with connection():
            return self.server.auth.token_for_user(username, days).token


def pytest_addoption(parser):
    parser.addoption(
        "--backend",
        choices=["sqlite", "postgresql"],
        default=os.environ.get("DATASTORE_TEST_BACKEND", "sqlite"),
        help="database of the shared test server (postgresql: a throwaway cluster the harness starts)",
    )


_PG_SHARED_DIR = pytest.StashKey[str]()
MAX_AUTO_WORKERS = 4  # each worker has a server with its own pool on the one shared PostgreSQL


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_auto_num_workers(config):
    """`-n auto` (pyproject addopts): a worker per core, at most MAX_AUTO_WORKERS."""
    return max(1, min(len(os.sched_getaffinity(0)), MAX_AUTO_WORKERS))


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node):
    """xdist controller: every worker learns where the shared PostgreSQL cluster is recorded."""
    from tests.pg_harness import SHARED_DIR_KEY

    stash = node.config.stash
    if _PG_SHARED_DIR not in stash:
        stash[_PG_SHARED_DIR] = tempfile.mkdtemp(prefix="datastore-pg-shared-")
    node.workerinput[SHARED_DIR_KEY] = stash[_PG_SHARED_DIR]


def pytest_unconfigure(config):
    """xdist controller, once every worker is done: stops the shared cluster, if started."""
    shared = config.stash.get(_PG_SHARED_DIR, None)
    if shared:
        from tests.pg_harness import stop_shared_cluster

        stop_shared_cluster(shared)


@pytest.hookimpl(tryfirst=True)  # before xdist reads the xdist_group marks (--dist loadgroup)
def pytest_collection_modifyitems(config, items):
    """The tests of a module that has a module-scoped fixture (a served process, a filled
    store) go to one xdist worker together, so that the fixture is made once, not once
    per worker; every other test goes wherever a worker is free."""
    for item in items:
        if item.get_closest_marker("xdist_group"):
            continue
        definitions = getattr(item, "_fixtureinfo", None)
        definitions = definitions.name2fixturedefs.values() if definitions else ()
        if any(d.scope == "module" for defs in definitions for d in defs):
            item.add_marker(pytest.mark.xdist_group(item.nodeid.split("::", 1)[0]))


@pytest.fixture(scope="session")
def pg_cluster(request):
    """One throwaway PostgreSQL cluster per test run (started on first use); tests create
    databases of their own on it. Under pytest-xdist the workers share one cluster (the
    first to need it starts it, the controller stops it at the end: tests/pg_harness.py
    shared_cluster) and each names its databases with its own suffix."""
    from tests import pg_harness

    shared = getattr(request.config, "workerinput", {}).get(pg_harness.SHARED_DIR_KEY)
    if shared:
        yield pg_harness.shared_cluster(shared, namespace=os.environ.get("PYTEST_XDIST_WORKER", ""))
        return
    cluster = pg_harness.start_cluster()
    yield cluster
    cluster.stop()


@pytest.fixture(scope="session")
def harness_db_url(request, tmp_path_factory):
    if request.config.getoption("--backend") == "postgresql":
        return request.getfixturevalue("pg_cluster").create_database("harness")
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


@pytest.fixture(scope="session")
def new_database(request, tmp_path_factory):
    """Makes fresh, empty databases on the selected backend (SQLite files, or databases
    on the session's PostgreSQL cluster), for tests that run `datastore` as processes."""

    def make() -> str:
        if request.config.getoption("--backend") == "postgresql":
            return request.getfixturevalue("pg_cluster").create_database(f"p{uuid.uuid4().hex[:12]}")
        return f"sqlite:///{tmp_path_factory.mktemp('process') / 'process.db'}"

    return make


@pytest.fixture
def process_db(new_database):
    return new_database()


@pytest.fixture(scope="session")
def harness(harness_db_url) -> Harness:
    settings = Settings(
        db_url=harness_db_url,
        grpc_addr="127.0.0.1:0",
        http_addr="127.0.0.1:0",
        sweep_interval_s=3600,
        encryption_key=ENCRYPTION_KEY,
    )
    server = DatastoreServer(settings)
    target, http_addr = server.start()
    tokens = {}
    with connection():
        auth_service.add_customer(2, "Two")
        auth_service.add_customer(3, "Three")
        auth_service.add_customer(4, "Four")
        for name, (customer, admin, global_data) in USERS.items():
            server.auth.add_user(name, PASSWORD, customer_id=customer, admin=admin, global_data=global_data)
            tokens[name] = server.auth.token_for_user(name).token
        auth_service.add_group("ops")
        server.auth.add_group_member("ops", "carol")
        sharing = SharingService(server.caches)
        sharing.set(None, t.GrantInfo(customer_id=1, access=t.Access.READ, username="bob"))
        sharing.set(None, t.GrantInfo(customer_id=1, access=t.Access.WRITE, group_name="ops"))
    channel = grpc.insecure_channel(target)
    yield Harness(server, target, channel, tokens, f"http://{http_addr}")
    channel.close()
    server.stop(grace=1)


_counter = itertools.count()


def unique(prefix: str = "store") -> str:
    return f"{prefix}-{next(_counter)}-{uuid.uuid4().hex[:6]}"


@pytest.fixture
def admin(harness) -> Stubs:
    return harness.as_user("admin")


def make_store(stubs: Stubs, **fields) -> str:
    name = fields.pop("name", None) or unique()
    descriptor = descriptor_pb2.Descriptor(
        name=name,
        data_type=fields.pop("data_type", descriptor_pb2.DATA_TYPE_MAP),
        behaviour_type=fields.pop("behaviour_type", descriptor_pb2.BEHAVIOUR_TYPE_CENTRAL),
        **fields,
    )
    stubs.call(stubs.descriptors.CreateDescriptor, descriptor_pb2.CreateDescriptorRequest(descriptor=descriptor))
    return name


@pytest.fixture
def store(admin) -> str:
    """A fresh CENTRAL MAP store."""
    return make_store(admin)
