"""Bulk select on the notifications page, without JavaScript: one form, its checked rows, one POST."""

import re

import pytest

from tests.support.events import graph_event
from tests.web.conftest import page_text
from tests.web.test_notifications import unread_ids
from web.notifications import stream
from web.notifications.actions import BULK_IDS_MAX
from web.notifications.delivery import deliver
from web.notifications.models import Notification, StreamEvent

pytestmark = pytest.mark.django_db


def notify(user, graph_id: int) -> Notification:
    """One unread notification about graph ``graph_id``: a row of its own, or of that graph's group."""
    [delivered] = deliver(graph_event(user, f"graph {graph_id}", graph_id=graph_id, to=[user]))
    return Notification.objects.get(pk=delivered.notification_id)


def checkbox_values(html: str) -> list[str]:
    """The rows' checkboxes, as the bulk form submits them (each a row's ids)."""
    return re.findall(r'<input type="checkbox" class="select" form="bulk" name="ids" id="select-\d+" value="([\d,]+)">',
                      html)


def unread_of(user) -> set[int]:
    return set(Notification.objects.filter(user=user, read_at__isnull=True).values_list("pk", flat=True))


def test_three_checked_rows_marked_read_are_the_only_ones_read_and_the_count_follows(make_user, browser_for):
    # given alice with six unread notifications, each a row of its own
    alice = make_user("alice")
    ids = [notify(alice, n).pk for n in range(1, 7)]
    browser = browser_for(alice, csrf=True)
    html = page_text(browser.get("/notifications/"))
    assert 'id="select-all"' in html and 'action="/notifications/bulk/"' in html
    values = checkbox_values(html)
    assert sorted(int(v) for v in values) == sorted(ids)
    token = browser.cookies["csrftoken"].value

    # when she checks three rows and presses "Mark selected read"
    chosen = [ids[0], ids[2], ids[4]]
    response = browser.post("/notifications/bulk/", {
        "csrfmiddlewaretoken": token, "next": "/notifications/", "action": "read", "ids": [str(i) for i in chosen],
    })

    # then those three are read, the others not, the count says three, and her other tabs hear it once
    assert response.status_code == 302 and response["Location"] == "/notifications/"
    assert unread_of(alice) == set(ids) - set(chosen)
    assert stream.current(alice.pk)[1] == 3
    event = StreamEvent.objects.filter(user=alice).order_by("-seq").first()
    assert event.type == "notifications.read" and event.payload["ids"] == sorted(chosen)
    assert event.payload["unread"] == 3
    html = page_text(browser.get("/notifications/"))
    assert "Marked 3 notifications read." in html
    assert sorted(unread_ids(html)) == sorted(set(ids) - set(chosen))

    # and marking two of them unread again brings the count to five
    browser.post("/notifications/bulk/", {"csrfmiddlewaretoken": token, "action": "unread",
                                          "ids": [str(chosen[0]), str(chosen[1])]})
    assert stream.current(alice.pk)[1] == 5
    assert unread_of(alice) == set(ids) - {chosen[2]}


def test_a_group_row_selects_all_of_its_notifications(make_user, browser_for):
    # given alice told three times of one graph: one row
    alice = make_user("alice")
    group = [notify(alice, 1).pk for _ in range(3)]
    other = notify(alice, 2).pk
    browser = browser_for(alice)
    values = checkbox_values(page_text(browser.get("/notifications/")))
    row = next(v for v in values if str(group[0]) in v.split(","))

    # when she checks that row and marks it read
    browser.post("/notifications/bulk/", {"action": "read", "ids": [row]})

    # then the three are read, the other not
    assert unread_of(alice) == {other}
    assert sorted(int(i) for i in row.split(",")) == sorted(group)


def test_select_all_on_this_page_works_without_javascript(make_user, browser_for):
    alice = make_user("alice")
    ids = [notify(alice, n).pk for n in range(1, 5)]
    browser = browser_for(alice)
    html = page_text(browser.get("/notifications/"))
    page_ids = re.search(r'name="page_ids" value="([\d,]+)"', html).group(1)

    browser.post("/notifications/bulk/", {"action": "read", "all": "1", "page_ids": page_ids})

    assert unread_of(alice) == set()
    assert sorted(int(i) for i in page_ids.split(",")) == sorted(ids)


