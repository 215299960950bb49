"""Reading request bodies: JSON only, bounded in size, storable in PostgreSQL, no unknown fields."""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from rest_framework import exceptions, parsers, serializers

from common.ids import BIGINT_MAX, BadId, parse_id
from web import json_text


class JSONBodyParser(parsers.JSONParser):
    """DRF's JSON parser, with Django's body size limit and PostgreSQL's rules for text.

    DRF reads a JSON body from the raw stream, past the check Django makes in
    ``request.body``, so the limit (DATA_UPLOAD_MAX_MEMORY_SIZE) is kept here.
    What PostgreSQL would refuse (NUL, unpaired surrogates, NaN and
    infinities) is refused here, by the same check graph uploads get
    (web.json_text): such a body is a client error, not a failed INSERT.
    """

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        request = (parser_context or {}).get("request")
        declared = _declared_length(request)
        if limit is not None and declared is not None and declared > limit:
            raise RequestDataTooBig(f"the body is larger than {limit:,} bytes")
        raw = stream.read(limit + 1) if limit is not None else stream.read()
        if limit is not None and len(raw) > limit:
            raise RequestDataTooBig(f"the body is larger than {limit:,} bytes")
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            return json_text.loads(raw.decode(encoding), what="the body")
        except UnicodeDecodeError as exc:
            raise exceptions.ParseError(f"the body is not valid {encoding}: {exc}") from None
        except json_text.JSONTextInvalid as exc:
            raise exceptions.ParseError(str(exc)) from None


def _declared_length(request) -> int | None:
    """The Content-Length, when there is one; a malformed one is refused, not guessed at."""
    raw = request.META.get("CONTENT_LENGTH") if request is not None else None
    if not raw:
        return None
    try:
        return parse_id(str(raw), "Content-Length", minimum=0)
    except BadId as error:
        raise exceptions.ParseError(str(error)) from None


class StrictSerializer(serializers.Serializer):
    """An input serializer that refuses fields it does not know (a typo must not pass silently)."""

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError({name: ["unknown field"] for name in unknown})
        return super().to_internal_value(data)


def parse(serializer_class, request, *, partial: bool = False) -> dict:
    """The request's body, checked by ``serializer_class``; raises ValidationError (400)."""
    serializer = serializer_class(data=request.data, partial=partial)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def id_field(**kwargs) -> serializers.IntegerField:
    """An id in a body: a positive whole number PostgreSQL's bigint can hold."""
    return serializers.IntegerField(min_value=1, max_value=BIGINT_MAX, **kwargs)
