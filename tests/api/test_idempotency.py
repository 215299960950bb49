"""Idempotency-Key: a client that retries a create after losing the answer gets that answer, not a second thing."""

import threading
from datetime import timedelta
from unittest import mock

import pytest
from django.db import connection
from django.utils import timezone

from tests.api.helpers import GRAPH, assert_error
from tests.support.waiting import wait_for
from web.api.idempotency import prune_idempotency_keys
from web.api.models import IdempotencyKey
from web.graphs.models import Graph, Layout, Watch
from web.groups import actions as group_actions
from web.groups.models import Group, Membership
from web.outbox.models import OutboxEvent

pytestmark = pytest.mark.django_db


def post(client, path: str, body: dict | None = None, key: str | None = "key-1"):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    return client.post(path, body, format="json", **headers)


def test_a_retried_create_gets_the_first_answer_and_creates_nothing(make_user, api_as):
    # given alice, who created a group with a key, and lost the answer
    alice = make_user("alice")
    client = api_as(alice)
    first = post(client, "/api/v1/groups/", {"name": "Lab"})
    assert first.status_code == 201 and "Idempotent-Replayed" not in first

    # when her client sends the same request with the same key
    again = post(client, "/api/v1/groups/", {"name": "Lab"})

    # then it gets the first answer, byte for byte, marked as a replay
    assert (again.status_code, again.content) == (201, first.content)
    assert again["Idempotent-Replayed"] == "true" and again["Content-Type"] == "application/json"
    # and there is one group, and one event about it
    assert list(Group.objects.filter(owner=alice).values_list("name", flat=True)) == ["Lab"]
    assert OutboxEvent.objects.count() == 1


def test_without_a_key_each_post_creates(make_user, api_as):
    client = api_as(make_user("alice"))

    post(client, "/api/v1/groups/", {"name": "Lab"}, key=None)
    post(client, "/api/v1/groups/", {"name": "Lab"}, key=None)

    assert Group.objects.count() == 2


def test_the_same_json_in_another_spelling_is_the_same_request(make_user, api_as):
    client = api_as(make_user("alice"))
    first = client.post("/api/v1/groups/", '{"name": "Lab"}', content_type="application/json",
                        HTTP_IDEMPOTENCY_KEY="k")

    again = client.post("/api/v1/groups/", '{ "name":"Lab" }', content_type="application/json",
                        HTTP_IDEMPOTENCY_KEY="k")

    assert again.content == first.content and again["Idempotent-Replayed"] == "true"
    assert Group.objects.count() == 1


def test_a_key_reused_for_another_body_or_path_is_refused(make_user, api_as):
    # given alice's group created with key-1
    client = api_as(make_user("alice"))
    post(client, "/api/v1/groups/", {"name": "Lab"})

    # when she sends key-1 with another name, or to another endpoint
    other_body = post(client, "/api/v1/groups/", {"name": "Other lab"})
    other_path = post(client, "/api/v1/graphs/", {"name": "Lab"})

    # then each is refused saying why, and nothing more is created
    detail = assert_error(other_body, 422, "idempotency_key_reused")["detail"]
    assert detail == ("this Idempotency-Key was first used for POST /api/v1/groups/ with another body; "
                      "use a new key for each new request")
    detail = assert_error(other_path, 422, "idempotency_key_reused")["detail"]
    assert detail == "this Idempotency-Key was first used for POST /api/v1/groups/; use a new key for each new request"
    assert Group.objects.count() == 1 and not Graph.objects.exists()


def test_keys_are_per_user(make_user, api_as):
    alice, bob = make_user("alice"), make_user("bob")

    post(api_as(alice), "/api/v1/groups/", {"name": "Lab"})
    answer = post(api_as(bob), "/api/v1/groups/", {"name": "Lab"})

    assert answer.status_code == 201 and "Idempotent-Replayed" not in answer
    assert answer.json()["owner"] == bob.username
    assert Group.objects.count() == 2


@pytest.mark.parametrize("key", ["", "x" * 201, "clé", "tab\there"])
def test_a_key_that_is_not_1_to_200_printable_ascii_characters_is_refused(make_user, api_as, key):
    answer = post(api_as(make_user("alice")), "/api/v1/groups/", {"name": "Lab"}, key=key)

    assert assert_error(answer, 400, "invalid")["detail"] == (
        "Idempotency-Key must be 1 to 200 printable ASCII characters")
    assert not Group.objects.exists()


def test_the_longest_key_is_taken(make_user, api_as):
    client = api_as(make_user("alice"))
    key = "~ " + "k" * 198

    assert post(client, "/api/v1/groups/", {"name": "Lab"}, key=key).status_code == 201
    assert post(client, "/api/v1/groups/", {"name": "Lab"}, key=key)["Idempotent-Replayed"] == "true"


def test_a_refused_request_is_not_kept_so_the_key_works_once_it_is_right(make_user, api_as):
    # given a create refused for its input, with a key
    client = api_as(make_user("alice"))
    assert_error(post(client, "/api/v1/groups/", {"name": ""}), 400, "invalid")

    # when the client sends it again, corrected, with the same key
    answer = post(client, "/api/v1/groups/", {"name": "Lab"})

    # then that creates the group: the refusal created nothing and was not remembered
    assert answer.status_code == 201 and "Idempotent-Replayed" not in answer
    assert Group.objects.count() == 1


