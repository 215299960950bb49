"""Everything a user does to a group: permission, write and event, in one transaction.

A group that the actor is not a member of raises Group.DoesNotExist, exactly
like a group that does not exist; a member who is not the owner and tries an
owner's action gets PermissionDenied; a request that cannot be carried out
(unknown username, the owner leaving) gets ValidationError with the reason.
"""

from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.postgres.aggregates import ArrayAgg
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Prefetch, Value
from django.urls import reverse

from web.accounts.models import MutedGroup
from web.groups.models import Group, Membership
from web.names import validate_name
from web.notifications import actions as notification_actions
from web.notifications.audience import Audience
from web.notifications.events import Target
from web.notifications.queries import NotificationFilter
from web.outbox import outbox

NAME_MAX = 100


def my_groups(user):
    return Group.objects.filter(memberships__user=user)


def shown_groups(user) -> Prefetch:
    """For a list of graphs: ``graph.shown_groups``, the groups of ``user``'s each is shared with, by name.

    A graph's row names only these: a group the reader is not in is not theirs to know of.
    """
    return Prefetch("groups", queryset=my_groups(user).order_by("name", "pk"), to_attr="shown_groups")


def create_group(actor, *, name: str) -> Group:
    name = _clean_name(name)
    with transaction.atomic():
        group = Group.objects.create(name=name, owner=actor)
        Membership.objects.create(group=group, user=actor)
        outbox.record(*Audience(actor).tell_actor().events(verb="created", target=group_target(group)))
    return group


def rename_group(actor, group_id: int, *, name: str) -> Group:
    name = _clean_name(name)
    with transaction.atomic():
        group = _owned(actor, group_id)
        old_name = group.name
        if name == old_name:
            return group
        group.name = name
        group.save(update_fields=["name"])
        audience = Audience(actor).tell_actor().tell_members(group, member_ids(group))
        outbox.record(*audience.events(verb="renamed", target=group_target(group), old_name=old_name))
    return group


def delete_group(actor, group_id: int) -> None:
    with transaction.atomic():
        group = _owned(actor, group_id)
        audience = Audience(actor).tell_actor().tell_members(group, member_ids(group))
        events = audience.events(verb="deleted", target=group_target(group, link=False))
        group.delete()  # its shares go with it: the graphs stay with their owners
        outbox.record(*events)


def add_member(actor, group_id: int, username: str) -> Membership:
    """Add ``username``; adding someone already in the group changes nothing."""
    with transaction.atomic():
        group = _owned(actor, group_id)
        user = _user_named(username)
        existing = Membership.objects.filter(group=group, user=user).first()
        if existing is not None:
            return existing
        others = member_ids(group)
        membership = Membership.objects.create(group=group, user=user)
        audience = Audience(actor).tell_members(group, others).tell_member_concerned(group, user)
        outbox.record(*audience.events(verb="added", target=group_target(group), member=user))
    return membership


def remove_member(actor, group_id: int, username: str) -> None:
    with transaction.atomic():
        group = _owned(actor, group_id)
        user = _user_named(username)
        if user.pk == group.owner_id:
            raise ValidationError("the owner cannot be removed; delete the group instead")
        deleted, _ = Membership.objects.filter(group=group, user=user).delete()
        if not deleted:
            raise ValidationError(f"{username} is not a member of {group.name}")
        MutedGroup.objects.filter(group=group, user=user).delete()  # added again later, they hear it again
        # The person removed hears of it, though they no longer see the group.
        audience = Audience(actor).tell_members(group, member_ids(group)).tell_member_concerned(group, user)
        outbox.record(*audience.events(verb="removed", target=group_target(group), member=user))


def leave_group(actor, group_id: int) -> None:
    with transaction.atomic():
        group = _as_member(actor, group_id)
        if group.owner_id == actor.pk:
            raise ValidationError("the owner cannot leave the group; delete it instead")
        Membership.objects.filter(group=group, user=actor).delete()
        MutedGroup.objects.filter(group=group, user=actor).delete()
        audience = Audience(actor).tell_members(group, member_ids(group))
        outbox.record(*audience.events(verb="left", target=group_target(group), member=actor))


