"""DHIS2 `fields` parsing (dhis2-core's DatastoreQuery.parseFields) and projection, and
the partial-update path and roll rules."""

import pytest

from server.domain.errors import InvalidArgument
from server.facades.dhis2.fields import Field, parse_fields, project
from server.facades.dhis2.values import apply_update, parse_update_path
from server.query.ast import Path
from server.query.syntax import IllegalQuery


def test_parse_fields_forms():
    assert parse_fields("") == [] and parse_fields(",,") == []
    assert parse_fields(".") == [Field(Path(), "value")]
    assert parse_fields(".~hoist(name)") == [Field(Path(), "name")]
    assert parse_fields("a,b.c") == [Field(Path(("a",)), "a"), Field(Path(("b", "c")), "b.c")]
    assert parse_fields("r[a,b(c~hoist(x.y))],d") == [
        Field(Path(("r", "a")), "r.a"),
        Field(Path(("r", "b", "c")), "x.y"),
        Field(Path(("d",)), "d"),
    ]
    assert parse_fields("eats.0~hoist(food)") == [Field(Path(("eats", 0)), "food")]
    assert parse_fields("key") == [Field(Path(("key",)), "key")]  # a value member, not the entry key
    # as forgiving as dhis2-core: an unclosed `[` and a stray `]` pass, any alias text too
    assert parse_fields("root[a") == [Field(Path(("root", "a")), "root.a")]
    assert parse_fields("a]") == [Field(Path(("a",)), "a")]
    assert parse_fields("a~hoist(b c)") == [Field(Path(("a",)), "b c")]


@pytest.mark.parametrize(
    "bad, message",
    [
        ("illegal'", "Illegal fields expression, expected `,`, `[` or `]` at position 7 but found `'`"),
        ("a b", "Illegal fields expression, expected `,`, `[` or `]` at position 1 but found ` `"),
        ("_", "Illegal fields expression, expected `,`, `[` or `]` at position 0 but found `_`"),
        ("a~hoist(", "Illegal fields expression, expected `,`, `[` or `]` at position 1 but found `~`"),
        ("a..b", "Not a valid path: `a..b`"),
        ("a.b.c.d.e.f", "Not a valid path: `a.b.c.d.e.f`"),
        ("a~x(y)", "Not a valid path: `a~x(y)`"),
    ],
)
def test_parse_fields_refuses(bad, message):
    with pytest.raises(IllegalQuery) as info:
        parse_fields(bad)
    assert info.value.message == message
    assert info.value.metadata["errorCode"] == ("E7650" if message.startswith("Not") else "E7651")


def test_project_nests_and_keeps_the_key():
    fields = parse_fields("a.b,a.c,x~hoist(key),n")
    assert project("k1", {"a": {"b": 1}, "x": 5}, fields) == {"key": "k1", "a": {"b": 1, "c": None}, "n": None}


def test_update_paths():
    assert parse_update_path("") == [] and parse_update_path(".") == []
    assert parse_update_path("favFood.[0]") == ["favFood", 0] == parse_update_path("favFood[0]")
    doc = {"a": [1, {"b": 2}]}
    assert apply_update(doc, parse_update_path("a.[1].b"), 3, None) == {"a": [1, {"b": 3}]}
    assert apply_update(doc, ["n", "m"], 1, None) == {"a": [1, {"b": 2}], "n": {"m": 1}}
    assert apply_update(doc, ["a", 2], "x", None) == {"a": [1, {"b": 2}, "x"]}
    assert doc == {"a": [1, {"b": 2}]}  # never changed in place
    for members in (["a", "z"], ["a", 5], ["a", 0, "q"]):
        with pytest.raises(InvalidArgument):
            apply_update(doc, members, 1, None)


def test_roll_as_dhis2_core():
    assert apply_update([1, 2, 3], [], 4, 3) == [2, 3, 4]  # appended, the last N kept
    assert apply_update(None, [], 7, 3) == [7]  # null starts the array
    assert apply_update({"a": None}, ["b"], 7, 3) == {"a": None, "b": [7]}  # so does a missing node
    assert apply_update({}, [], 7, 3) == 7  # anything else is replaced
    assert apply_update({"a": [{}]}, ["a", 0], "hello", 3) == {"a": ["hello"]}
