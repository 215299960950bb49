import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.utils.html import escape

from tests.support.graphs import graph_of
from tests.web.conftest import page_text
from web.graphs.actions import create_graph, create_layout
from web.graphs.actions import share_graph as actions_share
from web.graphs.models import Graph, Watch
from web.groups.actions import add_member, create_group
from web.outbox.models import OutboxEvent

pytestmark = pytest.mark.django_db

TRIANGLE = {"elements": {
    "nodes": [{"data": {"id": "a"}}, {"data": {"id": "b"}}, {"data": {"id": "c"}}],
    "edges": [{"data": {"source": "a", "target": "b"}}, {"data": {"source": "b", "target": "c"}}],
}}


@pytest.fixture
def lab(make_user):
    """Alice's group "Lab", with bob in it; carol is in no group."""
    alice, bob, carol = make_user("alice"), make_user("bob"), make_user("carol")
    group = create_group(alice, name="Lab")
    add_member(alice, group.pk, bob.username)
    return group, alice, bob, carol


def upload(browser, **fields):
    data = {"name": "Kinase map", "description": "", "tags": "", "group": "", "graph_text": "", **fields}
    return browser.post("/graphs/new/", data)


def test_uploading_a_graph_file(make_user, browser_for):
    # given alice on the graphs page
    alice = make_user("alice")
    browser = browser_for(alice)
    assert "No graphs yet." in page_text(browser.get("/"))

    # when she uploads a Cytoscape.js file with tags
    graph_file = SimpleUploadedFile("triangle.json", json.dumps(TRIANGLE).encode(), "application/json")
    response = upload(browser, tags="signalling, kinases", description="Three nodes.", graph_file=graph_file)

    # then she lands on its page, with its counts and tags
    assert response.status_code == 302
    html = page_text(browser.get(response["Location"]))
    assert "<h1>Kinase map</h1>" in html and "Three nodes." in html and "3 nodes, 2 edges" in html
    assert '<span class="tag">signalling</span><span class="tag">kinases</span>' in html
    # and the graphs page lists it, by her, with the same counts and tags
    html = page_text(browser.get("/"))
    row = home_row(html, "Kinase map")
    assert (f"by <bdi>{alice.username}</bdi> · <time datetime=" in row and "3 nodes, 2 edges" in row
            and '<span class="tag">kinases</span>' in row)


def test_uploading_pasted_json_shared_with_a_group(lab, browser_for):
    # given alice and bob in Lab
    group, alice, bob, _ = lab

    # when alice pastes a graph and shares it with Lab
    response = upload(browser_for(alice), graph_text=json.dumps(TRIANGLE), group=group.pk)

    # then bob sees it in his list, shared with Lab
    assert response.status_code == 302
    assert "Kinase map" in page_text(browser_for(bob).get("/"))
    assert "Shared with: <bdi>Lab</bdi>" in page_text(browser_for(bob).get(response["Location"]))


@pytest.mark.parametrize("text, reason", [
    ("{not json", "not valid JSON: Expecting property name enclosed in double quotes"),
    ('{"elements": {"nodes": [{"data": {}}]}}', "node 1 has no id"),
    ('{"elements": {"nodes": [{"data": {"id": "a"}}], "edges": [{"data": {"source": "a", "target": "zz"}}]}}',
     "edge 1 has target 'zz', which is not a node"),
])
def test_a_bad_graph_is_refused_with_the_reason(make_user, browser_for, text, reason):
    browser = browser_for(make_user("alice"))

    for given in ({"graph_text": text}, {"graph_file": SimpleUploadedFile("g.json", text.encode())}):
        response = upload(browser, **given)

        assert response.status_code == 400
        assert escape(reason) in page_text(response)
    assert not Graph.objects.exists()


