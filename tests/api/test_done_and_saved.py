"""Done and saved over the API: the actions, the state=done|saved filters and their place in the schema."""

import pytest

from tests.api.helpers import assert_error
from tests.support.events import graph_event
from web.notifications.delivery import deliver
from web.notifications.models import Notification

pytestmark = pytest.mark.django_db

URL = "/api/v1/notifications/"


def notify(user, name: str, graph_id: int) -> int:
    [delivered] = deliver(graph_event(user, name, to=[user], graph_id=graph_id))
    return delivered.notification_id


def ids(client, query: str = "") -> list[int]:
    return [n["id"] for n in client.get(f"{URL}{query}").json()["results"]]


def test_done_leaves_the_inbox_read_and_undone_brings_it_back(make_user, api_as):
    # given alice with two unread notifications
    alice = make_user("alice")
    first, second = notify(alice, "Kinase map", 1), notify(alice, "Yeast PPI", 2)
    client = api_as(alice)

    # when she marks the first done
    answer = client.post(f"{URL}{first}/done/")

    # then it answers the notification, done and read, and her inbox and count leave it out
    assert answer.status_code == 200
    body = answer.json()
    assert body["id"] == first and body["done_at"] is not None and body["read_at"] is not None
    assert body["saved"] is False
    assert ids(client) == [second]
    assert ids(client, "?state=read") == []
    assert ids(client, "?state=done") == [first]
    assert client.get(f"{URL}unread-count/").json()["unread"] == 1
    assert client.get(URL).json()["unread"] == 1

    # when she moves it back
    back = client.post(f"{URL}{first}/undone/").json()

    # then it is in the inbox again, still read
    assert back["done_at"] is None and back["read_at"] is not None
    assert ids(client) == [second, first]
    assert ids(client, "?state=done") == []


def test_save_and_unsave_and_the_saved_filter(make_user, api_as):
    alice = make_user("alice")
    first, second = notify(alice, "Kinase map", 1), notify(alice, "Yeast PPI", 2)
    client = api_as(alice)

    assert client.post(f"{URL}{first}/save/").json()["saved"] is True
    assert ids(client, "?state=saved") == [first]
    assert [n["saved"] for n in client.get(URL).json()["results"]] == [False, True]
    assert client.post(f"{URL}{first}/unsave/").json()["saved"] is False
    assert ids(client, "?state=saved") == []
    assert ids(client) == [second, first]


def test_another_users_notification_is_not_found_and_unchanged(make_user, api_as):
    alice, bob = make_user("alice"), make_user("bob")
    bobs = notify(bob, "Bob's map", 1)
    for action in ("done", "undone", "save", "unsave"):
        assert_error(api_as(alice).post(f"{URL}{bobs}/{action}/"), 404, "not_found")
    stored = Notification.objects.get(pk=bobs)
    assert (stored.read_at, stored.done_at, stored.saved) == (None, None, False)


def test_a_bad_state_names_the_new_ones(make_user, api_as):
    body = assert_error(api_as(make_user("alice")).get(f"{URL}?state=archived"), 400)
    assert "done" in body["detail"] and "saved" in body["detail"]


def test_the_schema_documents_the_actions_fields_and_states(make_user, api_as):
    schema = api_as(make_user("alice")).get("/api/v1/schema/?format=json").json()
    for action in ("done", "undone", "save", "unsave"):
        assert "post" in schema["paths"][f"/api/v1/notifications/{{id}}/{action}/"]
    fields = schema["components"]["schemas"]["Notification"]["properties"]
    assert fields["done_at"]["nullable"] is True and fields["saved"]["type"] == "boolean"
    [state] = [p for p in schema["paths"]["/api/v1/notifications/"]["get"]["parameters"] if p["name"] == "state"]
    assert sorted(state["schema"]["enum"]) == ["all", "done", "read", "saved", "snoozed", "unread"]
