"""Reading request bodies: JSON only, bounded in size, storable in PostgreSQL, no unknown fields."""

import json
import math

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from rest_framework import exceptions, parsers, serializers


class JSONBodyParser(parsers.JSONParser):
    """DRF's JSON parser, with Django's body size limit and PostgreSQL's rules for text.

    DRF reads a JSON body from the raw stream, past the check Django makes in
    ``request.body``, so the limit (DATA_UPLOAD_MAX_MEMORY_SIZE) is kept here.
    PostgreSQL refuses NUL characters and unpaired surrogates in text and
    jsonb, and jsonb refuses infinite numbers: such a body is a client error,
    not a failed INSERT.
    """

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        request = (parser_context or {}).get("request")
        declared = request.META.get("CONTENT_LENGTH") if request is not None else None
        if limit is not None and declared and str(declared).isdigit() and int(declared) > limit:
            raise RequestDataTooBig(f"the body is larger than {limit:,} bytes")
        raw = stream.read(limit + 1) if limit is not None else stream.read()
        if limit is not None and len(raw) > limit:
            raise RequestDataTooBig(f"the body is larger than {limit:,} bytes")
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            data = json.loads(raw.decode(encoding), parse_constant=_no_constant)
        except (ValueError, RecursionError) as exc:
            raise exceptions.ParseError(f"the body is not valid JSON: {exc}") from None
        _check_storable(data)
        return data


def _no_constant(name: str):
    raise ValueError(f"{name} is not a JSON number")


def _check_storable(data) -> None:
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, str):
            if "\x00" in item:
                raise exceptions.ParseError("text in the body may not contain the NUL character (\\u0000)")
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                raise exceptions.ParseError("text in the body may not contain unpaired surrogates") from None
        elif isinstance(item, float) and not math.isfinite(item):
            raise exceptions.ParseError("numbers in the body must be finite")


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


BIGINT_MAX = 2**63 - 1


def id_field(**kwargs) -> serializers.IntegerField:
    """An id in a body: a positive whole number PostgreSQL's bigint can hold."""
    return serializers.IntegerField(min_value=1, max_value=BIGINT_MAX, **kwargs)
