"""The digest's pages: one-click unsubscribe, confirming an address the mail server refused, and the
link of each line, which reads its notifications and leads to them (in the session of whom it was mailed to).

The first two are reached from a mail with no log-in: the signed link is the credential.
"""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core import signing
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from web.accounts.actions import update_preferences
from web.accounts.preferences import preferences_of
from web.digest import actions
from web.digest.confirmation import CONFIRM_LINK_DAYS, BadLink, confirming
from web.digest.links import read_open_token
from web.digest.unsubscribe import BadToken, user_id_of
from web.notifications import actions as notification_actions
from web.notifications.models import Notification
from web.redirects import is_local_path

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


# A GET that reads: a mail's link cannot POST. It reads only what its signed token names, and only in a
# session of the user it was mailed to, so a scanner following links (signed out) or another person's
# session changes nothing; reading is all it does, and marking unread undoes it.
@require_safe
def open_from_mail(request):
    """A digest line's link: its notifications marked read, then where they lead."""
    try:
        user_id, ids, to = read_open_token(request.GET.get("t") or "")
    except signing.BadSignature:
        return render(request, "digest/open.html", {"problem": "damaged"}, status=400)
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if request.user.pk != user_id:
        return render(request, "digest/open.html", {"problem": "another"}, status=403)
    # Those since deleted (or pruned) are skipped: the rest are read all the same.
    mine = sorted(Notification.objects.filter(user=request.user, pk__in=ids[:notification_actions.BULK_IDS_MAX])
                  .values_list("pk", flat=True))
    if mine:
        notification_actions.mark_read_many(request.user, mine)
    if len(ids) == 1 and mine:
        # Its link when the user can still see its target, else the page that says why (a GET, as this is).
        return redirect(reverse("notifications:go", args=[mine[0]]))
    return redirect(to if is_local_path(request, to) else reverse("notifications:index"))


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
