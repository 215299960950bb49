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
REASONS = {400: "Bad Request", 411: "Length Required", 413: "Content Too Large",
           431: "Request Header Fields Too Large", 500: "Internal Server Error", 505: "HTTP Version Not Supported"}


class _Stop(Exception):
    """The connection ends here (the client left, or an answer could not be completed)."""


class RealtimeHandler(pywsgi.WSGIHandler):
    # Seconds a connection may wait for its next request; set from gunicorn's ``keepalive``.
    idle_seconds: float | None = None
    # Whether gunicorn's access log is on (REALTIME_ACCESS_LOG): off, nothing is formatted for it.
    access_log = False

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
        pending = b""
        try:
            while True:
                head, pending = self._read_head(sock, pending)
                if head is None:
                    return
                try:
                    request = parse_head(head)
                    body, pending = self._read_body(sock, request, pending)
                except BadRequest as exc:
                    _refuse(sock, exc.status, str(exc))
                    return
                if not self._answer(sock, base, request, body):
                    return
        except (OSError, _Stop):
            return  # the client left or stalled: nobody to answer
        finally:
            try:
                sock.close()
            except OSError:
                pass
            self.socket = None

    def _read_head(self, sock, pending: bytes):
        """The next request's head and what came after it, or (None, b"") when the client is done."""
        waiting = False  # on the client, with the idle timeout set
        try:
            while True:
                if pending[:2] == b"\r\n":
                    pending = pending.lstrip(b"\r\n")  # empty lines before a request are allowed
                end = pending.find(b"\r\n\r\n")
                if end >= 0:
                    return pending[:end], pending[end + 4:]
                if len(pending) > MAX_HEAD_BYTES:
                    _refuse(sock, 431, f"the request head is larger than {MAX_HEAD_BYTES} bytes")
                    return None, b""
                if not waiting:
                    sock.settimeout(self.idle_seconds)
                    waiting = True
                data = sock.recv(READ_BYTES)
                if not data:
                    return None, b""
                pending += data
        finally:
            if waiting:
                sock.settimeout(None)

    @staticmethod
    def _read_body(sock, request, pending: bytes):
        if request.chunked:
            raise BadRequest(411, "a realtime route takes no chunked body; send Content-Length")
        length = request.content_length
        if not length:
            return b"", pending
        if length > MAX_BODY_BYTES:
            raise BadRequest(413, f"a realtime route takes no body larger than {MAX_BODY_BYTES} bytes")
        while len(pending) < length:
            data = sock.recv(READ_BYTES)
            if not data:
                raise _Stop
            pending += data
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
        })

