from django.urls import reverse
from django.utils.functional import SimpleLazyObject

from web.notifications import stream
from web.notifications.bell import latest_groups, shows_own


def realtime_state(request) -> dict:
    """The header's unread count and the cursor it was read at, and the bell's groups (web/notifications/bell.py).

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
    own = shows_own(request)
    return {
        "realtime_cursor": cursor,
        "unread_count": unread,
        "bell_groups": SimpleLazyObject(lambda: latest_groups(user, own=own, unread=unread)),
        "bell_shows_own": own,
        "bell_next": reverse("notifications:index"),
    }
