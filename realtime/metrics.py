"""What operators see of a realtime process, in Prometheus text format.

Each gunicorn worker keeps its own figures (one registry per process); a
scrape of /realtime/metrics reaches one worker. Run one worker per process
group, or scrape each worker's own port, to see all of them.
"""

import gc

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from realtime import gc_watch


class RealtimeMetrics:
    def __init__(self, hub, gc=None):
        self.registry = CollectorRegistry(auto_describe=True)
        self.registry.register(GcCollector(gc or gc_watch.WATCH))
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
        self.refusals = {s: refused.labels(str(s)) for s in (400, 401, 403, 405, 429)}

    def exposition(self) -> tuple[bytes, str]:
        return generate_latest(self.registry), CONTENT_TYPE_LATEST


class GcCollector:
    """The garbage collector's passes as realtime/gc_watch.py timed them, read at scrape time.

    ``beacon_realtime_gc_pause_seconds`` (histogram) and
    ``beacon_realtime_gc_pause_max_seconds`` (the longest since the worker
    started), both by generation; a pause holds up every request of the worker.
    """

    def __init__(self, watch):
        self._watch = watch

    def describe(self):
        return self._families(with_samples=False)

    def collect(self):
        return self._families(with_samples=True)

    def _families(self, *, with_samples: bool):
        pauses = HistogramMetricFamily("beacon_realtime_gc_pause_seconds",
                                       "Garbage-collector passes by length, by generation", labels=["generation"])
        longest = GaugeMetricFamily("beacon_realtime_gc_pause_max_seconds",
                                    "The longest garbage-collector pass since the worker started, by generation",
                                    labels=["generation"])
        collected = CounterMetricFamily("beacon_realtime_gc_collected_objects",
                                        "Objects the garbage collector freed (in reference cycles), by generation",
                                        labels=["generation"])
        frozen = GaugeMetricFamily("beacon_realtime_gc_frozen_objects",
                                   "Objects frozen out of collection: the long-lived ones; grows with held polls")
        leaks = CounterMetricFamily("beacon_realtime_gc_leak_collections",
                                    "Full collections run because frozen objects outgrew the held polls")
        if with_samples:
            p = self._watch.pauses
            for generation in range(3):
                label = [str(generation)]
                cumulative, buckets = 0, []
                for bound, n in zip(gc_watch.PAUSE_BUCKETS, p.buckets[generation], strict=True):
                    cumulative += n
                    buckets.append((repr(bound), cumulative))
                buckets.append(("+Inf", p.count[generation]))
                pauses.add_metric(label, buckets, p.total_seconds[generation])
                longest.add_metric(label, p.max_seconds[generation])
                collected.add_metric(label, p.collected[generation])
            frozen.add_metric([], gc.get_freeze_count())
            leaks.add_metric([], self._watch.leak_collections)
        return [pauses, longest, collected, frozen, leaks]
