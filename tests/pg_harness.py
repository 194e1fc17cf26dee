"""A throwaway PostgreSQL 15 cluster for tests, started by the test harness itself.

Uses Debian's postgresql package (installed with apt-get if missing, when running as
root). The cluster lives in a temp dir, listens on 127.0.0.1 on a free port, runs with
fsync off, and is stopped and deleted at the end. As root, the server runs as the
`postgres` system user, because PostgreSQL refuses to run as root.

Under pytest-xdist the workers share one cluster (shared_cluster): in a directory the
controller made for the run, the first worker that needs PostgreSQL starts the cluster
under a lock and records it, the others reuse it, and the controller stops it when the run
ends (stop_shared_cluster); every worker's databases carry its name as a suffix.
"""

from __future__ import annotations

import fcntl
import glob
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import asdict, dataclass

_SHARED_LOCK, _SHARED_STATE = "pg.lock", "pg.json"  # in the run's directory


def _bin_dir() -> str | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return os.path.dirname(found[-1]) if found else None


def ensure_installed() -> str:
    bin_dir = _bin_dir()
    if bin_dir:
        return bin_dir
    if os.geteuid() != 0:
        raise RuntimeError("PostgreSQL is not installed and this is not root: apt-get install postgresql")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-q"], check=True, env=env, capture_output=True)
    subprocess.run(
        ["apt-get", "install", "-y", "-q", "--no-install-recommends", "postgresql"],
        check=True,
        env=env,
        capture_output=True,
    )
    bin_dir = _bin_dir()
    if not bin_dir:
        raise RuntimeError("apt-get installed postgresql but no initdb was found")
    return bin_dir


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Cluster:
    bin_dir: str
    root: str
    port: int
    as_postgres: bool
    durable: bool = False
    namespace: str = ""  # suffix of every database this handle creates (one per xdist worker)

    def _run(self, *args: str) -> subprocess.CompletedProcess:
        cmd = list(args)
        if self.as_postgres:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        return subprocess.run(cmd, check=True, capture_output=True, text=True, timeout=120)

    @property
    def data(self) -> str:
        return os.path.join(self.root, "data")

    def url(self, dbname: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{dbname}"

    def start(self) -> None:
        initdb = os.path.join(self.bin_dir, "initdb")
        self._run(initdb, "-D", self.data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-locale")
        self.resume()

    def resume(self) -> None:
        """Starts the (stopped) server of this cluster."""
        self._run(
            os.path.join(self.bin_dir, "pg_ctl"), "-D", self.data, "-l", os.path.join(self.root, "log"), "-w",
            "-o", f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c max_connections=200 "
            + ("" if self.durable else "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"),
            "start",
        )  # fmt: skip

    def pause(self) -> None:
        """Stops the server (fast shutdown: open connections are cut), keeping the data."""
        self._run(os.path.join(self.bin_dir, "pg_ctl"), "-D", self.data, "-m", "fast", "-w", "stop")

    def create_database(self, name: str) -> str:
        import psycopg

        if self.namespace:
            name = f"{name}_{self.namespace}"
        with psycopg.connect(self.url("postgres"), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        try:
            self._run(os.path.join(self.bin_dir, "pg_ctl"), "-D", self.data, "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


def start_cluster(durable: bool = False) -> Cluster:
    """durable: PostgreSQL's defaults (fsync at commit), for benchmarks that compare
    with stores that sync; tests run without, for speed."""
    bin_dir = ensure_installed()
    as_postgres = os.geteuid() == 0
    root = tempfile.mkdtemp(prefix="datastore-pg-")
    if as_postgres:
        shutil.chown(root, "postgres", "postgres")
        os.chmod(root, 0o700)
    cluster = Cluster(bin_dir, root, _free_port(), as_postgres, durable)
    try:
        cluster.start()
    except subprocess.CalledProcessError as exc:
        log = os.path.join(root, "log")
        detail = open(log).read() if os.path.exists(log) else ""
        shutil.rmtree(root, ignore_errors=True)
        raise RuntimeError(f"could not start PostgreSQL: {exc.stderr}\n{detail}") from exc
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", cluster.port), timeout=1):
                return cluster
        except OSError:
            time.sleep(0.1)
    cluster.stop()
    raise RuntimeError("PostgreSQL did not accept connections")


def shared_cluster(run_dir: str, namespace: str) -> Cluster:
    """The cluster recorded in run_dir, started now if nobody has yet (under a lock, so
    one worker starts it and the others wait for it); a handle that names databases with
    `namespace` as suffix. It is not stopped by the workers: stop_shared_cluster."""
    with open(os.path.join(run_dir, _SHARED_LOCK), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        state = os.path.join(run_dir, _SHARED_STATE)
        if os.path.exists(state):
            with open(state) as f:
                cluster = Cluster(**json.load(f))
        else:
            cluster = start_cluster()
            with open(state + ".new", "w") as f:
                json.dump(asdict(cluster), f)
            os.replace(state + ".new", state)
    cluster.namespace = namespace
    return cluster


def stop_shared_cluster(run_dir: str) -> None:
    """Stops the cluster recorded in run_dir, if one was started."""
    state = os.path.join(run_dir, _SHARED_STATE)
    if os.path.exists(state):
        with open(state) as f:
            Cluster(**json.load(f)).stop()
