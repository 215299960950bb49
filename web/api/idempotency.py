"""``Idempotency-Key``: a client retrying a create whose answer it lost gets that answer, not a second thing.

Every API POST that creates something runs through :func:`answer_once`. The
action, the answer built from what it returned and, given a key, the key's
row all happen in one transaction: a failure anywhere before the commit
leaves nothing created (so a 500 never hides a thing that exists), and a
key is stored exactly when its thing was.

Given a key (any printable ASCII, 1 to 200 characters; per user):

- the first request stores the method and path, a hash of the body and the
  answer (status and body);
- a repeat of the same request replays that answer, byte for byte, with
  ``Idempotent-Replayed: true``, and creates nothing;
- the key with another path or body is refused, 422 ``idempotency_key_reused``;
- two at once: the second's insert of the key waits on the first's
  (unique per user and key) until the first commits, then replays its answer;
  if the first failed, the second goes ahead.

An error answer is not stored: it created nothing, so the same request may
simply be sent again. Keys are kept 24 hours (:func:`prune_idempotency_keys`).
"""

import hashlib
import json
from dataclasses import dataclass
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.http import HttpResponse
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, status
from rest_framework.renderers import JSONRenderer

from web.api.errors import ErrorSerializer
from web.api.models import IdempotencyKey

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
KEY_MAX = 200
KEEP_FOR = timedelta(hours=24)

KEY_PARAMETER = OpenApiParameter(
    HEADER, {"type": "string", "minLength": 1, "maxLength": KEY_MAX, "pattern": "^[ -~]+$"},
    OpenApiParameter.HEADER,
    description="Optional; any printable ASCII, at most 200 characters, new for each thing you create. "
                "Sent again with the same request (a retry after a lost answer), it gets the first answer "
                f"again, with `{REPLAYED_HEADER}: true`, and nothing is created twice. The same key with "
                "another path or body: 422. Kept 24 hours, per user.",
)


class KeyReused(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = "this Idempotency-Key was first used for another request"
    default_code = "idempotency_key_reused"


def schema_of_create(*, responses: dict, **kwargs):
    """``extend_schema`` for a POST that creates: the Idempotency-Key header and its 422 documented too."""
    return extend_schema(parameters=[KEY_PARAMETER], responses={**responses, 422: ErrorSerializer}, **kwargs)


def answer_once(request, create) -> HttpResponse:
    """Run ``create()`` -> (body, status) in one transaction, once per Idempotency-Key; answer its result."""
    key = _key_of(request)
    if key is None:
        with transaction.atomic():
            body, status_code = create()
        return _json(JSONRenderer().render(body), status_code)
    asked = _Request(f"{request.method} {request.path}", _body_hash(request))
    stored = IdempotencyKey.objects.filter(user=request.user, key=key).first()
    if stored is not None:
        return _replay(stored, asked)
    with transaction.atomic():
        try:
            with transaction.atomic():  # a savepoint: a lost race must not spoil the outer transaction
                claim = IdempotencyKey.objects.create(user=request.user, key=key, request=asked.method_and_path,
                                                      body_sha256=asked.body_sha256)
        except IntegrityError:
            claim = None  # another request with this key committed first
        else:
            body, status_code = create()
            claim.status, claim.response = status_code, JSONRenderer().render(body).decode()
            claim.save(update_fields=["status", "response"])
    if claim is None:
        return _replay(IdempotencyKey.objects.get(user=request.user, key=key), asked)
    return _json(claim.response.encode(), claim.status)


def prune_idempotency_keys(older_than: timedelta = KEEP_FOR) -> int:
    """Forget keys stored more than ``older_than`` ago (for an hourly beat task); returns how many."""
    deleted, _ = IdempotencyKey.objects.filter(created__lt=timezone.now() - older_than).delete()
    return deleted


@dataclass(frozen=True)
class _Request:
    """What a key is checked against: the method and path, and a hash of the body."""

    method_and_path: str
    body_sha256: str


def _key_of(request) -> str | None:
    key = request.headers.get(HEADER)
    if key is None:
        return None
    if not 1 <= len(key) <= KEY_MAX or not all(" " <= char <= "~" for char in key):
        raise exceptions.ValidationError(f"{HEADER} must be 1 to {KEY_MAX} printable ASCII characters")
    return key


def _body_hash(request) -> str:
    # Of the decoded body, so the same JSON sent with other spacing or key order is the same request.
    canonical = json.dumps(request.data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _replay(stored: IdempotencyKey, asked: _Request) -> HttpResponse:
    if stored.request != asked.method_and_path:
        raise KeyReused(f"this {HEADER} was first used for {stored.request}; use a new key for each new request")
    if stored.body_sha256 != asked.body_sha256:
        raise KeyReused(f"this {HEADER} was first used for {stored.request} with another body; "
                        "use a new key for each new request")
    response = _json(stored.response.encode(), stored.status)
    response[REPLAYED_HEADER] = "true"
    return response


def _json(content: bytes, status_code: int) -> HttpResponse:
    # The bytes JSONRenderer made, so a replay is the first answer exactly.
    return HttpResponse(content, status=status_code, content_type=JSONRenderer.media_type)
