"""The one way anything wakes held polls: after the events are committed."""

from collections.abc import Iterable

from realtime.channels import user_channel


def publish_wakeups(redis_client, wakeups: Iterable[tuple[int, int]]) -> None:
    """PUBLISH each (user_id, seq) on the user's channel, in one round trip."""
    pipe = redis_client.pipeline(transaction=False)
    for user_id, seq in wakeups:
        pipe.publish(user_channel(user_id), str(seq))
    pipe.execute()
