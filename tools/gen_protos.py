"""The proto code generator: protos/ -> clients/ (messages, gRPC stubs, typed .pyi stubs).

Usage:
    python tools/gen_protos.py           # regenerate clients/datastore/**
    python tools/gen_protos.py --check   # exit 1 if the committed code is stale

The google/api/*.proto imports are taken from the installed googleapis-common-protos
wheel (it ships the .proto sources) and copied to build/third_party_protos/ so that
`buf lint` sees the same files offline. The .pyi stubs of messages and of gRPC stubs and
servicers come from mypy-protobuf (protoc-gen-mypy, protoc-gen-mypy_grpc; a dev
dependency), so mypy checks code that uses them.
"""

from __future__ import annotations

import argparse
import filecmp
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROTOS = ROOT / "protos"
CLIENTS = ROOT / "clients"
THIRD_PARTY = ROOT / "build" / "third_party_protos"
GENERATED_PACKAGE = "datastore"  # clients/datastore/... is generated, nothing else


def copy_google_protos() -> Path:
    """Copy google/api/*.proto from googleapis-common-protos; return the include root."""
    import google.api.annotations_pb2 as annotations

    google_root = Path(annotations.__file__).parent.parent
    dest = THIRD_PARTY / "google" / "api"
    dest.mkdir(parents=True, exist_ok=True)
    for name in ("annotations.proto", "http.proto"):
        shutil.copyfile(google_root / "api" / name, dest / name)
    return THIRD_PARTY


def well_known_include() -> Path:
    import grpc_tools

    return Path(grpc_tools.__file__).parent / "_proto"


def plugin(name: str) -> str:
    """--plugin=protoc-gen-NAME=PATH, from this interpreter's environment (or PATH)."""
    path = Path(sys.executable).parent / f"protoc-gen-{name}"
    found = str(path) if path.exists() else shutil.which(f"protoc-gen-{name}")
    if not found:
        raise SystemExit(f"protoc-gen-{name} not found: pip install -e '.[dev]' (mypy-protobuf)")
    return f"--plugin=protoc-gen-{name}={found}"


def generate(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    include = copy_google_protos()
    sources = sorted(p.relative_to(PROTOS).as_posix() for p in PROTOS.rglob("*.proto"))
    args = [
        "grpc_tools.protoc",
        f"-I{PROTOS}",
        f"-I{include}",
        f"-I{well_known_include()}",
        plugin("mypy"),
        plugin("mypy_grpc"),
        f"--python_out={out}",
        f"--mypy_out=quiet:{out}",
        f"--grpc_python_out={out}",
        f"--mypy_grpc_out=quiet:{out}",
        *sources,
    ]
    from grpc_tools import protoc

    if protoc.main(args) != 0:
        raise SystemExit("protoc failed")
    for pkg_dir in {(out / s).parent for s in sources}:
        while pkg_dir != out:
            (pkg_dir / "__init__.py").touch()
            pkg_dir = pkg_dir.parent


def tree_differs(a: Path, b: Path) -> list[str]:
    cmp = filecmp.dircmp(a, b)
    diffs = [*cmp.left_only, *cmp.right_only, *cmp.diff_files, *cmp.funny_files]
    diffs = [f"{a.name}/{d}" for d in diffs if d != "__pycache__"]
    for sub in cmp.common_dirs:
        if sub != "__pycache__":
            diffs += tree_differs(a / sub, b / sub)
    return diffs


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if clients/ is stale")
    ns = parser.parse_args()
    target = CLIENTS / GENERATED_PACKAGE
    if ns.check:
        with tempfile.TemporaryDirectory() as tmp:
            generate(Path(tmp))
            if not target.exists():
                print(f"missing {target}", file=sys.stderr)
                return 1
            diffs = tree_differs(Path(tmp) / GENERATED_PACKAGE, target)
        if diffs:
            print("generated code is stale; run python tools/gen_protos.py:", file=sys.stderr)
            for d in diffs:
                print(f"  {d}", file=sys.stderr)
            return 1
        print("generated code is up to date")
        return 0
    with tempfile.TemporaryDirectory() as tmp:  # a failing protoc leaves clients/ as it was
        generate(Path(tmp))
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(Path(tmp) / GENERATED_PACKAGE, target, ignore=shutil.ignore_patterns("__pycache__"))
    print(f"generated {target.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
