"""Beacon's benchmarks: ``.venv/bin/python -m bench [list|realtime] [options]``.

  python -m bench            both: the notification list (bench/notification_list.py), then the realtime one
  python -m bench list       only the notification list under 1,000,000 rows (``list --help``)
  python -m bench realtime   only the long-poll worker against nginx + nchan (bench/realtime_bench.py,
                             ``realtime --help``)
  python -m bench drills     the fault drills at 300 actions, into RELIABILITY.md (bench/drills.py)
  python -m bench digest     the digests due in one hour of 10,000 users on schedules and zones of their own,
                             through a local SMTP server (bench/digest.py)
  python -m bench graph      the graph page with 1,000 to 40,000 nodes in Chromium, against GRAPH_MAX_NODES
                             (bench/graph_drawing.py; `graph --help`)
  python -m bench pipeline   the notification pipeline through Beacon's processes, and the naive design
                             (bench/pipeline.py)
  python -m bench graph-search  the header's graph search on 100,000 graphs through the web process
                             (bench/graph_search.py; `graph-search --help`)

Each writes its own section of BENCHMARKS.md and keeps the others (bench/sections.py).
``pipeline`` and ``list`` take ``--before-commit REV`` (the same bench on REV's code first, in a worktree) or
``--before-results PATH``, and add a before-and-after section (bench/before.py); ``realtime`` takes
``--before-commit REV`` too, for its ``--before``.
"""

import importlib
import sys

from bench import notification_list
from bench.realtime_bench import realtime_main

# The benchmarks run on their own (module under bench/), apart from ``make bench``'s two.
ON_THEIR_OWN = {"drills": "drills", "digest": "digest", "graph": "graph_drawing", "pipeline": "pipeline",
                 "graph-search": "graph_search"}


def main():
    argv = sys.argv[1:]
    which = argv.pop(0) if argv and argv[0] in ("list", "realtime", *ON_THEIR_OWN) else "both"
    if which in ON_THEIR_OWN:
        importlib.import_module(f"bench.{ON_THEIR_OWN[which]}").main(argv)
        return
    if which == "list":
        notification_list.main(argv)
        return
    if which == "both" and not {"-h", "--help", "--render"} & set(argv):
        # The list first: it needs only PostgreSQL, and takes a minute or two once its data is seeded.
        notification_list.main(["--quick"] if "--quick" in argv else [])
    realtime_main(argv, "realtime " if which == "realtime" else "")


if __name__ == "__main__":
    main()
