"""What operators see of a realtime process, in Prometheus text format.

Each gunicorn worker keeps its own figures (one registry per process); a
scrape of /realtime/metrics reaches one worker. Run one worker per process
group, or scrape each worker's own port, to see all of them.
"""

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST


class RealtimeMetrics:
    def __init__(self, hub):
        self.registry = CollectorRegistry(auto_describe=True)
        held = Gauge("beacon_realtime_held_requests", "Polls and event streams held open now", registry=self.registry)
        held.set_function(hub.held)
        self.wakeup_to_answer = Histogram(
            "beacon_realtime_wakeup_to_answer_seconds",
            "From a Redis wake-up reaching this process to the answer carrying its events",
            buckets=(0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
            registry=self.registry,
        )
        answers = Counter("beacon_realtime_answers", "Poll answers by outcome", ["outcome"], registry=self.registry)
        refused = Counter("beacon_realtime_refused", "Requests refused, by HTTP status", ["status"],
                          registry=self.registry)
        # Children bound once: a labels() lookup per answer is measurable at thousands a second.
        # "gone": the client closed the connection while its poll was held, and the poll was let go at once.
        self.answered = {o: answers.labels(o) for o in ("events", "timeout", "reset", "draining", "gone")}
        streams = Counter("beacon_realtime_streams_ended", "Event streams ended, by why", ["reason"],
                          registry=self.registry)
        # "gone": the client closed it; "unauthenticated": its session or token ended (or names someone else
        # now); "reset": its cursor could not be caught up from; "draining": this process is stopping;
        # "error": an exception, logged by gunicorn.
        self.streams_ended = {r: streams.labels(r) for r in ("gone", "unauthenticated", "reset", "draining", "error")}
        self.refusals = {s: refused.labels(str(s)) for s in (400, 401, 405, 429)}

    def exposition(self) -> tuple[bytes, str]:
        return generate_latest(self.registry), CONTENT_TYPE_LATEST
