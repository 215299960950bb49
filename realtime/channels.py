"""Names of the Redis channels that wake the realtime process.

A publish carries only the user's newest sequence number: it says "look
again", never what happened. The realtime process reads the events
themselves, so a lost or doubled publish costs nothing.
"""

CHANNEL_PREFIX = "beacon:user:"
ALL_USERS_PATTERN = CHANNEL_PREFIX + "*"


def user_channel(user_id: int) -> str:
    return f"{CHANNEL_PREFIX}{user_id}"


def user_id_of(channel: bytes | str) -> int | None:
    if isinstance(channel, bytes):
        channel = channel.decode()
    if not channel.startswith(CHANNEL_PREFIX):
        return None
    try:
        return int(channel[len(CHANNEL_PREFIX):])
    except ValueError:
        return None
