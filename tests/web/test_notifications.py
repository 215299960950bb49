import re
from urllib.parse import parse_qs

import pytest
from django.utils.html import escape

from tests.support.events import graph_event
from tests.web.conftest import page_text
from web.graphs.actions import create_graph
from web.groups.actions import create_group
from web.notifications.delivery import deliver
from web.notifications.models import Notice, Notification

pytestmark = pytest.mark.django_db


def notify(user, name="Kinase map", *, kind="watching", actor=None, group=None) -> Notification:
    """Deliver one event about graph ``name`` to ``user``, as the consumer would.

    "watching" by default: it arrives unread, as an owner one (your own action) does not.
    """
    event = graph_event(actor or user, name, kind=kind, group=group, to=None if kind == "owner" else [user])
    [delivered] = deliver(event)
    return Notification.objects.get(pk=delivered.notification_id)


def the_list(html: str) -> str:
    """The page's list, not the header's bell, which shows the newest groups too."""
    return html.split('id="notification-list"', 1)[1]


def shown_ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'<li class="notification[^"]*" data-id="(\d+)"', the_list(html))]


def unread_ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'<li class="notification[^"]*\bunread" data-id="(\d+)"', the_list(html))]


def older_link(html: str) -> dict | None:
    match = re.search(r'<a href="/notifications/\?([^"]+)" id="older-page">', html)
    return {k: v[0] for k, v in parse_qs(match.group(1).replace("&amp;", "&")).items()} if match else None


def test_the_list_shows_each_notification_newest_first_with_its_reasons(make_user, browser_for):
    # given alice told of her own upload, then of bob's graph in Lab
    alice, bob = make_user("alice"), make_user("bob")
    lab = create_group(alice, name="Lab")
    own = notify(alice, "Mine", kind="owner")
    bobs = notify(alice, "Kinase map", kind="group", actor=bob, group=lab)

    # when she opens her notifications
    html = page_text(browser_for(alice).get("/notifications/"))

    # then the newest is first, with its text, kind, actor, time, and why she was told
    assert shown_ids(html) == [bobs.pk, own.pk]
    assert escape(f"{bob.username} created graph “Kinase map”, shared with “Lab”.") in html
    assert f"Your groups · {bob.username} · <time" in html
    assert "(member of Lab)" in html and "(you did this)" in html


def test_html_in_a_graph_name_is_shown_as_text(make_user, browser_for):
    alice = make_user("alice")
    notify(alice, "<img src=x onerror=alert(1)>", kind="owner")

    html = page_text(browser_for(alice).get("/notifications/"))

    assert "You created graph “&lt;img src=x onerror=alert(1)&gt;”." in html
    assert "<img src=x" not in html


def test_paging_by_cursor_brings_the_next_fifty_without_repeats(make_user, browser_for):
    # given alice with 120 notifications
    alice = make_user("alice")
    ids = [notify(alice, f"graph {n}").pk for n in range(120)]
    browser = browser_for(alice)

    # when she follows "Older" to the end
    pages, url = [], "/notifications/"
    while url:
        html = page_text(browser.get(url))
        pages.append(shown_ids(html))
        older = older_link(html)
        url = f"/notifications/?before={older['before']}" if older else None

    # then she saw 50, 50 and 20, newest first, each once
    assert [len(page) for page in pages] == [50, 50, 20]
    assert [i for page in pages for i in page] == sorted(ids, reverse=True)


