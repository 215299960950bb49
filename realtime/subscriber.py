"""The realtime process's one Redis subscription, read straight off the socket.

A fan-out brings thousands of publishes at once. redis-py's PubSub handles
them one call and one readiness poll each; here every recv is parsed whole by
hiredis, so a burst costs a handful of system calls. Only what a subscriber
needs: connect (TCP, TLS or unix socket), AUTH, PSUBSCRIBE, PING.
"""

import socket
import ssl

import hiredis
from redis.connection import parse_url

# A PING this often keeps idle middleboxes from dropping the connection, and
# makes a dead one fail its next write instead of waiting forever.
PING_EVERY_SECONDS = 30
RECV_BYTES = 256 * 1024


def _command(*args) -> bytes:
    parts = [b"*%d\r\n" % len(args)]
    for arg in args:
        data = arg if isinstance(arg, bytes) else str(arg).encode()
        parts.append(b"$%d\r\n%s\r\n" % (len(data), data))
    return b"".join(parts)


class Subscription:
    def __init__(self, url: str, *, connect_timeout: float = 5):
        self._url = url
        self._params = parse_url(url)
        self._connect_timeout = connect_timeout
        self._sock = None

    def open(self, pattern: str) -> None:
        params = self._params
        if "path" in params:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.settimeout(self._connect_timeout)
            sock.connect(params["path"])
        else:
            sock = socket.create_connection((params.get("host", "localhost"), params.get("port", 6379)),
                                            timeout=self._connect_timeout)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
            if self._url.startswith("rediss://"):
                sock = ssl.create_default_context().wrap_socket(sock, server_hostname=params.get("host"))
        self._sock = sock
        reader = hiredis.Reader()
        if params.get("password"):
            credentials = [params["username"]] if params.get("username") else []
            sock.sendall(_command("AUTH", *credentials, params["password"]))
            reply = self._one_reply(reader)
            if isinstance(reply, hiredis.ReplyError):
                raise ConnectionError(f"Redis refused AUTH: {reply}")
        sock.settimeout(None)
        sock.sendall(_command("PSUBSCRIBE", pattern))

    def ping(self) -> None:
        self._sock.sendall(_command("PING"))

    def replies(self):
        """Every reply as it arrives: lists like [b"pmessage", pattern, channel, data]."""
        reader = hiredis.Reader()
        while True:
            data = self._sock.recv(RECV_BYTES)
            if not data:
                raise ConnectionError("Redis closed the subscription")
            reader.feed(data)
            while (reply := reader.gets()) is not False:
                yield reply

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None

    def _one_reply(self, reader):
        while (reply := reader.gets()) is False:
            data = self._sock.recv(RECV_BYTES)
            if not data:
                raise ConnectionError("Redis closed the connection")
            reader.feed(data)
        return reply
