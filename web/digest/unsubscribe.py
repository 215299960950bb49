"""The one-click unsubscribe link: a signed user id that never expires.

Signed with SECRET_KEY under a salt of its own, so no other signed value of
Beacon's passes for one. Rotating SECRET_KEY ends every link already mailed
(keep the old key in SECRET_KEY_FALLBACKS for a while to avoid that).
"""

from django.conf import settings
from django.core import signing

SALT = "beacon.digest.unsubscribe"


class BadToken(Exception):
    pass


def token_for(user_id: int) -> str:
    return signing.Signer(salt=SALT).sign(str(user_id))


def user_id_of(token: str) -> int:
    try:
        return int(signing.Signer(salt=SALT).unsign(token))
    except (signing.BadSignature, ValueError):
        raise BadToken(token) from None


def unsubscribe_url(user_id: int) -> str:
    return f"{settings.SITE_URL.rstrip('/')}/digest/unsubscribe/{token_for(user_id)}/"
