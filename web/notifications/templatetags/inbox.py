"""The inbox's words in templates: "3 min ago", each reason with its way out, and a row's moment in µs.

``ago`` says what web/static/beacon/inbox.js keeps saying as time passes
(the same steps), so a row reads the same before and after the script runs.
"""

from datetime import datetime, timedelta
from datetime import timezone as dt_timezone

from django import template
from django.utils import timezone

from common.avatars import colour_of, initials
from web.notifications.ways_out import reasons_with_ways_out

register = template.Library()


@register.filter
def ago(moment) -> str:
    seconds = max(0, int((timezone.now() - moment).total_seconds()))
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{seconds // 60} min ago"
    if seconds < 86400:
        return f"{seconds // 3600} h ago"
    days = seconds // 86400
    if days < 7:
        return "yesterday" if days == 1 else f"{days} days ago"
    return timezone.localtime(moment).strftime("%-d %b %Y")


_EPOCH = datetime(1970, 1, 1, tzinfo=dt_timezone.utc)


@register.filter
def microseconds(moment) -> int:
    """A moment as microseconds since 1970, exactly: what inbox.js orders live rows by."""
    return (moment - _EPOCH) // timedelta(microseconds=1)


@register.filter
def ways_out(notification):
    return reasons_with_ways_out(notification)


@register.inclusion_tag("notifications/_avatar.html")
def avatar(name: str, kind_label: str = ""):
    """The actor's picture, decorative (their name begins the sentence beside it); its title names the kind."""
    return {"initials": initials(name), "colour": colour_of(name), "title": kind_label}
