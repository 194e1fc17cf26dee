"""Make's API: errors as {"message", "code", "detail", "suberrors"}."""

from __future__ import annotations

from typing import Any

from server.rest.dialects.base import Dialect, Problem

_PHRASES = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed",
            409: "Conflict", 413: "Payload Too Large", 415: "Unsupported Media Type", 429: "Too Many Requests"}  # fmt: skip


class MakeDialect(Dialect):
    name = "make"

    def error_body(self, problem: Problem, http_status: int) -> Any:
        return {
            "message": _PHRASES.get(http_status, "Error"),
            "code": f"SC{http_status}",
            "detail": problem.message,
            "suberrors": [{"message": description, "path": field} for field, description in problem.field_violations],
        }
