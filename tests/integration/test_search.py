"""Searching notifications: a user's own words only, newest first, however rare the word."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.support.events import graph_event
from web.notifications import queries
from web.notifications.delivery import deliver
from web.notifications.queries import NotificationFilter, page_of

pytestmark = pytest.mark.django_db


def texts(page):
    return [n.target_name for n in page.notifications]


def test_a_search_finds_only_the_users_own_notifications(make_user):
    # given alice told of "Kinase map" and bob of nothing like it
    alice, bob = make_user("alice"), make_user("bob")
    deliver(graph_event(alice, "Kinase map"))
    deliver(graph_event(bob, "Pathways"))
    # then alice finds it by a word or the start of one, bob by neither
    assert texts(page_of(alice, NotificationFilter(q="kinase"))) == ["Kinase map"]
    assert texts(page_of(alice, NotificationFilter(q="KIN ma"))) == ["Kinase map"]
    assert texts(page_of(bob, NotificationFilter(q="kinase"))) == []
    assert texts(page_of(alice, NotificationFilter(q="kinase pathways"))) == []


@pytest.mark.parametrize("rare_in_table", [0, 2000], ids=["walking her rows", "through the notices"])
def test_a_word_only_in_old_notifications_is_found_beyond_the_newest_ones(make_user, monkeypatch, rare_in_table):
    # given the word only in alice's 3 oldest of 20, found either way a search goes
    monkeypatch.setattr(queries, "RARE_IN_TABLE", rare_in_table)
    alice = make_user("alice")
    for n in range(20):
        deliver(graph_event(alice, f"rare {n}" if n < 3 else f"common {n}"))
    # when she searches two at a time
    first = page_of(alice, NotificationFilter(q="rare"), limit=2)
    second = page_of(alice, NotificationFilter(q="rare"), before=first.next_before, limit=2)
    # then she gets all three, newest first, and the paging ends
    assert texts(first) + texts(second) == ["rare 2", "rare 1", "rare 0"]
    assert second.next_before is None


def test_a_word_common_for_others_and_absent_for_the_user_is_found_for_neither_wrongly(make_user, monkeypatch):
    # given alice with 30 notifications and the word in 2 of her oldest, and bob with the word in all of his
    monkeypatch.setattr(queries, "RARE_IN_TABLE", 10)  # bob's 30 make the word common in the table
    alice, bob = make_user("alice"), make_user("bob")
    for n in range(30):
        deliver(graph_event(alice, f"journal club {n}" if n in (1, 4) else f"kinase map {n}"))
        deliver(graph_event(bob, f"journal club {n}"))
    # then her search walking her rows finds exactly her two, newest first, by the word or its start
    for q in ("journal", "JOUR", "club journal"):
        assert texts(page_of(alice, NotificationFilter(q=q))) == ["journal club 4", "journal club 1"], q
    # and a word nobody has finds nothing, one in her rows only past a short prefix too
    assert texts(page_of(alice, NotificationFilter(q="jazz"))) == []
    assert texts(page_of(alice, NotificationFilter(q="jo club"))) == ["journal club 4", "journal club 1"]
    assert len(page_of(bob, NotificationFilter(q="journal")).notifications) == 30


def test_a_word_rare_in_the_whole_table_is_found_through_its_notices(make_user, monkeypatch):
    # given a word in 2 of alice's 20 notifications and one of bob's
    alice, bob = make_user("alice"), make_user("bob")
    deliver(graph_event(bob, "victor157 map"))
    for n in range(20):
        deliver(graph_event(alice, f"victor157 map {n}" if n in (2, 9) else f"victor map {n}"))
    # then her search finds her two, newest first, and not bob's
    assert texts(page_of(alice, NotificationFilter(q="victor157"))) == ["victor157 map 9", "victor157 map 2"]
    assert texts(page_of(alice, NotificationFilter(q="victor1"))) == ["victor157 map 9", "victor157 map 2"]


def test_a_walk_of_the_users_rows_is_one_query_however_far_it_goes(make_user, monkeypatch):
    # given a word common in the table (the walk, not the notices), in alice's newest 3 and oldest 2 of 30
    monkeypatch.setattr(queries, "RARE_IN_TABLE", 0)
    alice = make_user("alice")
    for n in range(30):
        deliver(graph_event(alice, f"common {n}" if n < 2 or n >= 27 else f"other {n}"))
    with CaptureQueriesContext(connection) as ran:
        page = page_of(alice, NotificationFilter(q="common"), limit=4)
    assert texts(page) == ["common 29", "common 28", "common 27", "common 1"]
    # one walk to the fourth, then the page's rows: nothing else reads notifications
    assert len([q for q in ran.captured_queries if "notifications_notification" in q["sql"]]) == 2


@pytest.mark.parametrize("rare_in_table", [0, 2000], ids=["common in the table", "rare in the table"])
def test_a_word_shorter_than_the_signature_prefix_is_still_found(make_user, monkeypatch, rare_in_table):
    # given words of one and two letters, which no signature narrows
    monkeypatch.setattr(queries, "RARE_IN_TABLE", rare_in_table)
    alice, bob = make_user("alice"), make_user("bob")
    deliver(graph_event(alice, "v8 x map"))
    deliver(graph_event(alice, "kinase"))
    deliver(graph_event(bob, "v8 x map"))
    # then each finds her one, and a short start finds it too
    for q in ("v8", "x", "V", "ma v"):
        assert texts(page_of(alice, NotificationFilter(q=q))) == ["v8 x map"], q
    assert texts(page_of(alice, NotificationFilter(q="zz"))) == []


def test_words_in_any_script_and_between_punctuation_are_found(make_user):
    # given a graph named with letters beyond ASCII, an underscore and curly quotes
    alice = make_user("alice")
    deliver(graph_event(alice, "Müller’s naïve p53_signal “draft”"))
    # then each word finds it, whatever the database's locale
    for word in ("müller", "naïve", "signal", "p53", "draft", "MÜLL"):
        assert texts(page_of(alice, NotificationFilter(q=word))) == ["Müller’s naïve p53_signal “draft”"], word
