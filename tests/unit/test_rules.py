"""Path templates (google/api/http.proto grammar) and route matching."""

import pytest

from server.app import service_descriptors
from server.rest.rules import DSTAR, LIT, STAR, Route, Router, TemplateError, parse_template, routes_for


def route(method, template):
    segments, captures, verb = parse_template(template)
    r = Route(method, template, segments, captures, verb, None, "", "", "google", 200)
    r.rank = tuple(s.kind for s in segments)
    return r


def test_parse():
    segments, captures, verb = parse_template("/v1/{name=shelves/*/books/*}:publish")
    assert [s.kind for s in segments] == [LIT, LIT, STAR, LIT, STAR] and verb == "publish"
    assert captures[0].field_path == "name" and (captures[0].start, captures[0].end) == (1, 5)
    segments, captures, _ = parse_template("/files/{path=**}")
    assert segments[-1].kind == DSTAR and captures[0].end == -1


@pytest.mark.parametrize("bad", ["v1/x", "/v1//x", "/v1/{Name}", "/v1/{a=**}/x", "/v1/{a", "/v1/a b", "/v1/x:"])
def test_bad_templates(bad):
    with pytest.raises(TemplateError):
        parse_template(bad)


def test_literal_beats_star_beats_double_star():
    router = Router([route("GET", "/a/{x=**}"), route("GET", "/a/{x}"), route("GET", "/a/literal")])
    assert router.match("GET", "/a/literal").route.template == "/a/literal"
    assert router.match("GET", "/a/other").variables == {"x": "other"}
    assert router.match("GET", "/a/b/c").variables == {"x": "b/c"}


def test_decoding():
    router = Router([route("GET", "/k/{key}"), route("GET", "/p/{path=**}")])
    assert router.match("GET", "/k/a%2Fb%20c").variables == {"key": "a/b c"}
    assert router.match("GET", "/p/a%2Fb/c").variables == {"path": "a%2Fb/c"}


def test_verbs():
    router = Router([route("POST", "/s/{store}/entries:query"), route("POST", "/s/{store}/entries:bulkPut")])
    assert router.match("POST", "/s/x/entries:query").route.verb == "query"
    assert router.match("POST", "/s/x/entries:bulkPut").variables == {"store": "x"}
    assert router.match("POST", "/s/x/entries") is None
    assert router.allowed("/s/x/entries:query") == ["POST"]


def test_duplicates_fail_at_start_up(monkeypatch):
    services = service_descriptors()
    routes_for(services)  # the real API compiles
    with pytest.raises(TemplateError, match="duplicates"):
        routes_for(services + services[:1])


def test_matching_by_length_picks_what_a_scan_of_every_route_picks():
    """The router looks only at routes of the path's length; the first match must be the
    one a scan of all routes in rank order finds, for every path the API serves."""
    from server.rest.rules import _match

    routes = routes_for(service_descriptors())
    router = Router(routes)
    paths = set()
    for r in routes:
        concrete = "/".join("x" if s.kind != LIT else s.literal for s in r.segments)
        paths |= {
            "/" + concrete + (f":{r.verb}" if r.verb else ""),
            "/" + concrete + "/extra/more",
            "/" + concrete + "/",
        }
    for method in {r.http_method for r in routes} | {"BREW"}:
        for path in sorted(paths):
            parts = path.lstrip("/").split("/")
            expected = None
            for candidate in (parts, [*parts, ""]):
                expected = next(
                    (r for r in router.routes if r.http_method == method and _match(r, candidate) is not None), None
                )
                if expected or parts[-1] == "":
                    break
            found = router.match(method, path)
            assert (found.route if found else None) is expected, (method, path)