@override_settings(GRAPH_MAX_BYTES=40)
def test_a_graph_over_the_size_limit_is_refused(make_user, browser_for):
    browser = browser_for(make_user("alice"))
    text = json.dumps(TRIANGLE)

    for given in ({"graph_text": text}, {"graph_file": SimpleUploadedFile("g.json", text.encode())}):
        response = upload(browser, **given)

        assert response.status_code == 400
        assert f"the graph is {len(text):,} bytes; the limit is 40" in page_text(response)
    assert not Graph.objects.exists()


@override_settings(GRAPH_MAX_NODES=10, GRAPH_MAX_EDGES=10)
@pytest.mark.parametrize(("nodes", "edges", "reason"), [
    (11, 10, "This graph has 11 nodes; Beacon draws at most 10."),
    (10, 11, "This graph has 11 edges; Beacon draws at most 10."),
], ids=["nodes", "edges"])
def test_a_graph_over_a_count_limit_is_refused_saying_its_count_and_the_limit(lab, browser_for, nodes, edges,
                                                                            reason):
    # given alice in Lab, and a graph just over a limit
    group, alice, _, _ = lab
    browser = browser_for(alice)
    text = json.dumps(graph_of(nodes, edges))
    before = OutboxEvent.objects.count()

    # when she uploads it into Lab, as a file or pasted
    for given in ({"graph_text": text}, {"graph_file": SimpleUploadedFile("g.json", text.encode())}):
        response = upload(browser, group=group.pk, **given)

        # then the form comes back saying why
        assert response.status_code == 400
        assert reason in page_text(response)
    # and nothing is kept, nobody is told
    assert not Graph.objects.exists()
    assert OutboxEvent.objects.count() == before


@override_settings(GRAPH_MAX_NODES=10, GRAPH_MAX_EDGES=10)
def test_a_graph_at_the_limits_is_accepted(make_user, browser_for):
    response = upload(browser_for(make_user("alice")), graph_text=json.dumps(graph_of(10, 10)))

    assert response.status_code == 302
    assert Graph.objects.get().node_count == 10


@override_settings(GRAPH_MAX_NODES=10, GRAPH_MAX_EDGES=10)
def test_a_replacement_over_a_limit_keeps_the_graph_and_says_why(lab, browser_for):
    # given alice's graph shared with Lab
    group, alice, _, _ = lab
    graph = create_graph(alice, name="Kinase map", graph_json=TRIANGLE, group_id=group.pk)
    before = OutboxEvent.objects.count()

    # when she replaces it with one of 11 nodes
    response = browser_for(alice).post(f"/graphs/{graph.pk}/edit/", {
        "edit-name": "Kinase map", "edit-graph_text": json.dumps(graph_of(11, 0))})

    # then the page says why, the graph is as it was and Lab hears nothing
    assert response.status_code == 400
    assert "This graph has 11 nodes; Beacon draws at most 10." in page_text(response)
    assert Graph.objects.get(pk=graph.pk).node_count == 3
    assert OutboxEvent.objects.count() == before


def test_a_file_and_pasted_text_together_are_refused(make_user, browser_for):
    graph_file = SimpleUploadedFile("g.json", json.dumps(TRIANGLE).encode())
    response = upload(browser_for(make_user("alice")), graph_text=json.dumps(TRIANGLE), graph_file=graph_file)

    assert response.status_code == 400
    assert "give the graph as a file or as pasted text, not both" in page_text(response)
    assert not Graph.objects.exists()


@pytest.mark.parametrize("given", [{}, {"graph_text": "  \n "}], ids=["nothing", "blank text"])
def test_an_upload_without_a_graph_is_refused_saying_what_to_give(make_user, browser_for, given):
    # when alice names a graph but gives neither a file nor text
    response = upload(browser_for(make_user("alice")), **given)

    # then the form comes back saying what is missing, and no empty graph is made
    assert response.status_code == 400
    assert "no graph given: choose a Cytoscape.js JSON file or paste its JSON" in page_text(response)
    assert 'value="Kinase map"' in page_text(response)
    assert not Graph.objects.exists()


