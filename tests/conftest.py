"""Shared fixtures: one real server per test session on 127.0.0.1:0 over a temp SQLite
file (never :memory:, which is a different database in every server thread), with a
fixed cast of users, and real channels to it."""

from __future__ import annotations

import glob
import itertools
import json
import os
import shutil
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


MAX_AUTO_WORKERS = 4  # each worker has a server with its own pool on the one shared PostgreSQL
RUN_DIR_KEY = "datastore_run_dir"  # xdist workerinput: the directory the controller made for the run
_RUN_DIR = pytest.StashKey[str]()


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_auto_num_workers(config):
    """`-n auto` (pyproject addopts): a worker per core, at most MAX_AUTO_WORKERS."""
    return max(1, min(len(os.sched_getaffinity(0)), MAX_AUTO_WORKERS))


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node):
    """xdist controller: every worker learns the run's directory (the shared PostgreSQL
    cluster is recorded there, and the groups of tests: pytest_xdist_make_scheduler)."""
    stash = node.config.stash
    if _RUN_DIR not in stash:
        stash[_RUN_DIR] = tempfile.mkdtemp(prefix="datastore-tests-")
    node.workerinput[RUN_DIR_KEY] = stash[_RUN_DIR]


def pytest_unconfigure(config):
    """xdist controller, once every worker is done: stops the shared cluster, if started."""
    run_dir = config.stash.get(_RUN_DIR, None)
    if run_dir:
        from tests.pg_harness import stop_shared_cluster

        try:
            stop_shared_cluster(run_dir)
        finally:
            shutil.rmtree(run_dir, ignore_errors=True)


def _group(item) -> str | None:
    """The tests that go to one xdist worker together, one after another: those marked
    xdist_group (tests/helpers.py `serial`), and those of a module that has a module-scoped
    fixture (a served process, a filled store: made once, not once per worker)."""
    mark = item.get_closest_marker("xdist_group")
    if mark:
        return str(mark.args[0] if mark.args else mark.kwargs.get("name", "default"))
    info = getattr(item, "_fixtureinfo", None)
    if info and any(d.scope == "module" for defs in info.name2fixturedefs.values() for d in defs):
        return item.nodeid.split("::", 1)[0]
    return None


@pytest.hookimpl(trylast=True)  # the node ids as the worker reports them to the controller
def pytest_collection_modifyitems(config, items):
    """xdist worker: writes the groups of its tests for the controller's scheduler (every
    worker collects the same tests, so each writes the same)."""
    run_dir = getattr(config, "workerinput", {}).get(RUN_DIR_KEY)
    if run_dir:
        groups = {item.nodeid: group for item in items if (group := _group(item))}
        path = os.path.join(run_dir, f"groups-{config.workerinput['workerid']}.json")
        with open(path + ".new", "w") as f:
            json.dump(groups, f)
        os.replace(path + ".new", path)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """`--dist loadgroup` (pyproject addopts), with the groups of _group(). xdist's own
    loadgroup marks a group in the node id, which pytest 9 no longer lets it change (it
    would run every test on its own), so the workers hand the groups over in files."""
    if config.getvalue("dist") != "loadgroup" or _RUN_DIR not in config.stash:
        return None
    from xdist.scheduler import LoadScopeScheduling

    run_dir = config.stash[_RUN_DIR]

    class GroupScheduling(LoadScopeScheduling):
        """Every test a unit of its own, but a group is one unit (one worker, in order);
        the largest units go first (xdist's loadscope order), so the serial group starts
        at once instead of trailing at the end."""

        groups: dict[str, str] | None = None

        def _split_scope(self, nodeid: str) -> str:
            if self.groups is None:  # the workers have all finished collecting by now
                written = glob.glob(os.path.join(run_dir, "groups-*.json"))
                assert written, f"no xdist worker wrote its groups of tests into {run_dir}"
                with open(written[0]) as f:
                    self.groups = json.load(f)
            return self.groups.get(nodeid, nodeid)

    return GroupScheduling(config, log)


@pytest.fixture(scope="session")
def pg_cluster(request):
    """One throwaway PostgreSQL cluster per test run (started on first use); tests create
    databases of their own on it. Under pytest-xdist the workers share one cluster (the
    first to need it starts it, the controller stops it at the end: tests/pg_harness.py
    shared_cluster) and each names its databases with its own suffix."""
    from tests import pg_harness

    run_dir = getattr(request.config, "workerinput", {}).get(RUN_DIR_KEY)
    if run_dir:
        yield pg_harness.shared_cluster(run_dir, namespace=request.config.workerinput["workerid"])
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
