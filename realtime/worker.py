"""The realtime process's gunicorn worker: gunicorn's gevent_pywsgi worker, with a request path of its own.

gunicorn's ``gevent_pywsgi`` worker runs gevent's WSGI server on gunicorn's
arbiter, accept loop, signals and graceful stop; that stays. What changes is
the handler each connection gets (:class:`RealtimeHandler`): it reads the
socket itself, parses the head with realtime/http1.py, builds the WSGI environ
in one pass, and writes each answer (status line, headers and body) in one
send. No ``email`` parser, no buffered file kept per held poll, no date
formatted or access-log call per answer (gunicorn's access log still works
when REALTIME_ACCESS_LOG names one). The app stays pure WSGI.

Like gunicorn's own path, a connection waiting for its next request is
closed after gunicorn's ``keepalive`` seconds (a held poll is not waiting for
a request: nobody reads its socket then).
"""

import io
import json
import logging
import time
from datetime import timedelta

from gevent import pywsgi
from gunicorn.workers.ggevent import GeventPyWSGIWorker, GeventResponse

from realtime.http1 import (
    LAST_CHUNK,
    MAX_BODY_BYTES,
    MAX_HEAD_BYTES,
    BadRequest,
    chunk,
    parse_head,
    path_and_query,
    response_head,
)

log = logging.getLogger(__name__)

# Bytes asked of the socket at a time: a poll's whole head, most often.
READ_BYTES = 4096
REASONS = {400: "Bad Request", 408: "Request Timeout", 411: "Length Required", 413: "Content Too Large",
           429: "Too Many Requests", 431: "Request Header Fields Too Large", 500: "Internal Server Error",
           505: "HTTP Version Not Supported"}


class _Stop(Exception):
    """The connection ends here (the client left, or an answer could not be completed)."""


