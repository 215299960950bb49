"""The profile's API tokens and the API docs in a real browser: made, copied, revoked; the docs in the
site's colours, light and dark, with a way back.

Needs Debian's Chromium (``apt-get install chromium``); skipped, saying so, without it.
"""

import pytest

from tests.support.chromium import log_in
from web.api.models import ApiToken

pytestmark = [pytest.mark.stack, pytest.mark.usefixtures("live_db")]

WAIT_MS = 20_000
# beacon.css's --bg and --header-bg, light and dark
BACKGROUND = {"light": "rgb(246, 247, 249)", "dark": "rgb(15, 20, 27)"}
BAR = {"light": "rgb(29, 36, 48)", "dark": "rgb(10, 14, 19)"}


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_she_makes_a_named_token_copies_its_key_and_revokes_it_on_a_phone(beacon, chromium, make_user, scheme):
    # given alice on her profile, on a phone
    alice = make_user("alice")
    context = chromium.new_context(viewport={"width": 375, "height": 740}, color_scheme=scheme)
    page = context.new_page()
    log_in(page, beacon.base_url, alice.username, "alice")
    page.goto(beacon.base_url + "/accounts/profile/")
    assert page.get_by_text("You have no API tokens.").is_visible()

    # when she names a token and creates it
    page.get_by_label("Name", exact=True).fill("laptop script")
    with page.expect_navigation():
        page.get_by_role("button", name="Create token").click()

    # then its key is in a read-only field that fits the screen, selectable to copy, and she is told
    key_field = page.get_by_label("Your new token's key, shown this once: copy it now.")
    assert key_field.is_visible() and key_field.get_attribute("readonly") is not None
    box = key_field.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 375
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    key_field.focus()
    key_field.select_text()
    key = page.evaluate("window.getSelection().toString() || document.activeElement.value")
    assert key.startswith("bcn_") and ApiToken.objects.filter(user=alice, name="laptop script").exists()
    assert page.get_by_role("status").get_by_text("Token “laptop script” created.").is_visible()
    assert page.get_by_role("row", name="laptop script").get_by_text("never").is_visible()

    # when she presses its Revoke and confirms
    page.get_by_role("link", name="Revoke token “laptop script”").click()
    page.wait_for_selector("#confirm", timeout=WAIT_MS)
    assert page.get_by_role("heading", name="Revoke token “laptop script”?").is_visible()
    with page.expect_navigation():
        page.get_by_role("button", name="Revoke token").click()

    # then the page says so and lists no token, and the key opens nothing
    assert page.get_by_role("status").get_by_text("Token “laptop script” revoked.").is_visible()
    assert page.get_by_text("You have no API tokens.").is_visible()
    answer = context.request.get(beacon.base_url + "/api/v1/tokens/", headers={"Authorization": f"Token {key}"})
    assert answer.status == 401
    context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("path, drawn", [("/api/v1/docs/", ".swagger-ui .opblock"),
                                         ("/api/v1/redoc/", "#redoc-container [data-section-id]")])
def test_the_api_docs_are_in_the_sites_colours_with_a_way_back(beacon, chromium, scheme, path, drawn):
    # given someone who follows the footer's link to the docs
    context = chromium.new_context(viewport={"width": 1280, "height": 800}, color_scheme=scheme)
    page = context.new_page()
    outside = []  # (url, why it failed) of every request that left the site
    page.on("requestfailed", lambda request: outside.append((request.url, request.failure)))
    page.on("requestfinished", lambda request: outside.append((request.url, "sent")))
    page.goto(beacon.base_url + "/accounts/login/")
    footer = page.locator("footer.site-footer")
    with page.expect_navigation():
        footer.get_by_role("link", name="API docs" if "docs" in path else "API reference").click()
    assert page.url == beacon.base_url + path

    # then the docs are drawn (the tokens' endpoints among them), from the site alone
    page.wait_for_selector(drawn, timeout=WAIT_MS)
    page.get_by_text("/api/v1/tokens/").first.wait_for(timeout=WAIT_MS)
    # (ReDoc's script asks for its logo from its CDN: the page's policy stops it before it is sent)
    assert [(url, why) for url, why in outside if not url.startswith((beacon.base_url, "data:", "blob:"))
            and why != "csp"] == []
    # in the site's colours for the scheme, under a bar in its header's colours
    colours = page.evaluate("""() => ({
        page: getComputedStyle(document.body).backgroundColor,
        bar: getComputedStyle(document.querySelector('.docs-bar')).backgroundColor})""")
    assert colours == {"page": BACKGROUND[scheme], "bar": BAR[scheme]}

    # when she follows "← Beacon"
    back = page.get_by_role("link", name="← Beacon")
    assert back.is_visible()
    with page.expect_navigation():
        back.click()

    # then she is back on the site
    assert page.url.startswith(beacon.base_url + "/accounts/login/") or page.url == beacon.base_url + "/"
    context.close()
