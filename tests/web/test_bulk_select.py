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
