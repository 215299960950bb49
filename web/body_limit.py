"""A page's request body over DATA_UPLOAD_MAX_MEMORY_SIZE answers 413, with a page saying the limit, unread.

Django raises RequestDataTooBig only when a view or a middleware first
reads request.POST (CSRF's process_view does), and answers it as a
SuspiciousOperation: the debug page with DEBUG on, a bare 400 without. Here
the declared Content-Length is checked in ``__call__``, which runs before
any middleware's process_view, so the body is never read and every page
answers alike. Django's own check compares the same number (the
Content-Length) with the same limit, so nothing it would refuse gets past.

A body without a Content-Length (chunked) is one Django reads as empty: a
form would arrive blank and fail its CSRF check with a puzzling 403, so it
answers 411 instead. Too many fields or files (DATA_UPLOAD_MAX_NUMBER_FIELDS,
..._FILES) answer 400 with the same page rather than the debug page. The
API answers all of these in its own JSON shape (web/api/parsing.py,
web/api/errors.py) and is left to do so.
"""

from django.conf import settings
from django.core.exceptions import TooManyFieldsSent, TooManyFilesSent
from django.shortcuts import render
from django.template.defaultfilters import filesizeformat

# Under this prefix the API's parser and error handler answer instead (web/urls.py mounts it there).
API_PREFIX = "/api/"
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class RefuseOversizedBodies:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith(API_PREFIX):
            refusal = _refusal(request)
            if refusal is not None:
                status, heading, reason = refusal
                return render(request, "request_refused.html", {"heading": heading, "reason": reason},
                              status=status)
        return self.get_response(request)


def _refusal(request) -> tuple[int, str, str] | None:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    declared = _declared_length(request)
    if limit is not None and declared is not None and declared > limit:
        return (413, "Too big",
                f"That upload is bigger than {filesizeformat(limit)}, the largest Beacon takes. "
                f"A graph file may be at most {filesizeformat(settings.GRAPH_MAX_BYTES)}.")
    if declared is None and "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower():
        return (411, "Length required",
                "Beacon's pages take a form only with its length given (a Content-Length header), "
                "as browsers send it.")
    if request.method == "POST" and request.content_type in FORM_TYPES:
        try:
            request.POST  # noqa: B018 - parsed here, where a refusal can still answer a page; kept for the view
        except (TooManyFieldsSent, TooManyFilesSent):
            return 400, "Too many fields", "That form has more fields or files than Beacon takes in one request."
    return None


def _declared_length(request) -> int | None:
    """The Content-Length, or None without one; a malformed one is left to Django (which reads it as 0)."""
    raw = request.META.get("CONTENT_LENGTH")
    try:
        return int(raw) if raw else None
    except ValueError:
        return None
