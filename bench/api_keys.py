"""Bench users' API keys, stored as the code under measure keeps them.

Beacon keeps named tokens, hashed (web.api.tokens); code from before them
kept DRF's authtoken, in plain text. A ``--before-commit`` run seeds that
earlier code with this bench/ copied in, so both are written here, by
what the code has. Keys are 40 hex digits, which both accept.
"""

import binascii
import os


def new_key() -> str:
    return binascii.hexlify(os.urandom(20)).decode()


def store_keys(keys: dict[int, str], *, replace: bool = False) -> None:
    """One token per user id of ``keys``; ``replace``: the users' bench tokens made before go first."""
    try:
        from web.api.models import ApiToken
        from web.api.tokens import hash_key
    except ImportError:  # before named tokens
        from rest_framework.authtoken.models import Token

        if replace:
            Token.objects.filter(user_id__in=list(keys)).delete()
        Token.objects.bulk_create([Token(key=key, user_id=user_id) for user_id, key in keys.items()])
        return
    if replace:
        ApiToken.objects.filter(user_id__in=list(keys), name="bench").delete()
    ApiToken.objects.bulk_create([ApiToken(key_hash=hash_key(key), name="bench", user_id=user_id)
                                  for user_id, key in keys.items()])


def token_table() -> str:
    """The table the code under measure keeps tokens in."""
    try:
        from web.api.models import ApiToken
    except ImportError:
        return "authtoken_token"
    return ApiToken._meta.db_table
