"""The digest's pages: one-click unsubscribe, and confirming an address the mail server refused.

Both are reached from a mail with no log-in: the signed link is the credential.
"""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from web.accounts.actions import update_preferences
from web.accounts.preferences import preferences_of
from web.digest import actions
from web.digest.confirmation import CONFIRM_LINK_DAYS, BadLink, confirming
from web.digest.unsubscribe import BadToken, user_id_of

ONE_CLICK = "One-Click"  # RFC 8058: the body a mail client POSTs is List-Unsubscribe=One-Click


# A mail client's one-click POST carries no cookie and no CSRF token (RFC 8058
# forbids them); the signed token in the URL authorises the change instead, so
# a forged request would need the link itself.
@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request, token: str):
    try:
        subscriber = get_user_model().objects.filter(pk=user_id_of(token), is_active=True).first()
    except BadToken:
        subscriber = None
    if subscriber is None:
        return render(request, "digest/unsubscribe.html", {"invalid": True}, status=400)
    if request.method == "POST":
        if request.POST.get("List-Unsubscribe") == ONE_CLICK:
            update_preferences(subscriber, digest=False)
            # No redirect: the mail client does not follow one, it only wants a success.
            return HttpResponse("The Beacon email digest is off.\n", content_type="text/plain; charset=utf-8")
        choice = request.POST.get("digest")
        if choice not in ("on", "off"):
            return render(request, "digest/unsubscribe.html",
                          {"subscriber": subscriber, "digest_on": preferences_of(subscriber).digest,
                           "error": "Choose to turn the digest on or off."}, status=400)
        update_preferences(subscriber, digest=choice == "on")
        return redirect(f"{request.path}?done={choice}")  # a reload never posts again
    return render(request, "digest/unsubscribe.html", {
        "subscriber": subscriber,
        "digest_on": preferences_of(subscriber).digest,
        "done": request.GET.get("done"),
    })


@login_required
@require_POST
def ask_to_confirm(request):
    """The profile page's "Mail me a confirmation link": sent now, and the page says whether the server took it."""
    asked = actions.ask_to_confirm(request.user)
    if asked.sent:
        messages.success(request, f"We mailed a confirmation link to {request.user.email}. Open it within "
                                  f"{CONFIRM_LINK_DAYS} days to resume mail.")
    elif asked.permanent:
        messages.error(request, f"The mail server refused {request.user.email} again: {asked.reply}. "
                                "Mail to it stays stopped.")
    elif asked.reply:
        messages.error(request, f"The confirmation link could not be sent now: {asked.reply}. Try again later.")
    return redirect(reverse("accounts:profile") + "#preferences")


@require_http_methods(["GET", "HEAD", "POST"])
def confirm(request, token: str):
    """The link in the confirmation mail: a page with "Resume mail"; no log-in, the signed link is the credential."""
    try:
        asked = confirming(token)
    except BadLink as bad:
        return render(request, "digest/confirm.html", {"invalid": True, "expired": bad.expired,
                                                       "days": CONFIRM_LINK_DAYS}, status=400)
    owner = get_user_model().objects.filter(pk=asked.user_id, is_active=True).first()
    if owner is None or owner.email != asked.address:
        return render(request, "digest/confirm.html", {"invalid": True, "moved": True, "address": asked.address},
                      status=400)
    if request.method == "POST":
        actions.resume_mail(owner.pk, asked.address)
        return redirect(f"{request.path}?done=1")  # a reload never posts again
    return render(request, "digest/confirm.html", {
        "address": asked.address, "done": request.GET.get("done") == "1",
        "stopped": actions.stop_of(owner) is not None})
