"""The domain error tree. Services raise only these; api/status.py maps them to gRPC.

Each class carries a default machine-readable `reason` (UPPER_SNAKE, AIP-193). Messages
are written for the caller: they name what was wrong and never contain internals.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

ERROR_DOMAIN = "datastore.v1"


@dataclass(frozen=True)
class FieldViolation:
    field: str
    description: str


class DomainError(Exception):
    reason = "ERROR"

    def __init__(
        self,
        message: str,
        *,
        reason: str | None = None,
        metadata: dict[str, str] | None = None,
        field_violations: list[FieldViolation] | tuple[FieldViolation, ...] = (),
    ) -> None:
        super().__init__(message)
        self.message = message
        if reason is not None:
            self.reason = reason
        self.metadata = dict(metadata or {})
        self.field_violations = tuple(field_violations)


class InvalidArgument(DomainError):
    """The request itself is wrong; field_violations name the fields."""

    reason = "INVALID_ARGUMENT"

    @classmethod
    def for_field(cls, field_name: str, description: str) -> InvalidArgument:
        return cls(
            f"{field_name}: {description}",
            field_violations=[FieldViolation(field_name, description)],
            metadata={"field": field_name},
        )


class Unauthenticated(DomainError):
    reason = "UNAUTHENTICATED"


class PermissionDenied(DomainError):
    reason = "PERMISSION_DENIED"


class NotFound(DomainError):
    reason = "NOT_FOUND"


class AlreadyExists(DomainError):
    reason = "ALREADY_EXISTS"


class FailedPrecondition(DomainError):
    reason = "FAILED_PRECONDITION"


class Aborted(DomainError):
    reason = "ABORTED"


class ResourceExhausted(DomainError):
    reason = "RESOURCE_EXHAUSTED"


class Unavailable(DomainError):
    reason = "UNAVAILABLE"


@dataclass
class ViolationCollector:
    """Collects several field violations, then raises one InvalidArgument."""

    violations: list[FieldViolation] = field(default_factory=list)

    def add(self, field_name: str, description: str) -> None:
        self.violations.append(FieldViolation(field_name, description))

    def collect(self, check: Callable[..., object], *args: object) -> None:
        """Runs a check that raises InvalidArgument, keeping its violations instead."""
        try:
            check(*args)
        except InvalidArgument as exc:
            self.violations.extend(exc.field_violations)

    def raise_if_any(self) -> None:
        if not self.violations:
            return
        message = "; ".join(f"{v.field}: {v.description}" for v in self.violations)
        raise InvalidArgument(
            message,
            field_violations=self.violations,
            metadata={"field": self.violations[0].field},
        )
