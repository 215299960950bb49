"""The realtime worker's garbage collector: kept to short passes, and each pass measured.

A worker holding many thousands of polls holds about a million long-lived
objects (the requests, their greenlets, sockets and parsers). CPython's
collector scans a generation whole, so once those objects reach the older
generations a pass takes as long as a scan of all of them, and every held
poll waits for it. Here the survivors of each young pass are frozen
(``gc.freeze()``): they are never scanned again, and a pass only ever looks
at what was made since the last one, a few milliseconds' worth. Frozen
objects are still freed by reference counting when their poll ends; only
garbage in a reference cycle that was already frozen would stay, which the
request path does not make (a held poll's objects form no cycles once
answered). Should that ever change, the frozen count grows with no more
polls held: :meth:`GcWatch.frozen_beyond_bound` notices, and one full
collection clears it (logged, counted).

Every pass is timed from the collector's own callbacks and exposed in
/realtime/metrics (realtime/metrics.py). The callback must not block or take
a lock: it can run at any allocation, including inside code holding one.
"""

import gc
import logging
import time

log = logging.getLogger(__name__)

# Young passes at most this many new objects apart: a pass over them takes a
# few milliseconds. Generation 1 and 2 thresholds matter little, since frozen
# survivors leave them almost empty.
GC_THRESHOLDS = (5_000, 10, 10)
# ... but CPython counts allocations less deallocations, and every answered
# poll frees its (frozen) objects: under steady re-polling the count barely
# moves while new objects pile up, and the pass that finally comes is long.
# So a young pass also runs this often, whatever the count: short enough
# that a busy worker's new objects in that time are a short pass's worth.
YOUNG_PASS_EVERY_SECONDS = 0.05
# Pause histogram buckets, seconds: fine below 10 ms, the longest pause a held poll should notice.
PAUSE_BUCKETS = (0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0)
# What a held poll may keep frozen, with room to spare (about 60 objects are
# normal); beyond this per held poll, plus what start-up froze, frozen
# objects are taken to be leaked cycles and collected once.
FROZEN_OBJECTS_PER_HELD_POLL_BOUND = 400
FROZEN_OBJECTS_SLACK = 200_000
# How often that is checked: counting frozen objects walks all of them, some
# milliseconds for a million.
LEAK_CHECK_EVERY_SECONDS = 300


class GcPauses:
    """Count, total, longest and a histogram of pause lengths, per generation; plain numbers, no locks."""

    def __init__(self):
        self.count = [0, 0, 0]
        self.total_seconds = [0.0, 0.0, 0.0]
        self.max_seconds = [0.0, 0.0, 0.0]
        self.buckets = [[0] * len(PAUSE_BUCKETS) for _ in range(3)]  # not cumulative; +Inf is count
        self.collected = [0, 0, 0]

    def record(self, generation: int, seconds: float, collected: int) -> None:
        self.count[generation] += 1
        self.total_seconds[generation] += seconds
        self.collected[generation] += collected
        if seconds > self.max_seconds[generation]:
            self.max_seconds[generation] = seconds
        buckets = self.buckets[generation]
        for i, bound in enumerate(PAUSE_BUCKETS):
            if seconds <= bound:
                buckets[i] += 1
                break


class GcWatch:
    def __init__(self, *, freeze_survivors: bool = True, clock=time.perf_counter):
        self.pauses = GcPauses()
        self.freeze_survivors = freeze_survivors
        self.leak_collections = 0
        self._clock = clock
        self._started = None
        self._frozen_at_start = 0

    def install(self) -> None:
        """From the worker, once it has loaded the application: settle start-up objects, then watch."""
        gc.collect()
        gc.freeze()
        self._frozen_at_start = gc.get_freeze_count()
        gc.set_threshold(*GC_THRESHOLDS)
        if self._on_gc not in gc.callbacks:
            gc.callbacks.append(self._on_gc)

    def _on_gc(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._started = self._clock()
            return
        if self._started is None:
            return
        self.pauses.record(info["generation"], self._clock() - self._started, info["collected"])
        self._started = None
        if self.freeze_survivors and info["generation"] < 2:
            # Only moves lists: costs nothing, whatever the number of objects.
            gc.freeze()

    def frozen_beyond_bound(self, held: int) -> bool:
        """Whether frozen objects exceed what ``held`` polls can account for (walks the frozen list: rarely)."""
        bound = self._frozen_at_start + FROZEN_OBJECTS_SLACK + FROZEN_OBJECTS_PER_HELD_POLL_BOUND * held
        return gc.get_freeze_count() > bound

    def collect_leaks(self) -> int:
        """One full pass over everything, frozen or not: a long pause, for a leak only."""
        before = gc.get_freeze_count()
        gc.unfreeze()
        found = gc.collect()
        gc.freeze()
        self.leak_collections += 1
        log.warning("frozen objects had grown to %d; a full collection freed %d in cycles", before, found)
        return found


# The process's one watch: gc callbacks are process-wide. Installed by
# gunicorn.conf.py's post_worker_init; read by realtime/metrics.py.
WATCH = GcWatch()


def young_passes_forever(every_seconds: float = YOUNG_PASS_EVERY_SECONDS) -> None:
    """A greenlet: a young pass (survivors frozen by the watch's callback) every ``every_seconds``."""
    import gevent

    while True:
        gevent.sleep(every_seconds)
        gc.collect(0)


def check_for_leaks_forever(watch: GcWatch, held, every_seconds: float) -> None:
    """A greenlet: every so often, whether frozen objects have outgrown what ``held()`` polls explain."""
    import gevent

    while True:
        gevent.sleep(every_seconds)
        try:
            if watch.frozen_beyond_bound(held()):
                watch.collect_leaks()
        except Exception:
            log.warning("the frozen-objects check failed", exc_info=True)
