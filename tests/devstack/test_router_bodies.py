"""The development router passes a large request body through a piece at a time: its memory stays flat."""

import hashlib
import http.client
import json
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import psutil
import pytest

from dev import ports
from tests.support.waiting import wait_for

REPO = Path(__file__).resolve().parents[2]
BODY_BYTES = 100 * 1024 * 1024
PIECE = 65536
# The router may grow by this much while it carries BODY_BYTES: far less than the body, enough for
# the allocator's slack and one spooled megabyte.
GROWTH_AT_MOST = 20 * 1024 * 1024


class CountingUpstream(BaseHTTPRequestHandler):
    """Reads the body its Content-Length gives, a piece at a time, and answers how many bytes and their hash."""

    def do_POST(self):
        left = int(self.headers.get("Content-Length") or 0)
        digest, seen = hashlib.sha256(), 0
        while left > 0:
            piece = self.rfile.read(min(PIECE, left))
            if not piece:
                break
            digest.update(piece)
            seen += len(piece)
            left -= len(piece)
        answer = json.dumps({"bytes": seen, "sha256": digest.hexdigest(),
                             "chunked": "chunked" in self.headers.get("Transfer-Encoding", "")}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):
        pass


@pytest.fixture
def upstream():
    server = ThreadingHTTPServer(("127.0.0.1", 0), CountingUpstream)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


@pytest.fixture
def router(upstream):
    """``python -m dev.router`` with the test's counting server as its web process; (port, process)."""
    port = ports.any_free_port()
    env = {**os.environ, "BEACON_HOST": "127.0.0.1", "BEACON_PORT": str(port), "WEB_PORT": str(upstream),
           "REALTIME_PORT": str(ports.any_free_port()), "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen([sys.executable, "-m", "dev.router"], cwd=REPO, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: _listening(port) or proc.poll() is not None, timeout=15, message="the router listening")
        assert proc.poll() is None, f"the router exited with {proc.returncode}"
        yield port, psutil.Process(proc.pid)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _listening(port: int) -> bool:
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
        conn.connect()
        conn.close()
        return True
    except OSError:
        return False


def _post(port: int, size: int, *, chunked: bool) -> tuple[dict, str]:
    """POST ``size`` bytes, made as they go, to the router; its answer and the sha256 of what was sent."""
    sent = hashlib.sha256()

    def pieces():
        for index in range(0, size, PIECE):
            piece = bytes([index // PIECE % 251]) * min(PIECE, size - index)
            sent.update(piece)
            yield piece

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    headers = {"Content-Type": "application/octet-stream"}
    if not chunked:
        headers["Content-Length"] = str(size)
    conn.request("POST", "/upload/", body=pieces(), headers=headers, encode_chunked=chunked)
    response = conn.getresponse()
    assert response.status == 200, response.read()[:300]
    answer = json.loads(response.read())
    conn.close()
    return answer, sent.hexdigest()


class PeakMemory:
    """The highest RSS of a process while the ``with`` block runs, sampled from a thread of its own."""

    def __init__(self, process: psutil.Process):
        self._process = process
        self._done = threading.Event()
        self.peak = process.memory_info().rss

    def _sample(self):
        while not self._done.wait(0.01):
            self.peak = max(self.peak, self._process.memory_info().rss)

    def __enter__(self):
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._done.set()
        self._thread.join()
        self.peak = max(self.peak, self._process.memory_info().rss)


@pytest.mark.parametrize("chunked", [True, False], ids=["chunked", "content-length"])
def test_a_large_body_reaches_the_upstream_whole_while_the_routers_memory_stays_flat(router, chunked):
    port, process = router
    # given a router that has carried a small body already (its modules loaded, its buffers made)
    assert _post(port, 3 * PIECE, chunked=chunked)[0]["bytes"] == 3 * PIECE
    before = process.memory_info().rss

    # when a client sends it a 100 MB body
    with PeakMemory(process) as memory:
        answer, sent = _post(port, BODY_BYTES, chunked=chunked)

    # then the upstream got every byte, in order, with its length, and the router grew by far less than the body
    assert (answer["bytes"], answer["sha256"], answer["chunked"]) == (BODY_BYTES, sent, False)
    grown = memory.peak - before
    assert grown < GROWTH_AT_MOST, f"the router grew by {grown / 2**20:.1f} MB carrying {BODY_BYTES / 2**20:.0f} MB"
