"""What a dialect is, and the error facts every dialect renders from."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import grpc
from google.protobuf import json_format
from google.rpc import error_details_pb2, status_pb2

from server.rest.transcode import STRICT

# google/rpc/code.proto "HTTP Mapping" comments: the default table.
CODE_TO_HTTP: dict[grpc.StatusCode, int] = {
    grpc.StatusCode.OK: 200,
    grpc.StatusCode.CANCELLED: 499,
    grpc.StatusCode.UNKNOWN: 500,
    grpc.StatusCode.INVALID_ARGUMENT: 400,
    grpc.StatusCode.DEADLINE_EXCEEDED: 504,
    grpc.StatusCode.NOT_FOUND: 404,
    grpc.StatusCode.ALREADY_EXISTS: 409,
    grpc.StatusCode.PERMISSION_DENIED: 403,
    grpc.StatusCode.UNAUTHENTICATED: 401,
    grpc.StatusCode.RESOURCE_EXHAUSTED: 429,
    grpc.StatusCode.FAILED_PRECONDITION: 400,
    grpc.StatusCode.ABORTED: 409,
    grpc.StatusCode.OUT_OF_RANGE: 400,
    grpc.StatusCode.UNIMPLEMENTED: 501,
    grpc.StatusCode.INTERNAL: 500,
    grpc.StatusCode.UNAVAILABLE: 503,
    grpc.StatusCode.DATA_LOSS: 500,
}


@dataclass
class Problem:
    """An error as the shim knows it: from a gRPC status or from the shim itself."""

    code: grpc.StatusCode
    message: str
    reason: str = ""
    field_violations: list[tuple[str, str]] = field(default_factory=list)
    details: list[dict] = field(default_factory=list)  # the google.rpc details as JSON
    http_status: int | None = None  # set by the shim for its own errors (404, 405, 413, 415)
    extra_headers: dict[str, str] = field(default_factory=dict)  # e.g. Allow on a 405
    dev_message: str = ""  # the exact fault, where a dialect words the message its own way

    @classmethod
    def from_status(cls, code: grpc.StatusCode, message: str, status: status_pb2.Status | None) -> Problem:
        problem = cls(code, message)
        for detail in status.details if status else ():
            problem.details.append(json_format.MessageToDict(detail))
            if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
                info = error_details_pb2.ErrorInfo()
                detail.Unpack(info)
                problem.reason = info.reason
            elif detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
                bad = error_details_pb2.BadRequest()
                detail.Unpack(bad)
                problem.field_violations = [(v.field, v.description) for v in bad.field_violations]
        return problem


def shim_details(problem: Problem) -> list[dict]:
    """google.rpc details (as JSON) for errors the shim raises itself."""
    details: list[dict] = [
        {
            "@type": "type.googleapis.com/google.rpc.ErrorInfo",
            "reason": problem.reason or problem.code.name,
            "domain": "datastore.rest",
        }
    ]
    if problem.field_violations:
        details.append(
            {
                "@type": "type.googleapis.com/google.rpc.BadRequest",
                "fieldViolations": [{"field": f, "description": d} for f, d in problem.field_violations],
            }
        )
    return details


class Dialect:
    name = ""
    overrides: dict[grpc.StatusCode, int] = {}
    unsupported_media_status = 415
    parsing = STRICT  # how strictly requests are read: as strictly as the original API

    def http_status(self, problem: Problem) -> int:
        if problem.http_status == 415:
            return self.unsupported_media_status
        if problem.http_status is not None:
            return problem.http_status
        return self.overrides.get(problem.code, CODE_TO_HTTP.get(problem.code, 500))

    def error_body(self, problem: Problem, http_status: int) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def error_headers(self, problem: Problem, http_status: int) -> dict[str, str]:
        if http_status == 401:
            return {"www-authenticate": 'Token realm="datastore"'}
        return {}

    def success_body(self, payload: Any, http_status: int) -> Any:
        return payload

    def success_status(self, payload: Any, http_status: int) -> int:
        """The HTTP status of a success: the rule's, unless the dialect's body says."""
        return http_status

    def request_problem(self, problem: Problem, variables: dict[str, str]) -> Problem:
        """A request the shim could not read, as this dialect words it."""
        return problem
