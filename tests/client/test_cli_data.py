"""The `datastore` data commands (get, put, delete, query, descriptors) as real processes
against a real server process: tables by default, --json for scripts, one exit status
per kind of failure, and an example in every command's --help."""

from __future__ import annotations

import json
import socket
import subprocess

import pytest

from server.cli import build_parser
from server.cli.output import _subparsers
from tests.procs import DATASTORE, cli, environment, serve


@pytest.fixture(scope="module")
def server(new_database):
    db = new_database()
    cli("user", "add", "root", "--password", "root-pass-1", "--admin", "--global-data", db=db)
    cli("user", "add", "reader", "--password", "reader-pass-1", "--customer", "9", db=db)
    served = serve(db)
    env = {
        "DATASTORE_TARGET": served.grpc,
        "DATASTORE_TOKEN": cli("token", "create", "root", db=db).stdout.strip(),
        "DATASTORE_USER": None,
        "DATASTORE_PASSWORD": None,
        "COLUMNS": "200",
    }
    yield env
    served.stop_checked()


@pytest.fixture
def ds(server):
    def run(*args: str, stdin: str | None = None, code: int = 0, **env: str | None) -> subprocess.CompletedProcess:
        result = subprocess.run(
            [DATASTORE, *args],
            input=stdin,
            capture_output=True,
            text=True,
            timeout=120,
            env=environment({**server, **env}),
        )
        assert result.returncode == code, (args, result.returncode, result.stdout, result.stderr)
        return result

    return run


def test_version_and_an_example_in_every_help(ds):
    assert ds("--version").stdout.startswith("datastore 0.1.0 (datastore-client 0.1.0)")
    assert "example:\n  datastore put myStore myKey" in ds("put", "--help").stdout

    def leaves(parser, path=()):
        children = _subparsers(parser)
        yield path, parser
        for name, child in children.items():
            yield from leaves(child, (*path, name))

    root = build_parser()  # with the examples, as the command line gets them
    for path, parser in leaves(root):
        text = parser.format_help()
        assert "example" in text, f"datastore {' '.join(path)} --help shows no example"
        if (
            path
            and path[0] in ("get", "put", "delete", "query", "descriptors")
            and len(path) > (path[0] == "descriptors")
        ):
            assert "--target HOST:PORT" in text and "--json" in text and "4 not found" in text


def test_put_get_delete(ds):
    ds("descriptors", "create", "colours", "--description", "paint")
    assert ds("put", "colours", "red", '{"hex": "#f00", "rgb": [255, 0, 0], "ok": true}').stdout.strip() == (
        "put colours/red (customer 1): revision 1"
    )
    written = json.loads(ds("put", "colours", "blue", "-", "--json", stdin='{"hex": "#00f"}\n').stdout)
    assert written["value"] == {"hex": "#00f"} and written["revision"] == 1 and written["key"] == "blue"
    human = ds("get", "colours", "red").stdout
    assert "colours" in human and "revision  1" in human and '"hex": "#f00"' in human and "by root" in human
    got = json.loads(ds("get", "colours", "red", "--json").stdout)
    assert got["value"] == {"hex": "#f00", "rgb": [255, 0, 0], "ok": True}
    assert (got["store"], got["key"], got["customer_id"], got["revision"], got["etag"]) == ("colours", "red", 1, 1, "1")
    assert got["updated_at"].endswith("Z") and got["updated_by"] == "root"
    ds("put", "colours", "red", '"plain text"', "--expected-revision", "1")
    assert json.loads(ds("get", "colours", "red", "--json").stdout)["value"] == "plain text"
    assert ds("delete", "colours", "red", "nope").stdout.strip() == "deleted 1 of 2 key(s): red"
    gone = json.loads(ds("delete", "colours", "blue", "--json").stdout)
    assert [e["key"] for e in gone["deleted"]] == ["blue"]
    ds("get", "colours", "red", code=4)


