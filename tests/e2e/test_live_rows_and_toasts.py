"""A toast that follows its group as it grows, and live rows in the order things happened.

Against Beacon's own processes in Debian's Chromium, as tests/e2e/test_inbox_in_a_browser.py: bob acts
(through the actions, or his events delivered as the pipeline would, in an order of the test's choosing),
alice's notifications page takes it in without a reload. Skipped, saying so, without Chromium.
"""

import re

import pytest
from playwright.sync_api import expect

from common.avatars import colour_of, initials
from tests.support.events import graph_event
from tests.support.inbox import WAIT_MS, make_lab, open_as, stored
from web.graphs.actions import create_graph, update_graph
from web.notifications.delivery import deliver, deliver_many
from web.notifications.models import Notification

pytestmark = [pytest.mark.stack, pytest.mark.usefixtures("live_db")]

# What the toasts' status region says, each time it speaks.
NEWS_WATCH = """() => {
  window.said = [];
  const news = document.getElementById('toast-news');
  if (news) new MutationObserver(() => window.said.push(news.textContent)).observe(news, {
    childList: true, characterData: true, subtree: true});
}"""


@pytest.fixture
def lab(make_user):
    return make_lab(make_user)


def test_a_toast_follows_its_group_as_bob_changes_a_graph_ten_times(beacon, chromium, lab):
    # given alice's notifications page open, and bob's graph in the group (its upload unread)
    alice, bob, lab = lab
    graph = create_graph(bob, name="Yeast PPI", group_id=lab.pk)
    stored(alice, 2)
    page = open_as(chromium, beacon, alice, "/notifications/")
    page.evaluate(NEWS_WATCH)
    assert page.locator("#toasts").get_attribute("aria-live") == "polite"

    # when bob changes it ten times, as fast as he can
    for n in range(10):
        update_graph(bob, graph.pk, description=f"take {n}")

    # then the group's row reads "(11)", in the list and in the bell
    words = f"{bob.username} changed graph “Yeast PPI” (11)"
    row = page.locator('#notification-list > li[data-count="11"]')
    expect(row.locator(":scope > form.open button")).to_have_text(words, timeout=WAIT_MS)
    expect(page.locator('#bell-list > li[data-count="11"] > form.open button')).to_have_text(words)
    # and its one toast reads the same, opening the newest of them, with bob's picture as the row has it
    toast = page.locator("#toasts .toast[data-group]")
    expect(toast.locator("form.open button")).to_have_text(words, timeout=WAIT_MS)
    # (and a screen reader names it so: the picture is decorative)
    expect(toast.locator("form.open button")).to_have_accessible_name(words)
    assert toast.count() == 1
    picture = f"avatar avatar-{colour_of(bob.username)}"
    for drawn in (toast.locator(".avatar"), row.locator(":scope > form.open .avatar")):
        assert (drawn.get_attribute("class"), drawn.get_attribute("data-initials")) == (picture, initials(bob.username))
    newest = Notification.objects.filter(user=alice).latest("id")
    assert toast.locator("form.open").get_attribute("action") == f"/notifications/{newest.pk}/open/"
    # and a screen reader hears what it grew to once the burst is over, not once per change
    expect(page.locator("#toast-news")).to_have_text(words, timeout=WAIT_MS)
    assert len(page.evaluate("window.said")) <= 2

    # when she dismisses it, and bob changes the graph once more
    toast.locator(".toast-close").click()
    expect(toast).to_have_count(0)
    update_graph(bob, graph.pk, description="take 10")

    # then a new toast tells of it, as the row does: the twelve of them
    words = f"{bob.username} changed graph “Yeast PPI” (12)"
    expect(page.locator('#notification-list > li[data-count="12"] > form.open button')).to_have_text(
        words, timeout=WAIT_MS)
    expect(toast.locator("form.open button")).to_have_text(words, timeout=WAIT_MS)
    assert toast.count() == 1
    page.context.close()


def test_rows_stay_in_the_order_bob_acted_in_whatever_order_they_arrive(beacon, chromium, lab):
    # given alice's notifications page open
    alice, bob, _ = lab
    page = open_as(chromium, beacon, alice, "/notifications/")

    # when bob acts on eight graphs one after another (the events made in that order, each stamped
    # with when it happened), and they arrive out of order: four in one answer, then four one by one
    graphs = [create_graph(bob, name=f"Burst {n}") for n in range(8)]
    events = [graph_event(bob, graph.name, verb="updated", to=[alice], graph_id=graph.pk) for graph in graphs]
    assert [e.occurred_at for e in events] == sorted(set(e.occurred_at for e in events))
    deliver_many([events[7], events[5], events[6], events[4]])
    for n in (3, 1, 2, 0):
        deliver(events[n])

    # then the list and the bell show them newest first, as bob made them, above what came before
    bursts = [re.compile(f"“Burst {n}”") for n in reversed(range(8))]
    expect(page.locator("#notification-list > li > form.open button")).to_have_text(
        bursts + [re.compile("You created group")], timeout=WAIT_MS)
    # (the bell leaves her own actions out: web/notifications/bell.py)
    expect(page.locator("#bell-list > li > form.open button")).to_have_text(bursts, timeout=WAIT_MS)
    page.context.close()
