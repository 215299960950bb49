"""A real SMTP server on loopback for the digest's tests, with ways to fail.

It is dev.mail's server (aiosmtpd) with knobs: refuse an address (at RCPT
or at DATA, permanently or for now), refuse every sender, answer slowly, or
hold a mail until the test says. It keeps each mail's bytes as received too.
"""

import asyncio
import threading
from contextlib import contextmanager
from email.message import EmailMessage

from dev.mail import KeepingHandler, MailServer


class FaultyHandler(KeepingHandler):
    def __init__(self):
        super().__init__()
        self.refused_addresses: dict[str, str] = {}  # address -> reply at RCPT, e.g. "550 5.1.1 No such user"
        self.refused_at_data: dict[str, str] = {}  # address -> reply to its mail's DATA, e.g. "451 4.7.1 Try later"
        self.raw: list[bytes] = []  # each accepted mail's bytes as received (what a DKIM check reads)
        self.sender_reply: str | None = None  # e.g. "421 4.3.2 Service not available": refuse everyone
        self.data_delay_seconds = 0.0  # answer DATA this late (a server that stops answering)
        self.hold = None  # callable(envelope) -> threading.Event to wait for before accepting, or None
        self.discard_held = False  # after a hold, answer 451 and keep nothing (the sender was gone)
        self.senders_seen: list[object] = []  # the session of each MAIL FROM, in order
        self._seen_lock = threading.Lock()

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        with self._seen_lock:
            self.senders_seen.append(session)
        if self.sender_reply:
            return self.sender_reply
        envelope.mail_from = address
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refused_addresses:
            return self.refused_addresses[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        refused = [self.refused_at_data[a] for a in envelope.rcpt_tos if a in self.refused_at_data]
        if refused:
            return refused[0]
        if self.data_delay_seconds:
            await asyncio.sleep(self.data_delay_seconds)
        gate = self.hold(envelope) if self.hold else None
        if gate is not None:
            await asyncio.get_running_loop().run_in_executor(None, gate.wait, 30)
            if self.discard_held:
                return "451 4.3.0 Not kept"
        with self._seen_lock:
            self.raw.append(envelope.original_content)
        return await super().handle_DATA(server, session, envelope)

    def sessions(self) -> int:
        with self._seen_lock:
            return len({id(session) for session in self.senders_seen})


class RecordingMailServer(MailServer):
    def __init__(self):
        super().__init__(FaultyHandler())

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if address in m["To"]]


@contextmanager
def digest_mail_server(settings, *, backend: str = "web.digest.dkim_signing.SigningEmailBackend",
                       site_url: str | None = None):
    """The digest's tests' mail server, with Beacon's processes' settings pointed at it: no settle time (a
    notification is mailable at once), a short timeout, and ``backend`` to send through."""
    with RecordingMailServer() as server:
        settings.EMAIL_BACKEND = backend
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.port
        settings.EMAIL_TIMEOUT = 2
        settings.DIGEST_SETTLE_MINUTES = 0
        if site_url is not None:
            settings.SITE_URL = site_url
        yield server