def test_another_users_id_changes_nothing(make_user, browser_for):
    # given alice's and bob's unread notifications
    alice, bob = make_user("alice"), make_user("bob")
    mine = notify(alice, 1).pk
    bobs = notify(bob, 2).pk
    seq_before = stream.current(alice.pk)[0], stream.current(bob.pk)[0]

    # when alice sends bob's id along with hers
    response = browser_for(alice).post("/notifications/bulk/", {"action": "read", "ids": [str(mine), str(bobs)]})

    # then nothing changed, hers neither, and neither stream moved
    assert response.status_code == 404
    assert unread_of(bob) == {bobs} and unread_of(alice) == {mine}
    assert (stream.current(alice.pk)[0], stream.current(bob.pk)[0]) == seq_before
    # (her own id alone is marked: the 404 was bob's id, not the page)
    assert browser_for(alice).post("/notifications/bulk/", {"action": "read", "ids": [str(mine)]}).status_code == 302
    assert unread_of(alice) == set() and unread_of(bob) == {bobs}


def test_too_many_ids_are_refused_with_the_limit(make_user, browser_for):
    alice = make_user("alice")
    mine = notify(alice, 1).pk

    response = browser_for(alice).post("/notifications/bulk/", {
        "action": "read", "ids": [",".join(str(i) for i in range(1, BULK_IDS_MAX + 2))]})

    assert response.status_code == 400
    assert f"At most {BULK_IDS_MAX} notifications at once" in page_text(response)
    assert unread_of(alice) == {mine}


def test_an_empty_selection_is_refused_with_a_message(make_user, browser_for):
    alice = make_user("alice")
    mine = notify(alice, 1).pk

    response = browser_for(alice).post("/notifications/bulk/", {"action": "read"})

    assert response.status_code == 400
    assert "Select at least one notification." in page_text(response)
    assert unread_of(alice) == {mine}
    assert 'id="bulk-error"' in page_text(response)


def test_the_script_gets_json_and_errors_in_json(make_user, browser_for):
    alice = make_user("alice")
    ids = [notify(alice, n).pk for n in range(1, 3)]
    browser = browser_for(alice)

    ok = browser.post("/notifications/bulk/", {"action": "read", "ids": [str(ids[0])]}, HTTP_ACCEPT="application/json")
    empty = browser.post("/notifications/bulk/", {"action": "read"}, HTTP_ACCEPT="application/json")

    assert ok.json() == {"action": "read", "ids": [ids[0]], "read": True, "changed": 1, "unread": 1,
                         "message": "Marked 1 notification read.", "undo": None, "groups": []}
    assert empty.status_code == 400 and empty.json() == {"error": "Select at least one notification."}


def test_without_a_csrf_token_nothing_changes(make_user, browser_for):
    alice = make_user("alice")
    mine = notify(alice, 1).pk

    response = browser_for(alice, csrf=True).post("/notifications/bulk/", {"action": "read", "ids": [str(mine)]})

    assert response.status_code == 403
    assert unread_of(alice) == {mine}


def notify_in(user, group, graph_id: int) -> Notification:
    """One unread notification of something that happened in ``group`` (of which ``user`` is a member)."""
    [delivered] = deliver(graph_event(user, f"graph {graph_id}", kind="group", group=group, graph_id=graph_id,
                                      to=[user]))
    return Notification.objects.get(pk=delivered.notification_id)


def bulk_buttons(html: str) -> list[str]:
    form = re.search(r'<form method="post" action="/notifications/bulk/".*?</form>', html, re.S).group(0)
    return re.findall(r'<button type="submit" name="action" value="[a-z]+">([^<]+)</button>', form)


def last_event(user) -> StreamEvent:
    return StreamEvent.objects.filter(user=user).order_by("-seq").first()


