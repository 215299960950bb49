"""The pages in a real browser: narrow screens, the folding menu, dark mode, the
title and icon kept live, toasts in their place, and what a notification you can
no longer open leads to.

Needs Debian's Chromium (``apt-get install chromium``); skipped, saying so, without it.
"""

import pytest

from tests.support.chromium import log_in
from tests.support.waiting import wait_for
from web.graphs.actions import create_graph, create_layout, unshare_graph
from web.groups.actions import add_member, create_group
from web.notifications.actions import mark_all_read
from web.notifications.models import Notification

pytestmark = [pytest.mark.stack, pytest.mark.usefixtures("live_db")]

WAIT_MS = 20_000
LONG = "Phosphoproteome-of-Saccharomyces-cerevisiae-under-osmotic-stress-time-course-replicate-three"
LIGHT_BACKGROUND, DARK_BACKGROUND = "rgb(246, 247, 249)", "rgb(15, 20, 27)"


def scrolls_sideways(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth > window.innerWidth")


def count_is(page, n: int) -> None:
    page.wait_for_function(f"document.getElementById('unread-count').textContent === '{n}'", timeout=WAIT_MS)


def arrived(user, n: int) -> None:
    """Wait until the user's n notifications are stored (their own arrive read: the count cannot tell)."""
    wait_for(lambda: Notification.objects.filter(user=user).count() == n, timeout=WAIT_MS / 1000,
             message=f"{user.username}'s {n} notifications")


@pytest.fixture
def alices_world(make_user):
    """alice, in a group with bob, with graphs, a layout and notifications whose names are long."""
    alice, bob = make_user("alice"), make_user("bob")
    lab = create_group(alice, name=f"Lab {LONG}")
    add_member(alice, lab.pk, bob.username)
    graph = create_graph(alice, name=LONG, description=LONG * 2, tags=[LONG[:50]], group_id=lab.pk,
                         graph_json={"elements": [{"data": {"id": LONG}}]})
    layout = create_layout(alice, graph.pk, name=f"Spring {LONG}", positions={LONG: {"x": 1, "y": 2}})
    create_graph(bob, name=f"Bob's {LONG}", group_id=lab.pk)
    return alice, bob, lab, graph, layout


@pytest.mark.parametrize("width", [375, 320])
def test_no_page_scrolls_sideways_on_a_phone(beacon, chromium, alices_world, width):
    # given alice's pages, full of long names, on a phone
    alice, bob, lab, graph, layout = alices_world
    context = chromium.new_context(viewport={"width": width, "height": 740})
    page = context.new_page()
    log_in(page, beacon.base_url, alice.username, "alice")
    # her group, her graph, her layout (her own, read), bob's graph: every notification is in
    arrived(alice, 4)
    count_is(page, 1)

    # then none of them is wider than the screen
    paths = ["/", graph.get_absolute_url(), layout.get_absolute_url(), "/groups/", f"/groups/{lab.pk}/",
             "/notifications/", "/accounts/profile/"]
    for path in paths:
        page.goto(beacon.base_url + path)
        assert not scrolls_sideways(page), f"{path} scrolls sideways at {width} px"
    # nor the page that shows a new API token, the longest word there is
    page.goto(beacon.base_url + "/accounts/profile/")
    page.fill("#api-tokens input[name=name]", LONG)
    page.locator("#api-tokens button[type=submit]").click()
    page.wait_for_selector("#new-token-key", timeout=WAIT_MS)
    assert not scrolls_sideways(page), f"the token page scrolls sideways at {width} px"
    assert page.locator("#new-token-key").bounding_box()["width"] <= width

    # and, logged out, neither do the log-in and sign-up pages
    anonymous = chromium.new_context(viewport={"width": width, "height": 740}).new_page()
    for path in ("/accounts/login/", "/accounts/signup/"):
        anonymous.goto(beacon.base_url + path)
        assert not scrolls_sideways(anonymous), f"{path} scrolls sideways at {width} px"
    context.close()
    anonymous.context.close()


def test_the_header_menu_folds_on_a_phone_and_works_from_the_keyboard(beacon, chromium, make_user):
    # given alice on a 320 px screen
    alice = make_user("alice")
    page = chromium.new_context(viewport={"width": 320, "height": 640}).new_page()
    log_in(page, beacon.base_url, alice.username, "alice")
    toggle, menu = page.locator(".menu-toggle"), page.locator("#site-menu")

    # then the notifications link stays in view and the other links wait behind "Menu"
    assert page.locator("#notifications-link").is_visible()
    assert toggle.is_visible() and toggle.get_attribute("aria-expanded") == "false"
    assert toggle.get_attribute("aria-controls") == "site-menu" and not menu.is_visible()

    # when she opens it from the keyboard
    toggle.focus()
    page.keyboard.press("Enter")

    # then it says so, and Profile and Log out are on screen
    assert toggle.get_attribute("aria-expanded") == "true"
    for name in ("Profile", "Log out"):
        box = menu.get_by_text(name).bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= 320, name

    # when she presses Escape, it closes and the focus is back on the button
    page.keyboard.press("Escape")
    assert toggle.get_attribute("aria-expanded") == "false" and not menu.is_visible()
    assert page.evaluate("document.activeElement.classList.contains('menu-toggle')")

    # and on a wide screen there is no button, only the links
    page.set_viewport_size({"width": 1280, "height": 800})
    assert not toggle.is_visible() and menu.get_by_text("Profile").is_visible()
    page.context.close()


def test_without_javascript_the_links_wrap_instead(beacon, chromium, make_user):
    alice = make_user("alice")
    page = chromium.new_context(viewport={"width": 320, "height": 640}, java_script_enabled=False).new_page()
    log_in(page, beacon.base_url, alice.username, "alice")

    assert not page.locator(".menu-toggle").is_visible()
    for name in ("Graphs", "Groups", "Profile", "Log out"):
        assert page.locator("#site-menu").get_by_text(name).is_visible(), name
    assert not scrolls_sideways(page)
    page.context.close()


def test_dark_mode_follows_the_system(beacon, chromium, make_user):
    # given alice, once with a light system theme and once with a dark one
    alice = make_user("alice")
    backgrounds = {}
    for scheme in ("light", "dark"):
        page = chromium.new_context(color_scheme=scheme).new_page()
        log_in(page, beacon.base_url, alice.username, "alice")
        page.goto(beacon.base_url + "/notifications/")
        backgrounds[scheme] = page.evaluate("""() => ({
            page: getComputedStyle(document.body).backgroundColor,
            text: getComputedStyle(document.body).color,
            card: getComputedStyle(document.querySelector('.card')).backgroundColor})""")
        page.context.close()

    # then each gets its own palette: a light page with dark text, a dark page with light text
    assert backgrounds["light"]["page"] == LIGHT_BACKGROUND
    assert backgrounds["dark"]["page"] == DARK_BACKGROUND
    assert backgrounds["light"]["card"] == "rgb(255, 255, 255)" and backgrounds["dark"]["card"] == "rgb(23, 29, 38)"
    assert backgrounds["dark"]["text"] == "rgb(230, 233, 239)"


def test_the_title_and_icon_follow_the_count_live_and_toasts_stay_clear_of_the_header(beacon, chromium, make_user):
    # given alice, in a group with bob, on her groups page on a phone, everything read
    alice, bob = make_user("alice"), make_user("bob")
    lab = create_group(alice, name="Lab")
    add_member(alice, lab.pk, bob.username)
    page = chromium.new_context(viewport={"width": 375, "height": 700}).new_page()
    log_in(page, beacon.base_url, alice.username, "alice")
    page.goto(beacon.base_url + "/groups/")
    arrived(alice, 1)  # "You created group Lab", which arrives read
    mark_all_read(alice)
    page.wait_for_function("document.title === 'Groups · Beacon'", timeout=WAIT_MS)
    assert page.get_attribute("#favicon", "href").endswith("/favicon.svg")

    # when bob shares a graph with the group
    create_graph(bob, name=f"Bob's {LONG}", group_id=lab.pk)

    # then, without a reload, the title carries the count and the icon its dot
    page.wait_for_function("document.title === '(1) Groups · Beacon'", timeout=WAIT_MS)
    assert page.get_attribute("#favicon", "href").endswith("/favicon-unread.svg")
    assert page.locator("#unread-count").text_content() == "1"

    # and the toast, once it has dropped in, fits the screen below the header's notifications link
    page.wait_for_function("[...document.querySelectorAll('.toast')].every("
                           "t => t.getAnimations().every(a => a.playState === 'finished'))", timeout=WAIT_MS)
    toast = page.locator(".toast").first.bounding_box()
    link = page.locator("#notifications-link").bounding_box()
    assert toast["x"] >= 0 and toast["x"] + toast["width"] <= 375
    assert toast["y"] >= link["y"] + link["height"]
    assert not scrolls_sideways(page)

    # and a reload renders the same
    page.reload()
    assert page.title() == "(1) Groups · Beacon"
    assert page.get_attribute("#favicon", "href").endswith("/favicon-unread.svg")
    page.context.close()


def test_the_site_serves_its_stylesheet_and_icons_with_debug_off(beacon, chromium):
    # given Beacon's processes as the tests run them: settings.test, DEBUG off, as in production
    request = chromium.new_context().request

    # then the stylesheet and the icons come from the web process itself
    css = request.get(beacon.base_url + "/static/beacon/beacon.css")
    assert css.status == 200 and css.headers["content-type"].startswith("text/css")
    assert "prefers-color-scheme: dark" in css.text()
    for path, kind in (("/static/beacon/favicon.svg", "image/svg+xml"), ("/favicon.ico", "image/")):
        icon = request.get(beacon.base_url + path)
        assert icon.status == 200 and icon.headers["content-type"].startswith(kind), path


def test_a_notification_about_a_graph_she_can_no_longer_see_says_so(beacon, chromium, make_user):
    # given alice told of bob's graph in their group, which bob has unshared since
    alice, bob = make_user("alice"), make_user("bob")
    lab = create_group(alice, name="Lab")
    add_member(alice, lab.pk, bob.username)
    graph = create_graph(bob, name="Kinase map", group_id=lab.pk)
    page = chromium.new_page()
    log_in(page, beacon.base_url, alice.username, "alice")
    page.goto(beacon.base_url + "/notifications/?state=unread")
    count_is(page, 1)  # bob's share ("You created group Lab" arrived read)
    unshare_graph(bob, graph.pk, lab.pk)

    # when she opens it from her list
    page.reload()
    page.locator("#notification-list").get_by_role(
        "button", name=f"{bob.username} shared graph “Kinase map” with “Lab”.", exact=True).click()

    # then a Beacon page says she can no longer see it
    page.wait_for_selector("#unavailable", timeout=WAIT_MS)
    assert page.locator("h1").inner_text() == "You can no longer see this graph"
    assert "no longer shared with you" in page.locator("#unavailable").inner_text()
    assert page.locator("#notifications-link").is_visible()

    # and its link goes back to the list she was on, with nothing unread left
    page.locator("#back-to-notifications").click()
    page.wait_for_url(beacon.base_url + "/notifications/?state=unread", timeout=WAIT_MS)
    assert page.locator("#unread-count").text_content() == "0"
    page.close()
