"""Group pages: each POST parses its form and calls one action in web.groups.actions.

Removing a member, leaving and deleting are confirmed first: a GET of their
URL shows the confirmation page (web.confirm) and changes nothing.

Not a member: 404, as for a group that does not exist. A member trying the
owner's action: 403 (PermissionDenied, raised by the action). A request the
action refuses (unknown username, the owner leaving): the page again, with
the reason, status 400.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, OuterRef, Subquery
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from common.ids import BadId, optional_id
from web.confirm import confirm_page
from web.groups import actions
from web.groups.forms import GroupNameForm, MemberForm
from web.groups.models import Group, Membership
from web.redirects import back_to, wants_json

OWNER_CANNOT_LEAVE = "the owner cannot leave the group; delete it instead"
GRAPHS_PER_PAGE = 50


@login_required
def group_list(request):
    return _list_page(request, GroupNameForm())


@login_required
@require_POST
def create(request):
    form = GroupNameForm(request.POST)
    if form.is_valid():
        try:
            group = actions.create_group(request.user, name=form.cleaned_data["name"])
        except ValidationError as error:
            form.add_error("name", error)
        else:
            messages.success(request, f"Created group “{group.name}”.")
            return redirect("groups:detail", group.pk)
    return _list_page(request, form, status=400)


@login_required
def detail(request, group_id: int):
    return _detail_page(request, _my_group(request, group_id))


@login_required
@require_POST
def add_member(request, group_id: int):
    return _member_change(request, group_id, actions.add_member, "add_form", "Added {}.")


@login_required
@require_http_methods(["GET", "POST"])
def remove_member(request, group_id: int):
    if request.method == "GET":
        group = _owner_only(request, _my_group(request, group_id))
        username = request.GET.get("username", "").strip()
        if not Membership.objects.filter(group=group, user__username=username).exclude(user=group.owner).exists():
            raise Http404("No such member")
        return confirm_page(
            request, question=f"Remove {username} from “{group.name}”?",
            detail="They stop seeing the graphs shared with the group; you can add them again later.",
            action=reverse("groups:remove_member", args=[group.pk]), hidden={"remove-username": username},
            button=f"Remove {username}", cancel=reverse("groups:detail", args=[group.pk]))
    return _member_change(request, group_id, actions.remove_member, "remove_form", "Removed {}.")


@login_required
@require_POST
def rename(request, group_id: int):
    group = _my_group(request, group_id)
    form = GroupNameForm(request.POST, prefix="rename")
    if form.is_valid():
        try:
            renamed = actions.rename_group(request.user, group_id, name=form.cleaned_data["name"])
        except (Group.DoesNotExist, ValidationError) as error:
            _not_found_or(error, form, "name")
        else:
            messages.success(request, f"Group renamed to “{renamed.name}”.")
            return redirect("groups:detail", group_id)
    return _detail_page(request, group, rename_form=form, status=400)


@login_required
@require_http_methods(["GET", "POST"])
def delete(request, group_id: int):
    group = _my_group(request, group_id)
    if request.method == "GET":
        _owner_only(request, group)
        return confirm_page(
            request, question=f"Delete group “{group.name}”?",
            detail="Its members stop seeing the graphs shared with it; the graphs stay with their owners. "
                   "This cannot be undone.",
            action=reverse("groups:delete", args=[group.pk]), button="Delete group",
            cancel=reverse("groups:detail", args=[group.pk]))
    actions.delete_group(request.user, group_id)
    messages.success(request, f"Deleted group {group.name}.")
    return redirect("groups:list")


@login_required
@require_http_methods(["GET", "POST"])
def leave(request, group_id: int):
    group = _my_group(request, group_id)
    if request.method == "GET":
        if group.owner_id == request.user.pk:
            return _detail_page(request, group, leave_error=OWNER_CANNOT_LEAVE, status=400)
        return confirm_page(
            request, question=f"Leave “{group.name}”?",
            detail=f"You stop seeing the graphs shared with it; only its owner, {group.owner.get_username()}, "
                   "can add you again.",
            action=reverse("groups:leave", args=[group.pk]), button="Leave group",
            cancel=reverse("groups:detail", args=[group.pk]))
    try:
        actions.leave_group(request.user, group_id)
    except ValidationError as error:
        return _detail_page(request, group, leave_error=" ".join(error.messages), status=400)
    messages.success(request, f"You left {group.name}.")
    return redirect("groups:list")


@login_required
@require_POST
def mute(request, group_id: int):
    return _mute_change(request, group_id, muted=True)


@login_required
@require_POST
def unmute(request, group_id: int):
    return _mute_change(request, group_id, muted=False)


def _mute_change(request, group_id: int, *, muted: bool):
    """Mute or unmute, then back to ``next`` (the notification it was done from); JSON for a fetch."""
    try:
        group = (actions.mute_group if muted else actions.unmute_group)(request.user, group_id)
    except Group.DoesNotExist:
        raise Http404("No such group") from None
    if wants_json(request):
        return JsonResponse({"group": group.pk, "muted": muted})
    messages.success(request, f"Muted “{group.name}”: you will not hear of what happens in it." if muted
                     else f"You hear of what happens in “{group.name}” again.")
    return redirect(back_to(request, reverse("groups:detail", args=[group.pk])))


def _member_change(request, group_id: int, action, form_name: str, done: str):
    group = _my_group(request, group_id)
    form = MemberForm(request.POST, prefix=form_name.removesuffix("_form"))
    if form.is_valid():
        username = form.cleaned_data["username"].strip()
        try:
            action(request.user, group_id, username)
        except (Group.DoesNotExist, ValidationError) as error:
            _not_found_or(error, form, "username")
        else:
            messages.success(request, done.format(username))
            return redirect("groups:detail", group_id)
    return _detail_page(request, group, **{form_name: form}, status=400)


def _not_found_or(error, form, field: str) -> None:
    if isinstance(error, Group.DoesNotExist):
        raise Http404("No such group")
    form.add_error(field, error)


def _my_group(request, group_id: int) -> Group:
    group = actions.my_groups(request.user).filter(pk=group_id).select_related("owner").first()
    if group is None:
        # Someone else's group looks exactly like no group.
        raise Http404("No such group")
    return group


def _owner_only(request, group: Group) -> Group:
    """A GET of an owner's confirmation page answers as the POST would: 403 to a member."""
    if group.owner_id != request.user.pk:
        raise PermissionDenied("only the group's owner may do that")
    return group


