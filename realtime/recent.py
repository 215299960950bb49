"""Answering from the recent events kept in Redis, when they suffice.

Redis holds what PostgreSQL can rebuild: a user's last events and their
(seq, unread) for a short while after each event (realtime.publish). A read
is answered here only when Redis can answer it exactly; otherwise it returns
None and the caller asks PostgreSQL.
"""

import json

from realtime.publish import events_key, state_key
from realtime.store import Batch


class RecentEvents:
    def __init__(self, redis_client, *, limit: int):
        self._redis = redis_client
        self._limit = limit

    def read(self, user_id: int, cursor: int | None) -> Batch | None:
        pipe = self._redis.pipeline(transaction=True)  # state and events from one instant
        pipe.hmget(state_key(user_id), "seq", "unread")
        if cursor is not None:
            pipe.zrangebyscore(events_key(user_id), f"({cursor}", "+inf", start=0, num=self._limit)
        replies = pipe.execute()
        seq, unread = replies[0]
        if seq is None or unread is None:
            return None  # nothing cached for this user lately
        seq, unread = int(seq), int(unread)
        if cursor is None or cursor == seq:
            return Batch(cursor=seq, unread=unread)
        if cursor > seq:
            return None  # a reset, or a cache behind the database: PostgreSQL decides
        events = []
        for raw in replies[1]:
            event = json.loads(raw)
            if event["seq"] != cursor + len(events) + 1:
                break  # a gap: answer up to it, the next read goes further
            events.append(event)
        if not events:
            return None  # the events right after the cursor have left Redis
        if events[-1]["seq"] == seq:
            return Batch(cursor=seq, unread=unread, events=events)
        return Batch(cursor=events[-1]["seq"], unread=events[-1]["unread"], events=events)