def test_ticked_rows_marked_done_leave_the_inbox_in_one_event_and_the_next_page_offers_their_undo(make_user,
                                                                                                  browser_for):
    # given alice with four unread notifications, each a row of its own
    alice = make_user("alice")
    ids = [notify(alice, n).pk for n in range(1, 5)]
    browser = browser_for(alice)

    # when she ticks two rows and presses "Mark selected done"
    response = browser.post("/notifications/bulk/", {"next": "/notifications/", "action": "done",
                                                     "ids": [str(ids[0]), str(ids[2])]})

    # then those two are done and read, one event names them with her exact count, and her inbox is the others
    assert response.status_code == 302
    done = set(Notification.objects.filter(user=alice, done_at__isnull=False).values_list("pk", flat=True))
    assert done == {ids[0], ids[2]} and unread_of(alice) == {ids[1], ids[3]}
    event = last_event(alice)
    assert (event.type, event.payload["ids"], event.payload["unread"]) == ("notifications.done", [ids[0], ids[2]], 2)
    html = page_text(browser.get("/notifications/"))
    assert "Marked 2 notifications done." in html
    assert sorted(int(v) for v in checkbox_values(html)) == [ids[1], ids[3]]
    undo = re.search(r'<form method="post" action="/notifications/undo-done/".*?</form>', html, re.S).group(0)
    assert sorted(int(i) for i in re.findall(r'name="id" value="(\d+)"', undo)) == [ids[0], ids[2]]
    assert ">Undo done</button>" in undo

    # when she presses Undo done, both are back in her inbox (read, as single Done's Undo leaves them)
    browser.post("/notifications/undo-done/", {"id": [str(ids[0]), str(ids[2])]})
    html = page_text(browser.get("/notifications/"))
    assert sorted(int(v) for v in checkbox_values(html)) == sorted(ids)
    assert stream.current(alice.pk)[1] == 2


def test_ticked_rows_saved_show_pressed_stars_and_unsaving_them_clears_them(make_user, browser_for):
    # given alice with three notifications
    alice = make_user("alice")
    ids = [notify(alice, n).pk for n in range(1, 4)]
    browser = browser_for(alice)

    # when she ticks two and presses "Save selected"
    browser.post("/notifications/bulk/", {"action": "save", "ids": [str(ids[0]), str(ids[1])]})

    # then their stars are pressed, the third's not, the Saved view lists the two, and one event names them
    html = page_text(browser.get("/notifications/"))
    assert "Saved 2 notifications." in html
    assert sorted(int(i) for i in re.findall(r'action="/notifications/(\d+)/unsave/"', html)) == ids[:2]
    assert re.findall(r'action="/notifications/(\d+)/save/"', html) == [str(ids[2])]
    assert sorted(int(v) for v in checkbox_values(page_text(browser.get("/notifications/?state=saved")))) == ids[:2]
    event = last_event(alice)
    assert (event.type, event.payload["ids"], event.payload["unread"]) == ("notifications.saved", ids[:2], 3)

    # when she unsaves one of them: the star clears, and her count stood throughout
    browser.post("/notifications/bulk/", {"action": "unsave", "ids": [str(ids[0])]})
    html = page_text(browser.get("/notifications/"))
    assert "Unsaved 1 notification." in html
    assert re.findall(r'action="/notifications/(\d+)/unsave/"', html) == [str(ids[1])]
    assert (last_event(alice).type, last_event(alice).payload["ids"]) == ("notifications.unsaved", [ids[0]])
    assert stream.current(alice.pk)[1] == 3


