"""One more try for a request whose database connection was cut under it.

A PostgreSQL connection can die mid-request: the server restarted, a
failover, an operator's ``pg_terminate_backend``, a network blip. Django's
health check replaces a dead connection only at the start of a request, so
the request that finds it answers 500, and a client that retries may make a
duplicate if the first attempt had in fact committed. Here such a request is
run once more on a new connection, the way the realtime pool retries a
query, when that is sure to be safe: its transaction certainly rolled back
(the connection died before COMMIT), or it carries an ``Idempotency-Key``
(stored in the action's own transaction, so a committed first attempt is
replayed, not repeated). A commit cut in doubt without a key still answers
500: only the client can decide, and README "When things fail" says how.
"""

import io
import logging

from django.db import InterfaceError, OperationalError, connection

log = logging.getLogger(__name__)


class _RecordingStream:
    """The request body as the view reads it, kept so a second try can read it again."""

    def __init__(self, stream):
        self._stream = stream
        self.seen = bytearray()

    def read(self, *args):
        data = self._stream.read(*args)
        self.seen += data
        return data

    def readline(self, *args):
        data = self._stream.readline(*args)
        self.seen += data
        return data

    def __getattr__(self, name):
        return getattr(self._stream, name)  # close() and the like

    def rest(self) -> bytes:
        return bytes(self.seen) + self._stream.read()


class RetryWhenTheDatabaseConnectionIsLost:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        connection.commit_in_doubt = False
        if getattr(request, "_stream", None) is not None:
            request._stream = _RecordingStream(request._stream)
        return self.get_response(request)

    def process_exception(self, request, exception):
        if getattr(request, "_beacon_retried", False) or not connection_lost(exception):
            return None
        in_doubt = getattr(connection, "commit_in_doubt", False)
        if in_doubt and "Idempotency-Key" not in request.headers:
            log.error("database connection lost during the commit of %s %s: it may or may not have committed, "
                      "so it is not tried again", request.method, request.path)
            return None
        log.warning("database connection lost during %s %s (%s); trying the request once more on a new one",
                    request.method, request.path, str(exception).strip().splitlines()[0] if str(exception) else "")
        request._beacon_retried = True
        connection.close()
        connection.commit_in_doubt = False
        _rewind(request)
        match = request.resolver_match
        return match.func(request, *match.args, **match.kwargs)


def connection_lost(exception) -> bool:
    """Whether ``exception`` is the database connection dying, not a failed statement on a live one.

    Told by the driver's error, not by the connection's state: Django may
    have quietly reconnected by the time the error reaches us.
    """
    if isinstance(exception, InterfaceError):
        return True  # "connection already closed"
    if not isinstance(exception, OperationalError):
        return False
    # A server that answered gives an SQLSTATE; a dead connection gives none,
    # or says it was terminated (57P01), crashed (57P02) or cannot connect now (57P03).
    return getattr(exception.__cause__, "pgcode", None) in (None, "57P01", "57P02", "57P03")


def _rewind(request) -> None:
    stream = request._stream
    if isinstance(stream, _RecordingStream):
        request._stream = io.BytesIO(stream.rest())
        request._read_started = False
    if hasattr(request, "_files"):
        for upload in request._files.values():
            upload.seek(0)
