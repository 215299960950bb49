"""DKIM: the digest as the mail server received it carries a signature that verifies against the published key.

The key is made here (cryptography), the mail goes through the project's own
SMTP server, and dkimpy checks what arrived, its DNS look-up answered with
this test's TXT record.
"""

import base64
import re

import dkim
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.core.exceptions import ImproperlyConfigured

from tests.support.events import graph_event
from tests.support.smtp import digest_mail_server
from web.digest.dkim_signing import check_settings
from web.digest.sending import send_now
from web.notifications.delivery import deliver

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def smtp(settings):
    with digest_mail_server(settings) as server:
        settings.DEFAULT_FROM_EMAIL = "beacon@mail.example.org"
        yield server


@pytest.fixture
def dkim_key(settings, tmp_path):
    """A fresh 2048-bit key in a file, configured; returns the TXT record an operator would publish."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    key_file = tmp_path / "dkim.pem"
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    settings.DKIM_DOMAIN, settings.DKIM_SELECTOR = "mail.example.org", "beacon2026"
    settings.DKIM_PRIVATE_KEY_FILE = str(key_file)
    public = key.public_key().public_bytes(serialization.Encoding.DER,
                                           serialization.PublicFormat.SubjectPublicKeyInfo)
    return b"v=DKIM1; k=rsa; p=" + base64.b64encode(public)


def dns_answering(records: dict[bytes, bytes]):
    def dnsfunc(name, timeout=5):
        return records.get(name if isinstance(name, bytes) else name.encode())
    return dnsfunc


def signature_tags(raw: bytes) -> dict[str, str]:
    header = re.search(rb"^DKIM-Signature:(.*?)\r\n(?![ \t])", raw, re.S | re.M | re.I).group(1)
    unfolded = re.sub(rb"\s+", b"", header).decode()
    return dict(tag.split("=", 1) for tag in unfolded.split(";") if tag)


def test_a_digest_is_signed_over_its_unsubscribe_headers_and_verifies_against_the_published_key(
        smtp, dkim_key, make_user):
    # given: alice has something to be mailed, and the operator gave a key
    alice = make_user("alice")
    deliver(graph_event(alice, "yeast PPI", to=[alice], graph_id=7))

    # when
    assert send_now(due_now=True).users_mailed == 1

    # then: what the server received verifies, and a changed byte does not
    [raw] = smtp.handler.raw
    dns = dns_answering({b"beacon2026._domainkey.mail.example.org.": dkim_key})
    assert dkim.verify(raw, dnsfunc=dns)
    tags = signature_tags(raw)
    assert (tags["d"], tags["s"], tags["a"], tags["c"]) == ("mail.example.org", "beacon2026", "rsa-sha256",
                                                            "relaxed/relaxed")
    signed = tags["h"].lower().split(":")
    assert {"from", "to", "subject", "date", "list-unsubscribe", "list-unsubscribe-post"} <= set(signed)
    assert not dkim.verify(raw.replace(b"One-Click", b"One-Clack"), dnsfunc=dns)  # the unsubscribe header is covered
    assert not dkim.verify(raw, dnsfunc=dns_answering({}))  # and it is the published key that it needs


def test_without_a_key_mail_goes_out_unsigned_as_before(smtp, make_user):
    alice = make_user("alice")
    deliver(graph_event(alice, "yeast PPI", to=[alice], graph_id=7))

    assert send_now(due_now=True).users_mailed == 1

    [raw] = smtp.handler.raw
    assert b"dkim-signature" not in raw.lower()
    [message] = smtp.to(alice.email)
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_a_key_that_cannot_sign_stops_the_start_naming_the_setting(settings, tmp_path):
    settings.DKIM_DOMAIN, settings.DKIM_SELECTOR = "mail.example.org", "beacon2026"
    settings.DKIM_PRIVATE_KEY_FILE = str(tmp_path / "missing.pem")
    with pytest.raises(ImproperlyConfigured, match=r"DKIM_PRIVATE_KEY_FILE='.*missing.pem' cannot be read"):
        check_settings()

    (tmp_path / "public.pem").write_text("-----BEGIN PUBLIC KEY-----\nMFwwDQYJKoZIhvcNAQEBBQADSwAwSAJBAK==\n"
                                         "-----END PUBLIC KEY-----\n")
    settings.DKIM_PRIVATE_KEY_FILE = str(tmp_path / "public.pem")
    with pytest.raises(ImproperlyConfigured, match=r"DKIM_PRIVATE_KEY_FILE=.* is not a PEM RSA private key"):
        check_settings()

    settings.DKIM_SELECTOR = ""
    with pytest.raises(ImproperlyConfigured, match="DKIM_SELECTOR is not set"):
        check_settings()


def test_a_key_with_a_backend_that_would_not_sign_stops_the_start(settings, dkim_key):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    with pytest.raises(ImproperlyConfigured, match="EMAIL_BACKEND='django.core.mail.backends.smtp.EmailBackend' "
                                                   "does not sign"):
        check_settings()
