"""A user's digest: their notifications grouped by what they are about, and the mail that carries them.

Pure except for rendering the templates: the grouping is unit-tested on its own.
"""

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import timezone

from common.names import isolated
from common.notification_text import describe, thing_named
from web.digest.links import open_url
from web.notifications.grouping import people

# Items in one mail; the rest are counted ("and 37 more") and linked.
MAX_ITEMS = 50

# "5 updates by bob and 2 others": what several of one verb are called; mixed verbs are "changes".
VERB_NOUNS = {
    "updated": "updates", "renamed": "renames", "shared": "shares", "added": "members added",
    "removed": "members removed", "left": "members left", "created": "creations", "uploaded": "uploads",
    "deleted": "deletions",
}


# A burst of one person's single changes to several things of one kind, in one group or none, reads as one line:
# "bob shared 10 graphs with “Systems Biology Lab”." (the shares' own sentence, counted).
# Two read better as their own two lines, names and all; from three on, one line.
BURST_MIN = 3
PLURALS = {"graph": "graphs", "layout": "layouts", "group": "groups"}


@dataclass(frozen=True)
class DigestItem:
    """One line of the digest: one notification, several about one target, or a burst of one person's."""

    heading: str  # what it is about: Graph “yeast PPI”
    text: str  # the notification's sentence, "5 updates by bob and 2 others", or a burst's sentence
    link: str  # absolute: where it leads
    newest: datetime
    count: int
    open_url: str = ""  # absolute: marks its notifications read, then leads to ``link`` (web/digest/links.py)
    burst: bool = False

    @property
    def line(self) -> str:
        return self.text if self.count == 1 or self.burst else f"{self.heading}: {self.text}"


@dataclass(frozen=True)
class Digest:
    items: list[DigestItem]  # newest first, at most MAX_ITEMS
    total: int  # notifications this digest covers (all of them are marked mailed)
    more: int  # of those, how many are not listed

    @property
    def subject(self) -> str:
        return f"{self.total} new notification{'' if self.total == 1 else 's'} in Beacon"


def digest_of(notifications, user_id: int, site_url: str) -> Digest:
    """Group one user's notifications by target, newest group first."""
    groups: dict[tuple, list] = {}
    for n in sorted(notifications, key=lambda n: (n.created, n.id), reverse=True):
        groups.setdefault((n.target_type, n.target_id), []).append(n)
    # One change each to several targets, by one person, of one verb and kind, in one group (or none): a burst.
    bursts: dict[tuple, list] = {}
    for key, group in list(groups.items()):
        if len(group) == 1:
            n = group[0]
            bursts.setdefault((n.kind, n.actor_id, n.verb, n.target_type, getattr(n, "group_id", None)), []).append(key)
    for keys in bursts.values():
        if len(keys) >= BURST_MIN:
            groups[keys[0]] = [groups.pop(key)[0] for key in keys]  # in the place of its newest, newest first
    items = [_item(group, user_id, site_url) for group in groups.values()]
    listed = items[:MAX_ITEMS]
    total = sum(item.count for item in items)
    return Digest(items=listed, total=total, more=total - sum(item.count for item in listed))


def _item(group: list, user_id: int, site_url: str) -> DigestItem:
    newest = group[0]
    burst = len({n.target_id for n in group}) > 1
    if burst:
        return _burst(group, user_id, site_url)
    if len(group) == 1:
        text = describe(newest)
    else:
        one_verb = len({n.verb for n in group}) == 1
        noun = VERB_NOUNS.get(newest.verb, "changes") if one_verb else "changes"
        text = f"{len(group)} {noun} by {people(group, user_id)}"
    link = newest.link or "/notifications/?" + urlencode({"target": f"{newest.target_type}:{newest.target_id}"})
    return DigestItem(heading=_heading(newest), text=text, link=site_url.rstrip("/") + link,
                      newest=newest.created, count=len(group),
                      open_url=open_url(site_url, user_id, [n.id for n in group], link))


def _burst(group: list, user_id: int, site_url: str) -> DigestItem:
    """"bob shared 10 graphs with “Lab”.": one line, leading to the list of what it is about."""
    newest = group[0]
    actor = people(group[:1], user_id)
    things = f"{len(group)} {PLURALS.get(newest.target_type, newest.target_type + 's')}"
    group_id = getattr(newest, "group_id", None)
    if newest.group_name and newest.verb == "shared":
        text = f"{actor} shared {things} with “{isolated(newest.group_name)}”."
    elif newest.group_name:
        text = f"{actor} {newest.verb} {things} in “{isolated(newest.group_name)}”."
    else:
        text = f"{actor} {newest.verb} {things}."
    text = text[0].upper() + text[1:]
    link = "/notifications/?" + urlencode({"target": f"group:{group_id}"} if group_id else {"state": "unread"})
    return DigestItem(heading=text, text=text, link=site_url.rstrip("/") + link, newest=newest.created,
                      count=len(group), open_url=open_url(site_url, user_id, [n.id for n in group], link),
                      burst=True)


def _heading(n) -> str:
    thing = thing_named(n.target_type, n.target_name, n.graph_name)  # layout “L” of graph “X”
    return thing[0].upper() + thing[1:]


def digest_message(user, digest: Digest, *, site_url: str, unsubscribe_url: str, from_email: str,
                   zone=None) -> EmailMultiAlternatives:
    """The mail: plain text and HTML (escaped by the template), with one-click unsubscribe (RFC 8058).
    Its times are in ``zone`` (a ZoneInfo: the user's), else the server's."""
    site = site_url.rstrip("/")
    context = {
        "zone": zone or timezone.get_default_timezone(),
        "username": user.get_username(),
        "digest": digest,
        "site_url": site,
        "all_url": f"{site}/notifications/?state=unread",
        "preferences_url": f"{site}/accounts/profile/",
        "unsubscribe_url": unsubscribe_url,
    }
    message = EmailMultiAlternatives(
        subject=digest.subject,
        body=render_to_string("digest/email.txt", context),
        from_email=from_email,
        to=[user.email],
        headers={
            "List-Unsubscribe": f"<{unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            # RFC 3834: an automatic mail; vacation responders stay quiet.
            "Auto-Submitted": "auto-generated",
        },
    )
    message.attach_alternative(render_to_string("digest/email.html", context), "text/html")
    return message
