"""Generates the sync client from the async one: clients/datastore_client/aio.py ->
clients/datastore_client/client.py, by unasync (as httpcore and urllib3 do).

Usage:
    python tools/gen_sync_client.py           # regenerate client.py
    python tools/gen_sync_client.py --check   # exit 1 if the committed client.py is stale

unasync drops async and await and renames what it is told to (below; and any other
AsyncName to SyncName); docstrings and comments get the same renames and lose their
`async`/`await` words, so that aio.py's examples read right in client.py. ruff then
sorts the imports and formats the result as it does the rest of the repository. What
differs beyond that (the channel, its stubs and lock, close and the context manager)
is written by hand for each client in clients/datastore_client/_transport.py.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import tokenize_rt
import unasync

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "clients" / "datastore_client"
SOURCE = PACKAGE / "aio.py"
TARGET = PACKAGE / "client.py"
HEADER = "# Generated from aio.py by tools/gen_sync_client.py; do not edit: edit aio.py and run that.\n"

# Besides unasync's own (AsyncIterator -> Iterator, __aenter__ -> __enter__, …) and its
# rule AsyncName -> SyncName (AsyncTransport -> SyncTransport, AsyncSend -> SyncSend, …).
REPLACEMENTS = {
    "AsyncDatastoreClient": "DatastoreClient",
    "asyncio": "time",  # from asyncio import sleep
    "aiter": "iter",
    "anext": "next",
}

_PROSE_KEYWORDS = re.compile(r"\b(?:async (?=with\b|for\b|def\b)|await )")
_ASYNC_NAME = re.compile(r"\bAsync[A-Z]\w*")


def _prose(text: str) -> str:
    """A docstring's or comment's text, as the sync client's."""
    text = _PROSE_KEYWORDS.sub("", text)
    return _ASYNC_NAME.sub(lambda m: REPLACEMENTS.get(m[0], "Sync" + m[0].removeprefix("Async")), text)


def unasync_source(source: str) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp, "_async", "aio.py")
        path.parent.mkdir()
        path.write_text(source)
        unasync.unasync_files([str(path)], [unasync.Rule("/_async/", "/_sync/", additional_replacements=REPLACEMENTS)])
        code = Path(tmp, "_sync", "aio.py").read_text()
    tokens = tokenize_rt.src_to_tokens(code)
    for i, token in enumerate(tokens):
        if token.name in ("STRING", "COMMENT"):
            tokens[i] = token._replace(src=_prose(token.src))
    return tokenize_rt.tokens_to_src(tokens)


def ruff(args: list[str], code: str) -> str:
    """code through ruff, with the repository's settings (pyproject.toml)."""
    command = [sys.executable, "-m", "ruff", *args, "--stdin-filename", str(TARGET.relative_to(ROOT)), "-"]
    done = subprocess.run(command, input=code, capture_output=True, text=True, cwd=ROOT)
    if done.returncode != 0:
        raise SystemExit(f"ruff {' '.join(args)} failed on the generated code:\n{done.stdout}{done.stderr}")
    return done.stdout


def generate() -> str:
    code = HEADER + unasync_source(SOURCE.read_text())
    # import order (asyncio became time, …); `for x in xs: yield x` (async for) -> yield from
    code = ruff(["check", "--quiet", "--select", "I,UP028", "--fix", "--unsafe-fixes"], code)
    return ruff(["format", "--quiet"], code)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if client.py is stale")
    ns = parser.parse_args()
    code = generate()
    if ns.check:
        if not TARGET.exists() or TARGET.read_text() != code:
            print("client.py is stale; run python tools/gen_sync_client.py", file=sys.stderr)
            return 1
        print("client.py is up to date")
        return 0
    TARGET.write_text(code)
    print(f"generated {TARGET.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
