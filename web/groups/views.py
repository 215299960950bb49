from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render

from web.groups.actions import my_groups


@login_required
def detail(request, group_id: int):
    group = my_groups(request.user).filter(pk=group_id).first()
    if group is None:
        raise Http404("No such group")
    return render(request, "groups/detail.html", {"group": group})
