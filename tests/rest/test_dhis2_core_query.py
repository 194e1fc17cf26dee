"""dhis2-core's dataStore query tests (filter, order, fields), partial-update tests and
userDataStore controller tests, ported one by one over real HTTP; see test_dhis2_core.py
for conventions. dhis2-core runs
its Datastore{Filter,Order,Fields}ControllerTest identically on the userDataStore
(WEB/userdatastore/UserDatastore*ControllerTest), so those run on both stores here.

Rows marked DERIVED have no dhis2-core test: they encode what dhis2-core's parser
(dhis-api/.../datastore/DatastoreQuery.java), validator (dhis-service-core/.../
DatastoreQueryValidator.java), SQL builder (.../hibernate/DatastoreQueryBuilder.java) or
AbstractDatastoreController.writeEntries answer, where the DHIS2 documentation does not say.
"""

from __future__ import annotations

import json

import pytest

from tests.conftest import unique
from tests.rest.dhis2_core import assert_web_message, cast, keys, send

admin = cast("admin")

STORES = ["dataStore", "userDataStore"]


def pet(name: str, age: int, eats: list[str]) -> dict:
    """AbstractDatastoreControllerTest#postPet"""
    return {"name": name, "age": age, "cute": True, "eats": [{"name": food} for food in eats]}


SIMPLE = {"dog": False, "bat": True, "pidgin": 42, "crow": "42", "horse": "Fury", "snake": None}
PETS = {
    "cat": pet("Miao", 9, ["tuna", "mice", "birds"]),
    "cow": pet("Muuhh", 5, ["gras"]),
    "hamster": pet("Speedy", 2, ["veggies"]),
    "pig": pet("Oink", 6, ["carrots", "potatoes"]),
}
FILTER_SET = {**SIMPLE, **PETS}  # DatastoreFilterControllerTest#setUp
FIELDS_SET = {k: v for k, v in FILTER_SET.items() if k != "crow"}  # DatastoreFieldsControllerTest#setUp
ORDER_SET = {  # DatastoreOrderControllerTest#setUp
    "cat": pet("Miao", 9, ["tuna", "mice", "birds"]),
    "cow": pet("Muuhh", 15, ["gras"]),
    "dog": pet("Pluto", 2, ["rabbits"]),
    "pig": pet("Oink", 6, ["carrots", "potatoes"]),
}
INTEGRATION_SET = {  # dhis-test-integration/.../datastore/DatastoreIntegrationTest#setUp
    **{k: v for k, v in SIMPLE.items() if k != "crow"},
    "mole": "",
    "duck": [],
    "eagle": {},
    "cat": pet("Miao", 9, ["tuna", "mice", "birds"]),
    "cow": pet("Muuhh", 5, ["gras"]),
    "hamster": pet("", 2, []),
    "pig": pet("Oink", 6, ["carrots", "potatoes"]),
}


def _namespace(harness, store: str, entries: dict) -> str:
    ns = unique("pets")
    with harness.client("admin") as c:
        for key, value in entries.items():  # postEntry: asserts 201
            assert send(c, "POST", f"/api/{store}/{ns}/{key}", json.dumps(value)).status_code == 201
    return ns


@pytest.fixture(scope="module")
def namespaces(harness):
    made: dict = {}

    def get(store: str, name: str, entries: dict) -> str:
        if (store, name) not in made:
            made[store, name] = _namespace(harness, store, entries)
        return made[store, name]

    return get


# ------------------ WEB/DatastoreFilterControllerTest (and UserDatastore...)

