"""The graph drawn with Cytoscape.js, in a real browser: what it shows, dragging and saving a
layout's nodes, who may, and a graph of the most nodes Beacon takes (GRAPH_MAX_NODES) that stays usable.

Needs Debian's Chromium (``apt-get install chromium``); skipped, saying so, without it.
Each scenario saves a screenshot under var/test-screenshots/.
"""

from pathlib import Path

import pytest
from django.conf import settings

from tests.support.chromium import log_in
from tests.support.waiting import wait_for
from web.graphs.actions import create_graph, create_layout, watch_layout
from web.graphs.models import Layout
from web.groups.actions import add_member, create_group
from web.notifications.models import Notification

pytestmark = [pytest.mark.stack, pytest.mark.usefixtures("live_db")]

WAIT_MS = 20_000
SHOTS = Path(__file__).resolve().parents[2] / "var" / "test-screenshots"
MARKUP = "<img src=x onerror=window.pwned=1>"
PATHWAY = {"elements": {
    "nodes": [{"data": {"id": "p53", "label": MARKUP}}, {"data": {"id": "MDM2"}}, {"data": {"id": "ATM"}},
              {"data": {"id": "CHK2"}}],
    "edges": [{"data": {"source": "MDM2", "target": "p53"}}, {"data": {"source": "ATM", "target": "p53"}},
              {"data": {"source": "ATM", "target": "CHK2"}}, {"data": {"source": "CHK2", "target": "p53"}}],
}}
RING = {"p53": {"x": 0, "y": -100}, "MDM2": {"x": 100, "y": 0}, "ATM": {"x": 0, "y": 100}, "CHK2": {"x": -100, "y": 0}}


def drawn(page, timeout: int = WAIT_MS) -> None:
    page.wait_for_function("window.beaconGraph && window.beaconGraph.ready", timeout=timeout)


def cy(page, expression: str):
    return page.evaluate(f"(() => {{ const cy = window.beaconGraph.cy; return {expression}; }})()")


def on_screen(page, node_id: str) -> tuple[float, float]:
    """Where a node is drawn, in the page's coordinates."""
    box = page.locator("#graph-canvas").bounding_box()
    at = cy(page, f"cy.getElementById({node_id!r}).renderedPosition()")
    return box["x"] + at["x"], box["y"] + at["y"]


def drag(page, node_id: str, dx: float, dy: float) -> None:
    """Mouse down on the node where it is drawn, move by (dx, dy) pixels, up."""
    x, y = on_screen(page, node_id)
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + dx, y + dy, steps=12)
    page.mouse.up()


def leaving_asks_first(page) -> bool:
    """Follow the page's "Notifications about this …" link: does the browser ask first? (She answers "stay".)"""
    asked = []

    def stay(dialog):
        asked.append(dialog.type)
        dialog.dismiss()

    page.once("dialog", stay)
    url = page.url
    with page.expect_event("dialog", timeout=WAIT_MS):
        page.get_by_role("link", name="Notifications about this").click(no_wait_after=True)
    page.wait_for_load_state()
    return asked == ["beforeunload"] and page.url == url


def leaves_without_asking(page) -> bool:
    """Follow the same link: the other page opens and nothing was asked."""
    asked = []

    def leave(dialog):
        asked.append(dialog.type)
        dialog.accept()

    page.on("dialog", leave)
    with page.expect_navigation(timeout=WAIT_MS):
        page.get_by_role("link", name="Notifications about this").click()
    page.remove_listener("dialog", leave)
    return not asked and "/notifications/" in page.url


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / f"{name}.png", full_page=True)


@pytest.fixture
def lab(make_user):
    """alice's graph PATHWAY, shared with her group Lab, which bob is in, with her shared layout "Ring"."""
    alice, bob = make_user("alice"), make_user("bob")
    group = create_group(alice, name="Lab")
    add_member(alice, group.pk, bob.username)
    graph = create_graph(alice, name="p53 pathway", graph_json=PATHWAY, group_id=group.pk)
    layout = create_layout(alice, graph.pk, name="Ring", positions=RING, shared=True)
    return alice, bob, graph, layout


