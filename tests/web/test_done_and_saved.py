"""Done and Saved from the page without script: out of the inbox, into the Done view, Undo, Move to inbox, stars."""

import re

import pytest

from tests.support.events import graph_event
from tests.web.conftest import page_text
from web.notifications.delivery import deliver
from web.notifications.models import Notification

pytestmark = pytest.mark.django_db


def notify(user, name: str, *, graph_id: int) -> Notification:
    """One unread notification about graph ``name`` (its own graph: a group of its own)."""
    [delivered] = deliver(graph_event(user, name, to=[user], graph_id=graph_id))
    return Notification.objects.get(pk=delivered.notification_id)


def listed(html: str) -> list[int]:
    """The ids the page's list shows (not the bell's), rows and the items of groups."""
    the_list = html.split('id="notification-list"', 1)[1]
    return [int(i) for i in re.findall(r'<li class="notification[^"]*" data-id="(\d+)"', the_list)]


def count(html: str) -> int:
    return int(re.search(r'id="unread-count" data-count="(\d+)"', html)[1])


def undo_ids(html: str) -> list[str]:
    form = re.search(r'<form[^>]*id="undo-done".*?</form>', html, re.S)
    return re.findall(r'name="id" value="(\d+)"', form[0]) if form else []


def test_done_takes_it_out_of_the_inbox_read_and_into_the_done_view(make_user, browser_for):
    # given alice with two unread notifications in her inbox
    alice = make_user("alice")
    first, second = notify(alice, "Kinase map", graph_id=1), notify(alice, "Yeast PPI", graph_id=2)
    browser = browser_for(alice)
    assert count(page_text(browser.get("/notifications/"))) == 2

    # when she marks the first done from her inbox
    response = browser.post(f"/notifications/{first.pk}/done/", {"next": "/notifications/"})

    # then she is back on her inbox, which no longer lists it, with one unread and an Undo for it
    assert response.status_code == 302 and response["Location"] == "/notifications/"
    html = page_text(browser.get("/notifications/"))
    assert listed(html) == [second.pk]
    assert count(html) == 1
    assert undo_ids(html) == [str(first.pk)]
    assert "Marked 1 notification done." in html
    # the Undo is offered once: the next page has none
    assert undo_ids(page_text(browser.get("/notifications/"))) == []
    # and the Done view lists it, read, with its way back; the read filter of the inbox does not
    done = page_text(browser.get("/notifications/?state=done"))
    assert listed(done) == [first.pk]
    assert "Move to inbox" in done
    # (and offers no "Mark all (matching) read" of its own: a done one is always read)
    assert "inbox-actions" not in done and "Mark all matching read" not in done
    assert "Mark all matching read" in page_text(browser.get("/notifications/?state=saved"))
    assert listed(page_text(browser.get("/notifications/?state=read"))) == []
    stored = Notification.objects.get(pk=first.pk)
    assert stored.done_at is not None and stored.read_at is not None


def test_undo_and_move_to_inbox_bring_it_back_read(make_user, browser_for):
    # given alice, who marked one of two done
    alice = make_user("alice")
    first, second = notify(alice, "Kinase map", graph_id=1), notify(alice, "Yeast PPI", graph_id=2)
    browser = browser_for(alice)
    browser.post(f"/notifications/{first.pk}/done/", {"next": "/notifications/"})

    # when she presses Undo
    browser.post("/notifications/undo-done/", {"id": [first.pk], "next": "/notifications/"})

    # then it is back in her inbox, read, and the Done view is empty
    html = page_text(browser.get("/notifications/"))
    assert listed(html) == [second.pk, first.pk]
    assert count(html) == 1
    assert listed(page_text(browser.get("/notifications/?state=done"))) == []

    # when she marks it done again and moves it to the inbox from the Done view
    browser.post(f"/notifications/{first.pk}/done/", {"next": "/notifications/"})
    browser.post("/notifications/undo-done/", {"id": [first.pk], "next": "/notifications/?state=done"})

    # then it is in the inbox again, still read
    assert listed(page_text(browser.get("/notifications/"))) == [second.pk, first.pk]
    assert Notification.objects.get(pk=first.pk).read_at is not None
    assert browser.post(f"/notifications/{first.pk}/undone/").status_code == 302  # already there: no change


def test_a_group_is_done_as_the_page_shows_it(make_user, browser_for):
    # given alice with three notifications about one graph, shown as one group
    alice = make_user("alice")
    ids = [notify(alice, "Kinase map", graph_id=1).pk for _ in range(3)]
    browser = browser_for(alice)
    html = page_text(browser.get("/notifications/"))
    key = re.search(r'name="group" value="([^"]+)"><button type="submit">Done', html)[1]

    # when she marks the group done
    browser.post("/notifications/done/", {"group": key, "next": "/notifications/"})

    # then all three left her inbox, nothing is unread, and Undo names all three
    html = page_text(browser.get("/notifications/"))
    assert listed(html) == []
    assert count(html) == 0
    assert sorted(undo_ids(html)) == [str(i) for i in sorted(ids)]
    assert sorted(listed(page_text(browser.get("/notifications/?state=done")))) == sorted(ids)


