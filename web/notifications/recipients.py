"""Who is told of an event."""

from web.groups.models import Membership
from web.notifications.events import NotificationEvent


def recipient_ids(event: NotificationEvent) -> list[int]:
    if event.kind == "owner":
        return [event.actor_id]
    if event.kind == "group":
        members = Membership.objects.filter(group_id=event.group_id).exclude(user_id=event.actor_id)
        return sorted(members.values_list("user_id", flat=True))
    # Watching arrives with watches; no one watches anything yet.
    return []
