"""Confirming an address again after the mail server refused it: a signed link that expires, mailed to it.

The link carries the user and the address, signed with SECRET_KEY under a
salt of its own and dated, so it works for CONFIRM_LINK_DAYS and only for
that address: a user who has changed address since cannot resume the old
one with it. Opening it shows a page with a button (a GET changes nothing:
mail scanners open links); pressing it ends the stop.
"""

from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMessage
from django.template.loader import render_to_string

SALT = "beacon.digest.confirm-address"

# Long enough to get a mailbox fixed and read the mail over a weekend; short
# enough that an old mail found later in a mailbox no longer acts.
CONFIRM_LINK_DAYS = 3


class BadLink(Exception):
    def __init__(self, expired: bool):
        super().__init__("expired" if expired else "invalid")
        self.expired = expired


@dataclass(frozen=True)
class Confirming:
    user_id: int
    address: str


def token_for(user_id: int, address: str) -> str:
    return signing.dumps({"u": user_id, "a": address}, salt=SALT, compress=True)


def confirming(token: str) -> Confirming:
    try:
        value = signing.loads(token, salt=SALT, max_age=CONFIRM_LINK_DAYS * 24 * 3600)
        return Confirming(int(value["u"]), str(value["a"]))
    except signing.SignatureExpired:
        raise BadLink(expired=True) from None
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise BadLink(expired=False) from None


def confirm_url(user_id: int, address: str) -> str:
    return f"{settings.SITE_URL.rstrip('/')}/digest/confirm/{token_for(user_id, address)}/"


def confirmation_message(user, address: str) -> EmailMessage:
    context = {"username": user.get_username(), "address": address, "days": CONFIRM_LINK_DAYS,
               "confirm_url": confirm_url(user.pk, address)}
    return EmailMessage(subject="Confirm your address to get Beacon's mail again",
                        body=render_to_string("digest/confirm_email.txt", context),
                        from_email=settings.DEFAULT_FROM_EMAIL, to=[address],
                        headers={"Auto-Submitted": "auto-generated"})
