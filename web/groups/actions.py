"""Everything a user does to a group: permission, write and event, in one transaction."""

import uuid

from django.core.exceptions import PermissionDenied
from django.db import transaction

from web.groups.models import Group, Membership
from web.notifications.events import new_event
from web.outbox import outbox


def create_group(actor, *, name: str) -> Group:
    with transaction.atomic():
        group = Group.objects.create(name=name, owner=actor)
        Membership.objects.create(group=group, user=actor)
        outbox.record(
            new_event(action_id=str(uuid.uuid4()), kind="owner", verb="created", actor=actor,
                      target_type="group", target_id=group.pk, target_name=group.name, group=group)
        )
    return group


def add_member(actor, group: Group, user) -> Membership:
    with transaction.atomic():
        group = Group.objects.select_for_update().get(pk=group.pk)
        if group.owner_id != actor.pk:
            raise PermissionDenied("only the group's owner adds members")
        # Membership notifications ("you were added to X") arrive with the full
        # set of group events; until then adding a member is silent.
        membership, _ = Membership.objects.get_or_create(group=group, user=user)
    return membership


def is_member(user, group: Group) -> bool:
    return Membership.objects.filter(group=group, user=user).exists()
