"""The digest's counters for ``GET /metrics``: mails sent and users left for the next run.

Kept in Redis, shared by every worker (as the outbox's re-send counter is);
a Redis restarted empty starts them again from zero, a counter reset to
Prometheus.
"""

import logging

from prometheus_client.core import CounterMetricFamily
from redis.exceptions import RedisError

from web.redis_client import get_redis

log = logging.getLogger(__name__)

MAILED_KEY = "beacon:metrics:digest_mailed_total"
LEFT_KEY = "beacon:metrics:digest_left_total"


def count_chunk(mailed: int, left: int) -> None:
    try:
        pipe = get_redis().pipeline()
        pipe.incrby(MAILED_KEY, mailed)
        pipe.incrby(LEFT_KEY, left)
        pipe.execute()
    except RedisError:
        log.warning("could not count a digest chunk (%d mailed, %d left) in Redis", mailed, left, exc_info=True)


class DigestCollector:
    def collect(self):
        try:
            mailed, left = (int(value or 0) for value in get_redis().mget(MAILED_KEY, LEFT_KEY))
        except RedisError:
            return
        yield CounterMetricFamily("beacon_digest_mails", "Digest mails the mail server accepted", value=mailed)
        yield CounterMetricFamily("beacon_digest_users_left",
                                  "Digests not sent (server refused, unreachable or timing out): each waits for "
                                  "the next run; a rising count means mail is not going out", value=left)
