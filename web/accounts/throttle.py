"""Login throttling around django-axes: when a lockout ends, the login page's 429, and what a success forgets.

Axes counts failed logins (its AccessAttempt rows: one per username, address
and user agent, with the time of the last failure) and refuses a username or
an address with LOGIN_FAILURES_LIMIT failures in the last
LOGIN_LOCKOUT_SECONDS. What it leaves to the site is said here: the page's
answer (settings.AXES_LOCKOUT_CALLABLE), the seconds to tell in Retry-After,
used by the API's token endpoint too, and what a successful login resets.
"""

import math

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_cool_off, get_failure_limit
from axes.models import AccessAttempt
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme


def is_locked_out(request) -> bool:
    """The last authenticate() with this (Django) request was refused, or made the failure that locks."""
    return bool(getattr(request, "axes_locked_out", False))


def seconds_until_unlocked(request, credentials: dict | None) -> int:
    """How long until a login with these credentials from this request's address is tried again (at least 1)."""
    handler = AxesProxyHandler.get_implementation()
    limit = get_failure_limit(request, credentials)
    cool_off = get_cool_off(request)
    now = timezone.now()
    ends = now
    # One queryset per lockout parameter (the username's failures, the address's), each within the cool-off.
    for attempts in handler.get_user_attempts(request, credentials):
        failures = 0
        # Newest first: the lockout lasts until the failure that brought the count to the limit ages out.
        for attempt_time, count in attempts.order_by("-attempt_time").values_list("attempt_time",
                                                                                    "failures_since_start"):
            failures += count
            if failures >= limit:
                ends = max(ends, attempt_time + cool_off)
                break
    return max(1, math.ceil((ends - now).total_seconds()))


def lockout_message(seconds: int) -> str:
    if seconds < 60:
        wait = f"{seconds} second{'s' if seconds != 1 else ''}"
    else:
        minutes = math.ceil(seconds / 60)
        wait = f"{minutes} minute{'s' if minutes != 1 else ''}"
    return f"Too many failed logins: try again in {wait}."


def lockout_response(request, original_response, credentials):
    """settings.AXES_LOCKOUT_CALLABLE: the login page again, with when to try again, as a 429."""
    if original_response is not None and original_response.status_code == 429:
        # The view answered the lockout itself: the API's token endpoint, in the API's error shape.
        return original_response
    seconds = seconds_until_unlocked(request, credentials)
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
        next_url = ""
    # An unbound form: a bound one would authenticate again to show its errors.
    form = AuthenticationForm(request, initial={"username": username})
    response = render(request, "registration/login.html",
                      {"form": form, "next": next_url, "lockout": lockout_message(seconds)}, status=429)
    response["Retry-After"] = str(seconds)
    return response


def forget_failures(request, username: str) -> None:
    """A login that succeeded forgets that username's failures from that address, and no other.

    The account's failures from elsewhere stay (they may be someone else's
    guesses), as do other usernames' failures from this address.
    """
    AxesProxyHandler.update_request(request)
    AccessAttempt.objects.filter(username=username, ip_address=request.axes_ip_address).delete()


@receiver(user_logged_in, dispatch_uid="beacon-forget-login-failures")
def _forget_failures_on_login(sender, request, user, **kwargs):
    if request is not None:
        forget_failures(request, user.get_username())
