"""In a real browser: the header count and the list update live, text escaped.

Needs Debian's Chromium (``apt-get install chromium``, the one step that
needs root); without it this test is skipped and says so.
"""

import shutil

import pytest
from django.db import connections

from web.graphs.actions import create_graph
from web.groups.actions import add_member, create_group

pytestmark = [pytest.mark.stack, pytest.mark.usefixtures("live_db")]

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# Flags for a headless browser on a machine with no network but loopback:
# background services would only fail to connect.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


@pytest.fixture
def chromium(monkeypatch):
    if CHROMIUM is None:
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop in this thread, which Django
    # takes for async code; the ORM calls here are ordinary blocking ones.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
        # The test ran inside Playwright's greenlet, where Django opened a
        # connection of its own; close it here, or it outlives the test database.
        connections.close_all()


def test_alices_open_page_shows_bobs_new_graph_without_a_reload(beacon, chromium, make_user):
    # given alice, with her notifications page open, in a group with bob
    alice, bob = make_user("alice"), make_user("bob")
    lab = create_group(alice, name="Lab")
    add_member(alice, lab, bob)
    page = chromium.new_page()
    page.goto(beacon.base_url + "/accounts/login/")
    page.fill("#id_username", alice.username)
    page.fill("#id_password", "alice")
    page.click("button[type=submit]")
    page.goto(beacon.base_url + "/notifications/")
    page.wait_for_function("document.getElementById('unread-count').textContent === '1'", timeout=20_000)
    page.evaluate("window.loadedAt = performance.timeOrigin")

    # when bob shares a graph whose name is markup
    create_graph(bob, name="<img src=x onerror=window.pwned=1>", group=lab)

    # then her header and list change live, on the same page load, and the markup stays text
    page.wait_for_function("document.getElementById('unread-count').textContent === '2'", timeout=20_000)
    newest = page.locator("#notification-list li").first
    assert newest.inner_text().startswith(f"{bob.username} shared graph “<img src=x onerror=window.pwned=1>”")
    assert page.locator(".toast").first.inner_text().startswith(f"{bob.username} shared graph")
    assert page.evaluate("window.loadedAt === performance.timeOrigin && window.pwned === undefined")
    page.close()
