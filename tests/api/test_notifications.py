"""The notification list, its filters and paging, the unread count and read state, over the API."""

import pytest

from tests.api.helpers import assert_error
from tests.support.events import graph_event
from web.notifications.delivery import deliver

pytestmark = pytest.mark.django_db

URL = "/api/v1/notifications/"


def notify(user, name, **kwargs) -> int:
    [delivered] = deliver(graph_event(user, name, **kwargs))
    return delivered.notification_id


def test_alice_sees_her_notifications_newest_first_with_her_count(make_user, api_as):
    # given three notifications for Alice and one for Bob
    alice, bob = make_user("alice"), make_user("bob")
    ids = [notify(alice, name) for name in ("Kinase map", "Tumour net", "Yeast PPI")]
    notify(bob, "Bob's map")

    # when she asks for her list
    answer = api_as(alice).get(URL)

    # then she sees hers only, newest first, each ready to show, with her count and cursor
    assert answer.status_code == 200
    body = answer.json()
    assert [n["id"] for n in body["results"]] == ids[::-1]
    assert (body["next"], body["unread"], body["cursor"]) == (None, 3, 3)
    newest = body["results"][0]
    assert newest["text"] == f"{alice.username} created graph “Yeast PPI”."
    assert newest["target"] == {"type": "graph", "id": 1, "name": "Yeast PPI"}
    assert (newest["kind"], newest["verb"], newest["actor"], newest["read_at"]) == ("watching", "created",
                                                                                   alice.username, None)
    assert set(newest) == {"id", "group_key", "kind", "verb", "actor", "target", "graph_id", "group_id", "text",
                           "link", "reasons", "created", "read_at", "mailed_at", "done_at", "saved"}


def test_following_next_walks_every_notification_once(make_user, api_as):
    # given seven notifications
    alice = make_user("alice")
    ids = [notify(alice, f"graph {n}") for n in range(7)]
    client = api_as(alice)

    # when she follows "next" three at a time
    seen, url, pages = [], f"{URL}?limit=3", 0
    while url:
        body = client.get(url).json()
        seen += [n["id"] for n in body["results"]]
        url, pages = body["next"], pages + 1
        if url:
            assert url.startswith("http://testserver/api/v1/notifications/?")

    # then every one came once, newest first, with no gaps
    assert seen == ids[::-1]
    assert pages == 3


def test_next_keeps_the_filters(make_user, api_as):
    alice = make_user("alice")
    for n in range(3):
        notify(alice, f"kinase {n}")
    body = api_as(alice).get(URL, {"q": "kinase", "kind": "watching", "limit": 2}).json()
    assert "q=kinase" in body["next"] and "kind=watching" in body["next"] and "limit=2" in body["next"]


def test_filters_combine(make_user, api_as):
    # given owner and group notifications about different graphs, one of them read
    alice, bob = make_user("alice"), make_user("bob")
    notify(alice, "Kinase map")
    wanted = deliver(graph_event(bob, "Kinase pathway", kind="group", to=[alice]))[0].notification_id
    deliver(graph_event(bob, "Yeast PPI", kind="group", to=[alice]))
    read = deliver(graph_event(bob, "Kinase atlas", kind="group", to=[alice]))[0].notification_id
    client = api_as(alice)
    client.post(f"{URL}{read}/read/")

    # when she asks for unread group notifications about kinases
    body = client.get(URL, {"kind": "group", "q": "kinase", "state": "unread"}).json()

    # then only the one that is all three comes
    assert [n["id"] for n in body["results"]] == [wanted]


@pytest.mark.parametrize("params, field", [
    ({"kind": "gossip"}, "kind"),
    ({"state": "maybe"}, "state"),
    ({"target": "graph:abc"}, "target"),
    ({"limit": "0"}, "limit"),
    ({"limit": "201"}, "limit"),
    ({"before": "-4"}, "before"),
])
def test_a_bad_filter_is_refused_naming_the_field(make_user, api_as, params, field):
    answer = api_as(make_user("alice")).get(URL, params)
    body = assert_error(answer, 400, "invalid")
    assert list(body["fields"]) == [field]
    assert body["detail"].startswith(f"{field}: ")


def test_unread_count_and_marking_read_and_unread(make_user, api_as):
    # given two unread notifications
    alice = make_user("alice")
    first, _second = notify(alice, "one"), notify(alice, "two")
    client = api_as(alice)
    assert client.get(f"{URL}unread-count/").json() == {"unread": 2, "cursor": 2}

    # when she marks one read
    answer = client.post(f"{URL}{first}/read/")

    # then she gets it back read, and the count and cursor moved
    assert answer.status_code == 200
    assert answer.json()["id"] == first and answer.json()["read_at"] is not None
    assert client.get(f"{URL}unread-count/").json() == {"unread": 1, "cursor": 3}

    # and marking it unread again brings the count back
    assert client.post(f"{URL}{first}/unread/").json()["read_at"] is None
    assert client.get(f"{URL}unread-count/").json() == {"unread": 2, "cursor": 4}


def test_someone_elses_notification_is_not_found(make_user, api_as):
    alice, bob = make_user("alice"), make_user("bob")
    bobs = notify(bob, "Bob's map")
    assert_error(api_as(alice).post(f"{URL}{bobs}/read/"), 404, "not_found")
    assert_error(api_as(alice).post(f"{URL}{bobs}/unread/"), 404, "not_found")
    assert api_as(bob).get(f"{URL}unread-count/").json()["unread"] == 1


def test_read_all_marks_what_matches(make_user, api_as):
    # given two notifications of what she watches and one from Bob's group
    alice, bob = make_user("alice"), make_user("bob")
    notify(alice, "one")
    notify(alice, "two")
    from_bob = deliver(graph_event(bob, "Bob's map", kind="group", to=[alice]))[0].notification_id
    client = api_as(alice)

    # when she marks read only the watching kind
    answer = client.post(f"{URL}read-all/", {"kind": "watching"}, format="json")

    # then two were marked and Bob's is still unread
    assert answer.status_code == 200
    assert answer.json()["marked"] == 2 and answer.json()["unread"] == 1
    assert [n["id"] for n in client.get(URL, {"state": "unread"}).json()["results"]] == [from_bob]

    # and with no filter, the rest
    assert client.post(f"{URL}read-all/").json()["marked"] == 1


def test_read_all_refuses_a_bad_filter_and_unknown_fields(make_user, api_as):
    client = api_as(make_user("alice"))
    assert list(assert_error(client.post(f"{URL}read-all/", {"target": "graph:x"}, format="json"), 400)["fields"]) \
        == ["target"]
    assert list(assert_error(client.post(f"{URL}read-all/", {"state": "read"}, format="json"), 400)["fields"]) \
        == ["state"]
