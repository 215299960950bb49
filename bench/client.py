"""The load client: holds long-polls and re-polls at once on every answer, as browsers do.

``python -m bench.client CONFIG.json`` (pinned to core 1 by the runner). One
asyncio process, one HTTP/1.1 keep-alive connection per poll, spread over the
source addresses 127.0.0.2-127.0.0.9 so ephemeral ports last.

Connecting is cheap so that the client is not what bounds "N polls accepted in
T s": plain non-blocking connects whose completion is read in bulk from one
epoll of the client's own, each then given asyncio's ordinary socket transport
(about 0.1 ms of this process's CPU per connection, the kernel's share of the
handshake and the first request included; asyncio's sock_connect +
create_connection + a timeout per connect cost 0.25 ms). At most
``connect_concurrency`` connects are in flight during the ramp; the "ramped"
message gives its wall time and this process's CPU time (``cpu_seconds``).

- Beacon: ``GET /realtime/poll?cursor=N`` with ``Authorization: Token <key>``
  (or the session cookie); on an answer, poll again at once with its cursor.
- nchan: ``GET /sub/<channel>``; on an answer, poll again at once with its
  ``Last-Modified`` / ``Etag`` as ``If-Modified-Since`` / ``If-None-Match``,
  as nchan's own JavaScript client does.

Every event received is recorded as (poll index, user, seq, time.monotonic()).
The runner speaks to it in JSON lines on stdin: ``status``, ``dump``, ``collect``,
``stop``. The process stops by itself after ``max_seconds``.

Its own garbage collector never runs during a measured step: it is off from
the start, and the runner asks for a pass (``collect``, which also freezes what
survives) between steps. A timer every 10 ms measures how late the loop is, so
a report can say the client was not what stalled (``loop_lag_max_ms``).

Routing (``ports`` with more than one port): each poll, and each re-poll after
an answer, goes to one of the servers chosen at random, as a load balancer
without sticky sessions would send it. A re-poll for another server closes
the connection and opens one to it.
"""

import asyncio
import errno
import gc
import json
import os
import random
import resource
import select
import socket
import sys
import time
from collections import Counter, deque

from bench.proc import read_config, reply

IP_BIND_ADDRESS_NO_PORT = getattr(socket, "IP_BIND_ADDRESS_NO_PORT", 24)
RETRY_DELAY_SECONDS = 1.0
CONNECT_ATTEMPTS = 3
CONNECT_TIMEOUT_SECONDS = 10
LAG_TICK_SECONDS = 0.01


def cpu_seconds():
    """This process's CPU time (user + system), as /proc/self/stat counts it."""
    t = os.times()
    return t.user + t.system


