"""Answering a form's POST: back where it came from (only ever a path of this site), or JSON to a script."""

from django.utils.http import url_has_allowed_host_and_scheme


def is_local_path(request, wanted: str) -> bool:
    """A path of this site: never another host, a protocol-relative URL, a backslash or a control character."""
    return (wanted.startswith("/") and not wanted.startswith("//") and "\\" not in wanted
            and not any(ord(c) < 32 for c in wanted)
            and url_has_allowed_host_and_scheme(wanted, allowed_hosts={request.get_host()}))


def back_to(request, default: str) -> str:
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    return wanted if is_local_path(request, wanted) else default


def wants_json(request) -> bool:
    """Asked by a page's script, which stays on the page, rather than by a plain form."""
    return "application/json" in request.headers.get("Accept", "")
