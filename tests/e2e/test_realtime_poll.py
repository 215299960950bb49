"""The long-poll endpoint as a client sees it, through the router."""

import threading

import pytest

from tests.support.events import graph_event
from tests.support.operator import operator_headers
from tests.support.waiting import wait_for
from web.notifications.delivery import deliver
from web.notifications.models import StreamEvent

pytestmark = [pytest.mark.stack, pytest.mark.usefixtures("live_db")]


@pytest.fixture
def logged_in(beacon, make_user):
    def log_in(name):
        user = make_user(name)
        browser = beacon.browser()
        browser.log_in(user.username, name)
        return user, browser

    return log_in


def test_without_a_session_the_poll_is_refused_with_401(beacon):
    answer = beacon.browser().poll(0)
    assert answer.status == 401
    assert answer.json() == {"error": "unauthenticated", "detail": "log in to receive notifications"}


def test_a_malformed_cursor_is_a_400_that_says_why(logged_in):
    _, browser = logged_in("alice")
    answer = browser.poll("abc")
    assert answer.status == 400
    assert answer.json()["detail"] == "cursor must be a non-negative integer, as returned by the last answer"


def test_without_a_cursor_the_current_state_comes_at_once(logged_in):
    alice, browser = logged_in("alice")
    deliver(graph_event(alice, "first"))
    assert browser.poll().json() == {"cursor": 1, "unread": 1, "events": []}


def test_a_cursor_never_reached_gets_an_explicit_reset(logged_in):
    alice, browser = logged_in("alice")
    deliver(graph_event(alice, "first"))
    assert browser.poll(7).json() == {"reset": True, "cursor": 1, "unread": 1}


def test_a_client_away_for_many_events_catches_up_in_order(logged_in):
    # given 250 events while alice was away (one answer carries at most 200)
    alice, browser = logged_in("alice")
    for n in range(250):
        deliver(graph_event(alice, f"graph {n}"))

    # when she polls from her old cursor, and again from the cursor she got
    first = browser.poll(0).json()
    second = browser.poll(first["cursor"]).json()

    # then every event arrives once, in order, with counts that match
    seqs = [e["seq"] for e in first["events"] + second["events"]]
    assert seqs == list(range(1, 251))
    assert (first["cursor"], first["unread"]) == (200, 200)
    assert (second["cursor"], second["unread"]) == (250, 250)


def test_a_held_poll_answers_when_the_users_event_arrives(logged_in):
    alice, browser = logged_in("alice")
    deliver(graph_event(alice, "before"))
    answers = []
    poller = threading.Thread(target=lambda: answers.append(browser.poll(1).json()))
    poller.start()
    wait_for(lambda: _held(browser) >= 1, message="alice's poll held")
    deliver(graph_event(alice, "while waiting"))
    poller.join(timeout=40)

    [answer] = answers
    assert [e["notification"]["target"]["name"] for e in answer["events"]] == ["while waiting"]
    assert (answer["cursor"], answer["unread"]) == (2, 2)


def test_one_users_events_never_reach_another(logged_in):
    alice, alices_browser = logged_in("alice")
    bob, bobs_browser = logged_in("bob")
    for n in range(3):
        deliver(graph_event(alice, f"alice's {n}"))

    bobs_answer = bobs_browser.poll(0, timeout=1).json()

    assert bobs_answer == {"cursor": 0, "unread": 0, "events": []}
    # even with a cursor that is valid for alice's stream
    assert bobs_browser.poll(2).json() == {"reset": True, "cursor": 0, "unread": 0}
    assert len(alices_browser.poll(0).json()["events"]) == 3
    assert StreamEvent.objects.filter(user=bob).count() == 0


def _held(browser) -> int:
    return browser.get("/realtime/healthz", headers=operator_headers()).json()["held_polls"]


def test_a_stopping_realtime_process_answers_its_held_polls_at_once(beacon, make_user, tmp_path):
    # given a realtime process of its own, holding alice's poll
    from tests.support.stack import ProcfileStack, free_port

    alice = make_user("alice")
    deliver(graph_event(alice, "first"))
    port = free_port()
    realtime = ProcfileStack(["realtime"], {**beacon.processes.env, "REALTIME_PORT": str(port)}, tmp_path)
    realtime.start()
    try:
        browser = beacon.browser()
        browser.log_in(alice.username, "alice")
        direct = browser.at(f"http://127.0.0.1:{port}")
        wait_for(lambda: _answers(direct), timeout=60, message="the second realtime process")
        answers = []
        poller = threading.Thread(target=lambda: answers.append(direct.poll(1)))
        poller.start()
        wait_for(lambda: _held(direct) >= 1, message="alice's poll held")

        # when the process is told to stop
        realtime.procs["realtime"].terminate()

        # then the poll is answered with nothing new and the same cursor, ending its connection
        # (the next poll goes to another process), and the process exits
        poller.join(timeout=10)
        assert not poller.is_alive(), "the held poll was not answered within 10 s of SIGTERM"
        assert answers[0].status == 200
        assert answers[0].json() == {"cursor": 1, "unread": 1, "events": []}
        assert answers[0].headers.get("Connection") == "close"
        assert realtime.procs["realtime"].wait(timeout=10) == 0
    finally:
        realtime.stop()


def _answers(browser) -> bool:
    try:
        return browser.get("/realtime/healthz", timeout=2).status == 200
    except OSError:
        return False
