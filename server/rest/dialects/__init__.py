"""Each documented HTTP API's own status table, error body and success wrapper.

The rest of the shim is dialect-free: it asks `get(name)` for the dialect named by the
service's `datastore.options.v1.http_dialect` option.
"""

from __future__ import annotations

from server.rest.dialects.argus import ArgusDialect
from server.rest.dialects.base import Dialect, Problem
from server.rest.dialects.dhis2 import Dhis2Dialect
from server.rest.dialects.google import GoogleDialect
from server.rest.dialects.make import MakeDialect
from server.rest.dialects.tokenauth import TokenAuthDialect

DIALECTS: dict[str, Dialect] = {
    d.name: d for d in (GoogleDialect(), ArgusDialect(), TokenAuthDialect(), MakeDialect(), Dhis2Dialect())
}


def get(name: str) -> Dialect:
    try:
        return DIALECTS[name]
    except KeyError:
        raise ValueError(f"unknown http_dialect {name!r}; known: {sorted(DIALECTS)}") from None


__all__ = ["DIALECTS", "Dialect", "Problem", "get"]
