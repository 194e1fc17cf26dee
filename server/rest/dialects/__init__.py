"""HTTP dialects: each documented HTTP API's own status table, error body and success
wrapper.

The shim is dialect-free: it is given the dialects (the canonical `google` one from
here, each façade's from its own package) and picks the one named by the matched
service's `datastore.options.v1.http_dialect` option.
"""

from __future__ import annotations

from collections.abc import Iterable

from server.rest.dialects.base import Dialect, Problem
from server.rest.dialects.google import GoogleDialect


def registry(dialects: Iterable[Dialect]) -> dict[str, Dialect]:
    """name -> dialect, the canonical `google` one always included."""
    return {d.name: d for d in (GoogleDialect(), *dialects)}


__all__ = ["Dialect", "GoogleDialect", "Problem", "registry"]