def test_the_graph_page_draws_the_graph_with_labels_as_text(beacon, chromium, lab):
    alice, bob, graph, _ = lab
    page = chromium.new_context(viewport={"width": 1280, "height": 900}).new_page()
    log_in(page, beacon.base_url, bob.username, "bob")

    # when bob opens alice's graph
    page.goto(beacon.base_url + graph.get_absolute_url())
    drawn(page)

    # then Cytoscape.js draws its nodes and edges on a canvas, laid out by itself
    assert page.locator("#graph-canvas canvas").count() >= 1 and page.locator("#graph-canvas").is_visible()
    assert cy(page, "[cy.nodes().length, cy.edges().length]") == [4, 4]
    assert page.evaluate("window.beaconGraph.layout") == "cose"
    # with the markup label as text: in the drawing, in the list, and nothing ran
    assert cy(page, "cy.getElementById('p53').data('label')") == MARKUP
    page.get_by_text("The 4 nodes as a list").click()
    assert page.locator("#graph-node-list li").first.inner_text() == f"{MARKUP} (p53)"
    assert page.locator("#graph-node-list img").count() == 0
    assert page.evaluate("window.pwned") is None
    # a text alternative names what the canvas shows; he may move nodes for a layout of his own, not save hers
    assert page.locator("#graph-canvas").get_attribute("role") == "img"
    assert page.locator("#graph-summary").inner_text().startswith("Graph of 4 nodes and 4 edges.")
    assert cy(page, "cy.autoungrabify()") is False and page.locator("#save-positions").count() == 0
    assert page.get_by_role("button", name="Save as layout").is_visible()
    shot(page, "graph-drawn")

    # and the toolbar works from the keyboard: Tab to "Zoom in", Enter
    before = cy(page, "cy.zoom()")
    page.locator("[data-graph=zoom-in]").focus()
    page.keyboard.press("Enter")
    assert cy(page, "cy.zoom()") > before
    page.context.close()


def test_without_javascript_the_page_says_what_the_graph_is(beacon, chromium, lab):
    alice, _, graph, _ = lab
    page = chromium.new_context(java_script_enabled=False).new_page()
    log_in(page, beacon.base_url, alice.username, "alice")

    page.goto(beacon.base_url + graph.get_absolute_url())

    assert not page.locator("#graph-canvas").is_visible() and not page.locator("#graph-toolbar").is_visible()
    assert page.locator("#graph-summary").inner_text().startswith("Graph of 4 nodes and 4 edges.")
    page.get_by_text("The 4 nodes as a list").click()
    assert page.locator("#graph-node-list li").count() == 4
    page.context.close()


@pytest.mark.parametrize("width", [320, 375])
def test_on_a_phone_the_drawing_fits_the_screen(beacon, chromium, lab, width):
    alice, _, graph, layout = lab
    page = chromium.new_context(viewport={"width": width, "height": 700}, color_scheme="dark").new_page()
    log_in(page, beacon.base_url, alice.username, "alice")

    for url in (graph.get_absolute_url(), layout.get_absolute_url()):
        page.goto(beacon.base_url + url)
        drawn(page)

        # then neither the canvas nor its toolbar makes the page scroll sideways
        assert not page.evaluate("document.documentElement.scrollWidth > window.innerWidth"), url
        box = page.locator("#graph-canvas").bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= width, url
        # and it is drawn in the dark palette: the box's colour, the nodes' the links' colour
        assert page.evaluate("getComputedStyle(document.getElementById('graph-canvas')).backgroundColor") \
            == "rgb(34, 42, 53)"
        assert cy(page, "cy.nodes()[0].style('background-color')") == "rgb(138,180,255)"
    shot(page, f"layout-{width}-dark")
    page.context.close()


