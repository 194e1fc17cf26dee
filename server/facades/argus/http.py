"""Argus: every response in the result envelope; invalid parameters and
broken constraints are 412 with FIELD_ERROR messages, other failures ACTION_ERROR."""

from __future__ import annotations

import time
from typing import Any

import grpc

from server.rest.dialects.base import Dialect, Problem
from server.rest.transcode import Parsing

# The Argus API documentation: "412 Precondition Failed ... the request is invalid, either because some
# constraint is not satisfied, or because some of the provided parameters are invalid",
# and creates that violate constraints such as name uniqueness fail with 412.
_412 = (grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.ALREADY_EXISTS, grpc.StatusCode.FAILED_PRECONDITION)


def envelope(
    response_code: int,
    data: Any,
    messages: list[dict],
    *,
    limit: int = 0,
    offset: int = 0,
    count: int = 0,
    size: int = 0,
) -> dict:
    return {
        "responseCode": response_code,
        "limit": limit,
        "offset": offset,
        "count": count,
        "size": size,
        "metaData": {},
        "messages": messages,
        "data": data,
        "currentPage": 0,
    }


_ARGUS_NAMES = {
    "customer_id": "customerID",
    "customer_ids": "customerID",
    "user_id": "userID",
    "keys": "key",
    "store": "dataStore",
}


def argus_field(field: str) -> str:
    """A service's field name in Argus's spelling: descriptor.life_time -> lifeTime."""
    for prefix in ("descriptor.", "update_mask.", "query."):
        field = field.removeprefix(prefix)
    head, sep, rest = field.partition("[")
    if head in _ARGUS_NAMES:
        head = _ARGUS_NAMES[head]
    else:
        first, *others = head.split("_")
        head = first + "".join(o[:1].upper() + o[1:] for o in others)
    return head + sep + rest


def _template(text: str) -> str:
    return "".join(c.lower() if c.isalnum() else "." for c in text).strip(".")


class ArgusDialect(Dialect):
    name = "argus"
    overrides = {code: 412 for code in _412}
    unsupported_media_status = 405  # as Argus documents: unsupported content type -> 405
    # The Argus SDK sends `{}` on calls that take no body; Argus does not read it.
    parsing = Parsing(empty_object_is_no_body=True)

    def error_body(self, problem: Problem, http_status: int) -> Any:
        now = int(time.time() * 1000)
        if problem.field_violations and http_status == 412:
            messages = [
                {
                    "message": f"{argus_field(field)}: {description}" if field else description,
                    "messageTemplate": "invalid.field.value",
                    "type": "FIELD_ERROR",
                    "field": argus_field(field),
                    "parameter": None,
                    "timestamp": now,
                }
                for field, description in problem.field_violations
            ]
        else:
            messages = [
                {
                    "message": problem.message,
                    "messageTemplate": _template(problem.reason or problem.code.name),
                    "type": "ACTION_ERROR",
                    "field": None,
                    "parameter": None,
                    "timestamp": now,
                }
            ]
        return envelope(http_status, None, messages)

    def success_body(self, payload: Any, http_status: int) -> Any:
        # Façade messages are the envelope already; the HTTP status is the authority.
        if isinstance(payload, dict) and "responseCode" in payload:
            payload["responseCode"] = http_status
        return payload
