"""The range checks every request number passes (domain/limits.py), PutEntry's named
conditions (domain Expect, converted once at the edge) and query operands."""

import pytest

from server.api.converters import expectation
from server.domain import limits
from server.domain.errors import InvalidArgument, ViolationCollector
from server.domain.types import Expect
from server.query.ast import Condition, Op, Path
from server.query.syntax import parse_filter


def _field(fn, *args) -> str:
    with pytest.raises(InvalidArgument) as info:
        fn(*args)
    return info.value.field_violations[0].field


def test_check_range_names_the_field():
    assert limits.check_int64(2**63 - 1, "n") == 2**63 - 1
    assert _field(limits.check_int64, 2**63, "n") == "n"
    assert _field(limits.check_int64, -(2**63) - 1, "m") == "m"
    assert _field(limits.check_id, 0, "teamId") == "teamId"
    assert limits.check_count(0, "offset") == 0
    with pytest.raises(InvalidArgument, match="must not be negative"):
        limits.check_count(-1, "offset")
    with pytest.raises(InvalidArgument, match="between 1 and 36500"):
        limits.check_range(36_501, "days", 1, limits.TOKEN_DAYS_MAX)


def test_check_limit_bounds_limit_and_offset():
    assert limits.check_limit(0, 0) == (limits.PAGE_DEFAULT, 0)
    assert _field(limits.check_limit, limits.PAGE_MAX + 1, 0) == "limit"
    assert _field(limits.check_limit, 1, 2**63) == "offset"


def test_violation_collector_collects_a_checks_violations():
    v = ViolationCollector()
    v.collect(limits.check_count, -1, "a")
    v.collect(limits.check_count, 1, "b")
    assert [x.field for x in v.violations] == ["a"]


def test_expect_has_three_named_states():
    assert Expect.ANY.kind == "any" and Expect.ABSENT.kind == "absent"
    assert Expect.revision(7) == Expect("revision", 7) and Expect.revision(7).number == 7
    for bad in (lambda: Expect.revision(0), lambda: Expect("absent", 3), lambda: Expect("maybe")):
        with pytest.raises(ValueError):
            bad()


@pytest.mark.parametrize(
    "expected, etag, want",
    [
        (None, "", Expect.ANY),
        (0, "", Expect.ABSENT),
        (None, '"0"', Expect.ABSENT),
        (5, "", Expect.revision(5)),
        (None, 'W/"12"', Expect.revision(12)),
        (None, f'"{2**63 - 1}"', Expect.revision(2**63 - 1)),
    ],
)
def test_expectation_at_the_edge(expected, etag, want):
    assert expectation(expected, etag) == want


@pytest.mark.parametrize(
    "expected, etag, field",
    [(-1, "", "expected_revision"), (None, str(2**63), "etag"), (None, "\u00b2", "etag"), (1, "1", "etag")],
)
def test_expectation_refuses(expected, etag, field):
    assert _field(expectation, expected, etag) == field


def test_integer_operands_past_64_bits_are_refused_in_every_query():
    assert _field(Condition, Path(("n",)), Op.EQ, 2**63) == "conditions[n]"
    assert _field(Condition, Path(("n",)), Op.IN, [1, -(2**63) - 1]) == "conditions[n]"
    Condition(Path(("n",)), Op.EQ, 2**63 - 1)
    Condition(Path(("n",)), Op.EQ, 1e300)


def test_dhis2_numbers_past_64_bits_stay_doubles():
    assert parse_filter("n:gt:4611686018427387904").value == 2**62  # integral: an integer
    big = parse_filter("n:gt:9223372036854775808").value
    assert isinstance(big, float) and big == 2.0**63