def test_filters_combine_and_stay_in_the_older_link(make_user, browser_for):
    # given alice told of 55 kinase graphs by bob in Lab, and of other things
    alice, bob = make_user("alice"), make_user("bob")
    lab = create_group(alice, name="Lab")
    kinase = [notify(alice, f"Kinase {n}", kind="group", actor=bob, group=lab).pk for n in range(55)]
    notify(alice, "Kinase of her own")  # owner kind: filtered out by kind
    notify(alice, "Phosphatase", kind="group", actor=bob, group=lab)  # filtered out by words
    Notification.objects.filter(pk=kinase[0]).update(read_at="2026-01-01T00:00Z")  # filtered out by state
    browser = browser_for(alice)

    # when she asks for unread group notifications about kinases
    html = page_text(browser.get("/notifications/?state=unread&kind=group&q=kinase"))

    # then she sees the newest 50 of those, and "Older" keeps her filters
    assert shown_ids(html) == sorted(kinase[1:], reverse=True)[:50]
    older = older_link(html)
    assert older == {"state": "unread", "kind": "group", "q": "kinase", "before": str(shown_ids(html)[-1])}
    # and the form shows the filter she chose
    assert '<option value="group" selected>' in html and 'value="kinase"' in html

    # when she follows it
    html = page_text(browser.get("/notifications/?" + "&".join(f"{k}={v}" for k, v in older.items())))

    # then she sees the other four, and no further link
    assert shown_ids(html) == sorted(kinase[1:], reverse=True)[50:]
    assert older_link(html) is None


def test_a_target_filter_shows_only_what_is_about_it(make_user, browser_for):
    alice = make_user("alice")
    lab = create_group(alice, name="Lab")
    about_graph = notify(alice, "Kinase map")  # graph_event targets graph 1

    html = page_text(browser_for(alice).get(f"/notifications/?target=group:{lab.pk}"))
    assert shown_ids(html) == [] and "Only what is about group" in html

    html = page_text(browser_for(alice).get("/notifications/?target=graph:1"))
    assert shown_ids(html) == [about_graph.pk]


@pytest.mark.parametrize("query, message", [
    ("state=maybe", "state: must be one of all, unread, read"),
    ("kind=everything", "kind: must be one of owner, group, watching"),
    ("target=graph:x", "target: must be graph:&lt;id&gt;, layout:&lt;id&gt; or group:&lt;id&gt;"),
    ("before=-3", "before: must be a positive whole number"),
])
def test_a_bad_filter_value_is_refused_with_the_reason(make_user, browser_for, query, message):
    alice = make_user("alice")
    notify(alice)

    response = browser_for(alice).get(f"/notifications/?{query}")

    assert response.status_code == 400
    assert message in page_text(response)
    assert shown_ids(page_text(response)) == []


def test_marking_one_read_and_unread_returns_to_the_same_list(make_user, browser_for):
    # given alice with two unread notifications, looking at her unread ones
    alice = make_user("alice")
    first, second = notify(alice, "one"), notify(alice, "two")
    browser = browser_for(alice)
    here = "/notifications/?state=unread&q=one"

    # when she marks one read from that list
    response = browser.post(f"/notifications/{first.pk}/read/", {"next": here})

    # then she is back on the same list, which no longer shows it, and her count is down
    assert response["Location"] == here
    assert shown_ids(page_text(browser.get(here))) == []
    html = page_text(browser.get("/notifications/"))
    assert unread_ids(html) == [second.pk]
    assert 'id="unread-count" data-count="1"' in html

    # when she marks it unread again
    browser.post(f"/notifications/{first.pk}/unread/", {"next": here})

    # then it is unread again
    assert unread_ids(page_text(browser.get("/notifications/"))) == [second.pk, first.pk]


def test_someone_elses_notification_is_not_found(make_user, browser_for):
    alice, bob = make_user("alice"), make_user("bob")
    hers = notify(alice)

    for action in ("read", "unread", "open"):
        assert browser_for(bob).post(f"/notifications/{hers.pk}/{action}/").status_code == 404
    assert Notification.objects.get(pk=hers.pk).read_at is None


def test_next_leads_only_back_to_the_notifications_page(make_user, browser_for):
    alice = make_user("alice")
    n = notify(alice)
    browser = browser_for(alice)

    for elsewhere in ("https://evil.example/notifications/", "//evil.example/notifications/", "/graphs/1/",
                      "/notifications/\\evil"):
        response = browser.post(f"/notifications/{n.pk}/unread/", {"next": elsewhere})
        assert response["Location"] == "/notifications/"


