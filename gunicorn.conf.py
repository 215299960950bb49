"""gunicorn configuration of the realtime process (gunicorn -c gunicorn.conf.py realtime.wsgi).

The web process has its own, web/gunicorn_web.py. Every value can be set from
the environment; defaults suit one machine.
"""

import os

wsgi_app = "realtime.wsgi:application"
bind = [f"{os.environ.get('REALTIME_HOST', '127.0.0.1')}:{os.environ.get('REALTIME_PORT', '8002')}"]
# gunicorn's gevent_pywsgi worker (gevent's own HTTP server under gunicorn's
# arbiter), with a smaller read buffer per connection: realtime/worker.py.
worker_class = "realtime.worker.RealtimeWorker"
workers = int(os.environ.get("REALTIME_WORKERS", "1"))
# Held polls per worker. A process may hold 20,000 open files here; keep
# headroom for its Redis, PostgreSQL and log descriptors.
worker_connections = int(os.environ.get("REALTIME_WORKER_CONNECTIONS", "19000"))
# A held poll is an open request, not a stuck worker: the gevent worker's
# heartbeat keeps ticking while greenlets wait, so the usual timeout applies.
timeout = 30
# On a restart, held polls get this long to be answered before the worker is killed.
graceful_timeout = int(os.environ.get("REALTIME_GRACEFUL_TIMEOUT", "10"))
# Clients re-poll at once after an answer, so a short keep-alive is enough to
# reuse the connection; a long one would keep a stopping worker waiting.
# (gunicorn's own HTTP path reads it; gevent's server keeps an idle connection
# until the client closes it, and a stopping worker closes it after its answer:
# see RealtimeApp.drain.)
keepalive = 5
# The realtime app reads neither the client's address nor the scheme, so which
# peers may set X-Forwarded-* does not matter to it; "*" spares gunicorn
# parsing the peer's address on every request (measurable at thousands a second).
forwarded_allow_ips = "*"
accesslog = os.environ.get("REALTIME_ACCESS_LOG") or None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
proc_name = "beacon-realtime"
# gunicorn's control socket defaults to one path per user, which the web and
# realtime masters (and any second instance) would share; nothing here uses it.
control_socket_disable = True


def post_worker_init(worker):
    """Settle the worker: short garbage-collector passes (realtime/gc_watch.py), and drain on SIGTERM.

    On SIGTERM every held poll is answered at once, before gunicorn's own
    handling; gunicorn then waits for open requests (up to graceful_timeout),
    finds none, and the worker exits within a second.
    """
    import signal

    import gevent

    from realtime import gc_watch

    # A greenlet per request otherwise keeps a record of who spawned it
    # (a chain of frames): memory per held poll, and objects to collect.
    gevent.config.track_greenlet_tree = False
    gc_watch.WATCH.install()
    gevent.spawn(gc_watch.young_passes_forever)
    held = getattr(worker.wsgi, "held_requests", None)
    if held is not None:
        gevent.spawn(gc_watch.check_for_leaks_forever, gc_watch.WATCH, held, gc_watch.LEAK_CHECK_EVERY_SECONDS)

    drain = getattr(worker.wsgi, "drain", None)
    if drain is None:
        return
    gunicorn_handler = signal.getsignal(signal.SIGTERM)

    def on_sigterm(signum, frame):
        gevent.spawn(drain)
        gunicorn_handler(signum, frame)

    signal.signal(signal.SIGTERM, on_sigterm)
