"""The README's screenshots, retaken: ``python -m tests.screenshots``.

Not a test module (pytest does not collect it in ``make test``): it uses the
browser tests' fixtures to run Beacon's processes on a fresh test database,
loads the demo data, has bob and carol act, and photographs alice's home,
graph and notifications pages, and bob's layout as its owner sees it, at
1280 and 375 px, light and dark, into docs/screenshots/. The notifications
page is taken with a live toast, then with the header's bell open; the graph
and layout once drawn.
"""

from pathlib import Path

import pytest
from django.contrib.auth import get_user_model

from dev.demo import load_demo
from tests.support.chromium import log_in
from tests.support.waiting import wait_for
from web.graphs.actions import create_graph, create_layout, update_graph
from web.graphs.models import Graph, Layout
from web.groups.models import Group
from web.notifications.actions import mark_read
from web.notifications.models import Notification, ProcessedEvent
from web.outbox.models import OutboxEvent

pytestmark = [pytest.mark.stack, pytest.mark.usefixtures("live_db")]

OUT = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
SIZES = {1280: {"width": 1280, "height": 800}, 375: {"width": 375, "height": 760}}
YEAST = {"elements": {
    "nodes": [{"data": {"id": n}} for n in ("CDC28", "CLN2", "SIC1", "CDH1", "SWI5")],
    "edges": [{"data": {"id": f"e{i}", "source": s, "target": t}}
              for i, (s, t) in enumerate([("CLN2", "CDC28"), ("CDC28", "SIC1"), ("CDH1", "SWI5")])],
}}


def all_delivered() -> bool:
    """Every event recorded so far has its notifications stored."""
    recorded = {str(i) for i in OutboxEvent.objects.values_list("payload__id", flat=True)}
    stored = {str(i) for i in ProcessedEvent.objects.values_list("event_id", flat=True)}
    return recorded <= stored


def shoot_to_the_drawing(page, path: Path) -> None:
    """The page from its top to the end of the graph's drawing, once drawn (taller than the window)."""
    page.wait_for_function("window.beaconGraph && window.beaconGraph.ready", timeout=30_000)
    bottom = page.evaluate("document.querySelector('.graph-drawing').getBoundingClientRect().bottom + scrollY")
    page.screenshot(path=path, full_page=True,
                    clip={"x": 0, "y": 0, "width": page.viewport_size["width"], "height": bottom + 16})


def test_take_the_readmes_screenshots(beacon, chromium):
    # the demo, and a morning of bob's and carol's work
    load_demo()
    users = {u.username: u for u in get_user_model().objects.filter(username__in=["alice", "bob", "carol"])}
    alice, bob, carol = users["alice"], users["bob"], users["carol"]
    lab = Group.objects.get(name="Systems Biology Lab")
    p53 = Graph.objects.get(owner=alice, name="p53 signalling")
    circle = Layout.objects.get(graph=p53, owner=bob, name="Circle")
    create_graph(bob, name="Yeast cell-cycle PPI", description="Physical interactions around the G1/S switch.",
                 tags=["yeast", "ppi"], graph_json=YEAST, group_id=lab.pk)
    scratch = Graph.objects.get(owner=carol, name="Carol's scratch graph")
    update_graph(carol, scratch.pk, description="Trying a smaller seed set.")
    yeast = Graph.objects.get(name="Yeast cell-cycle PPI")
    update_graph(bob, yeast.pk, tags=["yeast", "ppi", "g1-s"])
    wait_for(all_delivered, timeout=60, message="every demo notification delivered")
    # some of it read already, as after a while of use
    for n in Notification.objects.filter(user=alice, notice__kind="owner"):
        mark_read(alice, n.pk)
    OUT.mkdir(parents=True, exist_ok=True)

    # one change for each notifications shot, arriving while alice looks
    arriving = iter([
        lambda: update_graph(bob, yeast.pk, description="Physical interactions around the G1/S switch, curated."),
        lambda: create_graph(bob, name="Kinase screen hits", tags=["screen"], graph_json=YEAST, group_id=lab.pk),
        lambda: update_graph(carol, scratch.pk, tags=["draft", "seeds"]),
        lambda: create_layout(bob, yeast.pk, name="Force-directed", shared=True),
    ])
    for width, viewport in SIZES.items():
        for scheme in ("light", "dark"):
            context = chromium.new_context(viewport=viewport, color_scheme=scheme)
            page = context.new_page()
            log_in(page, beacon.base_url, "alice", "alice")
            page.screenshot(path=OUT / f"home-{width}-{scheme}.png")
            page.goto(beacon.base_url + p53.get_absolute_url())
            shoot_to_the_drawing(page, OUT / f"graph-{width}-{scheme}.png")
            page.goto(beacon.base_url + "/notifications/")
            page.wait_for_function("window.fetch && document.getElementById('unread-count')")
            # a change arrives while she looks: the row drops in, with its toast
            next(arriving)()
            page.wait_for_selector(".toast", timeout=30_000)
            page.wait_for_function("[...document.querySelectorAll('.toast')].every("
                                   "t => t.getAnimations().every(a => a.playState === 'finished'))", timeout=10_000)
            page.screenshot(path=OUT / f"notifications-{width}-{scheme}.png")
            # the bell open over the page, its toasts dismissed
            for close in page.locator("#toasts .toast-close").all():
                close.click()
            page.locator("#notifications-link").click()
            page.wait_for_selector("#bell-panel:not([hidden])")
            page.screenshot(path=OUT / f"bell-{width}-{scheme}.png")
            context.close()
            # bob's layout, with the control its owner saves dragged nodes with
            context = chromium.new_context(viewport=viewport, color_scheme=scheme)
            page = context.new_page()
            log_in(page, beacon.base_url, "bob", "bob")
            page.goto(beacon.base_url + circle.get_absolute_url())
            shoot_to_the_drawing(page, OUT / f"layout-{width}-{scheme}.png")
            context.close()
    assert len(list(OUT.glob("*.png"))) >= 20


def test_take_the_token_card_and_api_docs_screenshots(beacon, chromium, make_user):
    """alice's profile token card (a new key shown, two tokens, one used) and the API docs, 1280 and 375 px,
    light and dark: ``python -m tests.screenshots -k token``."""
    from django.utils import timezone

    from web.api.models import ApiToken
    from web.api.tokens import create_token

    alice = make_user("alice")
    server, _ = create_token(alice, "lab server")
    ApiToken.objects.filter(pk=server.pk).update(last_used_at=timezone.now())
    OUT.mkdir(parents=True, exist_ok=True)
    for width, viewport in SIZES.items():
        for scheme in ("light", "dark"):
            context = chromium.new_context(viewport=viewport, color_scheme=scheme)
            page = context.new_page()
            log_in(page, beacon.base_url, alice.username, "alice")
            ApiToken.objects.filter(user=alice, name="laptop script").delete()
            page.goto(beacon.base_url + "/accounts/profile/")
            page.fill("#api-tokens input[name=name]", "laptop script")
            with page.expect_navigation():
                page.click("#api-tokens button[type=submit]")
            page.locator("#api-tokens").screenshot(path=OUT / f"tokens-{width}-{scheme}.png")
            page.goto(beacon.base_url + "/api/v1/docs/")
            page.wait_for_selector(".swagger-ui .opblock", timeout=20_000)
            page.screenshot(path=OUT / f"api-docs-{width}-{scheme}.png")
            page.goto(beacon.base_url + "/api/v1/redoc/")
            page.wait_for_selector("#redoc-container [data-section-id]", timeout=20_000)
            page.screenshot(path=OUT / f"api-redoc-{width}-{scheme}.png")
            context.close()
