"""Sikt Argus token auth, a Django REST framework API: errors are
{"detail": "..."} or, for invalid input, {"field": ["..."]} / {"non_field_errors": [...]}."""

from __future__ import annotations

from typing import Any

import grpc

from server.rest.dialects.base import Dialect, Problem
from server.rest.transcode import Parsing


class TokenAuthDialect(Dialect):
    name = "tokenauth"
    # Django REST framework serializers ignore members they do not declare.
    parsing = Parsing(unknown_fields_ok=True, empty_object_is_no_body=True)

    def error_body(self, problem: Problem, http_status: int) -> Any:
        if problem.code == grpc.StatusCode.INVALID_ARGUMENT:
            if problem.field_violations:
                out: dict[str, list[str]] = {}
                for field, description in problem.field_violations:
                    out.setdefault(field or "non_field_errors", []).append(description)
                return out
            return {"non_field_errors": [problem.message]}
        return {"detail": problem.message}
