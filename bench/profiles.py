"""py-spy's raw stacks, summed up: the functions that took the most samples."""

import re
from collections import Counter
from pathlib import Path

IDLE_LEAVES = ("acquire_with_timeout (gevent/_threading.py)",)


def summarize(raw_path) -> dict:
    """Top functions by own samples and by samples anywhere on the stack, from py-spy's raw format."""
    total = 0
    idle_thread = 0
    own = Counter()
    inclusive = Counter()
    try:
        lines = Path(raw_path).read_text().splitlines()
    except OSError as exc:
        return {"error": str(exc)}
    for line in lines:
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        frames = [re.sub(r":\d+\)$", ")", f) for f in stack.split(";")]
        frames = [f for f in frames if not f.startswith("process ") and not f.startswith("thread ")]
        if not frames:
            continue
        if frames[-1].startswith(IDLE_LEAVES):
            idle_thread += n  # gevent's resolver thread pool, waiting for work: not the worker's loop
            continue
        total += n
        own[frames[-1]] += n
        for f in set(frames):
            inclusive[f] += n

    def share(n):
        return round(100.0 * n / total, 1) if total else 0.0

    return {"samples": total, "idle_thread_samples_dropped": idle_thread, "raw": str(raw_path),
            "own": [[f, share(n)] for f, n in own.most_common(15)],
            "inclusive": [[f, share(n)] for f, n in inclusive.most_common(25)]}
