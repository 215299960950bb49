"""The door from Django into the realtime process: web/ imports this module of realtime/ and no other.

It owns what both sides must agree on: each user's Redis channel and keys,
and the publish. :func:`publish_events` keeps each user's recent events in
Redis, for fast answers, and PUBLISHes on the user's channel
"<seq> <unread> <event JSON>": a wake-up that also carries the event, so the
realtime process that holds the user's polls can answer from its own copy
(realtime/local.py). Losing or repeating a publish costs nothing: readers
check the seqs are contiguous and otherwise read Redis or PostgreSQL. The
delivery pipeline calls it after commit, and so does the benchmark, so the
figures measured are the ones users get.

The realtime process reads two of Django's tables by name (realtime/store.py
says which); a test holds the models to those names.
"""

from collections.abc import Iterable
from dataclasses import dataclass

import orjson

# A client up to this many events behind is answered from Redis; further
# behind, from PostgreSQL (the truth, kept for the retention period).
RECENT_EVENTS_KEPT = 100
# Recent events of a user who has gone quiet leave Redis after this long.
RECENT_EVENTS_TTL_SECONDS = 24 * 3600
# The cached (seq, unread) of a user expires this soon after their last
# event. Should a cache write ever be lost, readers fall back to PostgreSQL
# after at most this long instead of trusting a stale number.
STATE_TTL_SECONDS = 60

# One user's entry, atomically: add the event, trim the history, advance the
# state only forwards (two deliveries may land out of order), wake the polls.
_APPEND_LUA = """
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[3])
redis.call('ZREMRANGEBYRANK', KEYS[1], 0, -(tonumber(ARGV[4]) + 1))
redis.call('EXPIRE', KEYS[1], ARGV[5])
local current = tonumber(redis.call('HGET', KEYS[2], 'seq') or '0')
if tonumber(ARGV[1]) > current then
  redis.call('HSET', KEYS[2], 'seq', ARGV[1], 'unread', ARGV[2])
end
redis.call('EXPIRE', KEYS[2], ARGV[6])
redis.call('PUBLISH', KEYS[3], ARGV[1] .. ' ' .. ARGV[2] .. ' ' .. ARGV[3])
return 1
"""


DEFAULT_CHANNEL_PREFIX = "beacon:user:"


class Channels:
    """Each user's Redis channel: ``<prefix><user id>``.

    Pub/sub is global to a Redis server, whatever database REDIS_URL names,
    so two sites (or two test workers) on one server need prefixes of their
    own (REALTIME_CHANNEL_PREFIX); keys are per database and need none.
    """

    __slots__ = ("prefix", "pattern")

    def __init__(self, prefix: str = DEFAULT_CHANNEL_PREFIX):
        self.prefix = prefix
        self.pattern = prefix + "*"  # one pattern subscription hears every user

    def of(self, user_id: int) -> str:
        return f"{self.prefix}{user_id}"

    def user_id_of(self, channel: bytes | str) -> int | None:
        if isinstance(channel, bytes):
            channel = channel.decode()
        if not channel.startswith(self.prefix):
            return None
        try:
            return int(channel[len(self.prefix):])
        except ValueError:
            return None


@dataclass(frozen=True)
class StreamEntry:
    """One numbered event of one user: ``event`` is exactly what a poll answers with."""

    user_id: int
    seq: int
    unread: int
    event: dict


def events_key(user_id: int) -> str:
    # The hash tag keeps a user's keys in one Redis Cluster slot.
    return f"beacon:{{u{user_id}}}:events"


def state_key(user_id: int) -> str:
    return f"beacon:{{u{user_id}}}:state"


def publish_events(redis_client, entries: Iterable[StreamEntry], channels: Channels) -> None:
    """Cache and announce committed events, all in one round trip."""
    append = _append_script(redis_client)
    pipe = redis_client.pipeline(transaction=False)
    for entry in entries:
        append(
            keys=[events_key(entry.user_id), state_key(entry.user_id), channels.of(entry.user_id)],
            args=[entry.seq, entry.unread, orjson.dumps(entry.event),
                  RECENT_EVENTS_KEPT, RECENT_EVENTS_TTL_SECONDS, STATE_TTL_SECONDS],
            client=pipe,
        )
    pipe.execute()


def _append_script(redis_client):
    script = getattr(redis_client, "_beacon_append", None)
    if script is None:
        script = redis_client.register_script(_APPEND_LUA)
        redis_client._beacon_append = script
    return script
