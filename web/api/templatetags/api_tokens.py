"""``{% token_card %}``: the profile page's API tokens, with the form to create one and each one's Revoke.

A template tag because the page is web/accounts', which is below web/api and cannot import it.
"""

from django import template

from web.api.token_pages import NEW_TOKEN, TokenForm
from web.api.tokens import MAX_TOKENS_PER_USER, tokens_of

register = template.Library()


@register.inclusion_tag("api/token_card.html", takes_context=True)
def token_card(context):
    request = context["request"]
    # Shown once: out of the session on the first page that shows it.
    new = request.session.pop(NEW_TOKEN, None)
    listed = tokens_of(request.user)
    return {
        "tokens": listed,
        "new_key": new["key"] if new else None,
        "new_id": new["id"] if new else None,
        "form": context.get("token_form") or TokenForm(),
        "at_most": MAX_TOKENS_PER_USER,
        "full": len(listed) >= MAX_TOKENS_PER_USER,
        "csrf_token": context.get("csrf_token"),
    }
