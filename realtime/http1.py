"""HTTP/1.1 for the realtime process: what a long poll needs, at a small constant cost per request.

gevent's pywsgi handler parses every request's headers through the standard
library's ``email`` parser, formats a date and calls the access log on every
answer, and writes the headers and the body separately: at thousands of
re-polls and woken answers a second that was most of the worker's CPU. This
module does what a poll needs and no more:

- :func:`parse_head`: the request line and headers, split by hand (a poll's
  head is a few hundred bytes and a dozen lines); anything it cannot take is a
  :class:`BadRequest` with the status to answer;
- :func:`response_head`: the status line and headers, with the Date
  formatted once a second;
- :func:`chunk` / ``LAST_CHUNK``: chunked framing, for an event stream.

The WSGI side (environ, start_response, keep-alive) is realtime/worker.py's.
"""

import time
from email.utils import formatdate
from urllib.parse import unquote_to_bytes

# A head larger than this is refused (431): a poll's is a few hundred bytes, a
# session cookie makes it one or two kB.
MAX_HEAD_BYTES = 16 * 1024
MAX_HEADERS = 100
# A realtime route reads no body; one of up to this many bytes is read and dropped (so the connection
# can go on), a larger one refused (413).
MAX_BODY_BYTES = 64 * 1024

# The characters of an HTTP token (a method, a header name); deleting them from a valid one leaves nothing.
_TOKEN_CHARS = b"!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _is_token(data: bytes) -> bool:
    return bool(data) and not data.translate(None, _TOKEN_CHARS)


class BadRequest(Exception):
    """A request this server will not take: ``status`` and a message for the client. The connection closes."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


class Head:
    """A parsed request head. ``headers``: (WSGI key, value) pairs, as CGI names them (``HTTP_ACCEPT``, …)."""

    __slots__ = ("method", "target", "version", "headers", "keep_alive", "content_length", "chunked")

    def __init__(self, method, target, version, headers, keep_alive, content_length, chunked):
        self.method, self.target, self.version, self.headers = method, target, version, headers
        self.keep_alive, self.content_length, self.chunked = keep_alive, content_length, chunked


def parse_head(head: bytes) -> Head:
    """The request line and headers of ``head`` (the bytes before the blank line)."""
    lines = head.split(b"\r\n")
    if head.count(b"\n") != len(lines) - 1:
        raise BadRequest(400, "a bare line feed in the request head")
    try:
        method, target, version = lines[0].split(b" ")
    except ValueError:
        raise BadRequest(400, "malformed request line") from None
    if version not in (b"HTTP/1.1", b"HTTP/1.0"):
        if not version.startswith(b"HTTP/"):
            raise BadRequest(400, "malformed request line")
        raise BadRequest(505, "HTTP/1.0 and HTTP/1.1 only")
    if not _is_token(method):
        raise BadRequest(400, "malformed request method")
    if not target.startswith(b"/"):
        raise BadRequest(400, "the request target must be a path")
    if len(lines) - 1 > MAX_HEADERS:
        raise BadRequest(431, f"more than {MAX_HEADERS} header fields")
    headers = []
    connection = b""
    content_length = None
    chunked = False
    for line in lines[1:]:
        name, sep, value = line.partition(b":")
        if not sep or not _is_token(name):
            # (whitespace is no token character: a space before the colon, or obsolete line folding)
            raise BadRequest(400, "malformed header field")
        value = value.strip(b" \t")
        lowered = name.lower()
        if lowered == b"content-length":
            if not value.isdigit() or (content_length is not None and int(value) != content_length):
                raise BadRequest(400, "malformed Content-Length")
            content_length = int(value)
        elif lowered == b"transfer-encoding":
            chunked = True
        elif lowered == b"connection":
            connection = value.lower()
        headers.append(("HTTP_" + name.decode("latin-1").upper().replace("-", "_"), value.decode("latin-1")))
    if chunked and content_length is not None:
        raise BadRequest(400, "both Content-Length and Transfer-Encoding")
    if version == b"HTTP/1.1":
        keep_alive = b"close" not in connection
    else:
        keep_alive = b"keep-alive" in connection
    return Head(method.decode("ascii"), target.decode("latin-1"), version.decode("ascii"), headers, keep_alive,
                content_length, chunked)


def path_and_query(target: str) -> tuple[str, str]:
    """PATH_INFO (percent-decoded, as WSGI's latin-1 string) and QUERY_STRING of a request target."""
    path, _, query = target.partition("?")
    if "%" in path:
        path = unquote_to_bytes(path).decode("latin-1")
    return path, query


class _DateCache:
    """The Date header's value, formatted at most once a second."""

    __slots__ = ("_second", "_value")

    def __init__(self):
        self._second = -1
        self._value = b""

    def value(self) -> bytes:
        now = int(time.time())
        if now != self._second:
            self._second = now
            self._value = formatdate(now, usegmt=True).encode("ascii")
        return self._value


DATE = _DateCache()


def response_head(version: bytes, status: str, headers, *, close: bool, chunked: bool) -> bytes:
    """The status line and header block of an answer, ending in the blank line."""
    parts = [version, b" ", status.encode("latin-1"), b"\r\n"]
    for name, value in headers:
        parts += (name.encode("latin-1"), b": ", value.encode("latin-1"), b"\r\n")
    parts += (b"Date: ", DATE.value(), b"\r\n")
    if chunked:
        parts.append(b"Transfer-Encoding: chunked\r\n")
    if close:
        parts.append(b"Connection: close\r\n")
    parts.append(b"\r\n")
    return b"".join(parts)


def chunk(data: bytes) -> bytes:
    return b"%x\r\n%s\r\n" % (len(data), data)


LAST_CHUNK = b"0\r\n\r\n"