class RealtimeHandler(pywsgi.WSGIHandler):
    # Seconds a connection may wait for its next request; set from gunicorn's ``keepalive``.
    idle_seconds: float | None = None
    # Whether gunicorn's access log is on (REALTIME_ACCESS_LOG): off, nothing is formatted for it.
    access_log = False
    # Seconds a request's whole head (and its body, if any) may take to arrive once the connection
    # waits for it (REALTIME_REQUEST_HEAD_SECONDS): a client sending a byte now and then is cut.
    head_seconds = 10.0
    # Connections one address may hold open at once (REALTIME_MAX_CONNECTIONS_PER_ADDRESS; 0: no cap),
    # but for the proxies in front (REALTIME_PROXY_ADDRESSES), each of which carries many clients.
    max_per_address = 0
    proxies: frozenset = frozenset()
    # Open connections by address, this worker's (its own class, made by RealtimeWorker).
    open_by_address: dict = {}

    def __init__(self, sock, address, server, rfile=None):
        # Not gevent's __init__: it makes the buffered file this handler does without.
        self.socket = sock
        self.client_address = address
        self.server = server
        self.application = server.application

    def handle(self):
        sock = self.socket
        base = self.server.get_environ()
        base["SCRIPT_NAME"] = ""
        base["gunicorn.sock"] = sock
        if isinstance(self.client_address, tuple):
            base["REMOTE_ADDR"] = str(self.client_address[0])
            base["REMOTE_PORT"] = str(self.client_address[1])
        address = base.get("REMOTE_ADDR")
        counted = bool(self.max_per_address) and address is not None and address not in self.proxies
        if counted:
            open_now = self.open_by_address.get(address, 0)
            if open_now >= self.max_per_address:
                _refuse(sock, 429, f"at most {self.max_per_address} connections from one address at once")
                _close(sock)
                self.socket = None
                return
            self.open_by_address[address] = open_now + 1
        pending = b""
        try:
            while True:
                head, pending, deadline = self._read_head(sock, pending)
                if head is None:
                    return
                try:
                    request = parse_head(head)
                    body, pending = self._read_body(sock, request, pending, deadline)
                except BadRequest as exc:
                    _refuse(sock, exc.status, str(exc))
                    return
                if not self._answer(sock, base, request, body):
                    return
        except (OSError, _Stop):
            return  # the client left or stalled: nobody to answer
        finally:
            if counted:
                left = self.open_by_address[address] - 1
                if left:
                    self.open_by_address[address] = left
                else:
                    del self.open_by_address[address]
            _close(sock)
            self.socket = None

    def _read_head(self, sock, pending: bytes):
        """The next request's head, what came after it, and the deadline its body must meet;
        (None, b"", 0) when the client is done, or failed to send a whole head within ``head_seconds``."""
        deadline = time.monotonic() + self.head_seconds
        waiting = False  # on the client, with a timeout set
        try:
            while True:
                if pending[:2] == b"\r\n":
                    pending = pending.lstrip(b"\r\n")  # empty lines before a request are allowed
                end = pending.find(b"\r\n\r\n")
                if end >= 0:
                    return pending[:end], pending[end + 4:], deadline
                if len(pending) > MAX_HEAD_BYTES:
                    _refuse(sock, 431, f"the request head is larger than {MAX_HEAD_BYTES} bytes")
                    return None, b"", 0.0
                left = deadline - time.monotonic()
                if not pending and self.idle_seconds is not None:
                    left = min(left, self.idle_seconds)  # nothing of a request yet: the keep-alive wait
                if left <= 0:
                    raise TimeoutError
                sock.settimeout(left)
                waiting = True
                data = sock.recv(READ_BYTES)
                if not data:
                    return None, b"", 0.0
                pending += data
        except TimeoutError:
            if pending:  # a request begun and not finished in time; an idle connection just closes
                _refuse(sock, 408, f"the request head did not arrive within {self.head_seconds:g} s")
            return None, b"", 0.0
        finally:
            if waiting:
                sock.settimeout(None)

    @staticmethod
    def _read_body(sock, request, pending: bytes, deadline: float):
        if request.chunked:
            raise BadRequest(411, "a realtime route takes no chunked body; send Content-Length")
        length = request.content_length
        if not length:
            return b"", pending
        if length > MAX_BODY_BYTES:
            raise BadRequest(413, f"a realtime route takes no body larger than {MAX_BODY_BYTES} bytes")
        try:
            while len(pending) < length:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError
                sock.settimeout(left)
                data = sock.recv(READ_BYTES)
                if not data:
                    raise _Stop
                pending += data
        except TimeoutError:
            raise BadRequest(408, "the request body did not arrive in time") from None
        finally:
            sock.settimeout(None)
        return pending[:length], pending[length:]

    def _answer(self, sock, base: dict, request, body: bytes) -> bool:
        """Run the app for one request and write its answer; whether the connection goes on."""
        started = time.time() if self.access_log else 0.0
        environ = base.copy()
        path, query = path_and_query(request.target)
        environ["REQUEST_METHOD"] = request.method
        environ["PATH_INFO"] = path
        environ["QUERY_STRING"] = query
        environ["RAW_URI"] = request.target
        environ["SERVER_PROTOCOL"] = request.version
        environ["wsgi.input"] = io.BytesIO(body)
        for key, value in request.headers:
            if key == "HTTP_CONTENT_LENGTH":
                key = "CONTENT_LENGTH"
            elif key == "HTTP_CONTENT_TYPE":
                key = "CONTENT_TYPE"
            if key in environ and key.startswith("HTTP_"):
                environ[key] += ("; " if key == "HTTP_COOKIE" else ",") + value
            else:
                environ[key] = value

        started_response = []

        def start_response(status, headers, exc_info=None):
            if exc_info is not None and sent:
                raise exc_info[1].with_traceback(exc_info[2])
            started_response[:] = (status, headers)
            return _no_write

        sent = False
        try:
            result = self.application(environ, start_response)
        except Exception:
            log.exception("the realtime app failed on %s %s", request.method, request.target)
            _refuse(sock, 500, "the realtime process failed on this request")
            return False
        head_only = request.method == "HEAD"
        version = request.version.encode("ascii")
        try:
            if isinstance(result, list) and started_response:
                status, headers = started_response
                payload = b"".join(result)
                has_length, asks_close = _framing(headers)
                close = not request.keep_alive or asks_close
                if not has_length:
                    headers = [*headers, ("Content-Length", str(len(payload)))]
                sock.sendall(response_head(version, status, headers, close=close, chunked=False)
                             + (b"" if head_only else payload))
                sent = True
                length = len(payload)
            else:
                close, length = self._stream(sock, request, version, result, started_response, head_only)
                sent = True
        except (OSError, _Stop):
            raise _Stop from None
        except Exception:
            log.exception("the realtime app failed on %s %s", request.method, request.target)
            if not sent:
                _refuse(sock, 500, "the realtime process failed on this request")
            return False
        finally:
            closer = getattr(result, "close", None)
            if closer is not None:
                closer()
        if self.access_log:
            self._log_access(environ, started_response, length, started)
        return not close

    @staticmethod
    def _stream(sock, request, version: bytes, result, started_response, head_only: bool):
        """An answer of unknown length (an event stream): chunked on HTTP/1.1, else until close."""
        pieces = iter(result)
        first = next(pieces, b"")  # start_response may come with the first piece
        if not started_response:
            raise RuntimeError("the app returned without calling start_response")
        status, headers = started_response
        has_length, asks_close = _framing(headers)
        chunked = not has_length and request.version == "HTTP/1.1"
        close = not request.keep_alive or asks_close or not (has_length or chunked)
        frame = chunk if chunked else _plain
        head = response_head(version, status, headers, close=close, chunked=chunked)
        if head_only:
            sock.sendall(head)
            return close, 0
        sock.sendall(head + (frame(first) if first else b""))
        length = len(first)
        for piece in pieces:
            if piece:
                sock.sendall(frame(piece))
                length += len(piece)
        if chunked:
            sock.sendall(LAST_CHUNK)
        return close, length

    def _log_access(self, environ, started_response, length: int, started: float) -> None:
        status, headers = started_response or ("500 Internal Server Error", [])
        response = GeventResponse(status, headers, length)
        request_headers = [(k[5:].replace("_", "-"), v) for k, v in environ.items() if k.startswith("HTTP_")]
        self.server.log.access(response, request_headers, environ, timedelta(seconds=time.time() - started))


