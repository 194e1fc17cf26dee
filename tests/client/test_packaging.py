"""The client as a distribution of its own: it installs alone into an empty environment
and works there, its wheel carries the typed stubs, mypy is clean on it, its sync client
is what tools/gen_sync_client.py makes of the async one, and the server's pinned
dependencies lie inside its version ranges."""

from __future__ import annotations

import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[2]
CLIENTS = ROOT / "clients"

SCRIPT = """
import importlib.util, json, sys
from importlib import resources, metadata

for server_side in ("server", "peewee", "psycopg", "uvicorn", "rich", "argon2", "cryptography", "grpc_tools"):
    assert importlib.util.find_spec(server_side) is None, server_side + " is installed"
assert resources.files("datastore_client").joinpath("py.typed").is_file()
assert metadata.version("datastore-client")

from datastore_client import DatastoreClient, NotFound
from datastore.v1 import entry_pb2

target, token, store = sys.argv[1:4]
with DatastoreClient(target, token=token) as ds:
    ds.put_entry(store, "k", {"from": "an empty venv", "n": 1})
    print(json.dumps(ds.get_entry(store, "k").value, sort_keys=True))
    try:
        ds.get_entry(store, "missing")
    except NotFound as err:
        print(err.reason)
"""


def test_pip_install_e_clients_alone_gives_a_working_client(tmp_path, harness, admin, store):
    venv = tmp_path / "venv"
    # An empty environment (no pip of its own, which only saves ensurepip's time): the
    # project's pip installs into it exactly what `pip install -e clients/` would.
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    install = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "-e", str(CLIENTS)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert install.returncode == 0, install.stdout + install.stderr
    installed = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "list", "--format=freeze"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    names = {line.split("==")[0].lower() for line in installed.split()}
    assert "datastore-client" in names and "peewee" not in names and "datastore-service" not in names
    run = subprocess.run(
        [str(python), "-c", SCRIPT, harness.target, harness.tokens["admin"], store],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines() == ['{"from": "an empty venv", "n": 1}', "ENTRY_NOT_FOUND"]


def test_the_wheel_carries_the_typed_stubs(tmp_path):
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", str(tmp_path), "."],
        cwd=CLIENTS,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert build.returncode == 0, build.stdout + build.stderr
    (wheel,) = tmp_path.glob("datastore_client-*.whl")
    files = set(zipfile.ZipFile(wheel).namelist())
    for name in (
        "datastore_client/py.typed",
        "datastore_client/aio.py",
        "datastore/v1/entry_pb2.py",
        "datastore/v1/entry_pb2.pyi",
        "datastore/v1/entry_pb2_grpc.pyi",
    ):
        assert name in files, name
    assert not [f for f in files if f.startswith(("server/", "tests/"))]


def test_mypy_is_clean_on_the_client():
    cache = ROOT / "build" / "mypy_cache"  # build/ is ignored by git
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--cache-dir", str(cache)],
        cwd=CLIENTS,  # the settings (strict) are in clients/pyproject.toml
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_sync_client_is_generated_from_the_async_one():
    result = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "gen_sync_client.py"), "--check"], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_server_pins_lie_inside_the_client_ranges():
    def requirements(path: Path) -> dict[str, Requirement]:
        project = tomllib.loads(path.read_text())["project"]
        return {Requirement(r).name.lower(): Requirement(r) for r in project["dependencies"]}

    server, client = requirements(ROOT / "pyproject.toml"), requirements(CLIENTS / "pyproject.toml")
    assert set(client) <= set(server), "the server depends on everything the client needs"
    for name, wanted in client.items():
        (pin,) = [s.version for s in server[name].specifier if s.operator == "=="]
        assert wanted.specifier.contains(pin), f"{name}=={pin} is outside the client's {wanted.specifier}"
