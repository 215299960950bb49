"""What operators see of event delivery: its part of ``GET /metrics`` (web/metrics.py serves it).

The gauges are read from PostgreSQL at scrape time, so every web process
reports the same truth. The re-send counter lives in Redis, shared by every
worker; Redis restarted empty starts it again from zero, which Prometheus
reads as a counter reset.
"""

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from redis.exceptions import RedisError

from web import redis_counters
from web.outbox.relay import in_flight

RESENT_KEY = "beacon:metrics:outbox_resent_total"
AROUND_KAFKA_KEY = "beacon:metrics:outbox_resent_around_kafka_total"


def count_resent(events: int, *, around_kafka: int = 0) -> None:
    redis_counters.add({RESENT_KEY: events, AROUND_KAFKA_KEY: around_kafka})


def resent_total() -> int:
    return redis_counters.read(RESENT_KEY)[0]


def resent_around_kafka_total() -> int:
    return redis_counters.read(AROUND_KAFKA_KEY)[0]


class DeliveryCollector:
    def collect(self):
        pending, unconfirmed, oldest = in_flight()
        yield GaugeMetricFamily("beacon_outbox_pending_events", "Events waiting to be sent to Kafka", value=pending)
        yield GaugeMetricFamily("beacon_outbox_unconfirmed_events",
                                "Events sent to Kafka not yet found stored (each is checked "
                                "OUTBOX_REDELIVER_AFTER_SECONDS after sending, so a healthy count is "
                                "that long's worth)",
                                value=unconfirmed)
        yield GaugeMetricFamily("beacon_outbox_oldest_in_flight_seconds",
                                "Age of the oldest event not yet found stored (healthy: up to "
                                "OUTBOX_REDELIVER_AFTER_SECONDS plus one relay interval)", value=oldest)
        try:
            resent, around = resent_total(), resent_around_kafka_total()
        except RedisError:
            return  # the gauges still tell; the counters are back with Redis
        yield CounterMetricFamily("beacon_outbox_resent_events",
                                  "Events sent again because they were not stored within their grace period",
                                  value=resent)
        yield CounterMetricFamily("beacon_outbox_resent_around_kafka_events",
                                  "Of those, sent straight to the delivery task, Kafka having failed them before",
                                  value=around)

