"""DHIS2: every error is a web message
{"httpStatus", "httpStatusCode", "status": "ERROR", "message"}; success bodies are the
documented raw values and web messages as the façade builds them."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

import grpc

from server.rest.dialects.base import Dialect, Problem
from server.rest.transcode import Parsing


class Dhis2Dialect(Dialect):
    name = "dhis2"
    # DHIS2 answers a state conflict (encryption off, a concurrent change) with 409.
    overrides = {grpc.StatusCode.FAILED_PRECONDITION: 409}
    # Spring/Jackson as DHIS2 runs them: unknown JSON members and query parameters are
    # ignored (clients post back the `meta` they read from /api/sharing), and a body on a
    # call that takes none is not read.
    parsing = Parsing(unknown_fields_ok=True, unknown_query_ok=True, empty_object_is_no_body=True)

    def error_body(self, problem: Problem, http_status: int) -> Any:
        try:
            phrase = HTTPStatus(http_status).phrase
        except ValueError:
            phrase = "Error"
        body = {"httpStatus": phrase, "httpStatusCode": http_status, "status": "ERROR", "message": problem.message}
        for detail in problem.details:  # DHIS2's error codes (E1006, E7650…) ride in ErrorInfo metadata
            code = detail.get("metadata", {}).get("errorCode")
            if code:
                body["errorCode"] = code
        if problem.dev_message:
            body["devMessage"] = problem.dev_message
        return body

    def success_status(self, payload: Any, http_status: int) -> int:
        # A write answers with a web message whose httpStatusCode is the status (a PUT
        # that creates a key is 201, one that updates 200).
        if isinstance(payload, dict) and {"httpStatus", "status"} <= payload.keys():
            code = payload.get("httpStatusCode")
            if isinstance(code, int) and 200 <= code < 300:
                return code
        return http_status

    def request_problem(self, problem: Problem, variables: dict[str, str]) -> Problem:
        # DHIS2 words an unreadable value by its key; the exact fault goes in devMessage.
        if "key" in variables and problem.field_violations and problem.field_violations[0][0] == "body":
            problem.dev_message = problem.message
            problem.message = f"Invalid JSON value for key '{variables['key']}'"
        return problem

    def error_headers(self, problem: Problem, http_status: int) -> dict[str, str]:
        if http_status == 401:
            return {"www-authenticate": 'Basic realm="DHIS2"'}
        return {}
