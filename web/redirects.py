"""Where a form goes back to: the ``next`` it names, if that is a path of this site, else a default."""

from django.utils.http import url_has_allowed_host_and_scheme


def back_to(request, default: str) -> str:
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if (wanted.startswith("/") and not wanted.startswith("//") and "\\" not in wanted
            and not any(ord(c) < 32 for c in wanted)
            and url_has_allowed_host_and_scheme(wanted, allowed_hosts={request.get_host()})):
        return wanted
    return default
