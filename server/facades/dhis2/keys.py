"""DHIS2 namespace and key names: what the façade accepts."""

from __future__ import annotations

from server.domain import limits
from server.domain.errors import InvalidArgument

NAMESPACE_MAX = 120  # the descriptor name holds "dhis2:" + namespace in 128


def _check_name(text: str, what: str, limit: int) -> str:
    """limits.check_key's rules (non-empty, no control characters), a length limit, and
    nothing that reads as a path step."""
    limits.check_key(text, what)
    if len(text) > limit:
        raise InvalidArgument.for_field(what, f"must be at most {limit} characters")
    if text in (".", "..") or "/" in text or "\\" in text:
        raise InvalidArgument.for_field(what, f"'{text}' is not allowed: no '/', '\\', '.' or '..'")
    return text


def check_namespace(namespace: str) -> str:
    return _check_name(namespace, "namespace", NAMESPACE_MAX)


def check_key(key: str) -> str:
    return _check_name(key, "key", limits.KEY_MAX)