ALL_BUT = sorted(FILTER_SET)
FILTER_CASES = [
    ("testFilter_In_Key", "_:in:[cat,dog]", ["cat", "dog"]),
    ("testFilter_NotIn_Key", "_:!in:[cat,dog]", [k for k in ALL_BUT if k not in ("cat", "dog")]),
    ("testFilter_Eq_Key", "_:eq:cat", ["cat"]),
    ("testFilter_Ieq_Key", "_:ieq:CAT", ["cat"]),
    ("testFilter_NotEq_Key", "_:!eq:cat", [k for k in ALL_BUT if k != "cat"]),
    ("testFilter_Lt_Key", "_:lt:cat", ["bat"]),
    ("testFilter_Le_Key", "_:le:cat", ["bat", "cat"]),
    ("testFilter_Gt_Key", "_:gt:cat", [k for k in ALL_BUT if k > "cat"]),
    ("testFilter_Ge_Key", "_:ge:pig", ["pig", "snake"]),
    ("testFilter_Like_Key", "_:like:pi", ["pidgin", "pig"]),
    ("testFilter_NotLike_Key", "_:!like:pi", [k for k in ALL_BUT if not k.startswith("pi")]),
    ("testFilter_ILike_Key", "_:ilike:PI", ["pidgin", "pig"]),
    ("testFilter_NotILike_Key", "_:!ilike:PI", [k for k in ALL_BUT if not k.startswith("pi")]),
    ("testFilter_StartsLike_Key", "_:$like:pi", ["pidgin", "pig"]),
    ("testFilter_NotStartsLike_Key", "_:!$like:pi", [k for k in ALL_BUT if not k.startswith("pi")]),
    ("testFilter_EndsLike_Key", "_:like$:ig", ["pig"]),
    ("testFilter_NotEndsLike_Key", "_:!like$:ig", [k for k in ALL_BUT if k != "pig"]),
    ("testFilter_StartsWith_Key", "_:startsWith:Pi", ["pidgin", "pig"]),
    ("testFilter_NotStartsWith_Key", "_:!startsWith:Pi", [k for k in ALL_BUT if not k.startswith("pi")]),
    ("testFilter_EndsWith_Key", "_:endsWith:iG", ["pig"]),
    ("testFilter_NotEndsWith_Key", "_:!endsWith:iG", [k for k in ALL_BUT if k != "pig"]),
    ("testFilter_GtAndLt_Key", "_:gt:cat&filter=_:lt:hamster", ["cow", "crow", "dog"]),
    ("testFilter_Or_Key", "_:eq:cat&filter=_:eq:dog&rootJunction=OR", ["cat", "dog"]),
    ("testFilter_And_Key", "_:eq:cat&filter=_:like:at&rootJunction=AND", ["cat"]),
    # DERIVED: JSON null as a stored value, and `in` matching text values only.
    ("DERIVED null value", ".:null", ["snake"]),
    ("DERIVED in: strings only", ".:in:[42,Fury]", ["crow", "horse"]),
    ("DERIVED eq number", ".:eq:42", ["pidgin"]),
    ("DERIVED quoted text", ".:eq:'42'", ["crow"]),
    ("DERIVED operator case", "_:EQ:cat", ["cat"]),
    ("DERIVED null: JSON null, not missing", "age:null", []),
    ("DERIVED !in: strings only", ".:!in:[Fury]", ["crow"]),
    ("DERIVED like: * is a wildcard", "_:like:p*n", ["pidgin"]),
]


@pytest.mark.parametrize("store", STORES)
@pytest.mark.parametrize("name, query, expected", FILTER_CASES, ids=[c[0] for c in FILTER_CASES])
def test_filter(admin, namespaces, store, name, query, expected):
    """DatastoreFilterControllerTest#<name> / UserDatastoreFilterControllerTest#<name>"""
    ns = namespaces(store, "filter", FILTER_SET)
    r = admin.get(f"/api/{store}/{ns}?fields=&headless=true&filter={query}")
    assert r.status_code == 200, r.text
    assert r.json() == keys(*expected), r.text