def test_query(ds):
    ds("descriptors", "create", "sizes")
    for i in range(6):
        ds("put", "sizes", f"k{i}", json.dumps({"n": i, "even": i % 2 == 0}))
    page = json.loads(ds("query", "sizes", "--filter", "n:ge:2", "--order", "n:ndesc", "--limit", "3", "--json").stdout)
    assert [e["key"] for e in page["entries"]] == ["k5", "k4", "k3"] and page["total_size"] == 4
    assert page["entries"][0]["value"] == {"n": 5, "even": False}
    both = ds("query", "sizes", "--filter", "n:eq:0", "--filter", "n:eq:5", "--any", "--json").stdout
    assert [e["key"] for e in json.loads(both)["entries"]] == ["k0", "k5"]
    table = ds("query", "sizes", "--filter", "even:eq:true", "--offset", "1").stdout
    assert "sizes: 2 of 3 entries from 1" in table and "k2" in table and "k4" in table and "k0" not in table
    assert '{"even": true, "n": 4}' in table  # keys sorted in tables
    everything = json.loads(ds("query", "sizes", "--all", "--json").stdout)
    assert len(everything["entries"]) == everything["total_size"] == 6


def test_descriptors(ds):
    created = json.loads(ds("descriptors", "create", "bag", "--type", "list", "--json").stdout)
    assert (created["name"], created["data_type"], created["behaviour_type"]) == ("bag", "LIST", "CENTRAL")
    ds("put", "bag", "item")  # a LIST store's key has no value
    assert json.loads(ds("get", "bag", "item", "--json").stdout)["value"] is None
    updated = ds("descriptors", "update", "bag", "--expire-data", "--life-time", "60000", "--json").stdout
    assert json.loads(updated)["expire_data"] is True and json.loads(updated)["life_time"] == 60000
    table = ds("descriptors", "list").stdout
    assert "bag" in table and "LIST" in table and "60000" in table
    listed = json.loads(ds("descriptors", "list", "--json").stdout)
    assert "bag" in [d["name"] for d in listed["descriptors"]]
    assert "after 60000 ms" in ds("descriptors", "get", "bag").stdout
    assert json.loads(ds("descriptors", "delete", "bag", "--json").stdout)["deleted"] is True
    ds("descriptors", "get", "bag", code=4)
    assert json.loads(ds("descriptors", "get", "bag", "--show-deleted", "--json").stdout)["deleted"] is True


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_exit_codes(ds):
    ds("descriptors", "create", "codes")
    ds("put", "codes", "k", "1")
    missing = ds("get", "codes", "nope", code=4)
    assert "NOT_FOUND" in missing.stderr and "ENTRY_NOT_FOUND" in missing.stderr and not missing.stdout
    as_json = json.loads(ds("get", "codes", "nope", "--json", code=4).stderr)
    assert as_json["error"]["code"] == "NOT_FOUND" and as_json["error"]["reason"] == "ENTRY_NOT_FOUND"
    ds("get", "codes", "k", DATASTORE_TOKEN="not-a-token", code=5)
    assert "--token" in ds("get", "codes", "k", DATASTORE_TOKEN=None, code=5).stderr  # the hint
    reader = {"DATASTORE_TOKEN": None, "DATASTORE_USER": "reader", "DATASTORE_PASSWORD": "reader-pass-1"}
    ds("get", "codes", "k", "--customer", "1", code=5, **reader)
    bad = json.loads(ds("query", "codes", "--filter", "nonsense", "--json", code=6).stderr)["error"]
    assert bad["reason"] == "ILLEGAL_QUERY" and bad["field_violations"][0]["field"] == "filters[0]"
    assert "nonsense" in ds("query", "codes", "--filter", "nonsense", code=6).stderr
    assert "not JSON" in ds("put", "codes", "k", "{oops", code=6).stderr
    ds("put", "codes", "k", "2", "--expected-revision", "7", code=8)
    ds("descriptors", "create", "codes", code=8)
    ds("get", "codes", "k", "--target", f"127.0.0.1:{_free_port()}", "--timeout", "2", code=7)
    ds("get", "codes", code=2)  # usage


def test_user_and_password_instead_of_a_token(ds):
    ds("descriptors", "create", "mine")
    env = {"DATASTORE_TOKEN": None, "DATASTORE_USER": "root", "DATASTORE_PASSWORD": "root-pass-1"}
    ds("put", "mine", "k", "[1, 2]", **env)
    assert json.loads(ds("get", "mine", "k", "--json", **env).stdout)["value"] == [1, 2]
    ds("get", "mine", "k", "--password", "wrong-pass-1", code=5, **env)
