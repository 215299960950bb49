from web.notifications import stream


def realtime_state(request) -> dict:
    """The header's unread count and the cursor it was read at.

    Read from one row, so the page's first poll starts exactly where this
    render left off: nothing between them is missed or counted twice.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    cursor, unread = stream.current(user.pk)
    return {"realtime_cursor": cursor, "unread_count": unread}
