"""Every call docs/http-api.md lists is served by an http rule of the right dialect: the
document is the project's own description of its HTTP surfaces (sections 1-4), and DHIS2
calls (section 4) are checked with and without the `/api/{NN}/` version prefix."""

import re
from pathlib import Path

import pytest

from server.app import service_descriptors
from server.rest.rules import Router, routes_for

DOC = Path(__file__).resolve().parents[2] / "docs" / "http-api.md"
ROUTER = Router(routes_for(service_descriptors()))


def documented(section: str) -> list[tuple[str, str]]:
    parts = re.split(r"^## ", DOC.read_text(), flags=re.M)
    part = next(p for p in parts if p.startswith(section))
    return re.findall(r"^\| (GET|POST|PUT|PATCH|DELETE) \| `([^`]+)`", part, re.M)


def concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "sample", path.split("?")[0])


def versioned(calls: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return calls + [(m, p.replace("/api/", "/api/33/", 1)) for m, p in calls]


CASES = (
    [(m, p, "argus") for m, p in documented("1.")]
    + [(m, p, "make") for m, p in documented("2.")]
    + [(m, p, "tokenauth") for m, p in documented("3.")]
    + [(m, p, "dhis2") for m, p in versioned(documented("4."))]
)


def test_the_document_is_parsed():
    counts = [len(documented(s)) for s in ("1.", "2.", "3.", "4.")]
    assert counts == [13, 12, 5, 21], counts


@pytest.mark.parametrize("method, path, dialect", CASES, ids=[f"{m} {p}" for m, p, _ in CASES])
def test_documented_path_has_a_rule(method, path, dialect):
    match = ROUTER.match(method, concrete(path))
    assert match is not None, f"no http rule serves {method} {path}"
    assert match.route.dialect == dialect


def test_an_undocumented_path_has_no_rule():
    assert ROUTER.match("GET", "/api/no-such-thing") is None
