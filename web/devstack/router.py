"""The development front door: one origin for pages and long-polls.

``python -m web.devstack.router`` listens on BEACON_PORT and forwards
``/realtime/`` to the realtime process and everything else to the web
process, as a load balancer does in production. Keeping one origin means the
browser sends the session cookie to both and CSRF sees one host. gevent, so
held polls cost a greenlet each, not a thread.
"""

from gevent import monkey

monkey.patch_all()

import http.client  # noqa: E402
import logging  # noqa: E402
import os  # noqa: E402
import signal  # noqa: E402
from urllib.parse import quote  # noqa: E402

import gevent  # noqa: E402
from gevent.pywsgi import WSGIServer  # noqa: E402

log = logging.getLogger("beacon.router")

# Longer than the realtime hold (25 s + up to 5 s jitter), so the router never
# cuts a poll the realtime process is still holding.
UPSTREAM_TIMEOUT_SECONDS = 60
# Headers that describe one connection, not the message (RFC 9110, 7.6.1).
HOP_BY_HOP = {
    "connection", "keep-alive", "proxy-authenticate", "proxy-authorization",
    "te", "trailer", "transfer-encoding", "upgrade",
}


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
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else None
        conn = http.client.HTTPConnection(host, port, timeout=UPSTREAM_TIMEOUT_SECONDS)
        try:
            conn.request(environ["REQUEST_METHOD"], target, body=body, headers=_request_headers(environ))
            response = conn.getresponse()
        except OSError as exc:
            conn.close()
            log.warning("upstream %s:%d for %s failed: %s", host, port, path, exc)
            message = f"Beacon's {'realtime' if (host, port) == self._realtime else 'web'} process is not answering.\n"
            start_response("502 Bad Gateway", [("Content-Type", "text/plain; charset=utf-8")])
            return [message.encode()]
        headers = [(k, v) for k, v in response.getheaders() if k.lower() not in HOP_BY_HOP]
        start_response(f"{response.status} {response.reason}", headers)
        return _stream(response, conn)


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


def _stream(response, conn):
    try:
        while True:
            chunk = response.read1(65536)
            if not chunk:
                return
            yield chunk
    finally:
        conn.close()


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    host = os.environ.get("BEACON_HOST", "127.0.0.1")
    port = int(os.environ.get("BEACON_PORT", "8000"))
    router = Router(
        web=(os.environ.get("WEB_HOST", "127.0.0.1"), int(os.environ.get("WEB_PORT", "8001"))),
        realtime=(os.environ.get("REALTIME_HOST", "127.0.0.1"), int(os.environ.get("REALTIME_PORT", "8002"))),
    )
    server = WSGIServer((host, port), router, log=None, error_log=log)
    gevent.signal_handler(signal.SIGTERM, server.stop, 1)
    log.info("Beacon at http://%s:%d/ (web on :%s, realtime on :%s)", host, port,
             os.environ.get("WEB_PORT", "8001"), os.environ.get("REALTIME_PORT", "8002"))
    server.serve_forever()


if __name__ == "__main__":
    main()
