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
                           "link", "reasons", "created", "read_at", "mailed_at", "done_at", "saved",
                           "snoozed_until"}


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


def test_bulk_marks_read_and_unread_several_of_mine(make_user, api_as):
    # given four unread notifications for Alice, about four graphs
    alice = make_user("alice")
    ids = [notify(alice, f"graph {n}", graph_id=n) for n in range(1, 5)]
    client = api_as(alice)

    # when she marks three read at once, then one of them unread
    read = client.post(f"{URL}bulk/", {"ids": ids[:3], "action": "read"}, format="json")
    again = client.post(f"{URL}bulk/", {"ids": ids[:3], "action": "read"}, format="json")
    unread = client.post(f"{URL}bulk/", {"ids": [ids[0]], "action": "unread"}, format="json")

    # then each answer counts what changed, and the count is exact
    assert read.status_code == 200 and read.json() == {"changed": 3, "unread": 1, "cursor": 5}
    assert again.json() == {"changed": 0, "unread": 1, "cursor": 5}  # nothing changed: no event
    assert unread.json() == {"changed": 1, "unread": 2, "cursor": 6}
    assert sorted(n["id"] for n in client.get(URL, {"state": "unread"}).json()["results"]) == [ids[0], ids[3]]


def test_bulk_with_someone_elses_id_changes_nothing(make_user, api_as):
    alice, bob = make_user("alice"), make_user("bob")
    mine, bobs = notify(alice, "Mine"), notify(bob, "His")

    answer = api_as(alice).post(f"{URL}bulk/", {"ids": [mine, bobs], "action": "read"}, format="json")

    assert_error(answer, 404)
    assert api_as(alice).get(f"{URL}unread-count/").json() == {"unread": 1, "cursor": 1}
    assert api_as(bob).get(f"{URL}unread-count/").json() == {"unread": 1, "cursor": 1}
    # (her own id alone is marked: the 404 was bob's id, not the endpoint)
    assert api_as(alice).post(f"{URL}bulk/", {"ids": [mine], "action": "read"}, format="json").json()["changed"] == 1


def test_bulk_refuses_none_too_many_and_unknown_actions(make_user, api_as):
    from web.notifications.actions import BULK_IDS_MAX

    alice = make_user("alice")
    mine = notify(alice, "Mine")
    client = api_as(alice)

    empty = assert_error(client.post(f"{URL}bulk/", {"ids": [], "action": "read"}, format="json"), 400)
    many = assert_error(client.post(f"{URL}bulk/", {"ids": list(range(1, BULK_IDS_MAX + 2)), "action": "read"},
                                    format="json"), 400)
    odd = assert_error(client.post(f"{URL}bulk/", {"ids": [mine], "action": "delete"}, format="json"), 400)
    extra = assert_error(client.post(f"{URL}bulk/", {"ids": [mine], "action": "read", "all": True}, format="json"),
                         400)

    assert list(empty["fields"]) == ["ids"] and list(odd["fields"]) == ["action"] and list(extra["fields"]) == ["all"]
    assert str(BULK_IDS_MAX) in many["fields"]["ids"][0]
    assert client.get(f"{URL}unread-count/").json() == {"unread": 1, "cursor": 1}


def test_bulk_marks_done_saves_and_unsaves_several_of_mine(make_user, api_as):
    # given four unread notifications for Alice, about four graphs
    alice = make_user("alice")
    ids = [notify(alice, f"graph {n}", graph_id=n) for n in range(1, 5)]
    client = api_as(alice)

    # when she marks two done, saves three and unsaves one
    done = client.post(f"{URL}bulk/", {"ids": ids[:2], "action": "done"}, format="json")
    saved = client.post(f"{URL}bulk/", {"ids": ids[1:], "action": "save"}, format="json")
    unsaved = client.post(f"{URL}bulk/", {"ids": [ids[3]], "action": "unsave"}, format="json")

    # then each answer counts what changed, with the exact count; the lists say the same
    assert done.status_code == 200 and done.json() == {"changed": 2, "unread": 2, "cursor": 5}
    assert saved.json() == {"changed": 3, "unread": 2, "cursor": 6}  # saving reads nothing: the count stands
    assert unsaved.json() == {"changed": 1, "unread": 2, "cursor": 7}
    assert sorted(n["id"] for n in client.get(URL, {"state": "done"}).json()["results"]) == ids[:2]
    assert sorted(n["id"] for n in client.get(URL, {"state": "saved"}).json()["results"]) == ids[1:3]
    assert sorted(n["id"] for n in client.get(URL).json()["results"]) == ids[2:]