class Poll(asyncio.Protocol):
    __slots__ = ("c", "idx", "user_id", "target", "source", "cursor", "last_modified", "etag", "transport",
                 "buf", "attempts", "port", "switching", "done")

    def __init__(self, client, idx, user_id, target, source, cursor=0):
        self.c = client
        self.idx = idx
        self.user_id = user_id
        self.target = target  # Beacon: the auth header line; nchan: the channel id
        self.source = source
        self.cursor = cursor  # Beacon: the user's stream position when the client started
        self.port = client.pick_port()
        self.switching = False
        self.last_modified = None
        self.etag = None
        self.transport = None
        self.buf = bytearray()
        self.attempts = 0
        self.done = None  # the connect's callback (Client.open)

    # -- asyncio.Protocol
    def connection_made(self, transport):
        self.transport = transport
        self.buf.clear()
        self.attempts = 0
        self.c.connected += 1
        self.send()

    def connection_lost(self, exc):
        self.transport = None
        self.c.connected -= 1
        if self.switching:
            self.switching = False
            if not self.c.stopping:
                self.c.open(self)
            return
        if not self.c.stopping:
            self.c.counts["connection_lost_by_server" if exc is None else "connection_errors"] += 1
            self.c.open(self, delay=0.05 if exc is None else RETRY_DELAY_SECONDS)

    def data_received(self, data):
        now = time.monotonic()
        self.buf += data
        while self.transport is not None:
            parsed = self._parse()
            if parsed is None:
                return
            self._answer(*parsed, now)

    # -- requests and answers
    def send(self):
        if self.transport is None or self.c.stopping:
            return
        c = self.c
        if c.kind == "beacon":
            req = f"GET /realtime/poll?cursor={self.cursor} HTTP/1.1\r\nHost: {c.host}\r\n{self.target}\r\n\r\n"
        else:
            cond = ""
            if self.last_modified:
                cond += f"If-Modified-Since: {self.last_modified}\r\n"
            if self.etag:
                cond += f"If-None-Match: {self.etag}\r\n"
            req = f"GET /sub/{self.target} HTTP/1.1\r\nHost: {c.host}\r\n{cond}\r\n"
        c.counts["requests"] += 1
        self.transport.write(req.encode())

    def _answer(self, status, headers, body, now):
        c = self.c
        keep = headers.get("connection", "").lower() != "close"
        delay = 0.0
        if status == 200:
            try:
                doc = json.loads(body)
            except ValueError:
                c.counts["bad_body"] += 1
                doc = {}
            if c.kind == "beacon":
                if doc.get("reset"):
                    c.counts["reset"] += 1
                events = doc.get("events") or ()
                for event in events:
                    c.recv.append((self.idx, self.user_id, event["seq"], now))
                c.counts["answers_with_events" if events else "answers_empty"] += 1
                self.cursor = doc.get("cursor", self.cursor)
            else:
                if "seq" in doc:
                    c.recv.append((self.idx, self.user_id, doc["seq"], now))
                c.counts["answers_with_events"] += 1
                self.last_modified = headers.get("last-modified", self.last_modified)
                self.etag = headers.get("etag", self.etag)
        elif status in (304, 408) and c.kind == "nchan":
            c.counts[f"answers_{status}"] += 1
        else:
            c.counts[f"status_{status}"] += 1
            delay = RETRY_DELAY_SECONDS
        if not keep:
            c.counts["closed_by_server_header"] += 1
            self.transport.close()  # connection_lost reconnects
        elif delay:
            c.loop.call_later(delay, self.send)
        elif len(c.ports) > 1 and (port := c.pick_port()) != self.port:
            # The router sent this re-poll to the other server.
            c.counts["switched_server"] += 1
            self.port = port
            self.switching = True
            self.transport.close()  # connection_lost opens one to the new server, which sends
        else:
            self.send()

    def _parse(self):
        buf = self.buf
        end = buf.find(b"\r\n\r\n")
        if end < 0:
            return None
        lines = bytes(buf[:end]).decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        start = end + 4
        if "content-length" in headers:
            stop = start + int(headers["content-length"])
            if len(buf) < stop:
                return None
            body = bytes(buf[start:stop])
            del buf[:stop]
            return status, headers, body
        if headers.get("transfer-encoding", "").lower() == "chunked":
            pos, body = start, bytearray()
            while True:
                eol = buf.find(b"\r\n", pos)
                if eol < 0:
                    return None
                size = int(bytes(buf[pos:eol]).split(b";")[0], 16)
                if len(buf) < eol + 2 + size + 2:
                    return None
                body += buf[eol + 2:eol + 2 + size]
                pos = eol + 2 + size + 2
                if size == 0:
                    break
            del buf[:pos]
            return status, headers, bytes(body)
        del buf[:start]
        return status, headers, b""