ILLEGAL_FILTERS = [
    # DatastoreFilterControllerTest#testFilter_{Null,NotNull,Empty,NotEmpty}_Key
    *[(f"_:{op}", f"Illegal filter `_:{op}`: key filters cannot be used with unary operators")
      for op in ("null", "!null", "empty", "!empty")],
    # DERIVED: DatastoreQuery.parseFilters / normalisePath, DatastoreQueryValidator
    ("name", "Illegal filter expression `name`: expected expression of pattern: <property>:<operator>[:<value>]"),
    ("name:eq", "Illegal filter `name:eq`: the operator `eq` requires a value"),
    ("name:null:x", "Illegal filter `name:null:x`: the operator `null` is unary and does not require a value"),
    ("a..b:eq:1", "Not a valid path: `a..b`"),
    ("a.b.c.d.e.f.g:eq:1", "Not a valid path: `a.b.c.d.e.f.g`"),
]  # fmt: skip


@pytest.mark.parametrize("store", STORES)
@pytest.mark.parametrize("query, message", ILLEGAL_FILTERS)
def test_illegal_filter(admin, namespaces, store, query, message):
    """DatastoreFilterControllerTest#testFilter_*_Key (unary on `_`), then DERIVED rows: 409 Conflict."""
    ns = namespaces(store, "filter", FILTER_SET)
    r = admin.get(f"/api/{store}/{ns}?fields=&headless=true&filter={query}")
    assert_web_message(r, "Conflict", 409, "ERROR", message)


def test_unknown_operator(admin, namespaces):
    """DERIVED (DatastoreQuery.Comparison.parse): 409, the operator upper-cased, then every
    operator as an unordered Java set."""
    ns = namespaces("dataStore", "filter", FILTER_SET)
    body = assert_web_message(admin.get(f"/api/dataStore/{ns}?fields=&filter=name:zz:1"), "Conflict", 409, "ERROR")
    assert body["message"].startswith("Unknown operator: `ZZ` Use one of ["), body


# ------------------------ dhis-test-integration DatastoreIntegrationTest

EVERY = sorted(INTEGRATION_SET)
INTEGRATION_CASES = [
    ("test_Filter_RootEq_Boolean", ".:eq:true", ["bat"]),
    ("test_Filter_RootNotEq_Boolean", ".:!eq:true", ["dog"]),
    ("test_Filter_RootEq_String", ".:eq:Fury", ["horse"]),
    ("test_Filter_RootNotEq_String", ".:!eq:Fury", ["mole"]),
    ("test_Filter_PathEq_String", "name:eq:Miao", ["cat"]),
    ("test_Filter_PathNotEq_String", "name:!eq:Miao", ["cow", "hamster", "pig"]),
    ("test_Filter_RootEq_Numeric", ".:eq:42", ["pidgin"]),
    ("test_Filter_RootNotEq_Numeric", ".:!eq:13", ["pidgin"]),
    ("test_Filter_RootLt_Numeric", ".:lt:44", ["pidgin"]),
    ("test_Filter_RootLe_Numeric", ".:le:42", ["pidgin"]),
    ("test_Filter_RootGt_Numeric", ".:gt:41", ["pidgin"]),
    ("test_Filter_RootGe_Numeric", ".:ge:42", ["pidgin"]),
    ("test_Filter_PathEq_Numeric", "age:eq:9", ["cat"]),
    ("test_Filter_PathNotEq_Numeric", "age:!eq:9", ["cow", "hamster", "pig"]),
    ("test_Filter_PathLt_Numeric", "age:lt:6", ["cow", "hamster"]),
    ("test_Filter_PathLe_Numeric", "age:le:6", ["cow", "hamster", "pig"]),
    ("test_Filter_PathGt_Numeric", "age:gt:6", ["cat"]),
    ("test_Filter_PathGe_Numeric", "age:ge:6", ["cat", "pig"]),
    ("test_Filter_RootEmpty", ".:empty", ["duck", "eagle", "mole"]),
    ("test_Filter_RootNotEmpty", ".:!empty", ["cat", "cow", "hamster", "horse", "pig"]),
    ("test_Filter_PathEmpty", "eats:empty", ["hamster"]),
    ("test_Filter_PathNotEmpty", "eats:!empty", ["cat", "cow", "pig"]),
    ("test_Filter_RootILike_String", ".:ilike:uRy", ["horse"]),
    ("test_Filter_RootNotILike_String", ".:!ilike:ur", ["mole"]),
    ("test_Filter_PathILike_String", "name:ilike:IA", ["cat"]),
    ("test_Filter_PathNotILike_String", "name:!ilike:IA", ["cow", "hamster", "pig"]),
    ("test_Filter_RootNull", ".:null", ["snake"]),
    ("test_Filter_RootNotNull", ".:!null", [k for k in EVERY if k != "snake"]),
    ("test_Filter_RootEqNull", ".:eq:null", ["snake"]),
    ("test_Filter_RootNotEqNull", ".:!eq:null", [k for k in EVERY if k != "snake"]),
]