def test_bulk_mute_mutes_the_groups_of_the_notifications_and_counts_those_of_none(make_user, api_as):
    from web.groups.actions import create_group

    # given Alice told of something in her group Lab (twice) and of a graph she watches
    alice = make_user("alice")
    lab = create_group(alice, name="Lab")
    in_lab = [notify(alice, f"graph {n}", kind="group", group=lab, graph_id=n) for n in (1, 2)]
    alone = notify(alice, "Watched", graph_id=3)
    client = api_as(alice)

    # when she mutes the groups of all three
    answer = client.post(f"{URL}bulk/", {"ids": [*in_lab, alone], "action": "mute"}, format="json")
    again = client.post(f"{URL}bulk/", {"ids": in_lab, "action": "mute"}, format="json")

    # then Lab is muted, the one of no group is counted, and the notifications are as they were
    assert answer.status_code == 200
    assert answer.json() == {"changed": 1, "muted": [lab.pk], "already_muted": [], "without_group": 1,
                             "left_group": 0, "unread": 3, "cursor": 3}
    assert again.json()["muted"] == [] and again.json()["already_muted"] == [lab.pk]
    assert client.get("/api/v1/preferences/").json()["muted_groups"] == [lab.pk]
    assert client.get(f"{URL}unread-count/").json()["unread"] == 3


def test_bulk_on_all_matching_a_filter_changes_them_and_says_how_many_are_left(make_user, api_as, monkeypatch):
    from web.notifications import actions

    # given a cap of two a request, and Alice with three about graph 1 and one about graph 2
    monkeypatch.setattr(actions, "BULK_MATCHING_MAX", 2)
    alice = make_user("alice")
    about_one = [notify(alice, "One", graph_id=1) for _ in range(3)]
    about_two = notify(alice, "Two", graph_id=2)
    client = api_as(alice)

    # when she marks done all matching target graph:1, twice
    first = client.post(f"{URL}bulk/", {"matching": {"target": "graph:1"}, "action": "done"}, format="json")
    second = client.post(f"{URL}bulk/", {"matching": {"target": "graph:1"}, "action": "done"}, format="json")

    # then the newest two went first, one was left, then it went too; graph 2's stayed in the inbox
    assert first.json() == {"changed": 2, "left": 1, "unread": 2, "cursor": 5}
    assert second.json() == {"changed": 1, "left": 0, "unread": 1, "cursor": 6}
    assert sorted(n["id"] for n in client.get(URL, {"state": "done"}).json()["results"]) == about_one
    assert [n["id"] for n in client.get(URL).json()["results"]] == [about_two]


def test_bulk_takes_ids_or_matching_but_not_both_nor_neither_nor_a_bad_filter(make_user, api_as):
    alice = make_user("alice")
    mine = notify(alice, "Mine")
    client = api_as(alice)

    both = assert_error(client.post(f"{URL}bulk/", {"ids": [mine], "matching": {}, "action": "done"}, format="json"),
                        400)
    neither = assert_error(client.post(f"{URL}bulk/", {"action": "done"}, format="json"), 400)
    bad = assert_error(client.post(f"{URL}bulk/", {"matching": {"target": "graph:x"}, "action": "done"},
                                   format="json"), 400)
    odd = assert_error(client.post(f"{URL}bulk/", {"matching": {"before": 3}, "action": "done"}, format="json"), 400)

    assert list(both["fields"]) == ["ids"] and list(neither["fields"]) == ["ids"]
    assert list(bad["fields"]) == ["matching.target"] and list(odd["fields"]) == ["matching.before"]
    assert client.get(f"{URL}unread-count/").json() == {"unread": 1, "cursor": 1}


def test_bulk_mute_leaves_a_group_i_have_left_as_it_is_and_says_so(make_user, api_as):
    from web.groups.actions import add_member, create_group, is_muted, leave_group

    # given Alice told of something in Bob's group, which she has left since
    alice, bob = make_user("alice"), make_user("bob")
    lab = create_group(bob, name="Lab")
    add_member(bob, lab.pk, alice.username)
    told = notify(alice, "In Lab", kind="group", group=lab, graph_id=1)
    leave_group(alice, lab.pk)

    # when she mutes its group
    answer = api_as(alice).post(f"{URL}bulk/", {"ids": [told], "action": "mute"}, format="json")

    # then nothing is muted (she can no longer mute it), and the answer says why
    assert (answer.json()["changed"], answer.json()["muted"], answer.json()["left_group"]) == (0, [], 1)
    assert not is_muted(alice, lab)
