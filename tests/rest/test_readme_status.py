"""The README's table of DHIS2 answers, sent row by row: each row's request, in the state
its "when" column names, must answer the status, errorCode and message it says."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import unique
from tests.rest.dhis2_core import cast, send, share

README = (Path(__file__).resolve().parents[2] / "README.md").read_text()
admin = cast("admin")
alice = cast("alice")


def _cell(text: str) -> str:
    text = text.strip()
    for quote in ("``", "`"):
        if text.startswith(quote) and text.endswith(quote):
            return text[len(quote) : -len(quote)].strip()
    return text


def _rows() -> list[tuple[str, ...]]:
    table = re.search(r"<!-- dhis2-status -->\n(.*?)<!-- /dhis2-status -->", README, re.S)
    assert table, "README.md has no dhis2-status table"
    lines = [line for line in table.group(1).splitlines() if line.startswith("|")][2:]
    return [tuple(_cell(c) for c in line.strip("|").split("|")) for line in lines]


# What each "when" means: sets the stage as admin, returns (caller, body).
def _new(admin, alice, url):
    return admin, "1"


def _exists(admin, alice, url):
    assert send(admin, "PUT" if "/userDataStore/" in url else "POST", url, "1").status_code == 201
    return admin, "2"


def _shared_away(admin, alice, url):
    assert send(admin, "POST", url, "1").status_code == 201
    ns, key = url.split("/")[-2:]
    share(admin, ns, key, "--------")
    return alice, "2"


STAGES = {
    "the key is new": _new,
    "the key is absent": _new,
    "the key exists": _exists,
    "the key is shared away from the caller": _shared_away,
    "the body is not JSON": lambda admin, alice, url: (admin, "{not json"),
    "the filter has an unknown operator": _new,
    "the caller is not a superuser": lambda admin, alice, url: (alice, None),
}


def test_the_table_is_there():
    assert len(_rows()) >= 10


@pytest.mark.parametrize("request_, when, status, error_code, message", _rows(), ids=lambda v: str(v)[:40])
def test_readme_dhis2_answer(admin, alice, request_, when, status, error_code, message):
    method, path = request_.split(" ", 1)
    ns, key = unique("readme"), "k"
    url = path.replace("{ns}", ns).replace("{key}", key)
    assert when in STAGES, f"README row {request_!r} has a condition this test does not know: {when!r}"
    entry_url = url.split("?")[0] if "{key}" in path else f"/api/dataStore/{ns}/{key}"
    caller, body = STAGES[when](admin, alice, entry_url)
    r = send(caller, method, url, body if method in ("POST", "PUT") else None)
    assert r.status_code == int(status), r.text
    answer = r.json()
    assert answer.get("errorCode", "") == error_code, answer
    if message:
        expected = message.replace("'k'", f"'{key}'").replace("'ns'", f"'{ns}'").replace("'ns.", f"'{ns}.")
        assert answer["message"] == expected, answer
