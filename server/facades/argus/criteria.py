"""Argus search input that JSON alone does not type: times given as numbers or text, flag
names and bits, and "unset" spelled as null, "" or {}."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta

from google.protobuf import struct_pb2

from server.api import numbers
from server.domain.errors import InvalidArgument


def unset(v: struct_pb2.Value) -> bool:
    """null, "" and {} (and a field not sent at all) mean "not given"."""
    kind = v.WhichOneof("kind")
    return (
        kind in (None, "null_value")
        or (kind == "string_value" and not v.string_value)
        or (kind == "struct_value" and not v.struct_value.fields)
    )


_MS = {"ms": 1, "s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000, "w": 604_800_000}
_TERM = re.compile(r"([+-]?)(\d{1,15})(ms|MS|s|S|m|h|H|d|D|w|W)")
_MIN_MS, _MAX_MS = -62_135_596_800_000, 253_402_300_799_999  # years 1 to 9999
_EPOCH, _ONE_MS = datetime(1970, 1, 1, tzinfo=UTC), timedelta(milliseconds=1)
_TIME_FORMS = "epoch milliseconds, an ISO-8601 time or a relative time such as now-1d"


def _shown(text: str) -> str:
    return repr(text if len(text) <= 40 else text[:40] + "...")


def _relative(text: str, field: str) -> int | None:
    """'now', 'now-2h', 'now-1h30m', '-1d' -> epoch ms; None if it is not that form."""
    compact = "".join(text.split())
    rest = compact[3:] if compact.lower().startswith("now") else compact
    if rest == compact and not rest.startswith(("+", "-")):
        return None
    at, sign, pos = int(time.time() * 1000), "", 0
    while pos < len(rest):
        m = _TERM.match(rest, pos)
        if m is None or not (m.group(1) or sign):
            raise InvalidArgument.for_field(field, f"{_shown(text)} is not {_TIME_FORMS} (units: ms s m h d w)")
        sign = m.group(1) or sign
        at += (-1 if sign == "-" else 1) * int(m.group(2)) * _MS[m.group(3).lower()]
        pos = m.end()
    return at


def timestamp(v: struct_pb2.Value, field: str) -> int | None:
    """Argus time input (number or text) -> epoch ms; None when not given."""
    if unset(v):
        return None
    kind = v.WhichOneof("kind")
    if kind == "number_value":
        n = numbers.number(v.number_value)  # a REST call's 1.7e12 is a tagged float
        if n is None or not float(n).is_integer():
            raise InvalidArgument.for_field(field, "epoch milliseconds must be a whole number")
        ms = int(n)
    elif kind == "string_value":
        text = v.string_value.strip()
        if re.fullmatch(r"-?\d{1,19}", text):
            ms = int(text)
        elif (ms := _relative(text, field)) is None:
            try:
                parsed = datetime.fromisoformat(text)
            except ValueError:
                raise InvalidArgument.for_field(field, f"{_shown(text)} is not {_TIME_FORMS}") from None
            if parsed.tzinfo is None:
                parsed = parsed.replace(tzinfo=UTC)
            ms = (parsed - _EPOCH) // _ONE_MS
    else:
        raise InvalidArgument.for_field(field, f"must be {_TIME_FORMS}")
    if not _MIN_MS <= ms <= _MAX_MS:
        raise InvalidArgument.for_field(field, f"{ms} is outside the years 1 to 9999")
    return ms


def flag_filter(include: set[str], exclude: set[str], include_deleted: bool) -> tuple[bool, bool | None]:
    """(include_deleted, deleted filter) for DELETED in includeFlags / excludeFlags:
    asking for it means "only deleted ones" (so they are searched at all), excluding it
    "none" even with includeDeleted; both match nothing (alive and deleted)."""
    only, never = "DELETED" in include, "DELETED" in exclude
    if only:
        return not never, True
    return include_deleted, False if never else None


def entry_flags(names, field: str) -> set[str]:
    out = set()
    for i, name in enumerate(names):
        if name.upper() != "DELETED":
            raise InvalidArgument.for_field(f"{field}[{i}]", f"unknown flag {_shown(name)}; the only flag is DELETED")
        out.add("DELETED")
    return out


DESCRIPTOR_FLAG_DELETED = 1  # Argus sends descriptor flags as an int64 bit set


def descriptor_flags(bits: int, field: str) -> set[str]:
    if bits & ~DESCRIPTOR_FLAG_DELETED:
        raise InvalidArgument.for_field(field, f"unknown flag bits in {bits}; the only flag is DELETED = 1")
    return {"DELETED"} if bits else set()
