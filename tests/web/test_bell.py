"""The header's bell, as the server renders its dropdown on every page: what needs you first.

Unread groups above read ones, newest first within each; the user's own actions ("You uploaded…")
left out unless they ask for them; and a way to all of them.
"""

import re

import pytest

from tests.support.events import graph_event
from tests.web.conftest import page_text
from web.notifications.actions import mark_read
from web.notifications.delivery import deliver
from web.notifications.models import Notification

pytestmark = pytest.mark.django_db

_graph_ids = iter(range(1000, 100_000))


def told(user, name: str, *, by=None, read: bool = False) -> Notification:
    """``user`` told of graph ``name``: by ``by`` (watching it, unread), or, without ``by``, as its uploader (read).

    Each about a graph of its own, so that each is a row of its own.
    """
    event = graph_event(by or user, name, kind="watching" if by else "owner", to=[user] if by else None,
                        graph_id=next(_graph_ids))
    [delivered] = deliver(event)
    notification = Notification.objects.get(pk=delivered.notification_id)
    if read and notification.read_at is None:
        mark_read(user, notification.pk)
    return notification


def the_bell(html: str) -> str:
    return html.split('id="bell-list"', 1)[1].split('class="bell-foot"', 1)[0]


def bell_rows(html: str) -> list[tuple[str, int]]:
    """Each row of the dropdown as (``"unread"`` or ``"read"``, the id of its newest notification), in order."""
    return [("unread" if unread else "read", int(newest)) for unread, newest in
            re.findall(r'<li class="notification group( unread)?"[^>]*data-newest="(\d+)"', the_bell(html))]


def bell_foot(html: str) -> str:
    return html.split('class="bell-foot"', 1)[1].split("</div>", 1)[0]


def test_unread_ones_come_first_then_read_ones_each_newest_first(make_user, browser_for):
    # given alice told by bob of four graphs, the second and the newest of them read
    alice, bob = make_user("alice"), make_user("bob")
    first = told(alice, "First", by=bob)
    second = told(alice, "Second", by=bob, read=True)
    third = told(alice, "Third", by=bob)
    fourth = told(alice, "Fourth", by=bob, read=True)

    # when she opens any page
    html = page_text(browser_for(alice).get("/"))

    # then her bell has the two unread above the two read, newest first within each
    assert bell_rows(html) == [("unread", third.pk), ("unread", first.pk), ("read", fourth.pk), ("read", second.pk)]


def test_an_unread_one_older_than_many_read_ones_still_comes_first(make_user, browser_for):
    # given one unread from bob, then sixty more of his that she has read
    alice, bob = make_user("alice"), make_user("bob")
    waiting = told(alice, "Waiting", by=bob)
    for n in range(60):
        told(alice, f"Read {n}", by=bob, read=True)

    # when she opens a page
    html = page_text(browser_for(alice).get("/"))

    # then the one that still needs her is at the top of the bell, and ten rows in all
    rows = bell_rows(html)
    assert rows[0] == ("unread", waiting.pk) and len(rows) == 10


def test_her_own_actions_stay_out_of_the_bell_but_not_out_of_her_list(make_user, browser_for):
    # given three unread from bob, then five uploads of alice's own (read: "You uploaded…")
    alice, bob = make_user("alice"), make_user("bob")
    bobs = [told(alice, f"Bob's {n}", by=bob) for n in range(3)]
    own = [told(alice, f"Mine {n}") for n in range(5)]
    assert all(n.kind == "owner" and n.read_at for n in own)

    # when she opens her notifications page
    html = page_text(browser_for(alice).get("/notifications/"))

    # then the bell shows bob's three only, and none of her uploads
    assert bell_rows(html) == [("unread", n.pk) for n in reversed(bobs)]
    assert "You created" not in the_bell(html)
    # and her list still has all eight
    listed = html.split('id="notification-list"', 1)[1]
    assert all(f'data-id="{n.pk}"' in listed for n in [*bobs, *own])


def test_show_my_own_actions_brings_them_in_below_the_unread_and_hide_takes_them_out(make_user, browser_for):
    # given one unread from bob, then an upload of alice's own
    alice, bob = make_user("alice"), make_user("bob")
    bobs = told(alice, "Bob's", by=bob)
    mine = told(alice, "Mine")
    browser = browser_for(alice, csrf=False)

    # when she asks, from her home page, for her own actions in the bell
    response = browser.post("/notifications/bell/own-actions/", {"show": "1", "next": "/groups/"})

    # then she is back on that page, and her bell has her upload, read, below bob's, and offers to hide it
    assert response.status_code == 302 and response["Location"] == "/groups/"
    html = page_text(browser.get("/"))
    assert bell_rows(html) == [("unread", bobs.pk), ("read", mine.pk)]
    assert "You created graph" in the_bell(html)
    assert 'data-own-actions="shown"' in html and ">Hide my own actions</button>" in bell_foot(html)

    # and it is remembered from page to page, until she hides them again
    assert bell_rows(page_text(browser.get("/groups/"))) == [("unread", bobs.pk), ("read", mine.pk)]
    browser.post("/notifications/bell/own-actions/", {"show": "0", "next": "/groups/"})
    html = page_text(browser.get("/groups/"))
    assert bell_rows(html) == [("unread", bobs.pk)]
    assert 'data-own-actions="hidden"' in html and ">Show my own actions</button>" in bell_foot(html)


def test_the_choice_is_a_post_that_goes_back_only_to_this_site(make_user, browser_for):
    alice = make_user("alice")
    browser = browser_for(alice)

    # a GET changes nothing
    assert browser.get("/notifications/bell/own-actions/?show=1").status_code == 405
    # and a next elsewhere leads home instead
    response = browser.post("/notifications/bell/own-actions/", {"show": "1", "next": "https://evil.example/"})
    assert response.status_code == 302 and response["Location"] == "/"


def test_the_dropdown_ends_with_see_all_and_the_own_actions_choice_as_plain_forms(make_user, browser_for):
    # given alice on her groups page
    alice = make_user("alice")

    # when it renders
    html = page_text(browser_for(alice).get("/groups/?page=2"))

    # then the dropdown's foot leads to all her notifications, and offers her own actions by a POST
    # that comes back to this very page: both work without JavaScript
    foot = bell_foot(html)
    assert '<a class="bell-all" href="/notifications/">See all<span class="visually-hidden"> notifications</span></a>' \
        in foot
    assert '<form method="post" action="/notifications/bell/own-actions/"' in foot
    assert '<input type="hidden" name="next" value="/groups/?page=2">' in foot
    assert '<input type="hidden" name="show" value="1">' in foot
    assert ">Show my own actions</button>" in foot
