"""Bad input on the pages is a 400 that says what was wrong, never a 500.

Ids and cursors in URLs and forms are read by one parser (common.ids); graph
and positions text by one check (web.json_text), the same the API uses.
"""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.html import escape

from tests.support.bad_json import BAD_GRAPH_TEXTS, BAD_POSITIONS_TEXTS
from tests.web.conftest import page_text
from web.graphs.actions import create_graph, create_layout
from web.graphs.models import Graph
from web.groups.actions import create_group

pytestmark = pytest.mark.django_db

SUPERSCRIPT_TWO = "%C2%B2"  # "²": str.isdigit() says yes, int() refuses
GRAPH = {"elements": {"nodes": [{"data": {"id": "a"}}, {"data": {"id": "b"}}],
                      "edges": [{"data": {"source": "a", "target": "b"}}]}}


@pytest.mark.parametrize("before", [SUPERSCRIPT_TWO, "%D9%A3", "-1", "9223372036854775808"])
def test_an_older_graphs_link_that_is_not_an_id_is_refused_with_the_reason(make_user, browser_for, before):
    # given alice with a graph
    alice = make_user("alice")
    create_graph(alice, name="Kinase map", graph_json=GRAPH)

    # when she opens the graphs list from a cursor that is not an id
    response = browser_for(alice).get(f"/?before={before}")

    # then the page says why, with status 400, and the upload form is still there
    html = page_text(response)
    assert response.status_code == 400
    assert "before must be a positive whole number in digits 0-9" in html
    assert "Kinase map" not in html and "Upload graph" in html


@pytest.mark.parametrize("before", [SUPERSCRIPT_TWO, "%EF%BC%91"])
def test_an_older_notifications_link_that_is_not_an_id_is_refused_with_the_reason(make_user, browser_for, before):
    response = browser_for(make_user("alice")).get(f"/notifications/?before={before}")

    assert response.status_code == 400
    assert "before: must be a positive whole number in digits 0-9" in page_text(response)


def test_a_notifications_target_whose_id_is_not_one_is_refused(make_user, browser_for):
    response = browser_for(make_user("alice")).get(f"/notifications/?target=graph:{SUPERSCRIPT_TWO}")

    assert response.status_code == 400
    assert escape("target: must be graph:<id>, layout:<id> or group:<id>") in page_text(response)


def test_unsharing_from_a_group_that_is_not_an_id_is_refused(make_user, browser_for):
    # given alice's graph shared with her group
    alice = make_user("alice")
    group = create_group(alice, name="Lab")
    graph = create_graph(alice, name="Kinase map", graph_json=GRAPH, group_id=group.pk)

    # when a tampered form asks to unshare it from group "²"
    response = browser_for(alice).post(f"/graphs/{graph.pk}/unshare/", {"group": "²"})

    # then the graph page says why, and the graph is still shared
    assert response.status_code == 400
    assert "group must be a positive whole number" in page_text(response)
    assert list(graph.groups.all()) == [group]


def upload(browser, **fields):
    data = {"name": "Kinase map", "description": "", "tags": "", "group": "", "graph_text": "", **fields}
    return browser.post("/graphs/new/", data)


@pytest.mark.parametrize("text, reason", BAD_GRAPH_TEXTS)
def test_a_graph_the_api_refuses_is_refused_by_the_upload_form_with_the_reason(make_user, browser_for, text,
                                                                                reason):
    browser = browser_for(make_user("alice"))

    # when alice pastes the text, or uploads it as a file
    for given in ({"graph_text": text}, {"graph_file": SimpleUploadedFile("g.json", text.encode())}):
        response = upload(browser, **given)

        # then the page says why, with status 400
        assert response.status_code == 400, given.keys()
        assert escape(reason) in page_text(response)
    # and nothing was kept
    assert not Graph.objects.exists()


@pytest.mark.parametrize("text, reason", BAD_GRAPH_TEXTS[:3])
def test_a_bad_replacement_graph_is_refused_with_the_reason(make_user, browser_for, text, reason):
    alice = make_user("alice")
    graph = create_graph(alice, name="Kinase map", graph_json=GRAPH)

    response = browser_for(alice).post(f"/graphs/{graph.pk}/edit/",
                                       {"edit-name": "Kinase map", "edit-graph_text": text})

    assert response.status_code == 400
    assert escape(reason) in page_text(response)
    assert Graph.objects.get(pk=graph.pk).graph_json == GRAPH


@pytest.mark.parametrize("text, reason", BAD_POSITIONS_TEXTS)
def test_positions_the_api_refuses_are_refused_by_the_layout_form_with_the_reason(make_user, browser_for, text,
                                                                                   reason):
    # given alice's graph with a layout
    alice = make_user("alice")
    graph = create_graph(alice, name="Kinase map", graph_json=GRAPH)
    layout = create_layout(alice, graph.pk, name="Circle", positions={"a": {"x": 1, "y": 2}})
    browser = browser_for(alice)

    # when she saves a new layout, or changes hers, with those positions
    created = browser.post(f"/graphs/{graph.pk}/layouts/new/", {"layout-name": "Ring", "layout-positions": text})
    changed = browser.post(f"/graphs/{graph.pk}/layouts/{layout.pk}/edit/",
                           {"layout-name": "Circle", "layout-positions": text})

    # then each page says why, with status 400, and nothing changed
    for response in (created, changed):
        assert response.status_code == 400
        assert escape(reason) in page_text(response)
    assert [(each.name, each.positions) for each in graph.layouts.all()] == [("Circle", {"a": {"x": 1, "y": 2}})]


def test_good_positions_still_save(make_user, browser_for):
    alice = make_user("alice")
    graph = create_graph(alice, name="Kinase map", graph_json=GRAPH)

    response = browser_for(alice).post(f"/graphs/{graph.pk}/layouts/new/",
                                       {"layout-name": "Ring", "layout-positions": json.dumps({"a": {"x": 1, "y": 2}})})

    assert response.status_code == 302
    assert graph.layouts.get().positions == {"a": {"x": 1, "y": 2}}
