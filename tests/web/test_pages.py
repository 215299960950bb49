"""What the pages say around the notifications: the kinds' names, the target filter,
the page for a notification you can no longer open, the title, the icon and the
empty lists. (Layout and colours in a real browser: tests/e2e/test_pages_in_a_browser.py.)
"""

import html as html_lib
import re

import pytest

from tests.support.events import graph_event
from tests.web.conftest import page_text
from web.graphs.actions import create_graph, create_layout, share_graph, unshare_graph
from web.groups.actions import add_member, create_group
from web.kinds import Kind
from web.notifications.delivery import deliver
from web.notifications.models import Notification

pytestmark = pytest.mark.django_db


def tell(user, graph, *, kind="owner", actor=None, group=None) -> Notification:
    """Deliver to ``user`` one event about ``graph`` (a real one), as the consumer would."""
    event = graph_event(actor or user, graph.name, kind=kind, group=group, graph_id=graph.pk,
                        to=None if kind == "owner" else [user])
    [delivered] = deliver(event)
    return Notification.objects.get(pk=delivered.notification_id)


def text_of(fragment: str) -> str:
    """The words a screen reader says: tags and what is aria-hidden left out."""
    fragment = re.sub(r'<(\w+)[^>]*aria-hidden="true"[^>]*>.*?</\1>', "", fragment, flags=re.S)
    return html_lib.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", fragment))).strip()


def title(html: str) -> str:
    return text_of(re.search(r"<title>(.*?)</title>", html, re.S).group(1))


def icon(html: str) -> str:
    return re.search(r'<link rel="icon"[^>]*\shref="([^"]+)"', html, re.S).group(1)


# --- one name per kind ----------------------------------------------------------------


def test_the_filter_and_the_preferences_call_the_kinds_by_the_same_names(make_user, browser_for):
    # given alice
    browser = browser_for(make_user("alice"))

    # when she reads the kind filter of her notifications and the rows of her preferences
    select = re.search(r'<select name="kind"[^>]*>(.*?)</select>', page_text(browser.get("/notifications/")), re.S)
    in_filter = [text_of(o) for o in re.findall(r"<option[^>]*>(.*?)</option>", select.group(1))]
    table = re.search(r'<table class="prefs">(.*?)</table>', page_text(browser.get("/accounts/profile/")), re.S)
    in_preferences = [text_of(row) for row in re.findall(r"<tr><th scope=\"row\">(.*?)</th>", table.group(1))]

    # then both say the same words, in the same order
    assert in_filter == ["Any kind", "Your own actions", "Your groups", "What you watch"]
    assert in_preferences == in_filter[1:] == Kind.labels


def test_each_row_names_its_kind_with_those_words(make_user, browser_for):
    alice, bob = make_user("alice"), make_user("bob")
    lab = create_group(alice, name="Lab")
    tell(alice, create_graph(bob, name="Kinase map"), kind="group", actor=bob, group=lab)

    html = page_text(browser_for(alice).get("/notifications/"))

    assert f"Your groups · {bob.username} · <time" in html


# --- the target filter names its target ---------------------------------------------------


def test_the_target_filter_names_the_graph_the_layout_and_the_group(make_user, browser_for):
    # given alice's graph with a layout, and her group
    alice = make_user("alice")
    graph = create_graph(alice, name="Kinase <map>")
    layout = create_layout(alice, graph.pk, name="Spring")
    lab = create_group(alice, name="Lab")
    browser = browser_for(alice)

    def about(target):
        html = page_text(browser.get(f"/notifications/?target={target}"))
        return text_of(re.search(r'id="filter-target">(.*?)·', html, re.S).group(1))

    # then each filter says what it is about by name, markup kept as text
    assert about(f"graph:{graph.pk}") == "Only what is about graph “Kinase <map>”"
    assert about(f"layout:{layout.pk}") == "Only what is about layout “Spring” of graph “Kinase <map>”"
    assert about(f"group:{lab.pk}") == "Only what is about group “Lab”"
    assert "Kinase <map>" not in page_text(browser.get(f"/notifications/?target=graph:{graph.pk}"))