def test_mark_all_read(make_user, browser_for):
    alice = make_user("alice")
    for name in ("one", "two", "three"):
        notify(alice, name)
    browser = browser_for(alice)

    response = browser.post("/notifications/read-all/", {"next": "/notifications/"}, follow=True)

    html = page_text(response)
    assert "Marked 3 notifications read." in html
    assert unread_ids(html) == [] and len(shown_ids(html)) == 3
    assert 'id="unread-count" data-count="0"' in html


def test_mark_all_matching_read_leaves_the_rest(make_user, browser_for):
    # given alice with group and owner notifications
    alice, bob = make_user("alice"), make_user("bob")
    lab = create_group(alice, name="Lab")
    group_ones = [notify(alice, f"Kinase {n}", kind="group", actor=bob, group=lab).pk for n in range(2)]
    own = notify(alice, "Mine")
    browser = browser_for(alice)
    here = "/notifications/?kind=group"
    assert "Mark all matching read" in page_text(browser.get(here))
    assert "Mark all matching read" not in page_text(browser.get("/notifications/"))

    # when she marks all matching the group filter read
    response = browser.post("/notifications/read-all/", {"kind": "group", "next": here})

    # then only those are read, and she is back on the filtered list
    assert response["Location"] == here
    assert unread_ids(page_text(browser.get("/notifications/"))) == [own.pk]
    assert Notification.objects.filter(pk__in=group_ones, read_at__isnull=False).count() == 2


def test_opening_a_notification_marks_it_read_and_goes_to_its_link(make_user, browser_for):
    alice = make_user("alice")
    graph = create_graph(alice, name="Kinase map")
    [delivered] = deliver(graph_event(alice, graph.name, graph_id=graph.pk))
    n = Notification.objects.get(pk=delivered.notification_id)
    browser = browser_for(alice)
    assert f'action="/notifications/{n.pk}/open/"' in page_text(browser.get("/notifications/"))

    response = browser.post(f"/notifications/{n.pk}/open/", {"next": "/notifications/"})

    assert response.status_code == 302 and response["Location"] == f"/graphs/{graph.pk}/"
    assert unread_ids(page_text(browser.get("/notifications/"))) == []


def test_opening_one_whose_target_is_gone_says_so_with_the_way_back(make_user, browser_for):
    alice = make_user("alice")
    n = notify(alice)
    Notice.objects.filter(pk=n.notice_id).update(link="")  # as for a deleted graph
    browser = browser_for(alice)

    response = browser.post(f"/notifications/{n.pk}/open/", {"next": "/notifications/?state=unread"}, follow=True)

    assert response.redirect_chain == [
        (f"/notifications/{n.pk}/unavailable/?back=%2Fnotifications%2F%3Fstate%3Dunread", 302)]
    assert response.status_code == 404
    html = page_text(response)
    assert "You can no longer see this graph" in html
    assert 'href="/notifications/?state=unread" id="back-to-notifications"' in html
    assert unread_ids(page_text(browser.get("/notifications/"))) == []


def test_only_the_newest_unfiltered_page_takes_live_insertions(make_user, browser_for):
    alice = make_user("alice")
    for n in range(51):
        notify(alice, f"graph {n}")
    browser = browser_for(alice)

    def list_tag(url):
        return re.search(r'<ul class="plain" id="notification-list"[^>]*>', page_text(browser.get(url))).group(0)

    assert 'data-live-insert="1"' in list_tag("/notifications/")
    assert 'data-live-insert="1" data-kind="group"' in list_tag("/notifications/?kind=group&state=unread")
    older = older_link(page_text(browser.get("/notifications/")))
    assert "data-live-insert" not in list_tag(f"/notifications/?before={older['before']}")
    assert "data-live-insert" not in list_tag("/notifications/?q=kinase")
    assert "data-live-insert" not in list_tag("/notifications/?state=read")
    assert "data-live-insert" not in list_tag("/notifications/?target=graph:1")
