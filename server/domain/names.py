"""Validation of names, keys and limits: one place, so every entry point agrees."""

from __future__ import annotations

import json
import re
from typing import Any

from server.domain.errors import InvalidArgument

STORE_NAME_MAX = 128
STORE_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
DESCRIPTION_MAX = 1024
KEY_MAX = 255
VALUE_MAX_BYTES = 1024 * 1024  # 1 MiB of JSON text per value
BULK_MAX = 1000
PAGE_DEFAULT = 25
PAGE_MAX = 1000
USERNAME_RE = re.compile(r"^[A-Za-z0-9@._+-]{1,150}$")
GROUP_NAME_RE = re.compile(r"^[A-Za-z0-9 ._-]{1,128}$")


def check_store_name(name: str, field: str = "name") -> str:
    if not name:
        raise InvalidArgument.for_field(field, "must not be empty")
    if len(name) > STORE_NAME_MAX:
        raise InvalidArgument.for_field(field, f"must be at most {STORE_NAME_MAX} characters")
    if not STORE_NAME_RE.match(name):
        raise InvalidArgument.for_field(
            field,
            "may contain only letters, digits, '.', '_' and '-', starting with a letter or digit",
        )
    return name


def check_key(key: str, field: str = "key") -> str:
    if not key:
        raise InvalidArgument.for_field(field, "must not be empty")
    if len(key) > KEY_MAX:
        raise InvalidArgument.for_field(field, f"must be at most {KEY_MAX} characters")
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in key):
        raise InvalidArgument.for_field(field, "must not contain control characters")
    return key


def check_value_size(value: Any, field: str = "value") -> None:
    size = len(json.dumps(value, separators=(",", ":")))
    if size > VALUE_MAX_BYTES:
        raise InvalidArgument.for_field(field, f"is {size} bytes of JSON, more than the limit of {VALUE_MAX_BYTES}")


def check_limit(limit: int, offset: int, *, maximum: int = PAGE_MAX) -> tuple[int, int]:
    """Returns (limit, offset); 0 means the default page size."""
    if limit < 0:
        raise InvalidArgument.for_field("limit", "must not be negative")
    if offset < 0:
        raise InvalidArgument.for_field("offset", "must not be negative")
    if limit > maximum:
        raise InvalidArgument.for_field("limit", f"must be at most {maximum}")
    return (limit or PAGE_DEFAULT), offset


def check_keys_unique(keys: list[str], field: str = "entries") -> None:
    seen: set[str] = set()
    for i, key in enumerate(keys):
        if key in seen:
            raise InvalidArgument.for_field(f"{field}[{i}].key", f"duplicate key '{key}'")
        seen.add(key)
