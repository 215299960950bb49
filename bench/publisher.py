"""The publisher: events at a fixed rate, or one action told to many users.

``python -m bench.publisher CONFIG.json`` (pinned to core 1 with the client).

Beacon: through the delivery code the pipeline runs. Each event is a real
``web.notifications.events.NotificationEvent`` ("watching" a graph, told to
one bench user, by the bench actor); at each tick the events that are due go
to ``web.notifications.delivery.deliver_many`` in ONE call, as the pipeline
hands on a batch: one transaction stores the Notification rows, numbers them
in each user's stream, and after commit ``realtime.publish.publish_events``
caches them in Redis and wakes the polls. ``t0`` is taken right before
``deliver_many``, so storing the event is inside the measured latency. The
moment ``publish_events`` starts is recorded too (``t_pub``), to tell the
store from what follows it.

A fan-out is one action told to many users, built as the action builds it
(``web.notifications.audience.Audience``: one event per 500 recipients, one
action id), stored by one ``deliver_many`` call.

nchan: ``POST /pub/<user>`` with a JSON event of about the same size as
Beacon's, on one keep-alive connection; ``t0`` right before the request is sent.

Every event is recorded as (user, seq, t0, scheduled time, t_pub), with
``time.monotonic()`` (CLOCK_MONOTONIC, the same clock in every process).
"""

import json
import os
import random
import socket
import sys
import threading
import time
import uuid

from bench.proc import read_config, reply

# Events due at once beyond this go in the next tick's call.
MAX_EVENTS_PER_CALL = 2000
GRAPHS = 1000  # the events are about this many graphs, at random


def nchan_event(user_id: int, seq: int) -> dict:
    """Beacon's notification.created event for a "watching" event, field for field (about 600 bytes)."""
    gid = seq % GRAPHS + 1
    name = f"Benchmark graph {gid}"
    return {
        "seq": seq,
        "type": "notification.created",
        "unread": seq,
        "notification": {
            "id": user_id * 1000 + seq, "why": [f"watching graph {name}"], "kind": "watching",
            "link": f"/graphs/{gid}/", "text": f"bench-actor updated graph \u201c{name}\u201d.", "verb": "updated",
            "actor": "bench-actor", "target": {"id": gid, "name": name, "type": "graph"},
            "created": "2026-11-30T09:36:10.062187+00:00", "read_at": None,
            "reasons": [{"kind": "watching", "watched": {"id": gid, "name": name, "type": "graph"}}],
            "graph_id": gid, "group_id": None, "group_key": f"watching:graph:{gid}:4c326ed0ca26", "mailed_at": None,
        },
    }


