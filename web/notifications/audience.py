"""Who is told of an action, and why: decided in the action's own transaction.

An action collects everyone with a reason to hear of it (the actor; members
of a group the thing is shared with; watchers who can still see it) and
:meth:`Audience.events` turns that into events, one person once:

- the actor gets an owner notification and nothing else;
- anyone else gets the most specific kind they qualify for and want (watching
  over group), with every reason they had recorded;
- a kind a person has turned off in the app is passed over for the next one
  they qualify for, or they are not told; so is a group they muted (except
  what happens to them in it: "… removed you from X").

Deciding here, not at delivery, is what makes the answer right: it is the
audience at the moment of the change (a graph being deleted still has its
groups; a member added a minute later did not see the share).
"""

import uuid
from collections import defaultdict

from web.accounts.preferences import EVERYTHING, Wants, wants_of
from web.notifications.events import MAX_RECIPIENTS_PER_EVENT, NotificationEvent, Target, new_event

# Most specific first.
_PRECEDENCE = ("watching", "group")


class Audience:
    def __init__(self, actor):
        self.actor = actor
        self._actor_id = actor.pk
        # Each person's reasons. People told for the same reasons share one
        # list (copied before it changes): a 10,000-member group is one list,
        # decided and written once (events(), NotificationEvent.to_dict).
        self._reasons: dict[int, list[dict]] = {}
        self._groups: dict[int, object] = {}

    def tell_actor(self) -> "Audience":
        self._reasons[self._actor_id] = [*self._reasons.get(self._actor_id, ()), {"kind": "owner"}]
        return self

    def tell_members(self, group, user_ids) -> "Audience":
        """``user_ids``: the group's members the action concerns (the caller reads them once)."""
        self._groups[group.pk] = group
        # One reason object for all of them: events() decides once per distinct set of reasons.
        self._add_all(user_ids, {"kind": "group", "group": {"id": group.pk, "name": group.name}})
        return self

    def tell_member_concerned(self, group, member) -> "Audience":
        """The person a membership change is about ("added you to …")."""
        self._groups[group.pk] = group
        self._add_all([member.pk], {"kind": "group", "group": {"id": group.pk, "name": group.name}, "about_you": True})
        return self

    def tell_watchers(self, user_ids, watched: Target) -> "Audience":
        """``user_ids``: watchers who can see ``watched`` now (the caller checks)."""
        self._add_all(user_ids, {"kind": "watching", "watched": {"type": watched.type, "id": watched.id,
                                                                  "name": watched.name}})
        return self

    def _add_all(self, user_ids, reason: dict) -> None:
        """Give each of them ``reason`` (the actor excepted: they hear as the owner or not at all)."""
        only_this = [reason]
        everyone, actor_id = self._reasons, self._actor_id
        for user_id in user_ids:
            if user_id == actor_id:
                continue
            had = everyone.get(user_id)
            if had is None:
                everyone[user_id] = only_this
            elif reason not in had:
                everyone[user_id] = [*had, reason]  # a new list: ``had`` may be shared

    def events(self, *, verb: str, target: Target, owner_verb: str | None = None, member=None,
               old_name: str = "") -> list[NotificationEvent]:
        """The events of the action: one per kind (and group), split past the per-event limit."""
        action_id = str(uuid.uuid4())
        choices = Choices(wants_of(self._reasons))
        by_event: dict[tuple[str, int | None], list[dict]] = defaultdict(list)
        for user_id in sorted(self._reasons):
            reasons = self._reasons[user_id]
            choice = choices.of(user_id, reasons)
            if choice is None:
                continue
            kind, group = choice
            by_event[(kind, group["id"] if group else None)].append({"user": user_id, "reasons": reasons})
        events = []
        for (kind, group_id), recipients in sorted(by_event.items(), key=lambda item: (item[0][0], item[0][1] or 0)):
            for start in range(0, len(recipients), MAX_RECIPIENTS_PER_EVENT):
                events.append(new_event(
                    action_id=action_id, kind=kind, verb=(owner_verb or verb) if kind == "owner" else verb,
                    actor=self.actor, target=target, recipients=recipients[start:start + MAX_RECIPIENTS_PER_EVENT],
                    group=self._groups.get(group_id), member=member, old_name=old_name,
                ))
        return events


class Choices:
    """:func:`choose` for many people at once.

    Thousands of members share their reason objects and want the defaults:
    decided once per distinct list of reasons, not per person.
    """

    def __init__(self, wants: dict[int, Wants]):
        self._wants = wants
        self._by_default: dict[int, tuple | None] = {}  # id of a shared reasons list -> the choice

    def of(self, user_id: int, reasons: list[dict]) -> tuple[str, dict | None] | None:
        wants = self._wants.get(user_id)
        if wants is not None:
            return choose(reasons, wants)
        choice = self._by_default.get(id(reasons), False)
        if choice is False:
            choice = self._by_default[id(reasons)] = choose(reasons, EVERYTHING)
        return choice


def choose(reasons: list[dict], wants: Wants) -> tuple[str, dict | None] | None:
    """The kind a person with these reasons is told as, and for "group" the group named; None: not told.

    Used when the action decides, and again at delivery in case the person
    has turned a kind off, or muted a group, since.
    """
    off = wants.kinds_off
    reasons = [r for r in reasons if not (r["kind"] == "group" and not r.get("about_you")
                                          and r["group"]["id"] in wants.muted_groups)]
    kinds = {reason["kind"] for reason in reasons}
    if "owner" in kinds:  # the actor: owner or nothing
        return None if "owner" in off else ("owner", None)
    kind = next((kind for kind in _PRECEDENCE if kind in kinds and kind not in off), None)
    if kind is None:
        return None
    return kind, (_group_of(reasons) if kind == "group" else None)


def _group_of(reasons: list[dict]) -> dict:
    # A member of several groups the thing is shared with is told once, in
    # the words of one group: the one they are told about, else the oldest.
    about = [r["group"] for r in reasons if r.get("about_you")]
    return about[0] if about else min((r["group"] for r in reasons if r["kind"] == "group"), key=lambda g: g["id"])
