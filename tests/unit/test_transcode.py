"""Transcoding details not visible through a particular route."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from datastore.make.v2 import data_stores_pb2 as m
from datastore.v1 import entry_pb2
from server.app import service_descriptors
from server.rest.rules import Router, routes_for
from server.rest.transcode import TranscodeError, build_request, to_json

ROUTER = Router(routes_for(service_descriptors()))


def test_response_body_selects_a_field():
    response = entry_pb2.GetEntryResponse(entry=entry_pb2.Entry(key="k", revision=2))
    assert to_json(response, "entry")["key"] == "k"
    assert to_json(response, "entry")["revision"] == 2  # int64 as a number


def test_bracketed_and_dotted_query_keys():
    match = ROUTER.match("GET", "/api/v2/data-stores")
    query = [("teamId", "7"), ("pg[sortBy]", "name"), ("pg.sortDir", "desc"), ("pg[limit]", "5")]
    request = build_request(match.route, match.variables, query, b"")
    assert request.DESCRIPTOR is m.ListDataStoresRequest.DESCRIPTOR
    assert (request.team_id, request.pg.sort_by, request.pg.sort_dir, request.pg.limit) == (7, "name", "desc", 5)


@pytest.mark.parametrize(
    "query, field",
    [
        ([("pg[nope]", "1")], "pg[nope]"),
        ([("pg", "1")], "pg"),
        ([("teamId", "x")], "teamId"),
        ([("teamId", "1"), ("teamId", "2")], "teamId"),
    ],
)
def test_bad_query_keys_name_the_parameter(query, field):
    match = ROUTER.match("GET", "/api/v2/data-stores")
    with pytest.raises(TranscodeError) as info:
        build_request(match.route, match.variables, query, b"")
    assert info.value.field == field


def test_path_variables_are_typed():
    match = ROUTER.match("GET", "/api/v2/data-stores/12")
    assert build_request(match.route, match.variables, [], b"").data_store_id == 12
    match = ROUTER.match("GET", "/api/v2/data-stores/twelve")
    with pytest.raises(TranscodeError):
        build_request(match.route, match.variables, [], b"")


_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.integers(min_value=-(2**60), max_value=2**60)
    | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5), children, max_size=4),
    max_leaves=20,
)


@settings(max_examples=300, derandomize=True, deadline=None, database=None)
@given(_JSON)
def test_values_print_as_json_format_prints_them(data):
    """to_json's own Value printer agrees with json_format (integral numbers as integers)."""
    from google.protobuf import json_format, struct_pb2

    from server.rest.transcode import _integral

    value = struct_pb2.Value()
    json_format.ParseDict(data, value)
    entry = entry_pb2.Entry(key="k", value=value)
    assert to_json(entry)["value"] == _integral(json_format.MessageToDict(value))
    assert to_json(value.list_value if value.HasField("list_value") else value.struct_value) == _integral(
        json_format.MessageToDict(value.list_value if value.HasField("list_value") else value.struct_value)
    )


@pytest.mark.parametrize("number", [float("inf"), float("-inf"), float("nan")])
def test_values_json_cannot_print_are_refused_as_json_format_refuses_them(number):
    from google.protobuf import json_format, struct_pb2

    value = struct_pb2.Value(number_value=number)
    with pytest.raises(ValueError) as ours:
        to_json(entry_pb2.Entry(value=value))
    with pytest.raises(ValueError) as theirs:
        json_format.MessageToDict(value)
    assert str(ours.value) == str(theirs.value)