def mute_group(user, group_id: int) -> Group:
    """Hear nothing of what happens in a group of yours (what happens to you in it, you still do)."""
    with transaction.atomic():
        group = my_groups(user).get(pk=group_id)
        MutedGroup.objects.get_or_create(user=user, group=group)
    return group


def unmute_group(user, group_id: int) -> Group:
    with transaction.atomic():
        group = my_groups(user).get(pk=group_id)
        MutedGroup.objects.filter(user=user, group=group).delete()
    return group


@dataclass(frozen=True)
class BulkMute:
    """What muting the groups of some notifications did: the groups it muted (only these are its Undo's), those
    muted already, how many of the notifications belong to no group, and to a group the user has left."""

    muted: list[int] = field(default_factory=list)
    already: list[int] = field(default_factory=list)
    without_group: int = 0
    left_group: int = 0


def mute_groups_of(user, notification_ids=None, *, matching: NotificationFilter | None = None) -> BulkMute:
    """Mute every group of the user's that these notifications (or all ``matching`` a filter) come from.

    The ids as in any bulk change: all the user's or Notification.DoesNotExist, nothing muted. A
    notification of no group, or of a group the user is no longer in, is counted, not muted: nothing of
    the notifications themselves changes (no stream event, as for mute_group).
    """
    with transaction.atomic():
        chosen = notification_actions.selected(user, notification_ids, matching)
        group_ids = set(chosen.filter(notice__group_id__isnull=False)
                        .values_list("notice__group_id", flat=True).distinct())
        without_group = chosen.filter(notice__group_id__isnull=True).count()
        member_of = set(my_groups(user).filter(pk__in=group_ids).values_list("pk", flat=True))
        left_group = chosen.filter(notice__group_id__in=group_ids - member_of).count() if group_ids - member_of else 0
        already = set(MutedGroup.objects.filter(user=user, group_id__in=member_of).values_list("group_id", flat=True))
        muting = sorted(member_of - already)
        MutedGroup.objects.bulk_create([MutedGroup(user=user, group_id=g) for g in muting], ignore_conflicts=True)
    return BulkMute(muting, sorted(already), without_group, left_group)


def unmute_groups(user, group_ids) -> int:
    """The Undo of mute_groups_of: these groups of the user's unmuted (others skipped); how many were muted."""
    with transaction.atomic():
        mine = my_groups(user).filter(pk__in=list(group_ids)).values_list("pk", flat=True)
        deleted, _ = MutedGroup.objects.filter(user=user, group_id__in=list(mine)).delete()
    return deleted


def is_muted(user, group: Group) -> bool:
    return MutedGroup.objects.filter(user=user, group=group).exists()


def group_target(group: Group, *, link: bool = True) -> Target:
    return Target("group", group.pk, group.name, reverse("groups:detail", args=[group.pk]) if link else "")


def _as_member(actor, group_id: int) -> Group:
    # Locked: membership changes of one group happen one at a time, so the
    # audience read below is the audience that commits.
    return my_groups(actor).select_for_update(of=("self",)).get(pk=group_id)


def _owned(actor, group_id: int) -> Group:
    group = _as_member(actor, group_id)
    if group.owner_id != actor.pk:
        raise PermissionDenied("only the group's owner can do that")
    return group


def member_ids(group: Group) -> list[int]:
    """Everyone in the group, the owner included: whom a group notification may tell.

    As one array, not a row per member: for a large group, building the rows
    costs more than the query.
    """
    return Membership.objects.filter(group=group).aggregate(ids=ArrayAgg("user_id", default=Value([])))["ids"]


def _user_named(username: str):
    try:
        return get_user_model().objects.get(username=username)
    except get_user_model().DoesNotExist:
        raise ValidationError(f"there is no user named {username!r}") from None


def _clean_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationError("a group needs a name")
    if len(name) > NAME_MAX:
        raise ValidationError(f"a group name has at most {NAME_MAX} characters")
    validate_name(name)
    return name