def test_an_explicitly_empty_graph_is_still_accepted(make_user, browser_for):
    response = upload(browser_for(make_user("alice")), graph_text='{"elements": []}')
    assert response.status_code == 302 and Graph.objects.get().node_count == 0


def test_someone_elses_graph_and_layout_are_not_found(lab, browser_for):
    # given alice's private graph with a private layout, and carol outside every group
    _, alice, bob, carol = lab
    graph = create_graph(alice, name="Private", graph_json=TRIANGLE)
    layout = create_layout(alice, graph.pk, name="Mine", positions={"a": {"x": 1, "y": 2}})

    # then to carol they do not exist, whatever she tries
    browser = browser_for(carol)
    assert browser.get(f"/graphs/{graph.pk}/").status_code == 404
    assert browser.get(f"/graphs/{graph.pk}/layouts/{layout.pk}/").status_code == 404
    assert browser.post(f"/graphs/{graph.pk}/edit/", {"edit-name": "Taken"}).status_code == 404
    assert browser.post(f"/graphs/{graph.pk}/watch/").status_code == 404
    assert browser.post(f"/graphs/{graph.pk}/layouts/{layout.pk}/delete/").status_code == 404
    assert Graph.objects.get(pk=graph.pk).name == "Private"


def test_a_private_layout_of_a_shared_graph_is_not_found_by_others(lab, browser_for):
    group, alice, bob, _ = lab
    graph = create_graph(alice, name="Shared", graph_json=TRIANGLE, group_id=group.pk)
    layout = create_layout(alice, graph.pk, name="Draft")

    assert browser_for(bob).get(f"/graphs/{graph.pk}/").status_code == 200
    assert browser_for(bob).get(f"/graphs/{graph.pk}/layouts/{layout.pk}/").status_code == 404


def test_the_owner_shares_and_unshares(lab, browser_for):
    # given alice's private graph
    group, alice, bob, _ = lab
    graph = create_graph(alice, name="Kinase map", graph_json=TRIANGLE)
    browser = browser_for(alice)
    assert "Shared with: nobody" in page_text(browser.get(f"/graphs/{graph.pk}/"))
    assert browser_for(bob).get(f"/graphs/{graph.pk}/").status_code == 404

    # when she shares it with Lab
    response = browser.post(f"/graphs/{graph.pk}/share/", {"share-group": group.pk}, follow=True)

    # then the page says so and bob can open it
    assert "Shared with: <bdi>Lab</bdi>" in page_text(response)
    assert browser_for(bob).get(f"/graphs/{graph.pk}/").status_code == 200

    # when she unshares it
    response = browser.post(f"/graphs/{graph.pk}/unshare/", {"group": group.pk}, follow=True)

    # then it is hers alone again
    assert "Shared with: nobody" in page_text(response)
    assert browser_for(bob).get(f"/graphs/{graph.pk}/").status_code == 404


def test_a_member_cannot_change_someone_elses_graph(lab, browser_for):
    group, alice, bob, _ = lab
    graph = create_graph(alice, name="Kinase map", graph_json=TRIANGLE, group_id=group.pk)
    browser = browser_for(bob)

    html = page_text(browser.get(f"/graphs/{graph.pk}/"))
    assert "Delete graph" not in html and "Save changes" not in html
    assert browser.post(f"/graphs/{graph.pk}/edit/", {"edit-name": "Bob's"}).status_code == 403
    assert browser.post(f"/graphs/{graph.pk}/delete/").status_code == 403
    assert Graph.objects.get(pk=graph.pk).name == "Kinase map"


def test_the_owner_edits_and_replaces_the_json(make_user, browser_for):
    alice = make_user("alice")
    graph = create_graph(alice, name="Kinase map", graph_json={"elements": []})
    browser = browser_for(alice)

    response = browser.post(f"/graphs/{graph.pk}/edit/", {
        "edit-name": "Kinase map v2", "edit-description": "Now with nodes", "edit-tags": "kinases",
        "edit-graph_text": json.dumps(TRIANGLE)}, follow=True)

    html = page_text(response)
    assert ("<h1>Kinase map v2</h1>" in html and "3 nodes, 2 edges" in html
            and '<span class="tag">kinases</span>' in html)


