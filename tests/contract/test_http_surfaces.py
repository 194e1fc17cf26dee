"""Every documented HTTP path of ../shared/docs/http-surfaces.md is served by an http rule
of the right dialect: sections 1 (Argus), 2 (Make) and 3 (token auth); for section 4
(DHIS2, "everything in seed 004"), every `METHOD /api/...` call that seed 004 shows,
with and without the version prefix."""

import re
from pathlib import Path

import pytest

from server.app import service_descriptors
from server.rest.rules import Router, routes_for

DOC = Path(__file__).resolve().parents[3] / "shared" / "docs" / "http-surfaces.md"
SEED_004 = next((Path(__file__).resolve().parents[3] / "shared" / "seeds").glob("004_*.txt"), None)
ROUTER = Router(routes_for(service_descriptors()))


def documented(section: str) -> list[tuple[str, str]]:
    text = DOC.read_text()
    body = re.split(r"^## ", text, flags=re.M)
    part = next(p for p in body if p.startswith(section))
    rows = re.findall(r"^\| (GET|POST|PUT|PATCH|DELETE) \| `([^`]+)`", part, re.M)
    rows += re.findall(r"`(GET|POST|PUT|PATCH|DELETE) (/[^`]+)`", part)
    return rows


def concrete(path: str) -> str:
    path = path.split("?")[0]
    return re.sub(r"\{[^}]+\}|<[^>]+>", "sample", path)


def seed_004_calls() -> list[tuple[str, str]]:
    """Every call seed 004 shows, once with /api/33/ and once with /api/ alone."""
    text = SEED_004.read_text() if SEED_004 else ""
    calls = set()
    for method, path in re.findall(r"(GET|POST|PUT|DELETE) (/api/[^\s]+)", text):
        path = path.replace("{store}", "dataStore").split("?")[0]
        calls.add((method, path))
        calls.add((method, path.replace("/api/33/", "/api/")))
        calls.add((method, path.replace("/api/", "/api/33/", 1) if "/api/33/" not in path else path))
    return sorted(calls)


# Section 2's "…" rows name the records and data-structures APIs in prose; these are
# the calls that prose lists (list, add, replace, partial update, delete; structures).
MAKE_PROSE = [
    ("GET", "/api/v2/data-stores/{dataStoreId}/data"),
    ("POST", "/api/v2/data-stores/{dataStoreId}/data"),
    ("PUT", "/api/v2/data-stores/{dataStoreId}/data/{key}"),
    ("PATCH", "/api/v2/data-stores/{dataStoreId}/data/{key}"),
    ("DELETE", "/api/v2/data-stores/{dataStoreId}/data"),
    ("GET", "/api/v2/data-structures"),
    ("GET", "/api/v2/data-structures/{id}"),
]
CASES = (
    [(m, p, "argus") for m, p in documented("1.")]
    + [(m, p, "make") for m, p in documented("2.") + MAKE_PROSE]
    + [(m, p, "tokenauth") for m, p in documented("3.")]
    + [(m, p, "dhis2") for m, p in seed_004_calls()]
)


def test_the_document_is_there_and_parsed():
    assert DOC.exists(), f"{DOC} is missing"
    assert len(documented("1.")) == 13 and len(documented("2.")) == 5 and len(documented("3.")) == 5
    assert SEED_004 is not None and len(seed_004_calls()) >= 20


@pytest.mark.parametrize("method, path, dialect", CASES, ids=[f"{m} {p}" for m, p, _ in CASES])
def test_documented_path_has_a_rule(method, path, dialect):
    match = ROUTER.match(method, concrete(path))
    assert match is not None, f"no http rule serves {method} {path}"
    assert match.route.dialect == dialect
