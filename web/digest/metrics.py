"""The digest's counters for ``GET /metrics`` (web/metrics.py): mails sent and users left for the next run.

Kept in Redis with the outbox's (web/redis_counters.py).
"""

from prometheus_client.core import CounterMetricFamily
from redis.exceptions import RedisError

from web import redis_counters

MAILED_KEY = "beacon:metrics:digest_mailed_total"
LEFT_KEY = "beacon:metrics:digest_left_total"


def count_chunk(mailed: int, left: int) -> None:
    redis_counters.add({MAILED_KEY: mailed, LEFT_KEY: left})


class DigestCollector:
    def collect(self):
        try:
            mailed, left = redis_counters.read(MAILED_KEY, LEFT_KEY)
        except RedisError:
            return
        yield CounterMetricFamily("beacon_digest_mails", "Digest mails the mail server accepted", value=mailed)
        yield CounterMetricFamily("beacon_digest_users_left",
                                  "Digests not sent (server refused, unreachable or timing out): each waits for "
                                  "the next run; a rising count means mail is not going out", value=left)