@pytest.mark.parametrize("name, query, expected", INTEGRATION_CASES, ids=[c[0] for c in INTEGRATION_CASES])
def test_integration_filter(admin, namespaces, name, query, expected):
    """DatastoreIntegrationTest#<name> (dhis-2/dhis-test-integration/src/test/java/org/hisp/
    dhis/datastore/), which queries the service with no fields; here over HTTP."""
    ns = namespaces("dataStore", "integration", INTEGRATION_SET)
    r = admin.get(f"/api/dataStore/{ns}?fields=&headless=true&filter={query}")
    assert r.status_code == 200, r.text
    assert r.json() == keys(*expected), r.text


# -------------------- WEB/DatastoreOrderControllerTest (and UserDatastore...)

ORDER_CASES = [
    ("testOrder_Asc_String", "name", ["cat", "cow", "pig", "dog"]),
    ("testOrder_Desc_String", "name:desc", ["dog", "pig", "cow", "cat"]),
    ("testOrder_Asc_Number", "age:nasc", ["dog", "pig", "cat", "cow"]),
    ("testOrder_Desc_Number", "age:ndesc", ["cow", "cat", "pig", "dog"]),
]


@pytest.mark.parametrize("store", STORES)
@pytest.mark.parametrize("name, order, expected", ORDER_CASES, ids=[c[0] for c in ORDER_CASES])
def test_order(admin, namespaces, store, name, order, expected):
    """DatastoreOrderControllerTest#<name> / UserDatastoreOrderControllerTest#<name>"""
    ns = namespaces(store, "order", ORDER_SET)
    r = admin.get(f"/api/{store}/{ns}?fields=&headless=true&order={order}")
    assert r.status_code == 200, r.text
    assert r.json() == keys(*expected), r.text


@pytest.mark.parametrize("direction", ["nasc", "ndesc"])
def test_numeric_order_over_non_numeric_values(admin, namespaces, direction):
    """DERIVED (AbstractDatastoreController.writeEntries): numeric order over a path holding
    text is 400 with this message (`Use ASC`/`Use DESC`: the enum name minus its `N`)."""
    ns = namespaces("dataStore", "filter", FILTER_SET)
    r = admin.get(f"/api/dataStore/{ns}?fields=&headless=true&order=name:{direction}")
    message = (
        "Cannot use numeric sort order on property `name` as the property contains non-numeric values for "
        f"matching entries. Use {direction[1:].upper()} instead or apply a filter that only matches entries "
        "with numeric values for name."
    )
    assert_web_message(r, "Bad Request", 400, "ERROR", message)


# ------------------ WEB/DatastoreFieldsControllerTest (and UserDatastore...)

FOOD = [{"key": "cat", "food": {"name": "tuna"}}, {"key": "cow", "food": {"name": "gras"}},
        {"key": "hamster", "food": {"name": "veggies"}}, {"key": "pig", "food": {"name": "carrots"}}]  # fmt: skip
MULTIPLE = [{"key": "cat", "name": "Miao", "food": "tuna"}, {"key": "cow", "name": "Muuhh", "food": "gras"},
            {"key": "hamster", "name": "Speedy", "food": "veggies"}, {"key": "pig", "name": "Oink", "food": "carrots"}]  # fmt: skip
