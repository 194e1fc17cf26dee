"""The brute-force guard on password checks, with a controlled clock."""

import pytest

from server.domain.errors import ResourceExhausted
from server.services.auth import PasswordGuard


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_free_attempts_then_growing_delays():
    clock = Clock()
    guard = PasswordGuard(free=3, window_s=300, max_delay_s=10, clock=clock)
    for _ in range(2):
        guard.check("u")
        guard.failed("u")
    guard.check("u")  # still free
    guard.failed("u")  # third failure: blocked for 1 s
    with pytest.raises(ResourceExhausted) as info:
        guard.check("u")
    assert info.value.reason == "TOO_MANY_ATTEMPTS" and "retry in" in info.value.message
    clock.now += 1.5
    guard.check("u")
    guard.failed("u")  # fourth: 2 s
    clock.now += 1.5
    with pytest.raises(ResourceExhausted):
        guard.check("u")
    clock.now += 1
    guard.check("u")
    guard.check("other")  # per username


def test_delay_is_capped_and_window_resets():
    clock = Clock()
    guard = PasswordGuard(free=1, window_s=60, max_delay_s=5, clock=clock)
    for _ in range(20):
        guard.failed("u")
    clock.now += 5.1
    guard.check("u")  # capped at 5 s
    clock.now += 61
    guard.failed("u")  # a new window: counts from 1 again
    clock.now += 1.1
    guard.check("u")


def test_success_clears():
    guard = PasswordGuard(free=1)
    guard.failed("u")
    guard.succeeded("u")
    guard.check("u")
