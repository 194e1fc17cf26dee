"""DHIS2 `fields` parsing and projection, and the partial-update path rules."""

import pytest

from server.domain.errors import InvalidArgument
from server.query.ast import Path
from server.query.fields import Field, parse_fields, project
from server.services.dhis2 import apply_update, parse_update_path


def test_parse_fields_forms():
    assert parse_fields("") == []
    assert parse_fields(".") == [Field(Path(), "value")]
    assert parse_fields("a,b.c") == [Field(Path(("a",)), "a"), Field(Path(("b", "c")), "b.c")]
    assert parse_fields("r[a,b(c~hoist(x.y))],d") == [
        Field(Path(("r", "a")), "r.a"),
        Field(Path(("r", "b", "c")), "x.y"),
        Field(Path(("d",)), "d"),
    ]
    assert parse_fields("key,_") == [Field(Path(("key",)), "key"), Field(Path.key(), "_")]


@pytest.mark.parametrize("bad", ["a[", "a]", "a[b)", "[a]", "a~hoist(", "a,,b", "a,", "a b", "a..b", "a.b.c.d.e.f"])
def test_parse_fields_refuses(bad):
    with pytest.raises(InvalidArgument):
        parse_fields(bad)


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
    assert apply_update([1, 2, 3], [], 4, 3) == [2, 3, 4]
    assert doc == {"a": [1, {"b": 2}]}  # never changed in place
    for members in (["a", "z"], ["a", 5], ["a", 0, "q"]):
        with pytest.raises(InvalidArgument):
            apply_update(doc, members, 1, None)
