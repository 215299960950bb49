"""The pipeline bench's collector: every publish on a bench user's channel, timestamped on arrival.

``python -m bench.pipeline_collect REDIS_URL FIRST_USER LAST_USER OUT`` (no Django).

One pattern subscription to every user's channel (``realtime.publish.Channels``,
under REALTIME_CHANNEL_PREFIX as Beacon's processes have it), as the realtime
process has. Delivery publishes "<seq> <unread> <event JSON>" on a
user's channel after its transaction committed, so an arrival means the
notification is stored and published. Each arrival of a user in
[FIRST_USER, LAST_USER) is appended to OUT as a record of RECORD: arrival
time (``time.time()``, the clock the load generator stamps actions with),
user id, seq, and the notification id read from the event (0 when the event
is not a new notification, or its shape changed: the bench then finds it by
(user, seq) in PostgreSQL). Pub/sub ignores Redis database numbers, so other
users of the same Redis server are filtered out by user id.

Prints ``{"ready": pid}`` once subscribed; stops on SIGTERM, a line on stdin, or its end.
"""

import os
import re
import signal
import struct
import sys
import threading
import time

import redis

from bench.proc import reply
from realtime.publish import DEFAULT_CHANNEL_PREFIX, Channels

RECORD = struct.Struct("<dqqq")  # t, user, seq, notification id
FLUSH_SECONDS = 0.1
_NOTIFICATION_ID = re.compile(rb'"notification":\{"id":(\d+)')


def main():
    url, first, last, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    # Any line on stdin ({"cmd": "stop"}, bench/proc.py), or its end, stops it.
    threading.Thread(target=lambda: (sys.stdin.readline(), stop.set()), daemon=True).start()
    client = redis.Redis.from_url(url)
    pubsub = client.pubsub()
    channels = Channels(os.environ.get("REALTIME_CHANNEL_PREFIX", DEFAULT_CHANNEL_PREFIX))
    pubsub.psubscribe(channels.pattern)
    while pubsub.get_message(timeout=1.0) is None:  # the subscription's confirmation
        pass
    reply({"ready": os.getpid()})
    prefix = len(channels.prefix)
    pack = RECORD.pack
    buffered = []
    next_flush = time.monotonic() + FLUSH_SECONDS
    with open(out, "ab") as f:
        while not stop.is_set():
            # The raw reply, not get_message's dict: this process must keep up with thousands a second.
            response = pubsub.parse_response(block=False, timeout=0.05)
            now = time.time()
            if response is not None and response[0] == b"pmessage":
                channel, data = response[2], response[3]
                try:
                    user = int(channel[prefix:])
                except ValueError:
                    user = -1
                if first <= user < last:
                    seq, _, rest = data.partition(b" ")
                    match = _NOTIFICATION_ID.search(rest, 0, 200)
                    buffered.append(pack(now, user, int(seq), int(match.group(1)) if match else 0))
            if buffered and (response is None or time.monotonic() >= next_flush):
                f.write(b"".join(buffered))
                f.flush()
                buffered.clear()
                next_flush = time.monotonic() + FLUSH_SECONDS
        f.write(b"".join(buffered))


if __name__ == "__main__":
    main()
