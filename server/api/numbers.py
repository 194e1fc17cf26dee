"""JSON numbers in google.protobuf.Value: the one rule for gRPC, exact numbers for REST.

A Value holds every number as a double, so over gRPC a whole number below 2**53 is
read as an integer (5.0 -> 5) and anything else as a float: an integer beyond 2**53
arrives as the nearest double, and 1.0 as 1 (`from_double`).

The REST shim keeps the numbers a client wrote (integers of any size exact, 1.0 a
float) although its requests and responses are messages holding Values too: a number
a double cannot carry as written travels as a NaN whose payload indexes this call's
ExactNumbers, which holds the number itself. The transcoder tags request numbers
(server/rest/transcode.py), the converters read and write through the tags
(server/api/converters.py) and the JSON printer resolves them. The sidecar lives in
CURRENT for one in-process call (server/rest/inprocess.py); a gRPC call has none, and
a NaN it sends is refused as before.
"""

from __future__ import annotations

import contextvars
import math
import struct
from typing import Any

from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import Message

SAFE_INTEGER = 2**53  # doubles hold every integer up to here, and only some beyond
_TAG = 0x7FFC_0000_0000_0000  # a quiet NaN with a marker bit; the low 32 bits index
_TAG_MASK = 0xFFFF_FFFF_0000_0000
_PACK = struct.Struct("<d")
_UNPACK = struct.Struct("<Q")


def from_double(n: float) -> int | float:
    """A Value's number as JSON data: whole numbers below 2**53 as int."""
    return int(n) if n.is_integer() and -SAFE_INTEGER < n < SAFE_INTEGER else n


def needs_tag(n: int | float) -> bool:
    """Whether a double would not give this number back through from_double: an integer
    beyond 2**53 (rounded) or a whole float below it (it would come back an int)."""
    if isinstance(n, int):
        return not -SAFE_INTEGER < n < SAFE_INTEGER
    return n.is_integer() and -SAFE_INTEGER < n < SAFE_INTEGER


class ExactNumbers:
    """The numbers of one REST call that travel beside its messages."""

    __slots__ = ("numbers",)

    def __init__(self) -> None:
        self.numbers: list[int | float] = []

    def tag(self, n: int | float) -> float:
        self.numbers.append(n)
        return _PACK.unpack(_UNPACK.pack(_TAG | (len(self.numbers) - 1)))[0]

    def untag(self, n: float) -> int | float | None:
        """The number a tag stands for; None if n is no tag of this call."""
        bits = _UNPACK.unpack(_PACK.pack(n))[0]
        if bits & _TAG_MASK != _TAG:
            return None
        index = bits & 0xFFFF_FFFF
        return self.numbers[index] if index < len(self.numbers) else None


# The current REST call's numbers: set while the transcoder builds a request (in the
# HTTP task) and while its handler and the printer run (in the worker); unset for gRPC.
CURRENT: contextvars.ContextVar[ExactNumbers | None] = contextvars.ContextVar("exact_numbers", default=None)


def number(n: float) -> int | float | None:
    """A Value's number_value as JSON data: a tag resolved, a plain double by the rule;
    None for NaN or an infinity that is no tag of the current call."""
    if math.isfinite(n):
        return from_double(n)
    exact = CURRENT.get()
    return exact.untag(n) if exact is not None and n != n else None


def tag_message(message: Message, data: Any, exact: ExactNumbers) -> None:
    """Tags the numbers of `data` (the JSON ParseDict read into `message`) that a Value
    holds only approximately, walking the message's fields as ParseDict did."""
    full_name = message.DESCRIPTOR.full_name
    if full_name == "google.protobuf.Value":
        if isinstance(data, (int, float)) and not isinstance(data, bool) and needs_tag(data):
            message.number_value = exact.tag(data)
        elif isinstance(data, (dict, list)):
            tag_message(message.struct_value if isinstance(data, dict) else message.list_value, data, exact)
    elif full_name == "google.protobuf.Struct" and isinstance(data, dict):
        for key, item in data.items():
            tag_message(message.fields[key], item, exact)
    elif full_name == "google.protobuf.ListValue" and isinstance(data, list):
        for value, item in zip(message.values, data, strict=False):
            tag_message(value, item, exact)
    elif not full_name.startswith("google.protobuf.") and isinstance(data, dict):
        for key, item in data.items():
            f = _field(message.DESCRIPTOR, key)
            if f is None or f.type != FieldDescriptor.TYPE_MESSAGE or item is None:
                continue
            held = getattr(message, f.name)
            if f.message_type.GetOptions().map_entry:
                if f.message_type.fields_by_name["value"].type == FieldDescriptor.TYPE_MESSAGE and isinstance(
                    item, dict
                ):
                    for k, v in item.items():
                        if k in held:
                            tag_message(held[k], v, exact)
            elif f.is_repeated:
                if isinstance(item, list):
                    for m, d in zip(held, item, strict=False):
                        tag_message(m, d, exact)
            else:
                tag_message(held, item, exact)


def _field(descriptor: Descriptor, name: str) -> FieldDescriptor | None:
    """A field by proto name or JSON name, as json_format.ParseDict finds it."""
    f = descriptor.fields_by_name.get(name)
    return f if f is not None else next((x for x in descriptor.fields if x.json_name == name), None)
