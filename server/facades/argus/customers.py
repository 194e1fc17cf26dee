"""Customer names for references in responses (Argus CustomerInfo)."""

from __future__ import annotations

from collections.abc import Iterable

from server.services.cache import CACHE_TTL_S, TTLCache
from server.storage import users as user_repo

_names: TTLCache[str] = TTLCache(CACHE_TTL_S * 30)  # names change rarely; a minute is fine


def names(ids: Iterable[int]) -> dict[int, str]:
    wanted = set(ids)
    out = {i: n for i in wanted if (n := _names.get(i)) is not None}
    missing = wanted - out.keys()
    if missing:
        for i, name in user_repo.customer_names(missing).items():
            out[i] = _names.put(i, name)
    return out
