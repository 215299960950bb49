"""gunicorn.conf.py as it is, plus a log line for every garbage-collector pass of the worker that takes
BENCH_GC_LOG_MS (default 5) ms or more: ``BENCH-GC <monotonic time> gen<N> <ms> ms ...``.

The realtime benchmark runs Beacon with it (unless --no-gc-probe) and reports the longest pass during
a step; it adds one ``gc.callbacks`` hook and nothing else."""

import os
import runpy

globals().update({k: v for k, v in runpy.run_path(os.path.join(os.getcwd(), "gunicorn.conf.py")).items()
                  if not k.startswith("__")})
_project_post_worker_init = post_worker_init  # noqa: F821 (from gunicorn.conf.py)


def post_worker_init(worker):
    import gc
    import sys
    import time

    _project_post_worker_init(worker)
    started = {}
    log_from_ms = float(os.environ.get("BENCH_GC_LOG_MS", "5"))

    def on_gc(phase, info):
        if phase == "start":
            started["t"] = time.perf_counter()
            return
        ms = 1000 * (time.perf_counter() - started.get("t", time.perf_counter()))
        if ms >= log_from_ms:
            # Wall-clock time of the pass: it includes any time the worker was preempted meanwhile.
            sys.stderr.write(f"BENCH-GC {time.monotonic():.3f} gen{info['generation']} {ms:.1f} ms "
                             f"collected={info['collected']}\n")
            sys.stderr.flush()

    gc.callbacks.append(on_gc)
