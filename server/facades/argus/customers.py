"""Customer names for references in responses (Argus CustomerInfo)."""

from __future__ import annotations

from collections.abc import Iterable

from server.storage import users as user_repo
from server.storage.cache import CacheRegistry


def names(ids: Iterable[int], caches: CacheRegistry) -> dict[int, str]:
    """id -> name of the customers that exist among ids, through caches.customer_names."""
    return caches.customer_names.get_many(ids, user_repo.customer_names)