FIELDS_CASES = [
    ("testFields_KeyOnly", "fields=&filter=_:eq:cat", keys("cat")),
    ("testFields_RootBoolean", "fields=.&filter=_:eq:dog", [{"key": "dog", "value": False}]),
    ("testFields_RootNull", "fields=.&filter=_:eq:snake", [{"key": "snake", "value": None}]),
    ("testFields_RootNumber", "fields=.&filter=_:eq:pidgin", [{"key": "pidgin", "value": 42}]),
    ("testFields_RootString", "fields=.&filter=_:eq:horse", [{"key": "horse", "value": "Fury"}]),
    ("testFields_RootAlias", "fields=.~hoist(name)&filter=_:eq:horse", [{"key": "horse", "name": "Fury"}]),
    ("testFields_PathBoolean", "fields=cute&filter=_:eq:hamster", [{"key": "hamster", "cute": True}]),
    ("testFields_PathNumber", "fields=age&filter=_:eq:cat", [{"key": "cat", "age": 9}]),
    ("testFields_PathString", "fields=name", [{"key": k, "name": v["name"]} for k, v in PETS.items()]),
    ("testFields_PathStringWithAlias 1", "fields=eats.0~hoist(food)", FOOD),
    ("testFields_PathStringWithAlias 2", "fields=eats[0~hoist(food)]", FOOD),
    ("testFields_PathStringWithAlias 3", "fields=eats(0~hoist(food))", FOOD),
    ("testFields_Multiple 1", "fields=name,eats.0.name~hoist(food)", MULTIPLE),
    ("testFields_Multiple 2", "fields=name,eats[0[name~hoist(food)]]", MULTIPLE),
    ("testFields_Multiple 3", "fields=name,eats(0(name~hoist(food)))", MULTIPLE),
    ("testGetEntries_IncludeAllTrue", "fields=name&includeAll=true&filter=_:in:[cat,dog]",
     [{"key": "cat", "name": "Miao"}, {"key": "dog", "name": None}]),
]  # fmt: skip


@pytest.mark.parametrize("store", STORES)
@pytest.mark.parametrize("name, query, expected", FIELDS_CASES, ids=[c[0] for c in FIELDS_CASES])
def test_fields(admin, namespaces, store, name, query, expected):
    """DatastoreFieldsControllerTest#<name> / UserDatastoreFieldsControllerTest#<name>"""
    ns = namespaces(store, "fields", FIELDS_SET)
    r = admin.get(f"/api/{store}/{ns}?headless=true&{query}")
    assert r.status_code == 200, r.text
    assert r.json() == expected, r.text


def test_fields_paging(admin, namespaces):
    """DatastoreFieldsControllerTest#testFields_Paging. Documented difference: with
    paging=false the documentation returns a plain array ("entries are returned as plain result
    array"), dhis2-core an object {pager, entries}; test_dhis2.py::test_paging_examples."""
    ns = namespaces("dataStore", "fields", FIELDS_SET)
    plain = admin.get(f"/api/dataStore/{ns}?fields=age&paging=false").json()
    assert isinstance(plain, list) and len(plain) == 4  # dhis2-core: object, 4 entries
    headless = admin.get(f"/api/dataStore/{ns}?fields=age&paging=false&headless=true").json()
    assert isinstance(headless, list) and len(headless) == 4


@pytest.mark.parametrize("store", STORES)
def test_fields_illegal_path(admin, namespaces, store):
    """DatastoreFieldsControllerTest#testGetEntries_IllegalPath"""
    ns = namespaces(store, "fields", FIELDS_SET)
    r = admin.get(f"/api/{store}/{ns}?fields=illegal'&headless=true")
    message = "Illegal fields expression, expected `,`, `[` or `]` at position 7 but found `'`"
    assert_web_message(r, "Conflict", 409, "ERROR", message)


def test_json_null_value_reads_back(admin, namespaces):
    """DERIVED: postEntry("snake", "null") is 201 in every set-up above; GET answers null."""
    ns = namespaces("dataStore", "fields", FIELDS_SET)
    r = admin.get(f"/api/dataStore/{ns}/snake")
    assert r.status_code == 200 and r.content.strip() == b"null", r.text