class BeaconSink:
    def __init__(self, cfg):
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings.dev")
        import django

        django.setup()
        from django.contrib.auth import get_user_model

        import web.notifications.stream as stream
        from web.notifications.audience import Audience
        from web.notifications.delivery import deliver_many
        from web.notifications.events import Target, new_event

        self._deliver_many = deliver_many
        self._new_event = new_event
        self._target = Target
        self._audience = Audience
        self.actor = get_user_model().objects.get(pk=cfg["actor_id"])
        self.publish_started = []  # monotonic time of each publish_events call, in order
        self.publish_errors = 0
        original = stream.publish_events

        def timed_publish(*args):
            # Only notes the time: the pipeline's own publish runs unchanged (whatever
            # its arguments: an earlier tree's, under --before-commit, may differ).
            self.publish_started.append(time.monotonic())
            return original(*args)

        stream.publish_events = timed_publish
        import logging

        class CountErrors(logging.Handler):
            def emit(inner, record):
                self.publish_errors += 1

        logging.getLogger("web.notifications.stream").addHandler(CountErrors(logging.WARNING))
        self._warm()

    def _graph(self, rng):
        gid = rng.randrange(1, GRAPHS + 1)
        name = f"Benchmark graph {gid}"
        return self._target("graph", gid, name, f"/graphs/{gid}/", graph_id=gid, graph_name=name), name

    def event(self, user_id, rng):
        target, name = self._graph(rng)
        return self._new_event(
            action_id=str(uuid.uuid4()), kind="watching", verb="updated", actor=self.actor, target=target,
            recipients=[{"user": user_id, "reasons": [{"kind": "watching",
                                                       "watched": {"type": "graph", "id": target.id, "name": name}}]}],
        )

    def _warm(self):
        """Connections and code paths made before the first measured call (its events go to the actor's
        own stream, which no poll reads)."""
        target, _ = self._graph(random.Random(0))
        self._deliver_many([self._new_event(action_id=str(uuid.uuid4()), kind="owner", verb="updated",
                                            actor=self.actor, target=target,
                                            recipients=[{"user": self.actor.pk, "reasons": [{"kind": "owner"}]}])])

    def deliver(self, events):
        """deliver_many(events): [(user, seq)], the time publish_events started (None if it did not)."""
        before = len(self.publish_started)
        delivered = self._deliver_many(events)
        t_pub = self.publish_started[-1] if len(self.publish_started) > before else None
        return [(d.user_id, d.seq) for d in delivered], t_pub

    def fanout_events(self, users, rng):
        target, _ = self._graph(rng)
        return self._audience(self.actor).tell_watchers(users, target).events(verb="updated", target=target)


