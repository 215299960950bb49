"""A digest line's link: it reads its notifications and leads to them, only in its own reader's session."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client

from tests.support.events import graph_event
from tests.web.conftest import page_text
from web.digest.links import open_url
from web.notifications.delivery import deliver
from web.notifications.models import Notification, StreamEvent

pytestmark = pytest.mark.django_db
SITE = "https://beacon.example.org"


def notify(user, name: str, graph_id: int, actor=None) -> Notification:
    [delivered] = deliver(graph_event(actor or user, name, to=[user], graph_id=graph_id))
    return Notification.objects.get(pk=delivered.notification_id)


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def unread(user) -> list[int]:
    return sorted(Notification.objects.filter(user=user, read_at__isnull=True).values_list("pk", flat=True))


def test_her_link_reads_it_and_leads_to_its_graph(make_user, browser_for):
    alice = make_user("alice")
    from web.graphs.actions import create_graph

    graph = create_graph(alice, name="Kinase map", graph_json={"elements": []})
    first = notify(alice, "Kinase map", graph.pk, actor=make_user("bob"))
    other = notify(alice, "Yeast PPI", graph.pk + 1000)
    link = open_url(SITE, alice.pk, [first.pk], f"/graphs/{graph.pk}/")
    browser = browser_for(alice)

    response = browser.get(path_of(link))

    # then it is read (her count and her other tabs told), and she lands on the graph
    assert response.status_code == 302 and response["Location"] == f"/notifications/{first.pk}/go/"
    assert browser.get(response["Location"])["Location"] == f"/graphs/{graph.pk}/"
    assert unread(alice) == [other.pk]
    event = StreamEvent.objects.filter(user=alice).order_by("-seq").first()
    assert event.type == "notifications.read" and event.payload["ids"] == [first.pk] and event.payload["unread"] == 1


def test_signed_out_it_asks_her_to_log_in_first_and_reads_nothing(make_user):
    alice = make_user("alice")
    first = notify(alice, "Kinase map", 1)
    link = path_of(open_url(SITE, alice.pk, [first.pk], "/graphs/1/"))

    response = Client().get(link)

    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert parse_qs(urlsplit(response["Location"]).query)["next"] == [link]
    assert unread(alice) == [first.pk]  # (a mail scanner following links changes nothing)


def test_in_someone_elses_session_it_is_a_403_and_reads_nothing(make_user, browser_for):
    alice, bob = make_user("alice"), make_user("bob")
    first = notify(alice, "Kinase map", 1)
    response = browser_for(bob).get(path_of(open_url(SITE, alice.pk, [first.pk], "/graphs/1/")))
    assert response.status_code == 403
    assert "This link was mailed to another account" in page_text(response)
    assert unread(alice) == [first.pk]


def test_a_link_changed_to_name_someone_elses_notification_is_refused(make_user, browser_for):
    alice, bob = make_user("alice"), make_user("bob")
    bobs = notify(bob, "Kinase map", 1)
    # alice's own link, its signed part kept, but naming bob's notification: the signature no longer holds
    token = parse_qs(urlsplit(open_url(SITE, alice.pk, [1], "/")).query)["t"][0]
    payload, _, signature = token.rpartition(":")
    forged = re.sub(r"^[^:]+", "x", token)
    for bad in (forged, token[:-3], f"{payload}x:{signature}", ""):
        response = browser_for(alice).get("/digest/open/", {"t": bad})
        assert response.status_code == 400 and "This link does not work" in page_text(response)
    # and a link signed for bob's notification, followed in alice's session, reads nothing of his
    response = browser_for(alice).get(path_of(open_url(SITE, bob.pk, [bobs.pk], "/graphs/1/")))
    assert response.status_code == 403
    assert unread(bob) == [bobs.pk]


def test_a_bursts_link_reads_every_one_and_leads_to_the_list_of_them(make_user, browser_for):
    alice = make_user("alice")
    notes = [notify(alice, f"g{n}", n + 1) for n in range(3)]
    to = "/notifications/?target=group%3A4"
    response = browser_for(alice).get(path_of(open_url(SITE, alice.pk, [n.pk for n in notes], to)))
    assert response.status_code == 302 and response["Location"] == to
    assert unread(alice) == []


def test_a_link_whose_notification_has_gone_leads_to_the_list(make_user, browser_for):
    alice = make_user("alice")
    first = notify(alice, "Kinase map", 1)
    link = path_of(open_url(SITE, alice.pk, [first.pk], "/graphs/1/"))
    first.delete()
    response = browser_for(alice).get(link)
    assert response.status_code == 302 and response["Location"] == "/graphs/1/"


def test_a_link_is_a_get_only(make_user, browser_for):
    alice = make_user("alice")
    first = notify(alice, "Kinase map", 1)
    assert browser_for(alice).post(path_of(open_url(SITE, alice.pk, [first.pk], "/"))).status_code == 405
