"""Authorization rules shared by the services: who may do what to which customer."""

from __future__ import annotations

from server.domain import limits
from server.domain import types as t
from server.domain.errors import FailedPrecondition, InvalidArgument, PermissionDenied

GLOBAL = t.GLOBAL_CUSTOMER_ID


def require_admin(principal: t.Principal, action: str) -> None:
    if not principal.admin:
        raise PermissionDenied(
            f"user '{principal.username}' may not {action}: administrators only",
            reason="ADMIN_REQUIRED",
        )


def require_reachable(d: t.Descriptor) -> None:
    if not d.reachable:
        raise FailedPrecondition(
            f"store '{d.name}' is {d.behaviour_type.value}: its data lives only on processing "
            "nodes and cannot be read or written through the API",
            reason="STORE_NOT_CENTRAL",
            metadata={"store": d.name, "behaviourType": d.behaviour_type.value},
        )


def resolve_customer(principal: t.Principal, d: t.Descriptor, requested: int | None) -> int:
    """The customer an entry call addresses: the requested one, else the caller's own;
    always 0 in global stores."""
    if d.global_data:
        if requested not in (None, GLOBAL):
            raise InvalidArgument.for_field("customer_id", f"store '{d.name}' is global and only holds customer 0")
        return GLOBAL
    if requested is None:
        return principal.customer_id
    limits.check_count(requested, "customer_id")
    if requested == GLOBAL:
        raise InvalidArgument.for_field(
            "customer_id", f"customer 0 only exists in global stores; '{d.name}' is per customer"
        )
    return requested


def require_read(principal: t.Principal, d: t.Descriptor, customer_id: int) -> None:
    if not principal.can_read(customer_id):
        raise _denied(principal, d, customer_id, "read")


def require_write(principal: t.Principal, d: t.Descriptor, customer_id: int) -> None:
    if not principal.can_write(customer_id):
        raise _denied(principal, d, customer_id, "write")


def _denied(principal: t.Principal, d: t.Descriptor, customer_id: int, verb: str) -> PermissionDenied:
    if customer_id == GLOBAL:
        return PermissionDenied(
            f"user '{principal.username}' may not {verb} global store '{d.name}': it needs the global-data permission",
            reason="GLOBAL_DATA_REQUIRED",
            metadata={"store": d.name},
        )
    return PermissionDenied(
        f"user '{principal.username}' has no {verb} access to customer {customer_id}",
        reason="CUSTOMER_ACCESS_DENIED",
        metadata={"customer_id": str(customer_id), "access": verb},
    )
