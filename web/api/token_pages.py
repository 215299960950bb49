"""The profile page's API token card: create a named token (its key shown once), revoke one after a confirmation.

The card itself is ``{% token_card %}`` (web/api/templatetags/api_tokens.py):
the profile page is web/accounts', which is below web/api and cannot import it.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from web.accounts.views import profile_page
from web.api import tokens
from web.api.models import ApiToken
from web.confirm import confirm_page

# The token just created, kept in the session from the POST until the page after its redirect shows it:
# that page takes it out, so a reload, or going back to it, shows it no more (and re-submits nothing).
NEW_TOKEN = "beacon.new_api_token"


class TokenForm(forms.Form):
    name = forms.CharField(max_length=tokens.NAME_MAX_LENGTH, label="Name",
                           help_text="Where it is used, so you know which to revoke: e.g. “laptop script”.",
                           error_messages={"required": tokens.NAME_NEEDED})


def token_section() -> str:
    return reverse("accounts:profile") + "#api-tokens"


@login_required
@require_POST
def create(request):
    form = TokenForm(request.POST)
    if form.is_valid():
        try:
            token, key = tokens.create_token(request.user, form.cleaned_data["name"])
        except tokens.TokenRefused as error:
            form.add_error("name", error)
        else:
            request.session[NEW_TOKEN] = {"id": token.pk, "key": key}
            messages.success(request, f"Token “{token.name}” created.")
            return redirect(token_section())
    return profile_page(request, status=400, token_form=form)


@login_required
@require_http_methods(["GET", "POST"])
def revoke(request, pk: int):
    token = get_object_or_404(ApiToken, user=request.user, pk=pk)
    if request.method == "GET":
        return confirm_page(
            request, question=f"Revoke token “{token.name}”?",
            detail="Programs using it are refused at once, live updates too. This cannot be undone.",
            action=reverse("tokens:revoke", args=[token.pk]), button="Revoke token", cancel=token_section())
    try:
        tokens.revoke_token(request.user, token.pk)
    except ApiToken.DoesNotExist:  # revoked meanwhile, by another tab: the same outcome
        pass
    messages.success(request, f"Token “{token.name}” revoked.")
    return redirect(token_section())
