"""The realtime worker's garbage-collector watch: every pass timed, survivors of a young pass frozen."""

import gc

import pytest

from realtime.gc_watch import PAUSE_BUCKETS, GcPauses, GcWatch
from realtime.metrics import GcCollector


class Node:
    """An object the collector tracks, that can be put in a cycle."""

    def __init__(self):
        self.other = None


@pytest.fixture
def watch():
    """A watch on this test process's collector, taken off again afterwards."""
    thresholds, was_enabled = gc.get_threshold(), gc.isenabled()
    gc.disable()
    w = GcWatch()
    gc.callbacks.append(w._on_gc)
    yield w
    gc.callbacks.remove(w._on_gc)
    gc.unfreeze()
    gc.set_threshold(*thresholds)
    if was_enabled:
        gc.enable()


def test_a_pause_lands_in_its_generation_bucket_and_the_longest_is_kept():
    pauses = GcPauses()
    pauses.record(0, 0.0015, collected=3)
    pauses.record(0, 0.0004, collected=0)
    pauses.record(2, 0.3, collected=10)
    assert pauses.count == [2, 0, 1]
    assert pauses.max_seconds == [0.0015, 0.0, 0.3]
    assert pauses.buckets[0][PAUSE_BUCKETS.index(0.002)] == 1
    assert pauses.buckets[0][PAUSE_BUCKETS.index(0.0005)] == 1
    assert pauses.collected == [3, 0, 10]


def test_every_pass_is_timed_and_shows_in_the_metrics(watch):
    # when the collector runs
    gc.collect(0)
    gc.collect(2)

    # then each pass is counted in its generation
    assert watch.pauses.count[0] >= 1 and watch.pauses.count[2] >= 1
    families = {f.name: f for f in GcCollector(watch).collect()}
    samples = {(s.name, s.labels.get("generation")): s.value
               for s in families["beacon_realtime_gc_pause_seconds"].samples}
    assert samples[("beacon_realtime_gc_pause_seconds_count", "0")] == watch.pauses.count[0]
    longest = {s.labels["generation"]: s.value for s in families["beacon_realtime_gc_pause_max_seconds"].samples}
    assert longest["2"] == watch.pauses.max_seconds[2] > 0


def test_survivors_of_a_young_pass_are_frozen_out_of_later_passes(watch):
    # given a long-lived object made after the last pass
    gc.collect(0)
    kept = Node()
    assert gc.is_tracked(kept) and any(o is kept for o in gc.get_objects(generation=0))

    # when a young pass runs
    gc.collect(0)

    # then it is in no generation any pass scans, and is freed as usual when let go
    assert not any(o is kept for g in range(3) for o in gc.get_objects(generation=g))
    assert gc.get_freeze_count() > 0


def test_a_cycle_frozen_before_it_became_garbage_is_found_by_a_leak_collection(watch):
    # given a cycle that lived through a young pass, then was let go
    a, b = Node(), Node()
    a.other, b.other = b, a
    gc.collect(0)
    del a, b

    # then only a leak collection frees it
    assert watch.collect_leaks() >= 2
    assert watch.leak_collections == 1


def test_the_leak_bound_grows_with_the_polls_held(watch):
    assert not watch.frozen_beyond_bound(held=0)
    watch._frozen_at_start = -10**9  # as if start-up had frozen far fewer than are frozen now
    assert watch.frozen_beyond_bound(held=0)
