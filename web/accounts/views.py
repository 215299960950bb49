from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST
from rest_framework.authtoken.models import Token

from web.accounts import actions
from web.accounts.forms import PreferencesForm, SignUpForm
from web.accounts.preferences import preferences_of


def signup(request):
    if request.user.is_authenticated:
        return redirect("home")
    form = SignUpForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            login(request, form.save())
            return redirect("home")
        return render(request, "registration/signup.html", {"form": form}, status=400)
    return render(request, "registration/signup.html", {"form": form})


@login_required
def profile(request):
    return _profile_page(request)


@login_required
@require_POST
def save_preferences(request):
    form = PreferencesForm(request.POST, instance=preferences_of(request.user))
    if not form.is_valid():
        return _profile_page(request, form=form, status=400)
    actions.update_preferences(request.user, **form.cleaned_data)
    return redirect("accounts:profile")


@login_required
@require_POST
def create_token(request):
    # Answered directly rather than redirected: the key is shown this once and stored nowhere else.
    return _profile_page(request, new_key=actions.create_token(request.user))


@login_required
@require_POST
def revoke_token(request):
    actions.revoke_token(request.user)
    return redirect("accounts:profile")


def _profile_page(request, *, form=None, new_key=None, status=200):
    return render(request, "accounts/profile.html", {
        "form": form or PreferencesForm(instance=preferences_of(request.user)),
        "token": Token.objects.filter(user=request.user).first(),
        "new_key": new_key,
    }, status=status)