def test_done_ones_are_not_in_the_bell(make_user, browser_for):
    alice = make_user("alice")
    done = notify(alice, "Kinase map", graph_id=1)
    kept = notify(alice, "Yeast PPI", graph_id=2)
    browser = browser_for(alice)
    browser.post(f"/notifications/{done.pk}/done/")
    bell = page_text(browser.get("/accounts/profile/")).split('id="notification-list"')[0]
    assert f'data-id="{kept.pk}"' in bell
    assert f'data-id="{done.pk}"' not in bell


def test_a_star_saves_it_into_the_saved_view_and_unstars(make_user, browser_for):
    # given alice with two notifications
    alice = make_user("alice")
    first, second = notify(alice, "Kinase map", graph_id=1), notify(alice, "Yeast PPI", graph_id=2)
    browser = browser_for(alice)

    # when she stars the first
    browser.post(f"/notifications/{first.pk}/save/", {"next": "/notifications/"})

    # then the Saved view lists it alone, and the inbox shows it pressed, still there
    assert listed(page_text(browser.get("/notifications/?state=saved"))) == [first.pk]
    inbox = page_text(browser.get("/notifications/"))
    assert listed(inbox) == [second.pk, first.pk]
    assert f'action="/notifications/{first.pk}/unsave/"' in inbox
    assert 'aria-pressed="true"' in inbox

    # when she marks it done, it stays saved; when she unstars it, the Saved view is empty
    browser.post(f"/notifications/{first.pk}/done/")
    assert listed(page_text(browser.get("/notifications/?state=saved"))) == [first.pk]
    browser.post(f"/notifications/{first.pk}/unsave/")
    assert listed(page_text(browser.get("/notifications/?state=saved"))) == []


def test_someone_elses_notification_is_not_found_and_unchanged(make_user, browser_for):
    alice, bob = make_user("alice"), make_user("bob")
    hers = notify(alice, "Kinase map", graph_id=1)
    for action in ("done", "undone", "save", "unsave"):
        assert browser_for(bob).post(f"/notifications/{hers.pk}/{action}/").status_code == 404
    browser_for(bob).post("/notifications/undo-done/", {"id": [hers.pk]})
    assert browser_for(bob).post("/notifications/done/", {"group": hers.grouping_key}).status_code == 404
    stored = Notification.objects.get(pk=hers.pk)
    assert (stored.read_at, stored.done_at, stored.saved) == (None, None, False)


def test_a_groups_star_saves_every_one_it_shows_and_unsaves_them_all(make_user, browser_for):
    # given alice with three notifications about one graph, one row, one of them saved
    alice = make_user("alice")
    ids = [notify(alice, "Kinase map", graph_id=1).pk for _ in range(3)]
    browser = browser_for(alice)
    browser.post(f"/notifications/{ids[0]}/save/")
    html = page_text(browser.get("/notifications/"))
    star = re.search(r'<form[^>]*class="inbox-state star group-star[^"]*".*?</form>', html, re.S)[0]
    # its star is not pressed (not all three are saved), and says what it does to how many
    assert 'aria-pressed="false"' in star and "Save all</span><span class=\"visually-hidden\"> 3 in this group" in star
    assert sorted(re.findall(r'name="id" value="(\d+)"', star)) == sorted(str(i) for i in ids)

    # when she presses it, without JavaScript
    response = browser.post("/notifications/save/", {"id": ids, "next": "/notifications/"})

    # then she is back on her inbox saying so, all three are in Saved, and the group's star is pressed
    assert response.status_code == 302 and response["Location"] == "/notifications/"
    html = page_text(browser.get("/notifications/"))
    assert "Saved 2 notifications." in html
    assert sorted(listed(page_text(browser.get("/notifications/?state=saved")))) == sorted(ids)
    star = re.search(r'<form[^>]*class="inbox-state star group-star saved".*?</form>', html, re.S)[0]
    assert 'action="/notifications/unsave/"' in star and 'aria-pressed="true"' in star

    # when she presses it again, all three are unsaved
    browser.post("/notifications/unsave/", {"id": ids, "next": "/notifications/"})
    assert listed(page_text(browser.get("/notifications/?state=saved"))) == []


def test_a_groups_star_answers_a_script_with_what_it_did(make_user, browser_for):
    alice, bob = make_user("alice"), make_user("bob")
    ids = [notify(alice, "Kinase map", graph_id=1).pk for _ in range(2)]
    answer = browser_for(alice).post("/notifications/save/", {"id": ids}, headers={"Accept": "application/json"})
    assert answer.json() == {"ids": ids, "saved": True, "changed": ids, "unread": 2}
    # someone else's: nothing changes
    browser_for(bob).post("/notifications/unsave/", {"id": ids})
    assert Notification.objects.filter(pk__in=ids, saved=True).count() == 2
