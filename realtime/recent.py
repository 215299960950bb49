"""Answering from the recent events kept in Redis, when they suffice.

Redis holds what PostgreSQL can rebuild: a user's last events and their
(seq, unread) for a short while after each event (realtime.publish). A read
is answered here only when Redis can answer it exactly; otherwise it returns
None and the caller asks PostgreSQL.
"""

import json

from realtime.publish import events_key, state_key
from realtime.store import Batch

# State and the events after the cursor (with their seqs), from one instant,
# in one round trip. The events are fetched only when the state says there are any.
_READ_LUA = """
local state = redis.call('HMGET', KEYS[2], 'seq', 'unread')
if not state[1] or not state[2] then return false end
if ARGV[1] == '' or tonumber(ARGV[1]) >= tonumber(state[1]) then return {state[1], state[2]} end
local events = redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. ARGV[1], '+inf', 'WITHSCORES', 'LIMIT', 0,
                          tonumber(ARGV[2]))
return {state[1], state[2], events}
"""


class RecentEvents:
    def __init__(self, redis_client, *, limit: int):
        self._limit = limit
        self._read = redis_client.register_script(_READ_LUA)

    def read(self, user_id: int, cursor: int | None) -> Batch | None:
        reply = self._read(keys=[events_key(user_id), state_key(user_id)],
                           args=["" if cursor is None else cursor, self._limit])
        if not reply:
            return None  # nothing cached for this user lately
        seq, unread = int(reply[0]), int(reply[1])
        if cursor is None or cursor == seq:
            return Batch(cursor=seq, unread=unread)
        if cursor > seq:
            return None  # a reset, or a cache behind the database: PostgreSQL decides
        pairs = reply[2]
        events = []
        for raw, score in zip(pairs[::2], pairs[1::2], strict=True):
            if int(score) != cursor + len(events) + 1:
                break  # a gap: answer up to it, the next read goes further
            events.append(raw)
        if not events:
            return None  # the events right after the cursor have left Redis
        last = cursor + len(events)
        if last == seq:
            return Batch(cursor=seq, unread=unread, events=tuple(events))
        return Batch(cursor=last, unread=json.loads(events[-1])["unread"], events=tuple(events))