def test_a_bad_replacement_keeps_the_graph_and_shows_why(make_user, browser_for):
    alice = make_user("alice")
    graph = create_graph(alice, name="Kinase map", graph_json=TRIANGLE)

    response = browser_for(alice).post(f"/graphs/{graph.pk}/edit/", {
        "edit-name": "Kinase map", "edit-graph_text": '{"elements": {"nodes": [{"data": {}}]}}'})

    assert response.status_code == 400
    assert "node 1 has no id" in page_text(response)
    assert Graph.objects.get(pk=graph.pk).node_count == 3


def test_watching_and_unwatching_a_graph(lab, browser_for):
    # given bob seeing alice's graph in Lab
    group, alice, bob, _ = lab
    graph = create_graph(alice, name="Kinase map", graph_json=TRIANGLE, group_id=group.pk)
    browser = browser_for(bob)
    assert ">Watch</button>" in page_text(browser.get(f"/graphs/{graph.pk}/"))

    # when he watches it
    html = page_text(browser.post(f"/graphs/{graph.pk}/watch/", follow=True))

    # then the page offers to stop
    assert ">Stop watching</button>" in html
    assert Watch.objects.filter(user=bob, graph=graph).exists()

    # when he stops
    html = page_text(browser.post(f"/graphs/{graph.pk}/unwatch/", follow=True))

    # then he can watch again
    assert ">Watch</button>" in html
    assert not Watch.objects.filter(user=bob, graph=graph).exists()


def test_the_owner_is_not_offered_to_watch_and_is_told_why_if_trying(make_user, browser_for):
    alice = make_user("alice")
    graph = create_graph(alice, name="Kinase map", graph_json=TRIANGLE)
    browser = browser_for(alice)
    assert ">Watch</button>" not in page_text(browser.get(f"/graphs/{graph.pk}/"))

    response = browser.post(f"/graphs/{graph.pk}/watch/")

    assert response.status_code == 400
    assert "you own this graph: you hear of it already" in page_text(response)


def test_saving_a_shared_layout_that_a_member_then_watches(lab, browser_for):
    # given alice's graph in Lab
    group, alice, bob, _ = lab
    graph = create_graph(alice, name="Kinase map", graph_json=TRIANGLE, group_id=group.pk)

    # when alice saves a layout shared with everyone who sees the graph
    response = browser_for(alice).post(f"/graphs/{graph.pk}/layouts/new/", {
        "layout-name": "Circle", "layout-positions": '{"a": {"x": 0, "y": 10}}', "layout-shared": "on"})

    # then it has its own page, which bob sees in the graph's layouts and can watch
    assert response.status_code == 302
    layout_url = response["Location"]
    assert "Circle" in page_text(browser_for(bob).get(f"/graphs/{graph.pk}/"))
    html = page_text(browser_for(bob).get(layout_url))
    assert "<h1>Circle</h1>" in html and "shared with everyone who sees the graph" in html
    html = page_text(browser_for(bob).post(layout_url + "watch/", follow=True))
    assert ">Stop watching</button>" in html
    html = page_text(browser_for(bob).post(layout_url + "unwatch/", follow=True))
    assert ">Watch</button>" in html
    # and bob cannot change it
    assert browser_for(bob).post(layout_url + "edit/", {"layout-name": "Mine"}).status_code == 403


def test_layout_positions_that_are_not_json_are_refused(make_user, browser_for):
    alice = make_user("alice")
    graph = create_graph(alice, name="Kinase map", graph_json=TRIANGLE)

    response = browser_for(alice).post(f"/graphs/{graph.pk}/layouts/new/", {
        "layout-name": "Circle", "layout-positions": "{a: 1}"})

    assert response.status_code == 400
    assert "not valid JSON" in page_text(response)
    assert not graph.layouts.exists()


