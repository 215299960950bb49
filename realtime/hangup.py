"""Noticing that the client of a held request has gone, without a greenlet per request.

While a poll or an event stream is held nobody reads its socket, so a client
that closes it (a browser leaving the page) goes unseen until the answer is
written, up to half a minute later, and meanwhile counts against its user's
limit of held polls. A libev io watcher on the socket costs a few hundred
bytes and no greenlet: the event loop calls back when the socket becomes
readable. Mid-request, an HTTP/1.1 client makes its socket readable for one
of two reasons: it closed it (end of file, or a reset), or it pipelined its
next request. A peek tells them apart without taking a byte from the server's
parser; a pipelining client is still there, and is no longer watched.

Used by the realtime process (the client socket gunicorn puts in the environ)
and by the development router (its pywsgi client socket). Plain gevent, no Django.
"""

import errno
import socket

import gevent
from gevent import monkey

# The standard library's socket class even where gevent has patched it: its
# recv never waits on the event loop, which a loop callback must not do.
_PlainSocket = monkey.get_original("socket", "socket")
_PEEK = socket.MSG_PEEK | socket.MSG_DONTWAIT
_READ = 1  # libev's EV_READ

# What a peek found.
GONE, THERE, NOTHING_YET = "gone", "there", "nothing yet"


def peek(fd: int) -> str:
    """Whether the peer of ``fd`` has closed (``GONE``), sent more (``THERE``), or neither."""
    sock = _PlainSocket(fileno=fd)
    try:
        data = sock.recv(1, _PEEK)
    except BlockingIOError:
        return NOTHING_YET  # a spurious wake-up: readiness without data
    except OSError as exc:
        # A reset, or a socket already closed under us: either way nobody is there.
        return GONE if exc.errno in (errno.ECONNRESET, errno.ENOTCONN, errno.EBADF, errno.ETIMEDOUT) else THERE
    finally:
        sock.detach()  # the descriptor belongs to the server, never to this object
    return GONE if data == b"" else THERE


class HangupWatch:
    """Calls ``on_gone()`` once, from the event loop, if the client closes its socket; ``stop()`` when answered.

    ``on_gone`` runs in the event loop's own greenlet: it must not block,
    only set flags and wake whoever waits.
    """

    __slots__ = ("_io", "_on_gone")

    def __init__(self, sock, on_gone):
        self._on_gone = on_gone
        self._io = gevent.get_hub().loop.io(sock.fileno(), _READ)
        self._io.start(self._readable)

    def _readable(self) -> None:
        if self._io is None:
            return
        found = peek(self._io.fd)
        if found == NOTHING_YET:
            return
        on_gone = self._on_gone
        self.stop()
        if found == GONE:
            on_gone()

    @property
    def watching(self) -> bool:
        return self._io is not None

    def stop(self) -> None:
        """Stop watching (idempotent). Must come before the server closes or reuses the socket."""
        if self._io is not None:
            self._io.stop()
            self._io.close()
            self._io = None
        self._on_gone = None


def watch_hangup(sock, on_gone) -> HangupWatch | None:
    """A watch on ``sock`` for its client closing, or None when there is no socket to watch (another server)."""
    if sock is None:
        return None
    try:
        if sock.fileno() < 0:
            return None  # closed already
    except (AttributeError, OSError):
        return None
    return HangupWatch(sock, on_gone)
