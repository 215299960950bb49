"""A mail server on loopback that delivers nowhere: it keeps what it receives where a person can read it.

``make run`` starts one and points Beacon's mail at it; every message lands
in ``var/mail/`` as an ``.eml`` file (open it in any mail program) and on the
page ``/dev/mail/`` (DEBUG only). The tests' SMTP server is the same, with
ways to fail added (tests/support/smtp.py).
"""

import email
import email.policy
import itertools
import logging
import threading
import time
from email.message import EmailMessage
from pathlib import Path

from aiosmtpd.controller import Controller

from .ports import any_free_port

# aiosmtpd logs every SMTP command at INFO: a line per command per mail.
logging.getLogger("mail.log").setLevel(logging.WARNING)


class KeepingHandler:
    """aiosmtpd's handler: accepts every mail and keeps it, in memory and (if given a folder) on disk."""

    def __init__(self, folder: Path | None = None):
        self.folder = folder
        self.messages: list[EmailMessage] = []
        self._lock = threading.Lock()
        self._numbers = itertools.count(1)
        if folder is not None:
            folder.mkdir(parents=True, exist_ok=True)

    async def handle_DATA(self, server, session, envelope):
        self.keep(envelope.content)
        return "250 Message accepted for delivery"

    def keep(self, content: bytes) -> EmailMessage:
        message = email.message_from_bytes(content, policy=email.policy.default)
        with self._lock:
            self.messages.append(message)
            number = next(self._numbers)
        if self.folder is not None:
            # Written aside and renamed: a reader never sees half a message.
            name = f"{time.strftime('%Y%m%d-%H%M%S')}-{number:05d}.eml"
            partial = self.folder / f".{name}.part"
            partial.write_bytes(content)
            partial.rename(self.folder / name)
        return message


class MailServer:
    """An SMTP server on 127.0.0.1 in a thread of this process; ``with MailServer(...) as server:``."""

    def __init__(self, handler: KeepingHandler | None = None, *, port: int | None = None):
        self.handler = handler or KeepingHandler()
        self.port = port or any_free_port()
        self._controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    @property
    def messages(self) -> list[EmailMessage]:
        return list(self.handler.messages)

    def start(self) -> "MailServer":
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    def __enter__(self) -> "MailServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