class NchanSink:
    def __init__(self, cfg):
        self.host_header = f"{cfg['host']}:{cfg['port']}"
        self.sock = socket.create_connection((cfg["host"], cfg["port"]), timeout=30)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = bytearray()
        self.statuses = {}
        self.seq = {}
        self.publish_errors = 0

    def _next(self, user_id):
        seq = self.seq.get(user_id, 0) + 1
        self.seq[user_id] = seq
        return seq

    def event(self, user_id, rng):
        return (user_id, nchan_event(user_id, self._next(user_id)))

    def fanout_events(self, users, rng):
        return [self.event(u, rng) for u in users]

    def _request(self, user_id, event) -> bytes:
        body = json.dumps(event, separators=(",", ":")).encode()
        head = (f"POST /pub/{user_id} HTTP/1.1\r\nHost: {self.host_header}\r\n"
                f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n").encode()
        return head + body

    def _read_response(self):
        while True:
            end = self.buf.find(b"\r\n\r\n")
            if end >= 0:
                lines = bytes(self.buf[:end]).decode("latin-1").split("\r\n")
                status = int(lines[0].split(" ", 2)[1])
                length = 0
                chunked = False
                for line in lines[1:]:
                    name, _, value = line.partition(":")
                    name = name.strip().lower()
                    if name == "content-length":
                        length = int(value)
                    elif name == "transfer-encoding" and "chunked" in value.lower():
                        chunked = True
                if chunked:
                    stop = self.buf.find(b"\r\n0\r\n\r\n", end)
                    if stop >= 0:
                        del self.buf[:stop + 7]
                        return status
                elif len(self.buf) >= end + 4 + length:
                    del self.buf[:end + 4 + length]
                    return status
            chunk = self.sock.recv(262144)
            if not chunk:
                raise ConnectionError("nchan closed the publisher connection")
            self.buf += chunk

    def _count(self, status):
        self.statuses[status] = self.statuses.get(status, 0) + 1

    def deliver(self, events):
        """Each due event is its own POST, as nchan is fed (a rate step sends them one by one;
        a fan-out pipelines them all on the connection, like a Redis pipeline)."""
        if len(events) == 1:
            user_id, event = events[0]
            self.sock.sendall(self._request(user_id, event))
            self._count(self._read_response())
        else:
            data = b"".join(self._request(u, ev) for u, ev in events)
            sender = threading.Thread(target=self.sock.sendall, args=(data,))
            sender.start()
            for _ in events:
                self._count(self._read_response())
            sender.join()
        return [(u, ev["seq"]) for u, ev in events], None


class Publisher:
    def __init__(self, cfg):
        self.cfg = cfg
        self.kind = cfg["kind"]
        self.sink = BeaconSink(cfg) if self.kind == "beacon" else NchanSink(cfg)

    def rate(self, rate: float, seconds: float, users: list, seed: int, path: str) -> dict:
        rng = random.Random(seed)
        total = int(rate * seconds)
        records = []
        calls = 0
        call_seconds = []
        start = time.monotonic() + 0.05
        sent = 0
        while sent < total:
            now = time.monotonic()
            due = min(total, int((now - start) * rate) + 1) - sent  # event i is due at start + i/rate
            if due <= 0:
                time.sleep(max(0.0, start + sent / rate - now))
                continue
            due = min(due, MAX_EVENTS_PER_CALL)
            if self.kind == "beacon":
                events = [self.sink.event(rng.choice(users), rng) for _ in range(due)]
                t0 = time.monotonic()
                delivered, t_pub = self.sink.deliver(events)
                calls += 1
                call_seconds.append(time.monotonic() - t0)
                for i, (user_id, seq) in enumerate(delivered):
                    records.append((user_id, seq, t0, start + (sent + i) / rate, t_pub))
            else:
                # One POST per event, each timed from its own send.
                for i in range(due):
                    item = self.sink.event(rng.choice(users), rng)
                    t0 = time.monotonic()
                    (user_id, seq), = self.sink.deliver([item])[0]
                    calls += 1
                    records.append((user_id, seq, t0, start + (sent + i) / rate, t0))
            sent += due
        end = time.monotonic()
        with open(path, "w") as f:
            json.dump(records, f)
        lags = sorted(r[2] - r[3] for r in records) or [0.0]
        call_seconds.sort()
        out = {"published": len(records), "asked": total, "seconds": end - start,
               "achieved_rate": len(records) / max(end - start, 1e-9), "calls": calls,
               "events_per_call": len(records) / max(calls, 1),
               "lag_p99_ms": 1000 * lags[int(0.99 * (len(lags) - 1))], "lag_max_ms": 1000 * lags[-1],
               "t_start": start, "t_end": end, "publish_errors": self.sink.publish_errors}
        if call_seconds:
            out["call_ms_p50"] = 1000 * call_seconds[len(call_seconds) // 2]
            out["call_ms_p99"] = 1000 * call_seconds[int(0.99 * (len(call_seconds) - 1))]
        return out

    def fanout(self, users: list, path: str, seed: int) -> dict:
        events = self.sink.fanout_events(users, random.Random(seed))
        t0 = time.monotonic()
        delivered, t_pub = self.sink.deliver(events)
        t1 = time.monotonic()
        with open(path, "w") as f:
            json.dump([(u, s, t0, t0, t_pub) for u, s in delivered], f)
        return {"t0": t0, "t_pub": t_pub, "call_ms": 1000 * (t1 - t0), "events": len(events),
                "delivered": len(delivered), "publish_errors": self.sink.publish_errors}

    def serve(self):
        reply({"ready": True})
        for line in sys.stdin:
            cmd = json.loads(line)
            statuses = getattr(self.sink, "statuses", None)
            if statuses is not None:
                statuses.clear()
            if cmd["cmd"] == "rate":
                result = self.rate(cmd["rate"], cmd["seconds"], cmd["users"], cmd["seed"], cmd["path"])
                reply({"rate_done": {**result, "statuses": _str_keys(statuses)}})
            elif cmd["cmd"] == "fanout":
                result = self.fanout(cmd["users"], cmd["path"], cmd.get("seed", 0))
                reply({"fanout_done": {**result, "statuses": _str_keys(statuses)}})
            elif cmd["cmd"] == "stop":
                break
        reply({"stopped": True})


def _str_keys(statuses):
    return {str(k): v for k, v in (statuses or {}).items()}


def main():
    Publisher(read_config()).serve()


if __name__ == "__main__":
    main()
