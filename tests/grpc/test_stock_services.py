"""The stock gRPC services - health and server reflection - as clients nobody here wrote
see them: reflection answers under grpc.reflection.v1 (buf curl) and v1alpha (grpcurl
1.8), Health/List is implemented, and bytes that do not decode answer INVALID_ARGUMENT
on every stock method, as on ours, never INTERNAL."""

from __future__ import annotations

import os
import subprocess
import sys

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from server.api.stock import descriptors
from server.app import SERVICE_NAMES
from tests.grpc.test_fuzz import invoke

BIN = os.path.dirname(sys.executable)
STOCK_NAMES = {
    "grpc.health.v1.Health",
    "grpc.reflection.v1.ServerReflection",
    "grpc.reflection.v1alpha.ServerReflection",
}
STOCK_METHODS = [method for service in descriptors() for method in service.methods]


def _run(*args: str) -> str:
    result = subprocess.run(args, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


@pytest.mark.parametrize("protocol", ["grpc-v1", "grpc-v1alpha"])
def test_buf_curl_lists_services_with_either_reflection_protocol(harness, protocol):
    listed = _run(
        os.path.join(BIN, "buf"), "curl", "--protocol", "grpc", "--http2-prior-knowledge",
        "--reflect-protocol", protocol, "--list-services", f"http://{harness.target}",
    )  # fmt: skip
    assert set(listed.split()) == {*SERVICE_NAMES, *STOCK_NAMES}


def test_buf_curl_calls_through_v1_reflection(harness):
    answer = _run(
        os.path.join(BIN, "buf"), "curl", "--protocol", "grpc", "--http2-prior-knowledge",
        "--reflect-protocol", "grpc-v1", f"http://{harness.target}/grpc.health.v1.Health/Check",
    )  # fmt: skip
    assert '"SERVING"' in answer


def test_grpcurl_lists_and_describes_the_v1_service(harness):
    grpcurl = os.path.join(BIN, "grpcurl")
    assert set(_run(grpcurl, "-plaintext", harness.target, "list").split()) == {*SERVICE_NAMES, *STOCK_NAMES}
    described = _run(grpcurl, "-plaintext", harness.target, "describe", "grpc.reflection.v1.ServerReflection")
    assert ".grpc.reflection.v1.ServerReflectionRequest" in described


def test_health_list_reports_every_service(harness):
    answer = health_pb2_grpc.HealthStub(harness.channel).List(health_pb2.HealthListRequest(), timeout=5)
    assert set(answer.statuses) == {"", *SERVICE_NAMES}
    assert {s.status for s in answer.statuses.values()} == {health_pb2.HealthCheckResponse.SERVING}


@pytest.mark.parametrize("method", STOCK_METHODS, ids=[m.full_name for m in STOCK_METHODS])
def test_undecodable_bytes_are_invalid_argument(harness, method):
    code, details = invoke(harness.channel, method, b"\x0a\xff\xff\xff\xff\x0f", serialize=lambda b: b)
    assert code == grpc.StatusCode.INVALID_ARGUMENT, details
    assert "cannot be decoded" in details


def test_stock_calls_are_counted_by_arity(harness):
    from server import observability

    reflection = next(m for m in STOCK_METHODS if m.containing_service.full_name.endswith("v1.ServerReflection"))
    invoke(harness.channel, reflection, b"", serialize=lambda b: b)  # list_services unset: an error_response, OK
    text = observability.exposition().decode()
    assert 'grpc_service="grpc.reflection.v1.ServerReflection",grpc_type="bidi_stream"' in text
