from django.urls import reverse
from django.utils.functional import SimpleLazyObject

from web.notifications import stream
from web.notifications.grouping import grouped
from web.notifications.models import Notification
from web.notifications.queries import with_notices

# The bell's dropdown shows this many groups, grouped from this many of the
# newest notifications (a burst of one graph's changes is one group).
BELL_GROUPS = 10
BELL_NOTIFICATIONS = 60


def realtime_state(request) -> dict:
    """The header's unread count and the cursor it was read at, and the bell's latest groups.

    The count and cursor are read from one row, so the page's first poll
    starts exactly where this render left off: nothing between them is missed
    or counted twice. The bell's rows are read after the cursor (when the
    template first asks), so one that lands in between comes again by the
    poll, and the page takes it once (by id).
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    cursor, unread = stream.current(user.pk)
    return {
        "realtime_cursor": cursor,
        "unread_count": unread,
        "bell_groups": SimpleLazyObject(lambda: latest_groups(user)),
        "bell_next": reverse("notifications:index"),
    }


def latest_groups(user) -> list:
    newest = with_notices(Notification.objects.filter(user=user)).order_by("-id")[:BELL_NOTIFICATIONS]
    return grouped(list(newest))[:BELL_GROUPS]