def test_a_target_she_can_no_longer_see_is_named_as_she_was_told_it(make_user, browser_for):
    # given bob's graph, once shared with alice's group and she told of it, unshared since
    alice, bob = make_user("alice"), make_user("bob")
    lab = create_group(bob, name="Lab")
    add_member(bob, lab.pk, alice.username)
    graph = create_graph(bob, name="Kinase map", group_id=lab.pk)
    tell(alice, graph, kind="group", actor=bob, group=lab)
    unshare_graph(bob, graph.pk, lab.pk)
    browser = browser_for(alice)

    # then the filter still names it, as her notification did
    assert "Only what is about graph “Kinase map”" in page_text(browser.get(f"/notifications/?target=graph:{graph.pk}"))
    # and a graph she was never told of is only a number, its name not given away
    secret = create_graph(bob, name="Secret")
    html = page_text(browser.get(f"/notifications/?target=graph:{secret.pk}"))
    assert f"Only what is about graph {secret.pk}" in html and "Secret" not in html


# --- a notification she can no longer open ------------------------------------------------


def test_opening_a_notification_about_a_graph_unshared_since_says_so(make_user, browser_for):
    # given alice told of bob's graph in their group, which bob has unshared since
    alice, bob = make_user("alice"), make_user("bob")
    lab = create_group(bob, name="Lab")
    add_member(bob, lab.pk, alice.username)
    graph = create_graph(bob, name="Kinase map", group_id=lab.pk)
    n = tell(alice, graph, kind="group", actor=bob, group=lab)
    unshare_graph(bob, graph.pk, lab.pk)
    browser = browser_for(alice)

    # when she opens it
    response = browser.post(f"/notifications/{n.pk}/open/", {"next": "/notifications/"}, follow=True)

    # then a Beacon page says she can no longer see it, with the way back, and it is read
    assert response.status_code == 404
    html = page_text(response)
    assert title(html) == "No longer available · Beacon"
    assert "You can no longer see this graph" in html
    assert "Graph “Kinase map” has been deleted, or is no longer shared with you." in text_of(html)
    assert 'href="/notifications/" id="back-to-notifications"' in html
    assert 'class="site-header"' in html
    assert Notification.objects.get(pk=n.pk).read_at is not None

    # and once it is shared again, the same notification leads to the graph
    share_graph(bob, graph.pk, lab.pk)
    response = browser.post(f"/notifications/{n.pk}/open/", {"next": "/notifications/"})
    assert response.status_code == 302 and response["Location"] == f"/graphs/{graph.pk}/"


def test_opening_a_notification_of_a_group_she_left_says_so(make_user, browser_for):
    alice, bob = make_user("alice"), make_user("bob")
    lab = create_group(bob, name="Lab")
    n = Notification.objects.get(pk=deliver(_group_event(bob, lab, alice))[0].notification_id)
    browser = browser_for(alice)

    html = page_text(browser.post(f"/notifications/{n.pk}/open/", {}, follow=True))

    assert "Group “Lab” has been deleted, or you are no longer one of its members." in text_of(html)


def test_someone_elses_notification_is_a_beacon_page_not_found(make_user, browser_for):
    alice, bob = make_user("alice"), make_user("bob")
    bobs = tell(bob, create_graph(bob, name="Mine"), kind="watching")  # unread: an own action arrives read
    browser = browser_for(alice)

    for response in (browser.post(f"/notifications/{bobs.pk}/open/", {}),
                     browser.get(f"/notifications/{bobs.pk}/unavailable/")):
        assert response.status_code == 404
        html = page_text(response)
        assert title(html) == "No such notification · Beacon" and "Mine" not in html
    assert Notification.objects.get(pk=bobs.pk).read_at is None


# --- the title and the icon carry the count -------------------------------------------------


