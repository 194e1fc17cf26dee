"""The layout rules of CONTRIBUTING.md, checked on the source itself.

Every import counts, the ones inside functions too: a lazy import still makes a cycle.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SERVER = ROOT / "server"
CORE = ("server.api", "server.domain", "server.query", "server.rest", "server.services", "server.storage")
MAX_LINES = 450


def _module(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports() -> dict[str, set[str]]:
    """server module -> the server modules it imports (a package import counts as its
    __init__; `from pkg import name` as pkg.name when that is a module)."""
    modules = {_module(p): p for p in SERVER.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                found.update(a.name for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.add(node.module)
                found.update(f"{node.module}.{a.name}" for a in node.names)
        graph[name] = {m for m in found if m in modules and m != name}
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def _facade(module: str) -> str | None:
    parts = module.split(".")
    return parts[2] if len(parts) > 2 and parts[1] == "facades" else None


def test_no_import_cycle():
    assert _cycles(_imports()) == []


def test_the_core_never_imports_a_facade():
    bad = [
        (m, d) for m, deps in _imports().items() if m.startswith(CORE) for d in deps if d.startswith("server.facades")
    ]
    assert bad == []


def test_facades_import_only_the_core_and_themselves():
    bad = []
    for m, deps in _imports().items():
        own = _facade(m)
        if own is None:
            continue
        for d in deps:
            if d == "server.facades" or _facade(d) == own:
                continue
            if not d.startswith(CORE):
                bad.append((m, d))
    assert bad == []


def test_no_hand_written_python_file_is_long():
    generated = ("_pb2.py", "_pb2_grpc.py", "_pb2.pyi", "_pb2_grpc.pyi")
    long = {}
    for top in ("server", "tests", "bench", "clients"):
        for path in (ROOT / top).rglob("*.py"):
            if path.name.endswith(generated) or "build" in path.relative_to(ROOT).parts:
                continue
            n = len(path.read_text().splitlines())
            if n > MAX_LINES:
                long[str(path.relative_to(ROOT))] = n
    assert long == {}


def test_the_checks_see_real_edges():
    """The graph is not empty by accident: known edges are in it."""
    graph = _imports()
    assert "server.domain.errors" in graph["server.storage.db"]
    assert "server.query.syntax" in graph["server.facades.dhis2.service"]
    assert _cycles({"a": {"b"}, "b": {"a"}, "c": set()}) == [["a", "b"]]
