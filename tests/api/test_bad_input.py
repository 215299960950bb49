"""Bad input to the API is a 400 in the error shape, never a 500.

Ids and cursors in query strings are read by one parser (common.ids); bodies,
graphs among them, by one check of JSON text (web.json_text), the same the
upload form uses.
"""

import pytest

from common.ids import BIGINT_MAX
from tests.api.helpers import GRAPH, assert_error
from tests.support.bad_json import BAD_GRAPH_TEXTS, BAD_POSITIONS_TEXTS
from web.graphs.actions import create_graph
from web.graphs.models import Graph, Layout

pytestmark = pytest.mark.django_db

SUPERSCRIPT_TWO = "%C2%B2"  # "²": str.isdigit() says yes, int() refuses


@pytest.mark.parametrize("parameter", ["before", "limit"])
@pytest.mark.parametrize("value", [SUPERSCRIPT_TWO, "%D9%A3", "%EF%BC%91", "1_0", str(BIGINT_MAX + 1), "0"])
def test_a_paging_parameter_that_is_not_a_whole_number_is_refused_naming_it(make_user, api_as, parameter, value):
    answer = api_as(make_user("alice")).get(f"/api/v1/notifications/?{parameter}={value}")

    body = assert_error(answer, 400, "invalid")
    assert body["fields"] == {parameter: [f"must be a positive whole number in digits 0-9, at most {BIGINT_MAX}"]}


def test_the_largest_id_postgresql_holds_is_a_cursor_like_any_other(make_user, api_as):
    answer = api_as(make_user("alice")).get(f"/api/v1/notifications/?before={BIGINT_MAX}")

    assert answer.status_code == 200 and answer.json()["results"] == []


@pytest.mark.parametrize("target", [f"graph:{SUPERSCRIPT_TWO}", "layout:%D9%A3", f"group:{BIGINT_MAX + 1}"])
def test_a_target_whose_id_is_not_one_is_refused(make_user, api_as, target):
    answer = api_as(make_user("alice")).get(f"/api/v1/notifications/?target={target}")

    body = assert_error(answer, 400, "invalid")
    assert body["fields"] == {"target": ["must be graph:<id>, layout:<id> or group:<id>"]}


@pytest.mark.parametrize("text, reason", BAD_GRAPH_TEXTS)
def test_a_graph_the_upload_form_refuses_is_refused_by_the_api_with_the_reason(make_user, api_as, text, reason):
    # when alice sends the same text as a graph
    client = api_as(make_user("alice"))
    answer = client.post("/api/v1/graphs/", data=f'{{"name": "Kinase map", "graph_json": {text}}}',
                         content_type="application/json")

    # then it is refused, saying why, and nothing was kept
    assert reason in assert_error(answer, 400, "parse_error")["detail"]
    assert not Graph.objects.exists()


@pytest.mark.parametrize("text, reason", BAD_POSITIONS_TEXTS)
def test_positions_the_layout_form_refuses_are_refused_by_the_api(make_user, api_as, text, reason):
    alice = make_user("alice")
    graph = create_graph(alice, name="Kinase map", graph_json=GRAPH)

    answer = api_as(alice).post(f"/api/v1/graphs/{graph.pk}/layouts/", data=f'{{"name": "Ring", "positions": {text}}}',
                                content_type="application/json")

    assert reason in assert_error(answer, 400, "parse_error")["detail"]
    assert not Layout.objects.exists()


def test_a_content_length_that_is_not_a_number_is_refused():
    from rest_framework.exceptions import ParseError
    from rest_framework.test import APIRequestFactory

    from web.api.parsing import JSONBodyParser

    # (Django and DRF read such a header as "no body" before the parser sees it;
    # the parser still refuses it rather than trusting or guessing.)
    request = APIRequestFactory().post("/api/v1/groups/", data="{}", content_type="application/json",
                                       CONTENT_LENGTH="²")
    with pytest.raises(ParseError, match="Content-Length must be a non-negative whole number"):
        JSONBodyParser().parse(request, parser_context={"request": request})