def test_dragging_a_node_of_her_layout_and_saving_stores_it_and_tells_the_others(beacon, chromium, lab):
    # given alice's shared layout, which bob watches, open on her screen
    alice, bob, graph, layout = lab
    watch_layout(bob, layout.pk)
    page = chromium.new_context(viewport={"width": 1280, "height": 900}).new_page()
    log_in(page, beacon.base_url, alice.username, "alice")
    page.goto(beacon.base_url + layout.get_absolute_url())
    drawn(page)
    assert page.evaluate("window.beaconGraph.layout") == "preset"
    assert cy(page, "cy.getElementById('MDM2').position()") == {"x": 100, "y": 0}

    # when she drags MDM2 to the right with the mouse
    zoom = cy(page, "cy.zoom()")
    x, y = on_screen(page, "MDM2")
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 60, y + 30, steps=12)
    page.mouse.up()

    # then the drawing and the form's positions follow, and nothing is saved yet
    moved = cy(page, "cy.getElementById('MDM2').position()")
    assert moved["x"] == pytest.approx(100 + 60 / zoom, abs=2) and moved["y"] == pytest.approx(30 / zoom, abs=2)
    assert '"MDM2"' in page.locator("#id_layout-positions").input_value()
    assert page.get_by_role("status").filter(has_text="Positions changed — not saved").is_visible()
    assert Layout.objects.get(pk=layout.pk).positions == RING
    # and leaving the page now asks first: she stays
    assert leaving_asks_first(page)
    assert page.url == beacon.base_url + layout.get_absolute_url()

    # when she saves the positions
    with page.expect_navigation():
        page.locator("#save-positions").click()

    # then the layout keeps MDM2's new place and the others' as they were
    assert page.locator(".messages").inner_text().strip() == "Saved."
    positions = Layout.objects.get(pk=layout.pk).positions
    assert positions["MDM2"]["x"] == pytest.approx(moved["x"], abs=0.1)
    assert positions["MDM2"]["y"] == pytest.approx(moved["y"], abs=0.1)
    assert {k: v for k, v in positions.items() if k != "MDM2"} == {k: v for k, v in RING.items() if k != "MDM2"}
    # and the page draws it there after the reload, with nothing unsaved: leaving asks nothing
    drawn(page)
    assert cy(page, "cy.getElementById('MDM2').position().x") == pytest.approx(moved["x"], abs=0.1)
    assert page.locator("#drawing-status").inner_text() == ""
    shot(page, "layout-saved")
    page.locator("[data-graph=zoom-in]").click()  # she has touched the page since: a browser asks only then
    assert leaves_without_asking(page)

    # and, through Kafka and the worker, she hears she updated it and bob, who watches it, is told
    def told(user, kind):
        return Notification.objects.filter(user=user, notice__kind=kind, notice__verb="updated",
                                           notice__target_type="layout", notice__target_id=layout.pk).exists()
    wait_for(lambda: told(alice, "owner") and told(bob, "watching"), timeout=30, message="the layout update told")
    page.context.close()


