"""A user's named API tokens: made, listed, used, revoked. One function per thing a user does (README "API tokens").

A key is ``bcn_`` and 43 characters of ``secrets.token_urlsafe(32)`` (256
random bits). Only its SHA-256 is stored: the key is shown once, when it is
made, and a look-up hashes the key it is sent (here and in realtime/auth.py,
which does the same in SQL's terms). A key is 256 random bits, so a plain
SHA-256 is as good as a slow password hash here and costs nothing per request.
"""

import datetime
import hashlib
import secrets

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from web.accounts.revocation import end_live_access
from web.api.models import ApiToken
from web.names import validate_name

KEY_PREFIX = "bcn_"
# A bound on what one person can lose track of, not a capacity limit: a script
# that makes a token each run is stopped long before the table notices.
MAX_TOKENS_PER_USER = 20
NAME_MAX_LENGTH = ApiToken._meta.get_field("name").max_length
# last_used_at is written at most this often per token: a script making ten
# requests a second costs one UPDATE a minute, not ten a second, and "last
# used" on the profile page is right to the minute it is shown with.
LAST_USED_PRECISION = datetime.timedelta(minutes=1)
NAME_NEEDED = "Give the token a name, e.g. where it is used."


class TokenRefused(ValidationError):
    """A token that cannot be made: the message says why, in words for the page and the API alike."""


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def tokens_of(user) -> list[ApiToken]:
    return list(ApiToken.objects.filter(user=user).order_by("-created", "-pk"))


def create_token(user, name: str, *, replace: bool = False) -> tuple[ApiToken, str]:
    """A new token named ``name`` and its key (shown once). ``replace``: a token of that name is revoked first
    (POST /auth/token/, so a script asking each run keeps one token). Refuses a bad or taken name, and a 21st."""
    name = name.strip()
    if not name:
        raise TokenRefused(NAME_NEEDED, code="required")
    if len(name) > NAME_MAX_LENGTH:
        raise TokenRefused(f"A token's name has at most {NAME_MAX_LENGTH} characters.", code="max_length")
    try:
        validate_name(name)
    except ValidationError as error:
        raise TokenRefused(error.messages, code="invisible_character") from None
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        # The user's row, locked: two creates at once cannot both pass the count.
        get_user_model().objects.select_for_update().filter(pk=user.pk).first()
        same_name = ApiToken.objects.filter(user=user, name=name)
        if replace:
            for token in same_name:
                token.delete()  # post_delete: the revocation (web/api/apps.py)
        elif same_name.exists():
            raise TokenRefused(f"You already have a token named “{name}”: choose another name.", code="unique")
        if ApiToken.objects.filter(user=user).count() >= MAX_TOKENS_PER_USER:
            raise TokenRefused(f"You have {MAX_TOKENS_PER_USER} tokens, the most Beacon keeps for one person: "
                               "revoke one you no longer use to create another.", code="too_many")
        try:
            with transaction.atomic():
                token = ApiToken.objects.create(user=user, name=name, key_hash=hash_key(key))
        except IntegrityError:  # the same name, made meanwhile by another request
            raise TokenRefused(f"You already have a token named “{name}”: choose another name.",
                               code="unique") from None
    return token, key


def revoke_token(user, token_id: int) -> ApiToken:
    """Delete one of the user's tokens; another user's, or none, raises ApiToken.DoesNotExist (a 404).
    Programs using it are refused at once, the realtime process too (the revocation, after commit)."""
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().get(user=user, pk=token_id)
        token.delete()
    return token


def user_for_key(key: str):
    """The token a key names, with its active user, or None; its last use noted (at most once a LAST_USED_PRECISION)."""
    token = (ApiToken.objects.select_related("user").filter(key_hash=hash_key(key), user__is_active=True).first())
    if token is not None:
        note_use(token)
    return token


def note_use(token: ApiToken, now: datetime.datetime | None = None) -> None:
    """Write last_used_at if it is older than LAST_USED_PRECISION. The row just read says whether; the
    UPDATE's own condition keeps concurrent requests from writing it twice."""
    now = now or timezone.now()
    stale = now - LAST_USED_PRECISION
    if token.last_used_at is not None and token.last_used_at > stale:
        return
    ApiToken.objects.filter(pk=token.pk).filter(Q(last_used_at__isnull=True) | Q(last_used_at__lte=stale)) \
        .update(last_used_at=now)
    token.last_used_at = now


def on_token_deleted(sender, instance, **kwargs):
    end_live_access(instance.user_id)