def test_the_title_and_the_icon_carry_the_unread_count(make_user, browser_for):
    # given alice with three unread notifications
    alice = make_user("alice")
    graph = create_graph(alice, name="Kinase map")
    for _ in range(3):
        tell(alice, graph, kind="watching")  # not "owner": her own actions arrive read
    browser = browser_for(alice)

    # then every page's title starts with the count, and the icon has its dot
    html = page_text(browser.get("/notifications/"))
    assert title(html) == "(3) Notifications · Beacon"
    assert icon(html).endswith("/favicon-unread.svg")
    assert title(page_text(browser.get(f"/graphs/{graph.pk}/"))) == "(3) Kinase map · Beacon"

    # when she has read them all, neither says anything
    browser.post("/notifications/read-all/", {})
    html = page_text(browser.get("/notifications/"))
    assert title(html) == "Notifications · Beacon"
    assert icon(html).endswith("/favicon.svg")


# --- empty lists ------------------------------------------------------------------------------


def test_empty_lists_say_what_they_mean(make_user, browser_for):
    # given bob, new here: no graph, no group, nothing told
    browser = browser_for(make_user("bob"))

    def empty(path):
        html = page_text(browser.get(path))
        return text_of(re.search(r'<li class="empty"[^>]*>(.*?)</li>', html, re.S).group(1))

    assert empty("/notifications/").startswith("No notifications yet")
    assert empty("/notifications/?state=unread") == "You’re all caught up Nothing unread."
    assert empty("/notifications/?state=unread&kind=group") \
        == "You’re all caught up Nothing unread matches these filters."
    assert empty("/notifications/?q=yeast").startswith("Nothing matches")
    assert empty("/").startswith("No graphs yet")
    assert empty("/groups/").startswith("You are in no group yet.")


# --- what the site serves itself ---------------------------------------------------------------


def test_the_stylesheet_and_icons_are_served_with_debug_off(client, settings):
    assert settings.DEBUG is False
    css = client.get("/static/beacon/beacon.css")
    assert css.status_code == 200 and css["Content-Type"].startswith("text/css")
    assert b"prefers-color-scheme: dark" in b"".join(css.streaming_content)
    for path, kind in (("/static/beacon/favicon.svg", "image/svg+xml"),
                       ("/static/beacon/favicon-unread.svg", "image/svg+xml"), ("/favicon.ico", "image/")):
        response = client.get(path)
        assert response.status_code == 200 and response["Content-Type"].startswith(kind), path


def test_production_serves_collected_files_under_hashed_names(client, settings, tmp_path):
    # given production's storage, and collectstatic run as a deploy runs it
    from django.core.management import call_command

    settings.STATIC_ROOT = str(tmp_path)
    settings.STORAGES = {**settings.STORAGES,
                         "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}}
    settings.WHITENOISE_USE_FINDERS = False
    call_command("collectstatic", interactive=False, verbosity=0,
                 ignore_patterns=["drf_spectacular_sidecar", "rest_framework"])

    # when a page is rendered
    html = page_text(client.get("/accounts/login/"))

    # then it names the stylesheet by a hashed name, served for a year
    href = re.search(r'<link rel="stylesheet" href="([^"]+)"', html).group(1)
    assert re.fullmatch(r"/static/beacon/beacon\.[0-9a-f]{12}\.css", href)
    css = client.get(href)
    assert css.status_code == 200 and css["Content-Type"].startswith("text/css")
    assert "immutable" in css["Cache-Control"]


def _group_event(actor, group, member):
    """bob added alice to Lab, then (not told) removed her: her notification leads to a group she is not in."""
    from web.notifications.events import Target, new_event

    return new_event(action_id=f"00000000-0000-4000-8000-{group.pk:012d}", kind="group", verb="added", actor=actor,
                     target=Target("group", group.pk, group.name, f"/groups/{group.pk}/"),
                     recipients=[{"user": member.pk, "reasons": [
                         {"kind": "group", "group": {"id": group.pk, "name": group.name}, "about_you": True}]}],
                     group=group, member=member)
