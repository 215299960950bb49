from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST
from rest_framework.authtoken.models import Token

from web.accounts import actions
from web.accounts.forms import PreferencesForm, SignUpForm
from web.accounts.models import MutedGroup
from web.accounts.preferences import next_digest_after, preferences_of, saved_zone
from web.accounts.schedule import in_words
from web.confirm import confirm_page

# The key of a token just created, kept in the session from the POST until the page after its redirect shows it:
# that page takes it out, so a reload, or going back to it, shows it no more (and re-submits nothing).
NEW_KEY = "beacon.new_token_key"


def signup(request):
    if request.user.is_authenticated:
        return redirect("home")
    form = SignUpForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            # Named: with axes's backend first (settings) Django cannot tell which one a new user came by.
            login(request, form.save(), backend="django.contrib.auth.backends.ModelBackend")
            return redirect("home")
        return render(request, "registration/signup.html", {"form": form}, status=400)
    return render(request, "registration/signup.html", {"form": form})


@login_required
@never_cache
def profile(request):
    return _profile_page(request, new_key=request.session.pop(NEW_KEY, None))


@login_required
@require_POST
def save_preferences(request):
    form = PreferencesForm(request.POST, instance=preferences_of(request.user))
    if not form.is_valid():
        return _profile_page(request, form=form, status=400)
    actions.update_preferences(request.user, **form.cleaned_data)
    messages.success(request, "Preferences saved.")
    return redirect("accounts:profile")


@login_required
@require_http_methods(["GET", "POST"])
def create_token(request):
    """Replacing a token is confirmed first (programs using the old one stop working); creating the first is not."""
    if request.method == "GET":
        if not Token.objects.filter(user=request.user).exists():
            return redirect(_token_section())  # nothing to replace: the page's own button creates one
        return confirm_page(
            request, question="Replace your API token?",
            detail="A new token is made and shown once; programs using the current one stop working at once.",
            action=reverse("accounts:create_token"), button="Replace token", cancel=_token_section())
    request.session[NEW_KEY] = actions.create_token(request.user)
    return redirect(_token_section())


@login_required
@require_http_methods(["GET", "POST"])
def revoke_token(request):
    if request.method == "GET":
        if not Token.objects.filter(user=request.user).exists():
            return redirect(_token_section())
        return confirm_page(
            request, question="Revoke your API token?",
            detail="Programs using it stop working at once. You can create a new one afterwards.",
            action=reverse("accounts:revoke_token"), button="Revoke token", cancel=_token_section())
    actions.revoke_token(request.user)
    messages.success(request, "API token revoked.")
    return redirect(_token_section())


def _token_section() -> str:
    return reverse("accounts:profile") + "#api-token"


def _profile_page(request, *, form=None, new_key=None, status=200):
    prefs = preferences_of(request.user)
    return render(request, "accounts/profile.html", {
        "form": form or PreferencesForm(instance=prefs),
        "next_digest": _next_digest_in_words(prefs),
        "token": Token.objects.filter(user=request.user).first(),
        "new_key": new_key,
        "muted_groups": [m.group for m in MutedGroup.objects.filter(user=request.user)
                         .select_related("group").order_by("group__name")],
    }, status=status)


def _next_digest_in_words(prefs) -> str:
    """"Tue 8 Dec, 08:00 (Europe/Paris)", or "Off". A row beat's check has not scheduled yet (or none at all)
    shows the slot that check will give it."""
    moment = prefs.digest_next_at if prefs.digest_next_at or not prefs.digest \
        else next_digest_after(prefs, timezone.now())
    return in_words(moment, saved_zone(prefs))