def test_dragging_a_node_on_the_graph_page_and_saving_it_as_a_layout_of_his_own(beacon, chromium, lab):
    # given alice's graph open on bob's screen, drawn by cose
    alice, bob, graph, _ = lab
    page = chromium.new_context(viewport={"width": 1280, "height": 900}).new_page()
    log_in(page, beacon.base_url, bob.username, "bob")
    page.goto(beacon.base_url + graph.get_absolute_url())
    drawn(page)
    before = cy(page, "cy.getElementById('MDM2').position()")
    others = cy(page, "Object.fromEntries(cy.nodes().map(n => [n.id(), n.position()]))")

    # when he drags MDM2 down and to the right with the mouse
    zoom = cy(page, "cy.zoom()")
    drag(page, "MDM2", 60, 30)

    # then the drawing follows, the page says it is not saved, and leaving asks first
    moved = cy(page, "cy.getElementById('MDM2').position()")
    assert moved["x"] == pytest.approx(before["x"] + 60 / zoom, abs=2)
    assert moved["y"] == pytest.approx(before["y"] + 30 / zoom, abs=2)
    assert page.get_by_role("status").filter(has_text="Positions changed — not saved").is_visible()
    assert leaving_asks_first(page)

    # when he names it and saves it as a layout
    page.get_by_label("Layout name").fill("Bob's drag")
    with page.expect_navigation():
        page.get_by_role("button", name="Save as layout").click()

    # then he is on his new layout's page, which says it is saved, and drawn from it
    layout = Layout.objects.get(graph=graph, name="Bob's drag")
    assert page.url == beacon.base_url + layout.get_absolute_url()
    assert page.locator(".messages").inner_text().strip() == "Saved layout “Bob's drag”."
    assert page.locator("h1").inner_text() == "Bob's drag"
    # and it keeps where he put MDM2, and every other node where the drawing had it
    assert layout.owner == bob and not layout.shared and set(layout.positions) == {"p53", "MDM2", "ATM", "CHK2"}
    assert layout.positions["MDM2"]["x"] == pytest.approx(moved["x"], abs=0.1)
    assert layout.positions["MDM2"]["y"] == pytest.approx(moved["y"], abs=0.1)
    for node_id in ("p53", "ATM", "CHK2"):
        assert layout.positions[node_id]["x"] == pytest.approx(others[node_id]["x"], abs=0.1), node_id
        assert layout.positions[node_id]["y"] == pytest.approx(others[node_id]["y"], abs=0.1), node_id
    drawn(page)
    assert page.evaluate("window.beaconGraph.layout") == "preset"
    assert cy(page, "cy.getElementById('MDM2').position().x") == pytest.approx(moved["x"], abs=0.1)
    page.context.close()


def test_moving_a_node_of_her_layout_from_the_keyboard_and_saving_it(beacon, chromium, lab):
    # given alice's layout open on her screen
    alice, _, _, layout = lab
    page = chromium.new_context(viewport={"width": 1280, "height": 900}).new_page()
    log_in(page, beacon.base_url, alice.username, "alice")
    page.goto(beacon.base_url + layout.get_absolute_url())
    drawn(page)
    zoom = cy(page, "cy.zoom()")

    # when she chooses ATM in "Move a node without dragging" from the keyboard, and presses "Move right" twice
    page.get_by_label("Node", exact=True).focus()
    page.get_by_label("Node", exact=True).select_option("ATM")
    right = page.get_by_role("button", name="Move right")
    right.focus()
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")

    # then ATM has moved 40 pixels' worth to the right, and the page says it is not saved
    assert cy(page, "cy.getElementById('ATM').position().x") == pytest.approx(2 * 20 / zoom, abs=0.2)
    assert page.get_by_role("status").filter(has_text="Positions changed — not saved").is_visible()

    # when she tabs to "Save positions" and presses Enter
    page.get_by_role("button", name="Save positions").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")

    # then the layout keeps ATM's new place, the others' as they were
    assert page.locator(".messages").inner_text().strip() == "Saved."
    positions = Layout.objects.get(pk=layout.pk).positions
    assert positions["ATM"]["x"] == pytest.approx(2 * 20 / zoom, abs=0.2) and positions["ATM"]["y"] == 100
    assert {k: v for k, v in positions.items() if k != "ATM"} == {k: v for k, v in RING.items() if k != "ATM"}
    page.context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", [375, 1280])
def test_the_save_as_layout_form_and_unsaved_changes_at_every_size(beacon, chromium, lab, width, scheme):
    alice, bob, graph, layout = lab
    page = chromium.new_context(viewport={"width": width, "height": 900}, color_scheme=scheme).new_page()
    log_in(page, beacon.base_url, alice.username, "alice")

    # the graph page: the form under the drawing, in view without sideways scrolling
    page.goto(beacon.base_url + graph.get_absolute_url())
    drawn(page)
    drag(page, "ATM", 30, 20)
    form = page.locator("#save-as-layout")
    assert form.is_visible() and page.get_by_label("Layout name").is_visible()
    assert page.locator("#drawing-status").inner_text() == "Positions changed — not saved"
    assert not page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
    box = form.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= width
    shot(page, f"graph-save-as-layout-{width}-{scheme}")

    # her layout's page (in a tab of its own: leaving the graph page unsaved would ask), a node dragged, not saved
    page = page.context.new_page()
    page.goto(beacon.base_url + layout.get_absolute_url())
    drawn(page)
    drag(page, "MDM2", -40, 30)
    assert page.locator("#drawing-status").inner_text() == "Positions changed — not saved"
    assert page.locator("#drawing-status").is_visible() and page.locator("#save-positions").is_visible()
    assert page.locator("#graph-move").is_visible()
    assert not page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
    shot(page, f"layout-unsaved-{width}-{scheme}")
    page.context.close()


