"""The door from Django into the realtime process: web/ imports this module of realtime/ and no other.

It owns what both sides must agree on: each user's Redis channel and keys,
and the publish. :func:`publish_events` keeps each user's recent events in
Redis, for fast answers, and PUBLISHes on the user's channel
"<seq> <unread> <event JSON>": a wake-up that also carries the event, so the
realtime process that holds the user's polls can answer from its own copy
(realtime/local.py). Losing or repeating a publish costs nothing: readers
check the seqs are contiguous and otherwise read Redis or PostgreSQL.
:func:`publish_revocation` says on the same channel that one of the user's
credentials has ended. The
delivery pipeline calls it after commit, and so does the benchmark, so the
figures measured are the ones users get.

The realtime process reads two of Django's tables by name (realtime/store.py
says which); a test holds the models to those names.
"""

from collections.abc import Iterable

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

# Every entry of a batch in one call, each user's atomically: add the event,
# trim the history, advance the state only forwards (two deliveries may land
# out of order), wake the polls. One call, not one per entry: a batch of a
# thousand costs the client one command to build and one reply to read,
# where a pipeline of a thousand calls cost more than the database's work.
# (Under Redis Cluster a call must keep to one slot: the caller would group
# entries by slot; each user's keys share one, by their hash tag.)
# ARGV: kept, events TTL, state TTL, then seq, unread, event of each entry;
# KEYS: events, state, channel of each.
_APPEND_LUA = """
local kept, events_ttl, state_ttl = tonumber(ARGV[1]), ARGV[2], ARGV[3]
for i = 0, #KEYS / 3 - 1 do
  local events, state, channel = KEYS[3 * i + 1], KEYS[3 * i + 2], KEYS[3 * i + 3]
  local seq, unread, event = ARGV[3 * i + 4], ARGV[3 * i + 5], ARGV[3 * i + 6]
  redis.call('ZADD', events, seq, event)
  redis.call('ZREMRANGEBYRANK', events, 0, -(kept + 1))
  redis.call('EXPIRE', events, events_ttl)
  local current = tonumber(redis.call('HGET', state, 'seq') or '0')
  if tonumber(seq) > current then
    redis.call('HSET', state, 'seq', seq, 'unread', unread)
  end
  redis.call('EXPIRE', state, state_ttl)
  redis.call('PUBLISH', channel, seq .. ' ' .. unread .. ' ' .. event)
end
return #KEYS / 3
"""
# Entries per call at most: a call runs alone in Redis, so a huge batch is
# cut in parts that let other clients in between.
ENTRIES_PER_CALL = 1000


DEFAULT_CHANNEL_PREFIX = "beacon:user:"
# What a user's channel carries when one of their credentials ends: every
# realtime process forgets what it trusted about the user, and their held
# polls and streams check theirs again at once (realtime/auth.py).
REVOKED = b"revoked"


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


class StreamEntry:
    """One numbered event of one user: ``event`` is exactly what a poll answers with."""

    # A plain class with slots: delivery makes one per notification.
    __slots__ = ("user_id", "seq", "unread", "event")

    def __init__(self, user_id: int, seq: int, unread: int, event: dict):
        self.user_id, self.seq, self.unread, self.event = user_id, seq, unread, event

    def __eq__(self, other):
        return isinstance(other, StreamEntry) and (self.user_id, self.seq, self.unread, self.event) == (
            other.user_id, other.seq, other.unread, other.event)

    def __repr__(self):
        return f"StreamEntry(user_id={self.user_id}, seq={self.seq}, unread={self.unread})"


def events_key(user_id: int) -> str:
    # The hash tag keeps a user's keys in one Redis Cluster slot.
    return f"beacon:{{u{user_id}}}:events"


def state_key(user_id: int) -> str:
    return f"beacon:{{u{user_id}}}:state"


def publish_events(redis_client, entries: Iterable[StreamEntry], channels: Channels) -> None:
    """Cache and announce committed events: one round trip, one script call per ENTRIES_PER_CALL."""
    entries = list(entries)
    if not entries:
        return
    append = _append_script(redis_client)
    pipe = redis_client.pipeline(transaction=False)
    for start in range(0, len(entries), ENTRIES_PER_CALL):
        keys, args = [], [RECENT_EVENTS_KEPT, RECENT_EVENTS_TTL_SECONDS, STATE_TTL_SECONDS]
        for entry in entries[start:start + ENTRIES_PER_CALL]:
            keys += (events_key(entry.user_id), state_key(entry.user_id), channels.of(entry.user_id))
            args += (entry.seq, entry.unread, orjson.dumps(entry.event))
        append(keys=keys, args=args, client=pipe)
    pipe.execute()


def publish_revocation(redis_client, user_id: int, channels: Channels) -> None:
    """Tell every realtime process that one of the user's credentials has ended (after its commit)."""
    redis_client.publish(channels.of(user_id), REVOKED)


def _append_script(redis_client):
    script = getattr(redis_client, "_beacon_append", None)
    if script is None:
        script = redis_client.register_script(_APPEND_LUA)
        redis_client._beacon_append = script
    return script
