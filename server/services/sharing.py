"""Customer-level grants (Argus's role-based access): administrators only."""

from __future__ import annotations

from server.domain import limits
from server.domain import types as t
from server.domain.errors import InvalidArgument, NotFound
from server.services.access import require_admin
from server.storage import users as user_repo
from server.storage.cache import CacheRegistry
from server.storage.db import write_transaction


def _check_grantee(customer_id: int, username: str, group_name: str) -> None:
    limits.check_id(customer_id, "grant.customer_id")
    if bool(username) == bool(group_name):
        raise InvalidArgument.for_field("grant.user_name", "set exactly one of user_name and group_name")


class SharingService:
    def __init__(self, caches: CacheRegistry) -> None:
        self.caches = caches

    def list(self, principal: t.Principal, customer_id: int | None) -> list[t.GrantInfo]:
        require_admin(principal, "list grants")
        if customer_id is not None:
            limits.check_id(customer_id, "customer_id")
        return user_repo.list_grants(customer_id)

    def set(self, principal: t.Principal | None, grant: t.GrantInfo) -> t.GrantInfo:
        """principal None: the local admin CLI."""
        if principal is not None:
            require_admin(principal, "change grants")
        _check_grantee(grant.customer_id, grant.username, grant.group_name)
        with write_transaction():
            if not user_repo.customer_exists(grant.customer_id):
                raise NotFound(f"customer {grant.customer_id} does not exist", reason="CUSTOMER_NOT_FOUND")
            user_repo.set_grant(grant.customer_id, grant.username, grant.group_name, grant.access)
        self.caches.principals.clear()
        return grant

    def delete(self, principal: t.Principal, customer_id: int, username: str, group_name: str) -> None:
        require_admin(principal, "change grants")
        _check_grantee(customer_id, username, group_name)
        deleted = user_repo.delete_grant(customer_id, username, group_name)
        self.caches.principals.clear()
        if not deleted:
            who = f"user '{username}'" if username else f"group '{group_name}'"
            raise NotFound(f"{who} has no grant on customer {customer_id}", reason="GRANT_NOT_FOUND")
