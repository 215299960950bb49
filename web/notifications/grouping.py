"""Notifications shown as groups: one row for "bob and 2 others updated graph “yeast PPI” (5)".

Which notifications form a group is decided at delivery (``group_key``, one
kind, one target, close together: web/notifications/delivery.py); this is
how a list of them reads as groups. The dropdown, the notifications page and
the API's programs group by the same key.
"""

from dataclasses import dataclass, field

from common.notification_text import thing_named

# What several notifications of one verb did, in the words of a group's row.
_MIXED_VERBS = "changed"


@dataclass
class NotificationGroup:
    key: str
    notifications: list = field(default_factory=list)  # newest first

    @property
    def newest(self):
        return self.notifications[0]

    @property
    def count(self) -> int:
        return len(self.notifications)

    @property
    def acted_at(self):
        """When its latest action happened: where the row goes in a live list (ids follow delivery, not actions)."""
        return max(n.created for n in self.notifications)

    @property
    def unread(self) -> int:
        return sum(1 for n in self.notifications if n.read_at is None)

    @property
    def all_saved(self) -> bool:
        """The group row's star is pressed when every notification it shows is saved (its press unsaves them all)."""
        return all(n.saved for n in self.notifications)

    @property
    def text(self) -> str:
        if self.count == 1:
            return self.newest.text
        return group_text(self.notifications)


def grouped(notifications) -> list[NotificationGroup]:
    """``notifications`` (newest first) as groups, in the order of each group's newest."""
    groups: dict[str, NotificationGroup] = {}
    for n in notifications:
        groups.setdefault(n.grouping_key, NotificationGroup(n.grouping_key)).notifications.append(n)
    return list(groups.values())


def group_text(notifications) -> str:
    """"bob and 2 others updated graph “yeast PPI”": several notifications (newest first) of one group."""
    newest = notifications[0]
    verbs = {n.verb for n in notifications}
    verb = newest.verb if len(verbs) == 1 else _MIXED_VERBS
    thing = thing_named(newest.target_type, newest.target_name, newest.graph_name)
    if newest.kind == "owner":
        return f"You {verb} {thing}"
    return f"{people(notifications, newest.user_id)} {verb} {thing}"


def people(notifications, user_id: int) -> str:
    """"bob", "bob and carol", "bob and 2 others": who acted, most recent first; the user is "you"."""
    names: list[str] = []
    for n in notifications:
        name = "you" if n.actor_id == user_id else n.actor_name
        if name not in names:
            names.append(name)
    if len(names) == 1:
        return names[0]
    if len(names) == 2:
        return f"{names[0]} and {names[1]}"
    return f"{names[0]} and {len(names) - 1} others"