def test_mute_mutes_the_groups_of_the_ticked_rows_says_what_had_none_and_undo_unmutes_only_those(make_user,
                                                                                                 browser_for):
    from web.groups.actions import create_group, is_muted, mute_group

    # given alice in three groups, one of them muted already, and notifications from each and from none
    alice = make_user("alice")
    lab, field, quiet = (create_group(alice, name=name) for name in ("Lab", "Field", "Quiet"))
    in_lab, in_field, in_quiet = notify_in(alice, lab, 1), notify_in(alice, field, 2), notify_in(alice, quiet, 3)
    mute_group(alice, quiet.pk)
    alone = [notify(alice, 4), notify(alice, 5)]
    browser = browser_for(alice)
    assert "Mute their groups" in bulk_buttons(page_text(browser.get("/notifications/")))

    # when she ticks all five rows and presses "Mute their groups"
    ticked = [in_lab, in_field, in_quiet, *alone]
    response = browser.post("/notifications/bulk/", {"next": "/notifications/", "action": "mute",
                                                     "ids": [str(n.pk) for n in ticked]})

    # then Lab and Field are muted, and the page says so, and what it left as it was
    assert response.status_code == 302
    assert is_muted(alice, lab) and is_muted(alice, field) and is_muted(alice, quiet)
    html = page_text(browser.get("/notifications/"))
    assert ("Muted 2 groups; 1 group was muted already; 2 of the selected notifications belong to no group"
            " and were left as they are.") in html
    # nothing of the notifications changed: all five still there and unread
    assert unread_of(alice) == {n.pk for n in ticked}
    undo = re.search(r'<form method="post" action="/notifications/undo-mute/".*?</form>', html, re.S).group(0)
    assert sorted(int(g) for g in re.findall(r'name="group" value="(\d+)"', undo)) == sorted([lab.pk, field.pk])

    # when she presses Undo mute: Lab and Field are heard again, Quiet (muted before) stays muted
    browser.post("/notifications/undo-mute/", {"group": [str(lab.pk), str(field.pk)]})
    assert "Unmuted 2 groups." in page_text(browser.get("/notifications/"))
    assert not is_muted(alice, lab) and not is_muted(alice, field) and is_muted(alice, quiet)


def test_mute_with_someone_elses_notification_mutes_nothing(make_user, browser_for):
    from web.groups.actions import create_group, is_muted

    alice, bob = make_user("alice"), make_user("bob")
    lab = create_group(alice, name="Lab")
    mine, bobs = notify_in(alice, lab, 1), notify(bob, 2)

    response = browser_for(alice).post("/notifications/bulk/", {"action": "mute", "ids": [str(mine.pk), str(bobs.pk)]})

    assert response.status_code == 404 and not is_muted(alice, lab)


def test_each_view_offers_only_the_bulk_actions_that_do_something_there(make_user, browser_for):
    # given alice with a notification in her inbox, one done and one saved
    alice = make_user("alice")
    notify(alice, 1)
    browser = browser_for(alice)
    browser.post("/notifications/bulk/", {"action": "done", "ids": [str(notify(alice, 2).pk)]})
    browser.post("/notifications/bulk/", {"action": "save", "ids": [str(notify(alice, 3).pk)]})
    everything = ["Mark selected read", "Mark selected unread", "Mark selected done", "Save selected",
                  "Unsave selected", "Mute their groups"]

    # then the inbox offers every bulk action, the Done view none that reads or marks done, the Saved view no save
    assert bulk_buttons(page_text(browser.get("/notifications/"))) == everything
    assert bulk_buttons(page_text(browser.get("/notifications/?state=done"))) == [
        "Mark selected unread", "Save selected", "Unsave selected", "Mute their groups"]
    assert bulk_buttons(page_text(browser.get("/notifications/?state=saved"))) == [
        "Mark selected read", "Mark selected unread", "Mark selected done", "Unsave selected", "Mute their groups"]


