"""The one-click unsubscribe page of the digest mail: no log-in, the signed link is the credential."""

from django.contrib.auth import get_user_model
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from web.accounts.actions import update_preferences
from web.accounts.preferences import preferences_of
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
