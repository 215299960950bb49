"""The drills' proxy (tests/support/proxy.py) passes on a client's reset, so a server never keeps a dead client."""

import socket
import struct
import threading

from tests.support.proxy import Proxy
from tests.support.stack import free_port
from tests.support.waiting import wait_for


def test_a_client_that_resets_is_cut_at_the_server_too():
    # given a server holding one client through the proxy, as PostgreSQL holds a session in a transaction
    server = socket.create_server(("127.0.0.1", 0))
    accepted, closed = [], threading.Event()

    def hold():
        conn, _ = server.accept()
        accepted.append(conn)
        conn.sendall(b"x" * 100_000)  # an answer the client will never read
        if conn.recv(1) == b"":
            closed.set()

    threading.Thread(target=hold, daemon=True).start()
    proxy = Proxy(server.getsockname(), free_port())
    proxy.start()
    try:
        client = socket.create_connection(("127.0.0.1", proxy.port))
        wait_for(lambda: accepted, timeout=5, message="the server holding the client")
        # when the client dies with data unread: its kernel resets the connection
        client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        client.close()
        # then the server sees its client gone
        assert closed.wait(10), "the server still holds the dead client"
    finally:
        proxy.stop()
        server.close()
