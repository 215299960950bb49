"""A digest's links: each opens its notifications and marks them read, for the user it was mailed to only.

The link carries who it was mailed to, which notifications, and where it
leads, signed with the site's key (django.core.signing): it cannot be
changed to name another's notifications or to lead off the site. It needs
no single use and does not expire: all it does is read what it names, and
only in a session of the user it names, so a mail scanner following it
(signed out) changes nothing.
"""

from urllib.parse import urlencode

from django.core import signing

SALT = "beacon.digest.open"


def open_url(site_url: str, user_id: int, ids: list[int], to: str) -> str:
    """The absolute link that marks ``ids`` read and goes to ``to`` (a path of this site)."""
    # (Signer, not dumps: no timestamp in it, so the same digest sent twice reads the same)
    token = signing.Signer(salt=SALT).sign_object({"u": user_id, "n": sorted(ids), "to": to}, compress=True)
    return f"{site_url.rstrip('/')}/digest/open/?" + urlencode({"t": token})


def read_open_token(token: str) -> tuple[int, list[int], str]:
    """(user id, notification ids, path) of a link's token; signing.BadSignature for any other text."""
    data = signing.Signer(salt=SALT).unsign_object(token)
    if not (isinstance(data, dict) and isinstance(data.get("u"), int) and isinstance(data.get("n"), list)
            and all(isinstance(i, int) for i in data["n"]) and isinstance(data.get("to"), str)):
        raise signing.BadSignature("not a digest link")
    return data["u"], data["n"], data["to"]