def _plain(data: bytes) -> bytes:
    return data


def _no_write(data: bytes) -> None:
    raise NotImplementedError("the realtime server takes an app's answer as its return value, not write()")


def _framing(headers) -> tuple[bool, bool]:
    """Whether the app's headers give a Content-Length, and whether they ask to close the connection."""
    has_length = asks_close = False
    for name, value in headers:
        lowered = name.lower()
        if lowered == "content-length":
            has_length = True
        elif lowered == "connection" and value.lower() == "close":
            asks_close = True
    return has_length, asks_close


def _close(sock) -> None:
    try:
        sock.close()
    except OSError:
        pass


def _refuse(sock, status: int, message: str) -> None:
    """A 4xx/5xx the server itself gives (before or instead of the app), closing the connection."""
    body = json.dumps({"error": REASONS[status].lower().replace(" ", "_"), "detail": message}).encode()
    head = response_head(b"HTTP/1.1", f"{status} {REASONS[status]}",
                         [("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
                         close=True, chunked=False)
    try:
        sock.sendall(head + body)
    except OSError:
        pass


class RealtimeWorker(GeventPyWSGIWorker):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.wsgi_handler = type("RealtimeHandler", (RealtimeHandler,), {
            "idle_seconds": self.cfg.keepalive or None,
            "access_log": bool(self.cfg.accesslog),
            "open_by_address": {},
        })

    def load_wsgi(self):
        super().load_wsgi()
        # The app has set Django up (realtime/wsgi.py): the limits are its settings.
        from django.conf import settings

        self.wsgi_handler.head_seconds = settings.REALTIME_REQUEST_HEAD_SECONDS
        self.wsgi_handler.max_per_address = settings.REALTIME_MAX_CONNECTIONS_PER_ADDRESS
        self.wsgi_handler.proxies = frozenset(settings.REALTIME_PROXY_ADDRESSES)

