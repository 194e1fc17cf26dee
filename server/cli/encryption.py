"""`datastore encryption`: the key of DHIS2 ?encrypt=true values; where it is, and its
rotation (every encrypted value re-encrypted under a new key)."""

from __future__ import annotations

import argparse
from typing import Any

from server.cli.common import KEY_FILE_HELP, command, open_db
from server.config import Settings


def rotate_command(actions: Any) -> None:
    p = command(actions, "rotate", cmd_rotate, "re-encrypt every encrypted value under a new key")
    p.add_argument("--encryption-key-file", help=KEY_FILE_HELP)
    new = p.add_mutually_exclusive_group()
    new.add_argument("--new-key", help="the new key (32 bytes, base64 or hex; default: a random one)")
    new.add_argument("--new-key-file", help="read the new key from this file")
    p.add_argument("--batch-size", type=int, default=500, help="values per transaction (default 500)")
    p.add_argument("--max-batches", type=int, help="stop after this many batches (exit 3); run again to continue")
    p.add_argument(
        "--settle", type=float, default=2.0, help="seconds servers get to pick up a new key file (default 2)"
    )


def cmd_rotate(ns: argparse.Namespace) -> int:
    from server.services import rotation
    from server.services.crypto import parse_key
    from server.services.keyfiles import read_key_file
    from server.storage.db import connection

    new_key = parse_key(ns.new_key, "--new-key") if ns.new_key else None
    if ns.new_key_file:
        new_key = read_key_file(ns.new_key_file)
        if new_key is None:
            raise ValueError(f"no such key file: {ns.new_key_file}")
    settings = _settings(ns)
    open_db(ns)
    with connection():
        out = rotation.rotate(settings, new_key, batch_size=ns.batch_size, max_batches=ns.max_batches, settle=ns.settle)
    for note in out.notes:
        print(note)
    if not out.finished:
        print(
            f"stopped after {out.batches} batch(es), {out.reencrypted} value(s) re-encrypted under key id "
            f"{out.key_id}; run the same command again to finish"
        )
        return 3
    if out.key_id:
        print(f"done: {out.reencrypted} value(s) re-encrypted; every encrypted value is under key id {out.key_id}")
    return 0


def status_command(actions: Any) -> None:
    p = command(actions, "status", cmd_status, "where the key is; encrypted values per key")
    p.add_argument("--encryption-key-file", help=KEY_FILE_HELP)


def cmd_status(ns: argparse.Namespace) -> int:
    from server.services import keyfiles
    from server.services.crypto import key_id, parse_key
    from server.storage import secrets
    from server.storage.db import connection

    settings = _settings(ns)
    path = keyfiles.key_file_for(settings)
    if settings.encryption_key:
        print(f"key: {keyfiles.ENV} (id {key_id(parse_key(settings.encryption_key))})")
    elif path:
        key = keyfiles.read_key_file(path)
        print(f"key: file {path} " + (f"(id {key_id(key)})" if key else "(not generated yet)"))
        old = keyfiles.read_key_file(keyfiles.old_path(path))
        if old is not None:
            print(f"unfinished rotation: previous key id {key_id(old)} in {keyfiles.old_path(path)}")
    else:
        print("key: none configured")
    open_db(ns)
    with connection():
        for prefix, count in secrets.count_by_key().items():
            print(f"{count} encrypted value(s) under key id {prefix[3:11] or '?'}")
    return 0


def _settings(ns: argparse.Namespace) -> Settings:
    return Settings.from_env(db_url=ns.db, encryption_key_file=ns.encryption_key_file)


def add_parser(sub: Any) -> None:
    encryption = sub.add_parser("encryption", help="the key of DHIS2 ?encrypt=true values")
    actions = encryption.add_subparsers(dest="action", required=True)
    rotate_command(actions)
    status_command(actions)
