"""In a real browser: the graph list takes in a graph newly shared with you, and deleting asks first, by keyboard.

Needs Debian's Chromium (``apt-get install chromium``); skipped, saying so,
without it. Each scenario saves a screenshot under var/test-screenshots/.
"""

from pathlib import Path

import pytest

from tests.support.chromium import log_in
from web.graphs.actions import create_graph, share_graph
from web.groups.actions import add_member, create_group
from web.groups.models import Group

pytestmark = [pytest.mark.stack, pytest.mark.usefixtures("live_db")]

WAIT_MS = 20_000
SHOTS = Path(__file__).resolve().parents[2] / "var" / "test-screenshots"


def shoot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / f"{name}.png", full_page=True)


def listed(page) -> list[str]:
    return page.locator("#graph-list > li > a:first-child").all_inner_texts()  # (a row links its groups too)


def test_alices_open_graph_list_takes_in_what_bob_shares_with_their_group(beacon, chromium, make_user):
    # given alice, in a group with bob, on her graphs page with one graph of her own; bob has a private graph
    alice, bob = make_user("alice"), make_user("bob")
    lab = create_group(alice, name="Lab")
    add_member(alice, lab.pk, bob.username)
    create_graph(alice, name="Alice's map", graph_json={"elements": []})
    older = create_graph(bob, name="Bob's older map", graph_json={"elements": []})
    page = chromium.new_page()
    log_in(page, beacon.base_url, alice.username, "alice")
    page.goto(beacon.base_url + "/")
    assert listed(page) == ["Alice's map"]
    page.evaluate("window.loadedAt = performance.timeOrigin")

    # when bob uploads a graph into the group, its name markup
    create_graph(bob, name="<b>Kinase</b> map", group_id=lab.pk,
                 graph_json={"elements": {"nodes": [{"data": {"id": "a"}}, {"data": {"id": "b"}}], "edges": []}})

    # then it appears at the top of her list, as the server renders a row, without a reload
    page.wait_for_function("document.querySelectorAll('#graph-list > li').length === 2", timeout=WAIT_MS)
    assert listed(page) == ["<b>Kinase</b> map", "Alice's map"]
    facts = page.locator("#graph-list > li").first.locator(".graph-facts").inner_text()
    assert facts.startswith(f"by {bob.username} · ") and facts.endswith("2 nodes, 0 edges")
    assert page.locator("#graph-list > li").first.locator(".graph-groups").inner_text() == "shared with Lab"

    # when he shares his older graph too
    share_graph(bob, older.pk, lab.pk)

    # then it takes its place among them, newest first, still on the same page load
    page.wait_for_function("document.querySelectorAll('#graph-list > li').length === 3", timeout=WAIT_MS)
    assert listed(page) == ["<b>Kinase</b> map", "Bob's older map", "Alice's map"]
    assert page.evaluate("window.loadedAt === performance.timeOrigin")
    shoot(page, "live-graph-list")
    page.close()


def test_deleting_a_group_by_keyboard_asks_first_and_cancel_keeps_it(beacon, chromium, make_user):
    # given alice on the page of her group "Lab"
    alice = make_user("alice")
    lab = create_group(alice, name="Lab")
    page = chromium.new_page()
    log_in(page, beacon.base_url, alice.username, "alice")
    page.goto(f"{beacon.base_url}/groups/{lab.pk}/")

    def tab_to(text: str) -> None:
        for _ in range(60):
            page.keyboard.press("Tab")
            if page.evaluate("document.activeElement.textContent.trim()") == text:
                return
        raise AssertionError(f"Tab never reached {text!r}")

    # when she tabs to "Delete group" and presses Enter
    tab_to("Delete group")
    with page.expect_navigation():
        page.keyboard.press("Enter")

    # then she is asked, and the group is still there
    assert page.locator("h1").inner_text() == "Delete group “Lab”?"
    assert "This cannot be undone." in page.locator("#confirm").inner_text()
    assert Group.objects.filter(pk=lab.pk).exists()
    shoot(page, "confirm-delete-group")

    # when she chooses Cancel
    tab_to("Cancel")
    with page.expect_navigation():
        page.keyboard.press("Enter")

    # then she is back on the group's page, the group kept
    assert page.locator("h1").inner_text() == "Lab" and Group.objects.filter(pk=lab.pk).exists()

    # when she asks again and this time confirms
    tab_to("Delete group")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    tab_to("Delete group")
    with page.expect_navigation():
        page.keyboard.press("Enter")

    # then the group is gone, and the page she lands on says so
    assert page.url == f"{beacon.base_url}/groups/"
    assert page.locator("#messages").inner_text() == "Deleted group Lab."
    assert not Group.objects.filter(pk=lab.pk).exists()
    page.close()
