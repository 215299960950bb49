"""The development front door: one origin for pages and long-polls.

``python -m dev.router`` listens on BEACON_PORT and forwards
``/realtime/`` to the realtime process and everything else to the web
process, as a load balancer does in production. Keeping one origin means the
browser sends the session cookie to both and CSRF sees one host. gevent, so
held polls cost a greenlet each, not a thread. A request body is never held
whole in memory (``_request_body``): a 200 MB upload once took the router
from 49 to 414 MB.
"""

from gevent import monkey

monkey.patch_all()

import http.client
import logging
import os
import signal
import socket
import tempfile
from urllib.parse import quote

import gevent
from gevent.pywsgi import WSGIHandler, WSGIServer

from realtime.hangup import watch_hangup

log = logging.getLogger("beacon.router")

# Longer than the realtime hold (25 s + up to 5 s jitter), so the router never
# cuts a poll the realtime process is still holding.
UPSTREAM_TIMEOUT_SECONDS = 60
# Headers that describe one connection, not the message (RFC 9110, 7.6.1).
HOP_BY_HOP = {
    "connection", "keep-alive", "proxy-authenticate", "proxy-authorization",
    "te", "trailer", "transfer-encoding", "upgrade",
}
# Where the client's socket is in the environ (set by _ClientSocketHandler).
CLIENT_SOCKET = "beacon.client_socket"
# Methods whose requests carry a body, if only an empty one (as http.client sends them).
BODY_METHODS = {"POST", "PUT", "PATCH"}
# The request body goes upstream in pieces this big, so a sender stops soon after the upstream has answered.
BODY_CHUNK_BYTES = 65536
# A chunked body is held until its end, to go upstream with its length: this much of it in memory, the
# rest in a temporary file, so a large upload leaves the router's memory flat.
CHUNKED_IN_MEMORY_BYTES = 1024 * 1024
# A request's line and headers must arrive within this (the realtime port's own deadline, which the
# router stands in front of: REALTIME_REQUEST_HEAD_SECONDS, settings/base.py).
HEAD_SECONDS = float(os.environ.get("REALTIME_REQUEST_HEAD_SECONDS", "10"))


class Router:
    def __init__(self, *, web: tuple[str, int], realtime: tuple[str, int]):
        self._web = web
        self._realtime = realtime

    def upstream_for(self, path: str) -> tuple[str, int]:
        return self._realtime if path == "/realtime" or path.startswith("/realtime/") else self._web

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "/")
        host, port = self.upstream_for(path)
        target = quote(path, safe="/%:@!$&'()*+,;=-._~")
        if environ.get("QUERY_STRING"):
            target += "?" + environ["QUERY_STRING"]
        headers = _request_headers(environ)
        body, length = _request_body(environ)
        if length or environ["REQUEST_METHOD"] in BODY_METHODS:
            headers["Content-Length"] = str(length)
        conn = http.client.HTTPConnection(host, port, timeout=UPSTREAM_TIMEOUT_SECONDS)
        exchange = _Exchange(conn)
        try:
            conn.connect()
            # A client that leaves while its request is upstream (a browser
            # changing page during a held poll) closes the upstream connection
            # too, so the realtime process lets go of the poll at once.
            exchange.hangup = watch_hangup(environ.get(CLIENT_SOCKET), exchange.client_gone)
            response = exchange.send(environ["REQUEST_METHOD"], target, headers, body, length)
        except (OSError, http.client.HTTPException) as exc:
            exchange.close()
            body.close()
            if not exchange.gone:  # else nobody reads the answer
                log.warning("upstream %s:%d for %s failed: %s", host, port, path, exc)
            message = f"Beacon's {'realtime' if (host, port) == self._realtime else 'web'} process is not answering.\n"
            start_response("502 Bad Gateway", [("Content-Type", "text/plain; charset=utf-8")])
            return [message.encode()]
        headers = [(k, v) for k, v in response.getheaders() if k.lower() not in HOP_BY_HOP]
        start_response(f"{response.status} {response.reason}", headers)
        return _Relay(response, exchange, body)


def _request_body(environ):
    """The request body as a stream to read once, and its length in bytes.

    A Content-Length body is read from the client as it goes upstream, a
    piece at a time. A chunked one is read to its end first, into a spooled
    file: it goes upstream with a Content-Length, since Django reads no body
    without one.
    """
    stream = environ["wsgi.input"]
    declared = environ.get("CONTENT_LENGTH")
    if declared:
        return _ClientBody(stream), int(declared)  # pywsgi has checked it is a number
    if "chunked" not in environ.get("HTTP_TRANSFER_ENCODING", "").lower():
        return _ClientBody(stream), 0
    spool = tempfile.SpooledTemporaryFile(max_size=CHUNKED_IN_MEMORY_BYTES)
    while chunk := stream.read(BODY_CHUNK_BYTES):
        spool.write(chunk)
    length = spool.tell()
    spool.seek(0)
    return spool, length


class _ClientBody:
    """The client's own stream, read as it comes; the server, not the exchange, closes it."""

    def __init__(self, stream):
        self.read = stream.read

    def close(self) -> None:
        pass