def test_a_failure_while_answering_leaves_nothing_created_and_the_retry_creates_it_once(make_user, api_as):
    # given a failure after the group is written but before the answer is made
    # (a real cut connection is web/retry.py's to try again; any failure here must leave nothing behind)
    alice = make_user("alice")
    client = api_as(alice)
    with mock.patch("web.api.groups.group_data", side_effect=RuntimeError("failed while answering")):
        failed = post(client, "/api/v1/groups/", {"name": "Lab"})

    # then the 500 is the truth: nothing was created, no event, the key not taken
    assert_error(failed, 500, "server_error")
    assert not Group.objects.exists() and not OutboxEvent.objects.exists()
    assert not IdempotencyKey.objects.exists()

    # and the client's retry with the same key creates it, once
    answer = post(client, "/api/v1/groups/", {"name": "Lab"})
    assert answer.status_code == 201 and answer.json()["members"] == [alice.username]
    assert post(client, "/api/v1/groups/", {"name": "Lab"})["Idempotent-Replayed"] == "true"
    assert Group.objects.count() == 1


def creates(lab, api_as):
    """Each API POST that creates something, with how many of its things exist."""
    alice, bob, carol, group_id, graph_id = lab
    layout_id = api_as(alice).post(f"/api/v1/graphs/{graph_id}/layouts/", {"name": "Circle", "shared": True},
                                   format="json").json()["id"]
    return {
        "group": (alice, "/api/v1/groups/", {"name": "Lab 2"}, Group.objects.count),
        "member": (alice, f"/api/v1/groups/{group_id}/members/", {"username": carol.username},
                   Membership.objects.count),
        "graph": (alice, "/api/v1/graphs/", {"name": "Map", "graph_json": GRAPH, "group": group_id},
                  Graph.objects.count),
        "layout": (alice, f"/api/v1/graphs/{graph_id}/layouts/", {"name": "Ring"}, Layout.objects.count),
        "graph watch": (bob, f"/api/v1/graphs/{graph_id}/watch/", None, Watch.objects.count),
        "layout watch": (bob, f"/api/v1/layouts/{layout_id}/watch/", None, Watch.objects.count),
    }


@pytest.mark.parametrize("what", ["group", "member", "graph", "layout", "graph watch", "layout watch"])
def test_every_create_replays_its_first_answer(lab, api_as, what):
    # given one of the API's creates, made with a key
    user, path, body, count = creates(lab, api_as)[what]
    client = api_as(user)
    before = count()
    first = post(client, path, body)
    assert first.status_code in (200, 201) and count() in (before, before + 1)
    made = count()

    # when it is sent again with the key
    again = post(client, path, body)

    # then the first answer comes back, and nothing more exists
    assert (again.status_code, again.content, again["Idempotent-Replayed"]) == (first.status_code, first.content,
                                                                                 "true")
    assert count() == made


def test_a_created_graph_is_answered_as_it_was_stored(lab, api_as):
    alice, _bob, _carol, group_id, _graph_id = lab

    answer = post(api_as(alice), "/api/v1/graphs/", {"name": "Map", "graph_json": GRAPH, "group": group_id})

    body = answer.json()
    assert body["shared_with"] == [{"id": group_id, "name": "Lab"}] and body["owner"] == alice.username
    assert api_as(alice).get(f"/api/v1/graphs/{body['id']}/").json() == body


def test_keys_are_kept_a_day_then_pruned(make_user, api_as):
    # given a key used a day and a minute ago, and one used now
    client = api_as(make_user("alice"))
    post(client, "/api/v1/groups/", {"name": "Old"}, key="old")
    post(client, "/api/v1/groups/", {"name": "New"}, key="new")
    IdempotencyKey.objects.filter(key="old").update(created=timezone.now() - timedelta(days=1, minutes=1))

    # when they are pruned
    assert prune_idempotency_keys(timedelta(hours=24)) == 1

    # then the old key is free for a new request, and the new one still replays
    assert post(client, "/api/v1/groups/", {"name": "Another"}, key="old").status_code == 201
    assert post(client, "/api/v1/groups/", {"name": "New"}, key="new")["Idempotent-Replayed"] == "true"


@pytest.mark.django_db(transaction=True)
def test_two_requests_at_once_with_one_key_create_one_thing(make_user, api_as):
    # given alice's first request holding its transaction open, right after creating the group
    alice = make_user("alice")
    inside, release = threading.Event(), threading.Event()
    create_group = group_actions.create_group

    def create_and_wait(*args, **kwargs):
        group = create_group(*args, **kwargs)
        if not inside.is_set():
            inside.set()
            release.wait(timeout=30)
        return group

    answers = {}

    def send(name: str) -> None:
        try:
            answers[name] = post(api_as(alice), "/api/v1/groups/", {"name": "Lab"})
        finally:
            connection.close()  # this thread's own connection

    with mock.patch.object(group_actions, "create_group", create_and_wait):
        first = threading.Thread(target=send, args=("first",))
        first.start()
        wait_for(inside.is_set, message="the first request inside its transaction")

        # when a second request with the same key arrives meanwhile
        second = threading.Thread(target=send, args=("second",))
        second.start()
        wait_for(lambda: _waiting_on_a_lock() >= 1, message="the second request waiting on the first's key")
        release.set()
        first.join(timeout=30)
        second.join(timeout=30)

    # then one group was created, and both got its answer, the second as a replay
    assert Group.objects.filter(owner=alice).count() == 1
    assert answers["first"].status_code == answers["second"].status_code == 201
    assert answers["second"].content == answers["first"].content
    assert answers["second"]["Idempotent-Replayed"] == "true"


def _waiting_on_a_lock() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                       "AND wait_event_type = 'Lock'")
        return cursor.fetchone()[0]
