"""gunicorn configuration of the web process (gunicorn -c python:web.gunicorn_web)."""

import os

wsgi_app = "web.wsgi:application"
bind = [f"{os.environ.get('WEB_HOST', '127.0.0.1')}:{os.environ.get('WEB_PORT', '8001')}"]
workers = int(os.environ.get("WEB_WORKERS", "2"))
threads = int(os.environ.get("WEB_THREADS", "4"))
timeout = 30
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
proc_name = "beacon-web"
# gunicorn's control socket defaults to one path per user, which the web and
# realtime masters (and any second instance) would share; nothing here uses it.
control_socket_disable = True
