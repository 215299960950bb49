"""What the browser tests of the inbox share: a lab of alice and bob, and a page opened as one of them."""

from tests.support.chromium import log_in
from tests.support.waiting import wait_for

# Delivery is asynchronous, and a page's live updates come through the realtime process.
WAIT_MS = 20_000


def stored(user, n: int, **about) -> None:
    """Wait until ``user`` has ``n`` notifications (about what ``about`` says): delivery is asynchronous,
    and the order notifications are stored in is the list's."""
    from web.notifications.models import Notification

    wait_for(lambda: Notification.objects.filter(user=user, **about).count() == n, timeout=WAIT_MS / 1000,
             message=f"{n} notifications of {user.username} {about or ''} stored")


def make_lab(make_user):
    """alice and bob in one group, alice with nothing unread, what that told them stored."""
    from web.groups.actions import add_member, create_group
    from web.notifications.actions import mark_all_read

    alice, bob = make_user("alice"), make_user("bob")
    lab = create_group(alice, name="Lab")
    add_member(alice, lab.pk, bob.username)
    stored(alice, 1)  # "You created group Lab", read: her own
    stored(bob, 1)  # "alice added you to group Lab"
    mark_all_read(alice)
    return alice, bob, lab


def live(page) -> None:
    """Wait until the page's inbox script runs (the bell turned into its button)."""
    page.wait_for_function("document.getElementById('notifications-link').getAttribute('role') === 'button'")


def open_as(chromium, beacon, user, path: str = "/", **context):
    """A page of a browser context of its own, logged in as ``user`` (whose password is their name), live."""
    page = chromium.new_context(**context).new_page()
    log_in(page, beacon.base_url, user.username, user.username.rsplit("-", 1)[0])
    page.goto(beacon.base_url + path)
    live(page)
    return page
