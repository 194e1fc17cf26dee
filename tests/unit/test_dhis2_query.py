"""The DHIS2 query language: parsing (the DHIS2 documentation's examples, dhis2-core's grammar and error
messages) and, property-based, that its SQL on SQLite returns exactly what a Python
reference evaluator selects."""

import pytest

from server.domain.errors import InvalidArgument
from server.query.ast import And, Condition, Not, Op, Or, Path
from server.query.syntax import (
    FALSE,
    IllegalQuery,
    java_split,
    node_type,
    parse_filter,
    parse_filters,
    parse_order,
    split_filters,
)
from tests.query_reference import evaluate, sql_agrees_with_reference
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
        ("name:ieq:LUKE", Op.ILIKE, "LUKE"),
        ("name:like:P*t", Op.LIKE, "%P%t%"),
        ("code:eq:'13'", Op.EQ, "13"),
        ("ratio:le:0.5", Op.LE, 0.5),
        ("ratio:LTE:1.", Op.LE, 1),
        ("x:null", Op.EQ, None),
        ("x:eq:null", Op.EQ, None),
        ("x:!null", Op.NOT_NULL, None),
        ("x:empty", Op.EMPTY, None),
        ("n~gte~3", Op.GE, 3),
        ("n@eq@x", Op.EQ, "x"),
    ],
)
def test_filters_parse_to_one_condition(text, op, value):
    node = parse_filter(text)
    assert isinstance(node, Condition) and node.op is op and node.value == value


def test_typed_values_follow_dhis2():
    assert [node_type(v) for v in ("true", "null", "13", "1.", "1.5", "-2", "1e3", "'13'", "[a]", "{}")] == [
        "boolean", "null", "number", "number", "number", "string", "string", "string", "array", "object",
    ]  # fmt: skip
    assert parse_filter("n:eq:007").value == 7 and parse_filter("n:eq:-2").value == "-2"


def test_negations_match_the_same_type_only():
    node = parse_filter("name:!eq:Luke")
    assert isinstance(node, And) and node.children[0] == Condition(Path(("name",)), Op.LIKE, "%")
    assert parse_filter("flag:ne:true") == Condition(Path(("flag",)), Op.EQ, False)
    assert parse_filter("flag:lt:true") == Condition(Path(("flag",)), Op.EQ, False)
    assert parse_filter("flag:gt:true") == FALSE
    assert parse_filter("x:neq:null") == Condition(Path(("x",)), Op.NOT_NULL)


def test_sets_are_text_on_string_values():
    node = parse_filter("tags[0]:in:[a, 'b',3]")
    assert isinstance(node, And) and node.children[1] == Condition(Path(("tags", 0)), Op.TEXT_IN, ["a", " 'b'", "3"])
    assert parse_filter("name:in:Luke").children[1].value == ["Luke"]  # one value, as dhis2-core takes it
    assert parse_filter("n:in:[]").children[1].value == [""]
    assert parse_filter("_:!in:[a,b]") == Not(Condition(Path.key(), Op.TEXT_IN, ["a", "b"]))


def test_key_filters_compare_the_key_as_text():
    assert parse_filter("_:eq:42") == Condition(Path.key(), Op.EQ, "42")
    assert parse_filter("_:startsWith:Pi") == Condition(Path.key(), Op.ILIKE, "Pi%")
    assert parse_filter("_:!like$:ig") == Not(Condition(Path.key(), Op.LIKE, "%ig"))


def test_root_junction_and_splitting():
    assert isinstance(parse_filters(["a:eq:1", "b:eq:2"]), And)  # the DHIS2 documentation's examples: AND by default
    assert isinstance(parse_filters(["a:eq:1", "b:eq:2"], "or"), Or)
    assert split_filters(["a:in:[1,2],b:eq:2", "c:ieq:x"]) == ["a:in:[1,2]", "b:eq:2", "c:ieq:x"]
    assert java_split("name:eq:") == ["name", "eq"] and java_split("a::b:c") == ["a", "b", "c"]
    with pytest.raises(InvalidArgument):
        parse_filters(["a:eq:1"], "xor")


