from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from web.accounts import actions
from web.accounts.forms import PreferencesForm, SignUpForm
from web.accounts.models import MutedGroup
from web.accounts.preferences import next_digest_after, preferences_of, saved_zone
from web.accounts.schedule import in_words


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
    return profile_page(request)


@login_required
@require_POST
def save_preferences(request):
    form = PreferencesForm(request.POST, instance=preferences_of(request.user))
    if not form.is_valid():
        return profile_page(request, form=form, status=400)
    actions.update_preferences(request.user, **form.cleaned_data)
    messages.success(request, "Preferences saved.")
    return redirect("accounts:profile")


def profile_page(request, *, form=None, status=200, **more):
    """The profile page; ``more`` is context for the cards of apps above this one (web/api's token_form)."""
    prefs = preferences_of(request.user)
    return render(request, "accounts/profile.html", {
        **more,
        "form": form or PreferencesForm(instance=prefs),
        "next_digest": _next_digest_in_words(prefs),
        "muted_groups": [m.group for m in MutedGroup.objects.filter(user=request.user)
                         .select_related("group").order_by("group__name")],
    }, status=status)


def _next_digest_in_words(prefs) -> str:
    """"Tue 8 Dec, 08:00 (Europe/Paris)", or "Off". A row beat's check has not scheduled yet (or none at all)
    shows the slot that check will give it."""
    moment = prefs.digest_next_at if prefs.digest_next_at or not prefs.digest \
        else next_digest_after(prefs, timezone.now())
    return in_words(moment, saved_zone(prefs))