@pytest.mark.parametrize("action, changed", [
    ("read", lambda qs: qs.filter(read_at__isnull=False)),
    ("unread", lambda qs: qs.filter(read_at__isnull=True)),
    ("done", lambda qs: qs.filter(done_at__isnull=False)),
    ("save", lambda qs: qs.filter(saved=True)),
])
def test_all_matching_changes_every_notification_the_filter_matches_not_only_this_page(make_user, browser_for,
                                                                                       action, changed):
    from web.groups.actions import create_group
    from web.notifications.queries import PAGE_SIZE

    # given alice with more notifications about graphs she watches than a page shows, and two of her group's
    alice = make_user("alice")
    lab = create_group(alice, name="Lab")
    watched = [notify(alice, n).pk for n in range(PAGE_SIZE + 5)]
    others = [notify_in(alice, lab, 900).pk, notify_in(alice, lab, 901).pk]
    if action == "unread":
        Notification.objects.filter(user=alice).update(read_at="2026-01-01T00:00:00Z")
    browser = browser_for(alice)

    # when she filters on what she watches, the page offers all that match, and she takes it
    html = page_text(browser.get("/notifications/?kind=watching"))
    assert f'<label for="select-matching">Select all {PAGE_SIZE + 5} matching</label>' in html
    response = browser.post("/notifications/bulk/", {"next": "/notifications/?kind=watching", "action": action,
                                                     "matching": "1", "kind": "watching"})

    # then every one she watches changed, those of her group not, and the page says how many
    assert response.status_code == 302 and response["Location"] == "/notifications/?kind=watching"
    mine = Notification.objects.filter(user=alice)
    assert set(changed(mine).values_list("pk", flat=True)) == set(watched)
    assert not changed(mine.filter(pk__in=others)).exists()
    said = {"read": "Marked {} notifications read.", "unread": "Marked {} notifications unread.",
            "done": "Marked {} notifications done.", "save": "Saved {} notifications."}[action]
    assert said.format(PAGE_SIZE + 5) in page_text(browser.get("/notifications/?kind=watching"))


def test_all_matching_changes_the_newest_at_most_and_says_how_many_are_left_for_the_next_press(make_user,
                                                                                               browser_for,
                                                                                               monkeypatch):
    from web.notifications import actions

    # given a cap of four a press, events that name two ids, and alice with seven unread
    monkeypatch.setattr(actions, "BULK_MATCHING_MAX", 4)
    monkeypatch.setattr(actions, "READ_ALL_IDS_MAX", 2)
    alice = make_user("alice")
    ids = [notify(alice, n).pk for n in range(1, 8)]
    browser = browser_for(alice)

    # when she marks all matching read
    browser.post("/notifications/bulk/", {"action": "read", "matching": "1", "state": "unread"})

    # then the newest four are read, the page says three are left, and the event names the newest two, incomplete
    assert unread_of(alice) == set(ids[:3])
    assert "Marked 4 notifications read. Only the newest 4 at once: 3 more match, do it again for the next." \
        in page_text(browser.get("/notifications/"))
    event = last_event(alice)
    assert (event.type, event.payload["ids"], event.payload["complete"], event.payload["unread"]) == (
        "notifications.read", ids[-2:], False, 3)

    # and pressing again goes on with the next ones
    browser.post("/notifications/bulk/", {"action": "read", "matching": "1", "state": "unread"})
    assert unread_of(alice) == set()


def test_all_matching_mute_mutes_every_group_the_filter_finds(make_user, browser_for):
    from web.groups.actions import create_group, is_muted

    alice = make_user("alice")
    lab, field = create_group(alice, name="Lab"), create_group(alice, name="Field")
    notify_in(alice, lab, 1), notify_in(alice, field, 2), notify(alice, 3)

    browser_for(alice).post("/notifications/bulk/", {"action": "mute", "matching": "1", "kind": "group"})

    assert is_muted(alice, lab) and is_muted(alice, field)


def test_the_script_gets_the_sentence_and_the_undo_in_json(make_user, browser_for):
    alice = make_user("alice")
    ids = [notify(alice, n).pk for n in range(1, 3)]

    answer = browser_for(alice).post("/notifications/bulk/", {"action": "done", "ids": [str(i) for i in ids]},
                                     HTTP_ACCEPT="application/json").json()

    assert answer["message"] == "Marked 2 notifications done." and answer["unread"] == 0
    assert answer["undo"] == {"url": "/notifications/undo-done/", "field": "id", "values": ids, "label": "Undo done"}
