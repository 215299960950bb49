"""The realtime process's gunicorn worker: gunicorn's gevent_pywsgi worker, reading requests through a smaller buffer.

gunicorn's default gevent worker parses each request with gunicorn's own
HTTP parser and writes each response with its own writer; its
``gevent_pywsgi`` worker hands the connection to gevent's WSGI server
instead, on the same gevent hub, with the same arbiter, accept loop, signals
and graceful stop. gevent's path costs less worker CPU per request (the
measurement is in the log of the commit that chose it), and every poll
accepted, re-poll and woken answer pays it.

Two things gunicorn's path does that gevent's does not, done here:

- gevent's handler reads each connection through a buffered file of 8 kB,
  allocated when the connection is accepted and kept while its poll is held.
  A poll request is a few hundred bytes (a session cookie makes it one or
  two kB); a smaller buffer reads a longer request in more than one recv.
- gevent's server keeps an idle keep-alive connection for as long as the
  client does. Here a connection waiting for its next request is closed
  after gunicorn's ``keepalive`` seconds, as gunicorn's own path does
  (a held poll is not waiting for a request: nobody reads its socket).
"""

from gunicorn.workers.ggevent import GeventPyWSGIWorker, PyWSGIHandler

# Bytes read from a client's socket at a time (gevent's default is 8192).
REQUEST_READ_BUFFER_BYTES = 1024


class RealtimeHandler(PyWSGIHandler):
    # Seconds a connection may wait for its next request; set from gunicorn's ``keepalive``.
    idle_seconds: float | None = None

    def __init__(self, sock, address, server, rfile=None):
        if rfile is None:
            rfile = sock.makefile("rb", REQUEST_READ_BUFFER_BYTES)
        super().__init__(sock, address, server, rfile)

    def read_requestline(self):
        """The next request's first line, or a timeout (an OSError: the handler closes the connection)."""
        sock = self.socket
        sock.settimeout(self.idle_seconds)
        try:
            return super().read_requestline()
        finally:
            if self.socket is not None:
                self.socket.settimeout(None)


class RealtimeWorker(GeventPyWSGIWorker):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.wsgi_handler = type("RealtimeHandler", (RealtimeHandler,), {"idle_seconds": self.cfg.keepalive or None})
