"""The header's graph search in a real browser: from the keyboard alone, with and without JavaScript, and the
group page and the results at a phone's width and a desktop's, light and dark (screenshots in var/screenshots/).

Needs Debian's Chromium (``apt-get install chromium``); skipped, saying so, without it.
"""

from pathlib import Path

import pytest

from tests.support.chromium import log_in
from web.graphs.actions import create_graph
from web.groups.actions import add_member, create_group

pytestmark = [pytest.mark.stack, pytest.mark.usefixtures("live_db")]

WAIT_MS = 20_000
SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
LONG = "Phosphoproteome-of-Saccharomyces-cerevisiae-under-osmotic-stress-time-course-replicate-three"


@pytest.fixture
def yeast_lab(make_user):
    """alice and bob in "Yeast Systems Lab" with graphs of both; carol's private yeast graph, which neither sees."""
    alice, bob, carol = make_user("alice"), make_user("bob"), make_user("carol")
    lab = create_group(alice, name="Yeast Systems Lab")
    add_member(alice, lab.pk, bob.username)
    create_graph(alice, name="Yeast PPI network", tags=["interactome", "yeast"], group_id=lab.pk)
    create_graph(bob, name=f"Bob's {LONG}", tags=["phospho"], group_id=lab.pk)
    create_graph(bob, name="Glycolysis flux map", tags=["metabolism"], group_id=lab.pk)
    create_graph(carol, name="Carol's secret yeast screen")
    return alice, bob, carol, lab


def tab_to(page, selector: str, *, most: int = 15) -> None:
    """Press Tab until ``selector`` has the focus, as a person at a keyboard would; fail after ``most`` presses."""
    for _ in range(most):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement && document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"{selector} never took the focus in {most} presses of Tab")


def shown_names(page) -> list[str]:
    return page.locator("#search-results li[data-graph-id] > a").all_inner_texts()


@pytest.mark.parametrize("javascript", [True, False], ids=["with-js", "without-js"])
def test_typing_in_the_header_box_lands_on_the_results(beacon, chromium, yeast_lab, javascript):
    # given bob on his graphs page, keyboard only
    alice, bob, carol, lab = yeast_lab
    page = chromium.new_context(viewport={"width": 1280, "height": 800}, java_script_enabled=javascript).new_page()
    log_in(page, beacon.base_url, bob.username, "bob")

    # when he tabs to the search box, types "yeast" and presses Enter
    tab_to(page, "#site-search-q")
    page.keyboard.type("yeast")
    with page.expect_navigation(timeout=WAIT_MS):
        page.keyboard.press("Enter")

    # then he is on the results, which hold the lab's yeast graphs (by name, and by the lab's name) and not carol's
    assert page.url.endswith("/graphs/search/?q=yeast")
    page.wait_for_selector("#search-results", timeout=WAIT_MS)
    assert page.locator("h1").inner_text() == "Graphs matching “yeast”"
    assert shown_names(page) == ["Glycolysis flux map", f"Bob's {LONG}", "Yeast PPI network"]
    assert "secret" not in page.content()
    # and the box still says what he searched for
    assert page.locator("#site-search-q").input_value() == "yeast"

    # when he tabs on to the first result and opens it
    tab_to(page, "#search-results li[data-graph-id] > a", most=25)
    with page.expect_navigation(timeout=WAIT_MS):
        page.keyboard.press("Enter")
    assert page.locator("h1").inner_text() == "Glycolysis flux map"
    page.context.close()


def test_the_box_is_a_labelled_search_landmark_on_a_phone(beacon, chromium, yeast_lab):
    alice, bob, carol, lab = yeast_lab
    page = chromium.new_context(viewport={"width": 320, "height": 640}).new_page()
    log_in(page, beacon.base_url, bob.username, "bob")
    box = page.get_by_role("search").get_by_role("searchbox", name="Search graphs")
    assert box.is_visible()
    edge = box.bounding_box()
    assert edge["x"] >= 0 and edge["x"] + edge["width"] <= 320
    page.context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", [375, 1280])
def test_the_group_page_and_the_results_fit_and_are_photographed(beacon, chromium, yeast_lab, width, scheme):
    # given bob's group page and a search, at this width and colour scheme
    alice, bob, carol, lab = yeast_lab
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = chromium.new_context(viewport={"width": width, "height": 900}, color_scheme=scheme).new_page()
    log_in(page, beacon.base_url, bob.username, "bob")
    for name, path in (("group", f"/groups/{lab.pk}/"), ("search", "/graphs/search/?q=yeast")):
        page.goto(beacon.base_url + path)
        # then every graph row is on the page, none wider than the screen
        page.wait_for_selector("li[data-graph-id]", timeout=WAIT_MS)
        assert page.locator("li[data-graph-id]").count() == 3
        assert not page.evaluate("document.documentElement.scrollWidth > window.innerWidth"), f"{path} at {width}"
        page.screenshot(path=str(SHOTS / f"{name}-{width}-{scheme}.png"), full_page=True)
    page.context.close()
