"""AIP-193 errors for the canonical /v1 paths: {"error": {code, message, status, details}}."""

from __future__ import annotations

from typing import Any

from server.rest.dialects.base import Dialect, Problem, shim_details


class GoogleDialect(Dialect):
    name = "google"

    def error_body(self, problem: Problem, http_status: int) -> Any:
        return {
            "error": {
                "code": http_status,
                "message": problem.message,
                "status": problem.code.name,
                "details": problem.details or shim_details(problem),
            }
        }
