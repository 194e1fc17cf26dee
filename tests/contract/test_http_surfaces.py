"""Every documented HTTP path of ../shared/docs/http-surfaces.md is served by an http rule
of the right dialect. Covers the sections that have landed: 1 (Argus) and 3 (token auth)."""

import re
from pathlib import Path

import pytest

from server.app import service_descriptors
from server.rest.rules import Router, routes_for

DOC = Path(__file__).resolve().parents[3] / "shared" / "docs" / "http-surfaces.md"
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
    return re.sub(r"\{[^}]+\}", "sample", path)


CASES = [(m, p, "argus") for m, p in documented("1.")] + [(m, p, "tokenauth") for m, p in documented("3.")]


def test_the_document_is_there_and_parsed():
    assert DOC.exists(), f"{DOC} is missing"
    assert len(documented("1.")) == 13 and len(documented("3.")) == 5


@pytest.mark.parametrize("method, path, dialect", CASES, ids=[f"{m} {p}" for m, p, _ in CASES])
def test_documented_path_has_a_rule(method, path, dialect):
    match = ROUTER.match(method, concrete(path))
    assert match is not None, f"no http rule serves {method} {path}"
    assert match.route.dialect == dialect
