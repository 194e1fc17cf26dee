"""server/api/numbers.py: the one double rule, and exact numbers beside a REST call."""

from __future__ import annotations

import contextvars
import math

import pytest
from google.protobuf import struct_pb2

from server.api import converters as c
from server.api import numbers
from server.domain.errors import InvalidArgument
from server.rest.rules import routes_for
from server.rest.transcode import build_request, to_json

VALUE = {"id": 1234567890123456789, "big": 10**40, "f": 1.0, "d": 0.1, "e": 1.5e300, "i": 3, "l": [2.0, -(2**60)]}


def test_the_double_rule():
    assert numbers.from_double(5.0) == 5 and type(numbers.from_double(5.0)) is int
    assert type(numbers.from_double(2.0**53)) is float and numbers.from_double(0.5) == 0.5
    assert numbers.needs_tag(2**53) and numbers.needs_tag(1.0) and not numbers.needs_tag(1e20)
    assert not numbers.needs_tag(2**53 - 1) and not numbers.needs_tag(0.1)


def test_grpc_rounds_and_refuses_nan():
    """No ExactNumbers (a gRPC call): nearest doubles, whole numbers as int, NaN refused."""
    back = c.value_from_proto(c.value_to_proto(VALUE))
    assert back["id"] == float(VALUE["id"]) and back["f"] == 1 and type(back["f"]) is int
    with pytest.raises(InvalidArgument):
        c.value_from_proto(struct_pb2.Value(number_value=math.nan))
    tag = numbers.ExactNumbers().tag(7)  # a tag of some other call means nothing here
    with pytest.raises(InvalidArgument):
        c.value_from_proto(struct_pb2.Value(number_value=tag))


def test_rest_call_keeps_numbers_through_the_wire():
    def call():
        numbers.CURRENT.set(numbers.ExactNumbers())
        proto = c.value_to_proto(VALUE)
        wired = struct_pb2.Value.FromString(proto.SerializeToString())
        back = c.value_from_proto(wired)
        assert back == VALUE and type(back["f"]) is float and type(back["l"][1]) is int
        assert to_json(wired) == VALUE

    contextvars.Context().run(call)


def test_transcoder_tags_request_values():
    from datastore.v1 import entry_pb2

    routes = {r.grpc_path: r for r in routes_for([entry_pb2.DESCRIPTOR.services_by_name["EntryService"]])}
    route = routes["/datastore.v1.EntryService/BulkPutEntries"]
    body = b'{"entries": [{"key": "a", "value": {"n": 123456789012345678901234567890, "f": 2.0}}]}'

    def call():
        request = build_request(route, {"store": "s"}, [], body)
        exact = numbers.CURRENT.get()
        assert exact is not None
        wired = type(request).FromString(request.SerializeToString())
        back = c.value_from_proto(wired.entries[0].value)
        assert back == {"n": 123456789012345678901234567890, "f": 2.0} and type(back["f"]) is float
        build_request(route, {"store": "s"}, [], b'{"entries": [{"key": "a", "value": 1}]}')
        assert numbers.CURRENT.get() is None

    contextvars.Context().run(call)