def test_strict_paths_are_dhis2_core_names():
    assert parse_filter("it's.x:eq:1").path == Path(("it's", "x"))  # the canonical QueryService
    with pytest.raises(IllegalQuery, match="Not a valid path: `it's.x`"):
        parse_filters(["it's.x:eq:1"], strict=True)  # the DHIS2 façade
    with pytest.raises(IllegalQuery, match="Not a valid path"):
        parse_filter(f"{'m' * 33}:eq:1", strict=True)


def test_order():
    o = parse_order("age:ndesc")
    assert o.descending and o.mode == "number"
    assert parse_order("_").path.is_key and parse_order("name").mode == "text"
    assert parse_order("a[1].b:DESC").path == Path(("a", 1, "b"))


@pytest.mark.parametrize(
    "bad, message, code",
    [
        ("name", "Illegal filter expression `name`: expected expression of pattern: <property>:<operator>[:<value>]",
         "E7652"),
        ("name:", "Illegal filter expression `name:`: expected expression of pattern: <property>:<operator>[:<value>]",
         "E7652"),
        (":eq:1", "Not a valid path: ``", "E7650"),
        ("a..b:eq:1", "Not a valid path: `a..b`", "E7650"),
        ("a.b.c.d.e.f:eq:1", "Not a valid path: `a.b.c.d.e.f`", "E7650"),  # the DHIS2 documentation: 5 levels
        ("name:eq", "Illegal filter `name:eq`: the operator `eq` requires a value", "E7653"),
        ("name:null:1", "Illegal filter `name:null:1`: the operator `null` is unary and does not require a value",
         "E7653"),
        ("_:empty", "Illegal filter `_:empty`: key filters cannot be used with unary operators", "E7653"),
    ],
)  # fmt: skip
def test_bad_filters_carry_dhis2_messages(bad, message, code):
    with pytest.raises(IllegalQuery) as info:
        parse_filter(bad, "filters[0]", strict=True)
    assert info.value.message == message and info.value.metadata.get("errorCode") == code
    assert info.value.field_violations[0].field == "filters[0]"


def test_unknown_operators_and_directions():
    with pytest.raises(IllegalQuery, match=r"^Unknown operator: `ZZ` Use one of \[null, !null, "):
        parse_filter("n:zz:1")
    with pytest.raises(InvalidArgument, match="No enum constant org.hisp.dhis.datastore.DatastoreQuery.Direction.UP"):
        parse_order("n:up")
    with pytest.raises(IllegalQuery, match="Not a valid path: `n:`"):
        parse_order("n:", strict=True)


@pytest.mark.parametrize(
    "text, doc, expected",
    [
        (".:!empty", 7, False),
        (".:!empty", "x", True),
        (".:!empty", {"a": 1}, True),
        ("a:!eq:x", {}, False),
        ("a:!eq:x", {"a": 1}, False),
        ("a:!eq:x", {"a": "y"}, True),
        ("a:!in:[x]", {"a": 3}, False),
        ("a:gt:[1]", {"a": [5]}, True),
        ("a:gt:[1]", {"a": {"b": 1}}, False),
        ("a:!eq:{}", {"a": {"b": 1}}, True),
        ("a:!eq:{}", {"a": []}, False),
        ("a:lt:null", {"a": True}, True),
        ("a:ge:null", {"a": None}, True),
        ("a:like:null", {"a": None}, True),
    ],
)
def test_semantics_on_the_reference(text, doc, expected):
    assert evaluate(parse_filter(text), "k", doc) is expected


@pytest.fixture(scope="module")
def sqlite_db(tmp_path_factory):
    db = QueryDb(f"sqlite:///{tmp_path_factory.mktemp('q') / 'q.db'}")
    yield db
    db.close()


test_sql_matches_reference_on_sqlite = sql_agrees_with_reference("sqlite_db")
