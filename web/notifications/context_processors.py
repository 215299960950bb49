from web.notifications.models import UserStream


def realtime_state(request) -> dict:
    """The header's unread count and the cursor it was read at.

    Read from one row, so the page's first poll starts exactly where this
    render left off: nothing between them is missed or counted twice.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    stream = UserStream.objects.filter(user=user).values_list("last_seq", "unread").first()
    cursor, unread = stream or (0, 0)
    return {"realtime_cursor": cursor, "unread_count": unread}
