"""Counters shared by every process, kept in Redis, for GET /metrics.

A Redis restarted empty starts them again from zero, which Prometheus reads
as a counter reset. Counting never fails the work it counts: a Redis that
is down costs the count (logged), not the delivery or the mail.
"""

import logging

from redis.exceptions import RedisError

from web.redis_client import get_redis

log = logging.getLogger(__name__)


def add(counts: dict[str, int]) -> None:
    try:
        pipe = get_redis().pipeline()
        for key, amount in counts.items():
            pipe.incrby(key, amount)
        pipe.execute()
    except RedisError:
        log.warning("could not count %s in Redis", counts, exc_info=True)


def read(*keys: str) -> list[int]:
    """The counters' values (0 for one never counted); raises RedisError when Redis is down."""
    return [int(value or 0) for value in get_redis().mget(keys)]