def test_someone_else_sees_the_layout_but_cannot_move_or_save_it(beacon, chromium, lab):
    alice, bob, graph, layout = lab
    page = chromium.new_context(viewport={"width": 1280, "height": 900}).new_page()
    log_in(page, beacon.base_url, bob.username, "bob")

    page.goto(beacon.base_url + layout.get_absolute_url())
    drawn(page)

    # then he sees her positions, with no way to save, and a drag moves nothing
    assert page.locator("#save-positions").count() == 0 and page.locator("#layout-edit-form").count() == 0
    assert cy(page, "cy.autoungrabify()") is True
    x, y = on_screen(page, "MDM2")
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 60, y + 30, steps=6)
    page.mouse.up()
    assert cy(page, "cy.getElementById('MDM2').position()") == {"x": 100, "y": 0}
    # and a POST he forges with his own CSRF token is refused
    token = page.locator("input[name=csrfmiddlewaretoken]").first.input_value()
    refused = page.request.post(beacon.base_url + layout.get_absolute_url() + "edit/",
                                form={"csrfmiddlewaretoken": token, "layout-name": "Ring",
                                      "layout-positions": '{"MDM2": {"x": 0, "y": 0}}', "layout-shared": "on"},
                                headers={"Referer": beacon.base_url + layout.get_absolute_url()})
    assert refused.status == 403
    assert Layout.objects.get(pk=layout.pk).positions == RING
    page.context.close()


def test_the_biggest_graph_beacon_takes_is_drawn_and_answers_pan_and_zoom(beacon, chromium, make_user):
    # given a graph of GRAPH_MAX_NODES nodes and 1.5 times as many edges (a binary tree and a ring of every 2nd
    # node), the most a graph may have, drawn the cheap way (graph.js's LARGE_ELEMENTS)
    alice = make_user("alice")
    n = settings.GRAPH_MAX_NODES
    nodes = [{"data": {"id": f"n{i}", "label": f"gene {i}"}} for i in range(n)]
    edges = [{"data": {"source": f"n{(i - 1) // 2}", "target": f"n{i}"}} for i in range(1, n)]
    edges += [{"data": {"source": f"n{i}", "target": f"n{(i + 2) % n}"}} for i in range(0, n, 2)]
    graph = create_graph(alice, name="Big", graph_json={"elements": {"nodes": nodes, "edges": edges}})
    page = chromium.new_context(viewport={"width": 1280, "height": 900}).new_page()
    log_in(page, beacon.base_url, alice.username, "alice")

    # when she opens it
    page.goto(beacon.base_url + graph.get_absolute_url())
    drawn(page, timeout=60_000)  # a deadline, not a measure: how fast is for a benchmark

    # then every node is drawn, the cheap way
    assert cy(page, "[cy.nodes().length, cy.edges().length]") == [n, len(edges)]
    state = page.evaluate("({large: window.beaconGraph.large, layout: window.beaconGraph.layout})")
    assert state["large"] is True and state["layout"] == "grid"
    # and the page answers: a drag on the background pans, the zoom button zooms
    box = page.locator("#graph-canvas").bounding_box()
    pan = cy(page, "cy.pan()")
    page.mouse.move(box["x"] + 5, box["y"] + 5)
    page.mouse.down()
    page.mouse.move(box["x"] + 205, box["y"] + 105, steps=10)
    page.mouse.up()
    assert cy(page, "cy.pan().x") == pytest.approx(pan["x"] + 200, abs=5)
    before = cy(page, "cy.zoom()")
    page.locator("[data-graph=zoom-in]").click()
    assert cy(page, "cy.zoom()") > before
    shot(page, "graph-largest")
    page.context.close()
