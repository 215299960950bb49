"""Who listens where, and which loopback port we may take for a server of ours."""

import socket
from collections.abc import Callable

LOOPBACK = "127.0.0.1"
_LOOPBACK_NAMES = {"127.0.0.1", "localhost", "::1"}


def split_host_port(text: str, default_port: int) -> tuple[str, int]:
    """Parse ``host:port`` / ``[v6]:port`` / ``host``."""
    text = text.strip()
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        return host, int(rest[1:]) if rest.startswith(":") else default_port
    host, sep, port = text.rpartition(":")
    if not sep:
        return text, default_port
    return host or "localhost", int(port)


def is_loopback(host: str) -> bool:
    return host in _LOOPBACK_NAMES


def why_unreachable(target: tuple[str, int] | str, timeout: float = 2.0) -> str | None:
    """None when something accepts a connection at ``target`` (host/port, or a unix
    socket path); otherwise a short reason such as "connection refused".

    This plain TCP accept is what separates "nothing there, start ours" from
    "something there", which must then speak the right protocol or we stop.
    """
    try:
        if isinstance(target, str):
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
                sock.settimeout(timeout)
                sock.connect(target)
        else:
            with socket.create_connection(target, timeout=timeout):
                pass
    except socket.gaierror as exc:
        return f"cannot resolve {target[0]!r} ({exc.strerror})"
    except ConnectionRefusedError:
        return "connection refused"
    except FileNotFoundError:
        return "no such socket"
    except TimeoutError:
        return f"no answer within {timeout:g} s"
    except OSError as exc:
        return exc.strerror or str(exc)
    return None


def is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # Servers set SO_REUSEADDR too, so a port held only by TIME_WAIT leftovers counts as free.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((LOOPBACK, port))
        except OSError:
            return False
    return True


def any_free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        return sock.getsockname()[1]


def choose_port(name: str, preferred: list[int], log: Callable[[str], None]) -> int:
    """The first free port of ``preferred`` (earlier port first, so URLs stay stable
    across restarts), else any free one. Says so when a preferred port is taken."""
    taken = []
    for port in dict.fromkeys(p for p in preferred if p):
        if is_free(port):
            if taken:
                log(f"{name}: port {', '.join(map(str, taken))} is taken by another process; using {port}")
            return port
        taken.append(port)
    port = any_free_port()
    if taken:
        log(f"{name}: port {', '.join(map(str, taken))} is taken by another process; using free port {port}")
    return port
