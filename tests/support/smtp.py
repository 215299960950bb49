"""A real SMTP server on loopback for the digest's tests, with ways to fail.

It is dev.mail's server (aiosmtpd) with knobs: refuse an address,
refuse every sender, answer slowly, or hold a mail until the test says.
"""

import asyncio
import threading
from email.message import EmailMessage

from dev.mail import KeepingHandler, MailServer


class FaultyHandler(KeepingHandler):
    def __init__(self):
        super().__init__()
        self.refused_addresses: dict[str, str] = {}  # address -> reply, e.g. "550 5.1.1 No such user"
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
        if self.data_delay_seconds:
            await asyncio.sleep(self.data_delay_seconds)
        gate = self.hold(envelope) if self.hold else None
        if gate is not None:
            await asyncio.get_running_loop().run_in_executor(None, gate.wait, 30)
            if self.discard_held:
                return "451 4.3.0 Not kept"
        return await super().handle_DATA(server, session, envelope)

    def sessions(self) -> int:
        with self._seen_lock:
            return len({id(session) for session in self.senders_seen})


class RecordingMailServer(MailServer):
    def __init__(self):
        super().__init__(FaultyHandler())

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if address in m["To"]]
