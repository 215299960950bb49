"""DKIM (RFC 6376): every mail Beacon sends signed with the operator's key, when they give one.

``SigningEmailBackend`` is Django's SMTP backend with one change: it signs
the exact bytes it is about to send (dkimpy) and sends the signature header
before them, so nothing alters the message between signing and the wire.
Without DKIM_DOMAIN, DKIM_SELECTOR and DKIM_PRIVATE_KEY_FILE it sends as
Django's backend does, unsigned. The key is read and tried on a sample once,
when Django starts (web/digest/apps.py), so a missing file or a bad key stops
the process there, naming the setting, instead of failing the first digest.
"""

import functools
import smtplib
from dataclasses import dataclass

import dkim
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.mail.backends.smtp import EmailBackend
from django.core.mail.message import sanitize_address
from django.utils.module_loading import import_string

SETTINGS = ("DKIM_DOMAIN", "DKIM_SELECTOR", "DKIM_PRIVATE_KEY_FILE")

# The headers the signature covers. From, To, Subject and Date are what a
# reader trusts; the List-Unsubscribe pair is what Gmail's and Yahoo's rules
# for bulk senders (2024) want signed, so one-click unsubscribe cannot be
# added to or changed in transit. A header listed but absent from a mail is
# signed as absent (RFC 6376 5.4): it cannot be added later either.
SIGNED_HEADERS = (b"from", b"to", b"subject", b"date", b"message-id", b"mime-version", b"content-type",
                  b"content-transfer-encoding", b"list-unsubscribe", b"list-unsubscribe-post", b"auto-submitted",
                  b"reply-to", b"cc")
# relaxed/relaxed: survives a relay re-folding a header or trimming trailing
# spaces, which simple canonicalization turns into a failed signature.
CANONICALIZE = (b"relaxed", b"relaxed")

_PROBE = b"From: probe@example.invalid\r\nSubject: probe\r\n\r\nprobe\r\n"


@dataclass(frozen=True)
class DkimKey:
    domain: bytes
    selector: bytes
    private_key: bytes  # PEM

    def sign(self, message: bytes) -> bytes:
        """The DKIM-Signature header line (with its CRLF) for exactly these bytes."""
        return dkim.sign(message, self.selector, self.domain, self.private_key, canonicalize=CANONICALIZE,
                         include_headers=list(SIGNED_HEADERS))


def configured_key() -> DkimKey | None:
    """The key the settings give, read and tried; None when DKIM is off. ImproperlyConfigured if it cannot work."""
    return _load(*(getattr(settings, name, "") for name in SETTINGS))


@functools.cache
def _load(domain: str, selector: str, key_file: str) -> DkimKey | None:
    given = dict(zip(SETTINGS, (domain, selector, key_file), strict=True))
    if not any(given.values()):
        return None
    missing = [name for name, value in given.items() if not value]
    if missing:
        raise ImproperlyConfigured(f"DKIM needs {', '.join(SETTINGS)} together; {', '.join(missing)} "
                                   f"{'is' if len(missing) == 1 else 'are'} not set")
    try:
        with open(key_file, "rb") as file:
            pem = file.read()
    except OSError as error:
        raise ImproperlyConfigured(f"DKIM_PRIVATE_KEY_FILE={key_file!r} cannot be read: {error}") from None
    key = DkimKey(domain.encode("idna"), selector.encode("ascii"), pem)
    try:
        key.sign(_PROBE)
    except (dkim.DKIMException, ValueError, IndexError, TypeError) as error:
        raise ImproperlyConfigured(f"DKIM_PRIVATE_KEY_FILE={key_file!r} is not a PEM RSA private key that can "
                                   f"sign ({type(error).__name__}: {error})") from None
    return key


def check_settings() -> None:
    """At start: the key works, and the mail backend is one that signs with it."""
    if configured_key() is None:
        return
    backend = import_string(settings.EMAIL_BACKEND)
    if not (isinstance(backend, type) and issubclass(backend, SigningEmailBackend)):
        raise ImproperlyConfigured(f"DKIM_DOMAIN is set but EMAIL_BACKEND={settings.EMAIL_BACKEND!r} does not sign; "
                                   "use web.digest.dkim_signing.SigningEmailBackend (or unset EMAIL_BACKEND)")


class SigningEmailBackend(EmailBackend):
    """Django's SMTP backend, signing each mail with DKIM when a key is configured."""

    def _send(self, email_message):
        key = configured_key()
        if key is None:
            return super()._send(email_message)
        if not email_message.recipients():
            return False
        # As Django's own _send, with the signature put before the bytes it covers.
        encoding = email_message.encoding or settings.DEFAULT_CHARSET
        from_email = sanitize_address(email_message.from_email, encoding)
        recipients = [sanitize_address(address, encoding) for address in email_message.recipients()]
        data = email_message.message().as_bytes(linesep="\r\n")
        try:
            self.connection.sendmail(from_email, recipients, key.sign(data) + data)
        except smtplib.SMTPException:
            if not self.fail_silently:
                raise
            return False
        return True