def _list_page(request, form, *, status: int = 200):
    # Counted in a subquery: annotating my_groups() itself would count along its own join, which holds only my
    # membership, so every group would say "1 member".
    member_count = (Membership.objects.filter(group=OuterRef("pk")).order_by().values("group")
                    .annotate(n=Count("pk")).values("n"))
    groups = (actions.my_groups(request.user).select_related("owner")
              .annotate(member_count=Subquery(member_count)).order_by("name", "pk"))
    return render(request, "groups/list.html", {"groups": groups, "form": form}, status=status)


def _group_graphs(request, group: Group) -> dict:
    """The group's graphs, newest first, 50 a page by cursor (``?before=<id>``), as graphs/_row.html shows them.

    Read through the group's side of the share (``group.graphs``): every member sees every graph shared with
    the group, so no other test is needed; web.graphs sits above this app and is not imported.
    """
    try:
        before = optional_id(request.GET.get("before"), "before")
    except BadId as error:
        return {"graphs": [], "older": None, "graphs_error": str(error)}
    graphs = (group.graphs.select_related("owner").defer("graph_json")
              .prefetch_related(actions.shown_groups(request.user)).order_by("-pk"))
    if before is not None:
        graphs = graphs.filter(pk__lt=before)
    page = list(graphs[:GRAPHS_PER_PAGE + 1])
    older = page[GRAPHS_PER_PAGE - 1].pk if len(page) > GRAPHS_PER_PAGE else None
    return {"graphs": page[:GRAPHS_PER_PAGE], "older": older, "graphs_before": before, "graphs_error": ""}


def _detail_page(request, group: Group, *, status: int = 200, **forms):
    is_owner = group.owner_id == request.user.pk
    listing = _group_graphs(request, group)
    if listing["graphs_error"]:
        status = 400
    context = {
        **listing,
        "group": group,
        "is_owner": is_owner,
        "members": Membership.objects.filter(group=group).select_related("user").order_by("user__username"),
        "add_form": MemberForm(prefix="add"),
        "remove_form": MemberForm(prefix="remove"),
        "rename_form": GroupNameForm(prefix="rename", initial={"name": group.name}),
        "leave_error": "",
        "muted": actions.is_muted(request.user, group),
        **forms,
    }
    return render(request, "groups/detail.html", context, status=status)
