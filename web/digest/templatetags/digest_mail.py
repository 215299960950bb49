"""``{% mail_stop %}``: the profile page's word that mail to the user's address is stopped, with the way back.

A template tag because the page is web/accounts', which is below the digest and cannot import it.
"""

from django import template

from web.digest.actions import stop_of

register = template.Library()


@register.inclusion_tag("digest/mail_stop.html", takes_context=True)
def mail_stop(context):
    return {"stop": stop_of(context["user"]), "csrf_token": context.get("csrf_token")}
