"""The DHIS2 query language: parsing (seed 004 examples) and, property-based, that its
SQL on SQLite returns exactly what a Python reference evaluator selects."""

import pytest

from server.domain.errors import InvalidArgument
from server.query.ast import And, Condition, Not, Op, Or
from server.query.dhis2 import infer, parse_filter, parse_filters, parse_order
from tests.query_reference import sql_agrees_with_reference
from tests.sql_harness import QueryDb


@pytest.mark.parametrize(
    "text, op, value",
    [
        ("name:eq:Luke", Op.EQ, "Luke"),
        ("age:gt:42", Op.GT, 42),
        (".:gt:42", Op.GT, 42),
        ("enabled:eq:true", Op.EQ, True),
        ("name:like:Pet", Op.LIKE, "%Pet%"),
        ("name:$ilike:pe", Op.ILIKE, "pe%"),
        ("name:endswith:er", Op.ILIKE, "%er"),
        ("code:eq:'13'", Op.EQ, "13"),
        ("ratio:le:0.5", Op.LE, 0.5),
        ("x:null", Op.NULL, None),
        ("x:empty", Op.EMPTY, None),
    ],
)
def test_seed_examples_parse(text, op, value):
    node = parse_filter(text)
    assert isinstance(node, Condition) and node.op is op and node.value == value


def test_negations_and_sets():
    node = parse_filter("name:!eq:Luke")
    assert isinstance(node, And) and isinstance(node.children[1], Not)
    node = parse_filter("tags[0]:in:[a, 'b',3]")
    assert node.op is Op.TEXT_IN and node.value == ["a", "b", "3"] and node.path.members == ("tags", 0)


def test_root_junction():
    assert isinstance(parse_filters(["a:eq:1", "b:eq:2"]), And)  # seed 004's examples: AND by default
    assert isinstance(parse_filters(["a:eq:1", "b:eq:2"], "or"), Or)
    assert isinstance(parse_filters(["a:eq:1", "b:eq:2"], "and"), And)
    both = parse_filters(["a:in:[1,2],b:eq:2"])  # commas split filters, not [..] values
    assert isinstance(both, And) and len(both.children) == 2
    with pytest.raises(InvalidArgument):
        parse_filters(["a:eq:1"], "xor")


def test_order():
    o = parse_order("age:ndesc")
    assert o.descending and o.mode == "number"
    assert parse_order("_").path.is_key and parse_order("name").mode == "text"


def test_value_inference():
    assert infer("13") == 13 and infer("'13'") == "13" and infer("1.5") == 1.5 and infer("false") is False
    assert infer("1e3") == 1000.0 and infer("abc") == "abc" and infer("007") == "007"


@pytest.mark.parametrize(
    "bad",
    [
        "name",
        "name:",
        ":eq:1",
        "name:eq",
        "name:nope:1",
        "name:null:1",
        "a.b.c.d.e.f:eq:1",
        "n:in:x",
        "n:in:[]",
        "n:lt:true",
    ],
)
def test_bad_filters_name_the_problem(bad):
    with pytest.raises(InvalidArgument) as info:
        parse_filter(bad)
    assert info.value.field_violations[0].field == "filter"


@pytest.fixture(scope="module")
def sqlite_db(tmp_path_factory):
    db = QueryDb(f"sqlite:///{tmp_path_factory.mktemp('q') / 'q.db'}")
    yield db
    db.close()


test_sql_matches_reference_on_sqlite = sql_agrees_with_reference("sqlite_db")
