"""Assertion helpers shared by the tests."""

from __future__ import annotations

from typing import Any

import grpc
import pytest
from google.protobuf import json_format, struct_pb2
from google.rpc import error_details_pb2
from grpc_status import rpc_status

# Under pytest-xdist (pyproject addopts: -n auto --dist loadgroup) the tests marked
# `serial` run one after another on one worker, never two at once, while the other
# workers take the rest: the ones that start `serve --workers N` supervisors (a starting
# supervisor removes the metrics directories of dead ones from the shared temp dir, which
# test_workers_stop_when_their_supervisor_is_killed expects to find), and the ones that
# hold real processes to a wall-clock bound or need their calls to overlap.
serial = pytest.mark.xdist_group("serial")


def expect_error(code: grpc.StatusCode, fn, *args, **kwargs) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as info:
        fn(*args, **kwargs)
    assert info.value.code() == code, f"{info.value.code()} {info.value.details()}"
    assert info.value.details(), "errors must carry a message"
    return info.value


def error_info(error: grpc.RpcError) -> error_details_pb2.ErrorInfo:
    status = rpc_status.from_call(error)
    assert status is not None, "error carries no google.rpc.Status"
    for detail in status.details:
        if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
            info = error_details_pb2.ErrorInfo()
            detail.Unpack(info)
            return info
    raise AssertionError("no ErrorInfo in status details")


def violations(error: grpc.RpcError) -> list[str]:
    status = rpc_status.from_call(error)
    assert status is not None
    for detail in status.details:
        if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad = error_details_pb2.BadRequest()
            detail.Unpack(bad)
            return [v.field for v in bad.field_violations]
    raise AssertionError("no BadRequest in status details")


def value(v: Any) -> struct_pb2.Value:
    out = struct_pb2.Value()
    json_format.ParseDict(v, out)
    return out


def plain(v: struct_pb2.Value) -> Any:
    return json_format.MessageToDict(v)