def test_the_owner_edits_and_deletes_a_layout(make_user, browser_for):
    alice = make_user("alice")
    graph = create_graph(alice, name="Kinase map", graph_json=TRIANGLE)
    layout = create_layout(alice, graph.pk, name="Circle")
    browser = browser_for(alice)
    url = f"/graphs/{graph.pk}/layouts/{layout.pk}/"

    html = page_text(browser.post(url + "edit/", {"layout-name": "Ring", "layout-positions": '{"b": {"x": 1, "y": 1}}'},
                                  follow=True))
    assert "<h1>Ring</h1>" in html and "1 position" in html and "private" in html

    response = browser.post(url + "delete/", follow=True)
    assert "Deleted layout Ring." in page_text(response)
    assert browser.get(url).status_code == 404


def test_the_graphs_list_pages_by_cursor_fifty_at_a_time(make_user, browser_for):
    # given 51 graphs of alice's
    alice = make_user("alice")
    for n in range(51):
        create_graph(alice, name=f"graph {n}")
    browser = browser_for(alice)
    # when she opens the list, then follows "Older graphs"
    first = browser.get("/").content.decode()
    assert "graph 50" in first and ">graph 1<" in first and ">graph 0<" not in first
    older = Graph.objects.get(name="graph 1").pk
    assert f'href="?before={older}"' in first
    second = browser.get(f"/?before={older}").content.decode()
    # then the oldest is on the second page alone
    assert ">graph 0<" in second and ">graph 1<" not in second and "Older graphs" not in second


def home_row(html: str, name: str) -> str:
    """The home list's row of the graph called ``name``."""
    start = html.rindex("<li", 0, html.index(f"<bdi>{name}</bdi>"))
    return html[start:html.index("</li>", start)]


def test_a_graph_row_says_its_owner_date_and_the_readers_groups_it_is_in(lab, make_user, browser_for):
    # given alice's graph shared with the lab and with a group of hers bob is not in, uploaded on 1 March
    from datetime import datetime, timezone

    group, alice, bob, carol = lab
    inner = create_group(alice, name="Inner circle")
    graph = create_graph(alice, name="Kinase map", group_id=group.pk)
    actions_share(alice, graph.pk, inner.pk)
    Graph.objects.filter(pk=graph.pk).update(created=datetime(2026, 3, 1, 10, 0, tzinfo=timezone.utc))

    # when bob and alice look at their lists
    bobs = home_row(page_text(browser_for(bob).get("/")), "Kinase map")
    alices = home_row(page_text(browser_for(alice).get("/")), "Kinase map")

    # then each sees the owner and the date in words; bob sees the lab only, alice both her groups
    for row in (bobs, alices):
        assert f"by <bdi>{alice.username}</bdi>" in row
        assert '<time datetime="2026-03-01T10:00:00+00:00"' in row and ">1 March 2026</time>" in row
    assert f'shared with <a href="/groups/{group.pk}/"><bdi>Lab</bdi></a>' in bobs
    assert "Inner circle" not in bobs
    assert (f'shared with <a href="/groups/{inner.pk}/"><bdi>Inner circle</bdi></a>, '
            f'<a href="/groups/{group.pk}/"><bdi>Lab</bdi></a>') in alices


def test_a_private_graphs_row_names_no_group(make_user, browser_for):
    alice = make_user("alice")
    create_graph(alice, name="Kinase map")
    row = home_row(page_text(browser_for(alice).get("/")), "Kinase map")
    assert "shared with" not in row and "<time datetime=" in row


def test_the_live_row_carries_the_groups_too(lab, browser_for):
    group, alice, bob, carol = lab
    graph = create_graph(alice, name="Kinase map", group_id=group.pk)
    row = page_text(browser_for(bob).get(f"/graphs/{graph.pk}/row/"))
    assert f'shared with <a href="/groups/{group.pk}/"><bdi>Lab</bdi></a>' in row and "<time datetime=" in row
