"""Every API error in one shape: ``{"error": <code>, "detail": <what was wrong>}`` with the right status.

DRF's own exceptions, the domain's (DoesNotExist -> 404, PermissionDenied ->
403, ValidationError / GraphInvalid / BadFilter -> 400), Django's
RequestDataTooBig (413) and URLs under the API that match nothing (404) all
answer so. Validation errors add ``"fields"``: {<field>: [<message>, ...]}.
"""

import logging

from django.core.exceptions import ObjectDoesNotExist, RequestDataTooBig
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import set_rollback

from web.graphs.cytoscape import GraphInvalid
from web.notifications.queries import BadFilter
from web.retry import connection_lost

log = logging.getLogger(__name__)


class ErrorSerializer(serializers.Serializer):
    """The body of every error answer (for the schema)."""

    error = serializers.CharField(help_text="a short code: invalid, parse_error, not_found, not_authenticated, ...")
    detail = serializers.CharField(help_text="what was wrong, for a person to read")
    fields = serializers.DictField(child=serializers.ListField(child=serializers.CharField()), required=False,
                                   help_text="validation errors only: the messages of each field")


class RequestTooBig(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "the request body is too large"
    default_code = "request_too_big"


def handle_exception(exc, context):
    """REST_FRAMEWORK["EXCEPTION_HANDLER"]."""
    if connection_lost(exc):
        return None  # raised on to web.retry, which tries the request once more
    api_exc = as_api_exception(exc)
    if api_exc is None:
        # A bug: logged with its traceback, answered in the same shape.
        log.error("unhandled error in %s", context.get("view").__class__.__name__, exc_info=exc)
        set_rollback()
        return Response({"error": "server_error", "detail": "something went wrong on our side"},
                        status=status.HTTP_500_INTERNAL_SERVER_ERROR)
    headers = {}
    if getattr(api_exc, "auth_header", None):
        headers["WWW-Authenticate"] = api_exc.auth_header
    if getattr(api_exc, "wait", None):
        headers["Retry-After"] = str(int(api_exc.wait))
    set_rollback()
    return Response(error_body(api_exc), status=api_exc.status_code, headers=headers)


def as_api_exception(exc) -> exceptions.APIException | None:
    if isinstance(exc, exceptions.APIException):
        return exc
    if isinstance(exc, Http404):
        return exceptions.NotFound(str(exc) or None)
    if isinstance(exc, ObjectDoesNotExist):
        # Someone else's graph answers exactly like a missing one.
        model = type(exc).__qualname__.split(".")[0]
        return exceptions.NotFound(f"no such {model.lower()}" if model != "DoesNotExist" else None)
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied(str(exc) or None)
    if isinstance(exc, BadFilter):
        return exceptions.ValidationError({exc.field: [str(exc).removeprefix(f"{exc.field}: ")]})
    if isinstance(exc, DjangoValidationError):
        return exceptions.ValidationError("; ".join(exc.messages))
    if isinstance(exc, GraphInvalid):
        return exceptions.ValidationError({"graph_json": [str(exc)]})
    if isinstance(exc, RequestDataTooBig):
        return RequestTooBig()
    return None


def error_body(exc: exceptions.APIException) -> dict:
    if isinstance(exc, exceptions.ValidationError):
        fields = _field_messages(exc.detail)
        body = {"error": "invalid", "detail": _readable(fields)}
        named = {field: messages for field, messages in fields.items() if field}
        if named:
            body["fields"] = named
        return body
    code = exc.get_codes()
    return {"error": code if isinstance(code, str) else exc.default_code, "detail": str(exc.detail)}


def _field_messages(detail, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error detail as {"field.sub": [messages]}; "" holds messages about the whole body."""
    if isinstance(detail, dict):
        out: dict[str, list[str]] = {}
        for key, value in detail.items():
            name = "" if key == "non_field_errors" and not prefix else f"{prefix}{key}"
            for field, messages in _field_messages(value, f"{name}." if name else "").items():
                out.setdefault(field or name, []).extend(messages)
        return out
    if isinstance(detail, list):
        out = {}
        for index, value in enumerate(detail):
            sub_prefix = f"{prefix}{index}." if isinstance(value, (dict, list)) else prefix
            for field, messages in _field_messages(value, sub_prefix).items():
                out.setdefault(field, []).extend(messages)
        return out
    return {prefix.rstrip("."): [str(detail)]}


def _readable(fields: dict[str, list[str]]) -> str:
    return "; ".join(f"{field}: {message}" if field else message
                     for field, messages in fields.items() for message in messages) or "invalid input"


@csrf_exempt
def no_such_endpoint(request, *args, **kwargs):
    """Any URL under the API that matches no endpoint (Django's 404 page is HTML)."""
    detail = f"no API endpoint at {request.path}"
    if not request.path.endswith("/"):
        detail += " (API URLs end with a slash)"
    return JsonResponse({"error": "not_found", "detail": detail}, status=404)
