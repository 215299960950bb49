"""What the header's bell shows: what needs the user, unread first, their own actions only when asked.

Unread groups come first, then read ones, newest first within each. Read
ones stay (below) rather than leaving an empty dropdown: GitHub's inbox and
Novu's <Inbox /> (its default "Unread & read") also keep read notifications
in view, marked as read, so the dropdown still answers "what happened
lately?". But a bell of ten rows is about what needs you, so unread ones
are never pushed out of it by read ones.

The user's own actions ("You uploaded…", kind "owner") arrive read and are
no news to them: the bell leaves them out unless the user asks, by the
dropdown's "Show my own actions" (a POST, remembered in their session). The
notifications page always lists them.
"""

from web.notifications.grouping import grouped
from web.notifications.models import IN_INBOX, Notification
from web.notifications.queries import with_notices

# The bell's dropdown shows this many groups, grouped from this many of the
# newest notifications and this many of the newest unread ones (a burst of
# one graph's changes is one group; an unread one older than the newest
# sixty still comes first).
BELL_GROUPS = 10
BELL_NOTIFICATIONS = 60

# The session's choice to see one's own actions in the bell (absent: hidden).
SHOW_OWN_SESSION_KEY = "bell_shows_own_actions"
OWN_KIND = "owner"


def shows_own(request) -> bool:
    return bool(request.session.get(SHOW_OWN_SESSION_KEY, False))


def latest_groups(user, *, own: bool = False, unread: int | None = None) -> list:
    """The bell's groups of ``user``: unread, then read, each newest first; ``own``: with their own actions.

    ``unread``, the user's unread count (the header has it), spares the query
    for older unread ones when the newest already hold that many: on most
    pages, they do.
    """
    mine = Notification.objects.filter(IN_INBOX, user=user)  # done or snoozed: out of the inbox, and of the bell
    if not own:
        mine = mine.exclude(notice__kind=OWN_KIND)
    newest = with_notices(mine).order_by("-id")
    latest = list(newest[:BELL_NOTIFICATIONS])
    if unread is None or sum(n.read_at is None for n in latest) < unread:
        latest += newest.filter(read_at__isnull=True)[:BELL_NOTIFICATIONS]
    both = {n.pk: n for n in latest}
    groups = grouped(sorted(both.values(), key=lambda n: -n.pk))
    # sorted() is stable: within unread and within read, the order of each group's newest stays.
    return sorted(groups, key=lambda g: not g.unread)[:BELL_GROUPS]