class _Exchange:
    """One request forwarded upstream and its answer, ended early if the client leaves."""

    def __init__(self, conn: http.client.HTTPConnection):
        self.conn = conn
        self.hangup = None
        self.gone = False

    def send(self, method: str, target: str, headers: dict, body, length: int) -> http.client.HTTPResponse:
        """Send the request, and read the answer while the body is still going out.

        An upstream may answer before it has read the whole body (Django's 413
        for a body over its limit) and close the connection: sending the rest
        would then fail, and that answer is the one the client must get.
        """
        names = {name.lower() for name in headers}
        self.conn.putrequest(method, target, skip_host="host" in names,
                             skip_accept_encoding="accept-encoding" in names)
        for name, value in headers.items():
            self.conn.putheader(name, value)
        self.conn.endheaders()
        sender = gevent.spawn(self._send_body, body, length) if length else None
        try:
            return self.conn.getresponse()
        finally:
            if sender is not None:
                sender.kill()  # answered: whatever of the body is left, upstream does not want it

    def _send_body(self, body, length: int) -> None:
        """``length`` bytes of ``body`` upstream, a piece read, a piece sent: never more than one held."""
        left = length
        try:
            while left > 0:
                chunk = body.read(min(BODY_CHUNK_BYTES, left))
                if not chunk:
                    break  # the client's body ended short: it left, and the hang-up watch ends the exchange
                self.conn.send(chunk)
                left -= len(chunk)
        except OSError:
            pass  # upstream stopped reading (or the client left); its answer, if any, is read all the same

    def client_gone(self) -> None:
        """From the event loop (realtime/hangup.py): shut the upstream socket, which ends the wait on it."""
        self.gone = True
        sock = self.conn.sock
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def close(self) -> None:
        if self.hangup is not None:
            self.hangup.stop()
        self.conn.close()


class _HeadTooSlow(Exception):
    """A request's line and headers did not arrive within HEAD_SECONDS."""


class _ClientSocketHandler(WSGIHandler):
    """pywsgi's handler, with the client's socket in the environ for watching (realtime/hangup.py),
    and a deadline for each request's head: from the moment the connection waits for a request, its
    line and headers must arrive within HEAD_SECONDS, or the connection is closed (a client sending a
    byte now and then would otherwise hold it for ever)."""

    _head_timer = None

    def read_requestline(self):
        self._head_timer = gevent.Timeout.start_new(HEAD_SECONDS, _HeadTooSlow)
        return super().read_requestline()

    def read_request(self, raw_requestline):
        try:
            return super().read_request(raw_requestline)
        finally:
            self._stop_head_timer()

    def handle_one_request(self):
        try:
            return super().handle_one_request()
        except _HeadTooSlow:
            log.info("closed a connection from %s: its request head took over %g s", self.client_address, HEAD_SECONDS)
            return None
        finally:
            self._stop_head_timer()

    def _stop_head_timer(self):
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def get_environ(self):
        environ = super().get_environ()
        environ[CLIENT_SOCKET] = self.socket
        return environ


def _request_headers(environ) -> dict:
    headers = {}
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            name = key[5:].replace("_", "-").title()
            if name.lower() not in HOP_BY_HOP:
                headers[name] = value
    for key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
        if environ.get(key):
            headers[key.replace("_", "-").title()] = environ[key]
    forwarded_for = environ.get("HTTP_X_FORWARDED_FOR")
    client = environ.get("REMOTE_ADDR", "")
    headers["X-Forwarded-For"] = f"{forwarded_for}, {client}" if forwarded_for else client
    headers["X-Forwarded-Proto"] = environ.get("wsgi.url_scheme", "http")
    return headers


class _Relay:
    """The upstream's answer as it comes; ``close()``, which the server always calls, ends the exchange."""

    def __init__(self, response: http.client.HTTPResponse, exchange: _Exchange, body):
        self._response = response
        self._exchange = exchange
        self._body = body

    def __iter__(self):
        try:
            while True:
                chunk = self._response.read1(65536)
                if not chunk:
                    return
                yield chunk
        except (OSError, http.client.HTTPException):
            if not self._exchange.gone:
                raise

    def close(self) -> None:
        self._exchange.close()
        self._body.close()  # a spooled chunked body's temporary file


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    host = os.environ.get("BEACON_HOST", "127.0.0.1")
    port = int(os.environ.get("BEACON_PORT", "8000"))
    router = Router(
        web=(os.environ.get("WEB_HOST", "127.0.0.1"), int(os.environ.get("WEB_PORT", "8001"))),
        realtime=(os.environ.get("REALTIME_HOST", "127.0.0.1"), int(os.environ.get("REALTIME_PORT", "8002"))),
    )
    server = WSGIServer((host, port), router, log=None, error_log=log, handler_class=_ClientSocketHandler)
    gevent.signal_handler(signal.SIGTERM, server.stop, 1)
    log.info("Beacon at http://%s:%d/ (web on :%s, realtime on :%s)", host, port,
             os.environ.get("WEB_PORT", "8001"), os.environ.get("REALTIME_PORT", "8002"))
    server.serve_forever()


if __name__ == "__main__":
    main()
