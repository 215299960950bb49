from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from web.graphs import actions
from web.graphs.forms import GraphForm
from web.graphs.visibility import visible_graphs


@login_required
def home(request):
    return render(request, "graphs/home.html", {
        "graphs": visible_graphs(request.user).select_related("owner")[:50],
        "form": GraphForm(user=request.user),
    })


@login_required
@require_POST
def create(request):
    form = GraphForm(request.POST, user=request.user)
    if not form.is_valid():
        return render(request, "graphs/home.html", {
            "graphs": visible_graphs(request.user).select_related("owner")[:50],
            "form": form,
        }, status=400)
    graph = actions.create_graph(
        request.user,
        name=form.cleaned_data["name"],
        description=form.cleaned_data["description"],
        group_id=form.cleaned_data["group"].pk if form.cleaned_data["group"] else None,
    )
    return redirect(graph)


@login_required
def detail(request, graph_id: int, layout_id: int | None = None):
    graph = visible_graphs(request.user).filter(pk=graph_id).select_related("owner").first()
    if graph is None:
        # Someone else's graph looks exactly like no graph.
        raise Http404("No such graph")
    return render(request, "graphs/detail.html", {"graph": graph, "groups": graph.groups.order_by("name")})