class Client:
    def __init__(self, cfg):
        self.cfg = cfg
        self.kind = cfg["kind"]
        self.host = cfg["host"]
        self.ports = cfg["ports"]
        self.rng = random.Random(cfg.get("seed", 1))
        self.counts = Counter()
        self.recv = []
        self.connected = 0
        self.stopping = False
        self.loop = None
        self.polls = []
        self.t_first_connect = None
        self.ep = None
        self.connecting = {}  # fd -> (socket, poll, deadline) of connects in progress
        self.sweep = None
        self.make_transport = None
        self.lag_max = 0.0
        self.lag_due = None
        sources = cfg["sources"]
        for idx, (user_id, target, *cursor) in enumerate(cfg["polls"]):
            self.polls.append(Poll(self, idx, user_id, target, sources[idx % len(sources)], *cursor))

    def pick_port(self):
        return self.ports[0] if len(self.ports) == 1 else self.rng.choice(self.ports)

    def _lag_tick(self):
        now = time.monotonic()
        if self.lag_due is not None:
            self.lag_max = max(self.lag_max, now - self.lag_due)
        self.lag_due = now + LAG_TICK_SECONDS
        self.loop.call_later(LAG_TICK_SECONDS, self._lag_tick)

    # -- connecting: plain non-blocking sockets, their writability waited for in bulk on one epoll of
    # our own (a single reader of the loop), then handed to asyncio's transport. No coroutine, future or
    # timer per connect: asyncio's sock_connect + create_connection + asyncio.timeout cost ~0.25 ms of
    # this process's CPU per connection, which bounded the 18,000-poll ramp at ~4.5 s by itself.
    def open(self, poll, delay=0.0, done=None):
        """Connect ``poll`` to its server (connection_made sends the request), up to CONNECT_ATTEMPTS tries
        a RETRY_DELAY_SECONDS apart, each given CONNECT_TIMEOUT_SECONDS; then ``done(ok)`` is called (after
        connection_made), ok False if it gave up. A reconnect (no ``done``) keeps a ramp's pending one."""
        if done is not None:
            poll.done = done
        if delay:
            self.loop.call_later(delay, self._attempt, poll)
        else:
            self._attempt(poll)

    def _attempt(self, poll):
        if self.stopping:
            self._finish(poll, False)
            return
        poll.attempts += 1
        try:
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM | socket.SOCK_NONBLOCK)
        except OSError as exc:
            self._failed(poll, exc)
            return
        try:
            sock.setsockopt(socket.SOL_IP, IP_BIND_ADDRESS_NO_PORT, 1)  # TCP_NODELAY: the transport sets it
            sock.bind((poll.source, 0))
            if self.t_first_connect is None:
                self.t_first_connect = time.monotonic()
            err = sock.connect_ex((self.host, poll.port))
            if err == errno.EINPROGRESS:
                fd = sock.fileno()
                self.connecting[fd] = (sock, poll, time.monotonic() + CONNECT_TIMEOUT_SECONDS)
                # One-shot: once reported it stays in our epoll, disabled, until the socket is closed (which
                # removes it), so no second epoll_ctl to take it out.
                self.ep.register(fd, select.EPOLLOUT | select.EPOLLONESHOT)
                if self.sweep is None:
                    self.sweep = self.loop.call_later(1.0, self._sweep)
                return
            if err:
                raise OSError(err, os.strerror(err))
        except OSError as exc:
            sock.close()
            self._failed(poll, exc)
            return
        self.loop.call_soon(self._connected_now, sock, poll)  # connected at once: not inside the caller's frame

    def _writable(self):
        """The loop's reader on our epoll: every connect that finished, at once."""
        connecting, made = self.connecting, []
        for fd, _ in self.ep.poll(0):
            sock, poll, _ = connecting.pop(fd)
            err = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)  # as sock_connect reads it
            if err:
                sock.close()
                self._failed(poll, OSError(err, os.strerror(err)))
            elif self._connected(sock, poll):
                made.append(poll)
        if made:
            # Queued after every connection_made (and so every request sent) of this batch.
            self.loop.call_soon(self._finish_all, made)

    def _sweep(self):
        """Once a second while connects are pending: those past their deadline fail with TimeoutError."""
        now = time.monotonic()
        late = [fd for fd, (_, _, deadline) in self.connecting.items() if deadline <= now]
        for fd in late:
            sock, poll, _ = self.connecting.pop(fd)
            sock.close()  # which takes it out of our epoll
            self._failed(poll, TimeoutError())
        self.sweep = self.loop.call_later(1.0, self._sweep) if self.connecting else None

    def _connected_now(self, sock, poll):
        if self._connected(sock, poll):
            self.loop.call_soon(self._finish, poll, True)

    def _connected(self, sock, poll):
        """Give the connected socket its transport; True if its ``done`` is now up to the caller (to be
        called after connection_made, which the transport queues with call_soon)."""
        if self.stopping:
            sock.close()
            self._finish(poll, False)
            return False
        if self.make_transport is None:  # an event loop without that private hook: the public way, a task each
            self.loop.create_task(self._create_connection(sock, poll))
            return False
        # What create_connection(sock=...) does, without its coroutine and waiter future.
        self.make_transport(sock, poll)
        return True

    async def _create_connection(self, sock, poll):
        try:
            await self.loop.create_connection(lambda: poll, sock=sock)
        except OSError as exc:
            sock.close()
            self._failed(poll, exc)
            return
        self._finish(poll, True)

    def _failed(self, poll, exc):
        self.counts[f"connect_error_{type(exc).__name__}_{getattr(exc, 'errno', '')}"] += 1
        if self.stopping:
            self._finish(poll, False)
        elif poll.attempts >= CONNECT_ATTEMPTS and not self.cfg.get("retry_forever"):
            self.counts["connect_gave_up"] += 1
            self._finish(poll, False)
        else:
            self.loop.call_later(RETRY_DELAY_SECONDS, self._attempt, poll)

    def _finish_all(self, polls):
        for poll in polls:
            self._finish(poll, True)

    @staticmethod
    def _finish(poll, ok):
        done, poll.done = poll.done, None
        if done is not None:
            done(ok)

    def status(self):
        return {"connected": self.connected, "polls": len(self.polls), "received": len(self.recv),
                "counts": dict(self.counts), "loop_lag_max_ms": round(1000 * self.lag_max, 1),
                "gc_enabled": gc.isenabled()}

    def on_stdin(self):
        line = sys.stdin.readline()
        if not line:
            self.stop()
            return
        cmd = json.loads(line)
        if cmd["cmd"] == "status":
            reply({"status": self.status()})
        elif cmd["cmd"] == "dump":
            with open(cmd["path"], "w") as f:
                json.dump({"recv": self.recv, "status": self.status()}, f)
            reply({"dumped": cmd["path"]})
        elif cmd["cmd"] == "collect":
            # Between steps: one pass now, what survives is frozen, the loop's lag counted afresh.
            t0 = time.monotonic()
            found = gc.collect()
            gc.freeze()
            self.lag_max = 0.0
            reply({"collected": {"objects": found, "ms": round(1000 * (time.monotonic() - t0), 1)}})
        elif cmd["cmd"] == "stop":
            self.stop()

    def stop(self):
        if self.stopping:
            return
        self.stopping = True
        for sock, _, _ in self.connecting.values():
            sock.close()
        self.connecting.clear()
        for poll in self.polls:
            if poll.transport is not None:
                poll.transport.abort()
        self.loop.call_later(0.2, self.loop.stop)

    def ramp(self):
        """Every poll connected, at most ``connect_concurrency`` connects in flight: each that ends (connected,
        or given up after its retries) starts the next from the queue."""
        t0, cpu0 = time.monotonic(), cpu_seconds()
        todo = deque(self.polls)
        opened = 0
        running = min(self.cfg.get("connect_concurrency", 200), len(todo))

        def done(ok):
            nonlocal opened, running
            opened += ok
            if todo and not self.stopping:
                self.open(todo.popleft(), done=done)
                return
            running -= 1
            if running == 0:
                reply({"ramped": True, "opened": opened, "seconds": time.monotonic() - t0,
                            "cpu_seconds": cpu_seconds() - cpu0,
                            "t_first_connect": self.t_first_connect, **self.status()})

        for _ in range(running):
            self.open(todo.popleft(), done=done)
        if running == 0:
            running = 1
            done(False)

    def run(self):
        resource.setrlimit(resource.RLIMIT_NOFILE, (20000, 20000))
        gc.disable()  # see the module's docstring: a pass is asked for between steps
        self.loop = asyncio.new_event_loop()
        asyncio.set_event_loop(self.loop)
        self.loop.add_reader(sys.stdin.fileno(), self.on_stdin)
        self.loop.call_later(self.cfg["max_seconds"], self.stop)
        self.loop.call_soon(self._lag_tick)
        self.ep = select.epoll()
        self.loop.add_reader(self.ep.fileno(), self._writable)
        self.make_transport = getattr(self.loop, "_make_socket_transport", None)
        self.loop.call_soon(self.ramp)
        self.loop.run_forever()
        reply({"stopped": True, **self.status()})


def main():
    Client(read_config()).run()


if __name__ == "__main__":
    main()
