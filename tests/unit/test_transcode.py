"""Transcoding details not visible through a particular route."""

import pytest

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
