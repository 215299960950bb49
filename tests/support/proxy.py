"""A TCP proxy of the drills' own on loopback, in front of a server, to make it slow or unreachable.

- ``delay``: every chunk, each way, reaches the other side this many seconds
  after it arrived (a delay line: chunks keep their order and many are in
  flight at once, as on a long network path, so throughput is not capped).
- :meth:`outage`: what a server restart does to its clients: every
  connection is cut, and new ones are refused (nothing listens) until it ends.
"""

import contextlib
import select
import socket
import threading
import time
from collections import deque

CHUNK = 65536


class Proxy:
    def __init__(self, upstream: tuple[str, int], port: int):
        self.upstream = upstream
        self.port = port
        self.delay = 0.0
        self._listener: socket.socket | None = None
        self._pairs: set[tuple[socket.socket, socket.socket]] = set()
        self._pumps_done: dict[tuple[socket.socket, socket.socket], int] = {}
        self._lock = threading.Lock()
        self._closed = threading.Event()

    def start(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(256)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def stop(self) -> None:
        self._closed.set()
        self._stop_listening()
        self._cut_all()

    @contextlib.contextmanager
    def outage(self):
        self._stop_listening()
        self._cut_all()
        try:
            yield
        finally:
            self.start()

    def _stop_listening(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            with contextlib.suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)
            listener.close()

    def _cut_all(self) -> None:
        with self._lock:
            pairs, self._pairs = self._pairs, set()
        for pair in pairs:
            for sock in pair:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()

    def _accept(self, listener: socket.socket) -> None:
        while not self._closed.is_set():
            try:
                client, _ = listener.accept()
            except OSError:
                return  # stopped listening
            try:
                server = socket.create_connection(self.upstream, timeout=5)
            except OSError:
                client.close()
                continue
            server.settimeout(None)
            with self._lock:
                self._pairs.add((client, server))
            for source, sink in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(source, sink, (client, server)), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket, pair) -> None:
        """Copy source to sink, each chunk sent ``delay`` seconds after it was read."""
        line: deque[tuple[float, bytes]] = deque()
        reading = True
        try:
            while reading or line:
                wait = max(0.0, line[0][0] - time.monotonic()) if line else None
                readable = select.select([source], [], [], wait)[0] if reading else []
                if readable:
                    data = source.recv(CHUNK)
                    if data:
                        line.append((time.monotonic() + self.delay, data))
                    else:
                        reading = False
                        if not line:
                            break
                elif not reading and line:
                    time.sleep(max(0.0, line[0][0] - time.monotonic()))
                while line and line[0][0] <= time.monotonic():
                    sink.sendall(line.popleft()[1])
            with contextlib.suppress(OSError):
                sink.shutdown(socket.SHUT_WR)
        except (OSError, ValueError):
            # Cut (an outage), or one side reset (a killed process's socket, with data unread): the other
            # side must hear of it too, or a server would keep that client's session, and its locks, open.
            for sock in pair:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
        finally:
            with self._lock:
                done = self._pumps_done[pair] = self._pumps_done.get(pair, 0) + 1
                if done == 2:
                    del self._pumps_done[pair]
                    self._pairs.discard(pair)
            if done == 2:
                for sock in pair:
                    sock.close()
