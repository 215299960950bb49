"""The publisher: single-user publishes at a fixed rate, or one event to each of many users.

``python -m bench.publisher CONFIG.json`` (pinned to core 1 with the client).

Beacon: exactly what the delivery pipeline does after its transaction. The
events are first committed to PostgreSQL (``notifications_streamevent`` rows
and the user's ``notifications_userstream`` row, the truth), then
``realtime.publish.publish_events`` caches them in Redis and PUBLISHes the
wake-up. ``t0`` is taken right before ``publish_events``, so the PostgreSQL
write is not in the measured latency (it is in the pipeline's, before it).

nchan: ``POST /pub/<user>`` with the same event as body, on one keep-alive
connection; ``t0`` right before the request is sent.

Every publish is recorded as (user, seq, t0, scheduled time), with
``time.monotonic()`` (CLOCK_MONOTONIC, the same clock in every process).
"""

import json
import random
import socket
import sys
import threading
import time

EVENT_TYPE = "notification.created"


def make_event(user_id: int, seq: int) -> dict:
    """About the size and shape of a real notification (Notification.as_event_payload)."""
    return {
        "seq": seq,
        "type": EVENT_TYPE,
        "unread": seq,
        "id": user_id * 1000 + seq,
        "kind": "group",
        "verb": "shared",
        "actor": "Bench Actor",
        "target": {"type": "graph", "id": seq, "name": "Benchmark graph"},
        "text": "Bench Actor shared the graph \u201cBenchmark graph\u201d with Systems Biology Lab",
        "link": f"/graphs/{seq}/",
        "created": "2026-11-25T10:00:00+00:00",
        "read_at": None,
    }


class BeaconSink:
    SQL = """
WITH ev AS (SELECT * FROM unnest(%s::bigint[], %s::bigint[], %s::jsonb[]) AS t(user_id, seq, payload)),
ins AS (INSERT INTO notifications_streamevent (user_id, seq, type, payload, created)
        SELECT user_id, seq, %s, payload, now() FROM ev)
INSERT INTO notifications_userstream (user_id, last_seq, unread)
SELECT user_id, max(seq), max(seq) FROM ev GROUP BY user_id
ON CONFLICT (user_id) DO UPDATE
SET last_seq = GREATEST(notifications_userstream.last_seq, EXCLUDED.last_seq),
    unread = GREATEST(notifications_userstream.unread, EXCLUDED.unread)
"""

    def __init__(self, cfg):
        import psycopg2
        import redis

        from realtime.publish import StreamEntry, publish_events

        self._entry = StreamEntry
        self._publish = publish_events
        self.redis = redis.Redis.from_url(cfg["redis_url"])
        self.redis.ping()
        self.pg = psycopg2.connect(cfg["dsn"], application_name="beacon-bench-publisher")
        self.pg.autocommit = True
        with self.pg.cursor() as cur:
            # This session only: the benchmark measures delivery, not fsync.
            cur.execute("SET synchronous_commit TO off")

    def commit(self, items):
        payloads = [json.dumps({k: v for k, v in ev.items() if k not in ("seq", "type")}) for _, _, ev in items]
        with self.pg.cursor() as cur:
            cur.execute(self.SQL, ([u for u, _, _ in items], [s for _, s, _ in items], payloads, EVENT_TYPE))

    def publish_one(self, user_id, seq, event):
        self._publish(self.redis, [self._entry(user_id, seq, seq, event)])

    def publish_many(self, items):
        self._publish(self.redis, [self._entry(u, s, s, ev) for u, s, ev in items])


class NchanSink:
    def __init__(self, cfg):
        self.host_header = f"{cfg['host']}:{cfg['port']}"
        self.sock = socket.create_connection((cfg["host"], cfg["port"]), timeout=30)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = bytearray()
        self.statuses = {}

    def commit(self, items):
        pass

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

    def publish_one(self, user_id, seq, event):
        self.sock.sendall(self._request(user_id, event))
        self._count(self._read_response())

    def publish_many(self, items):
        # HTTP pipelining: every request is sent at once (by a thread, so the
        # answers are read meanwhile), like a Redis pipeline.
        data = b"".join(self._request(u, ev) for u, _, ev in items)
        sender = threading.Thread(target=self.sock.sendall, args=(data,))
        sender.start()
        for _ in items:
            self._count(self._read_response())
        sender.join()


class Publisher:
    def __init__(self, cfg):
        self.cfg = cfg
        self.sink = BeaconSink(cfg) if cfg["kind"] == "beacon" else NchanSink(cfg)
        self.seq = {}

    def _next(self, user_id):
        seq = self.seq.get(user_id, 0) + 1
        self.seq[user_id] = seq
        return seq

    def rate(self, rate: float, seconds: float, users: list, seed: int, path: str) -> dict:
        rng = random.Random(seed)
        total = int(rate * seconds)
        records = []
        batches = 0
        start = time.monotonic() + 0.05
        sent = 0
        while sent < total:
            now = time.monotonic()
            due = min(total, int((now - start) * rate) + 1) - sent  # event i is due at start + i/rate
            if due <= 0:
                time.sleep(max(0.0, start + sent / rate - now))
                continue
            due = min(due, 500)
            items = []
            for _ in range(due):
                user_id = rng.choice(users)
                seq = self._next(user_id)
                items.append((user_id, seq, make_event(user_id, seq)))
            self.sink.commit(items)
            batches += 1
            for i, (user_id, seq, event) in enumerate(items):
                t0 = time.monotonic()
                self.sink.publish_one(user_id, seq, event)
                records.append((user_id, seq, t0, start + (sent + i) / rate))
            sent += due
        end = time.monotonic()
        with open(path, "w") as f:
            json.dump(records, f)
        lags = sorted(r[2] - r[3] for r in records) or [0.0]
        return {"published": total, "seconds": end - start, "achieved_rate": total / max(end - start, 1e-9),
                "batches": batches, "lag_p99_ms": 1000 * lags[int(0.99 * (len(lags) - 1))],
                "lag_max_ms": 1000 * lags[-1], "t_start": start, "t_end": end}

    def fanout(self, users: list, path: str) -> dict:
        items = []
        for user_id in users:
            seq = self._next(user_id)
            items.append((user_id, seq, make_event(user_id, seq)))
        self.sink.commit(items)
        t0 = time.monotonic()
        self.sink.publish_many(items)
        t1 = time.monotonic()
        with open(path, "w") as f:
            json.dump([(u, s, t0, t0) for u, s, _ in items], f)
        return {"t0": t0, "publish_call_ms": 1000 * (t1 - t0), "events": len(items)}

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
                result = self.fanout(cmd["users"], cmd["path"])
                reply({"fanout_done": {**result, "statuses": _str_keys(statuses)}})
            elif cmd["cmd"] == "stop":
                break
        reply({"stopped": True})


def _str_keys(statuses):
    return {str(k): v for k, v in (statuses or {}).items()}


def reply(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def main():
    with open(sys.argv[1]) as f:
        cfg = json.load(f)
    Publisher(cfg).serve()


if __name__ == "__main__":
    main()
