"""Graph and layout pages: each POST parses its form and calls one action in web.graphs.actions.

A graph or layout the user cannot see answers 404 (the actions raise
DoesNotExist, exactly as for one that does not exist); one they see but do
not own, 403 (PermissionDenied); input the action refuses (GraphInvalid,
ValidationError), the page again with the reason and status 400. Deleting
a graph or a layout is confirmed first: a GET of its URL shows the
confirmation page (web.confirm) and changes nothing.
"""

import functools
import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from common.ids import BadId, optional_id, parse_id
from web.confirm import confirm_page
from web.graphs import actions, drawing
from web.graphs.cytoscape import GraphInvalid
from web.graphs.forms import DrawnLayoutForm, GraphEditForm, GraphForm, LayoutForm, ShareForm
from web.graphs.models import Graph, Layout
from web.graphs.search import BadSearch, clean_words, for_rows, search_page
from web.graphs.visibility import visible_graphs, visible_layouts
from web.redirects import back_to

REFUSED = (GraphInvalid, ValidationError)


def _not_found_as_404(view):
    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except (Graph.DoesNotExist, Layout.DoesNotExist):
            raise Http404("No such graph or layout") from None
    return wrapped


def _reason(error) -> str:
    return " ".join(error.messages) if isinstance(error, ValidationError) else str(error)


def _submit(request, form, act, page):
    """A form's POST: ``act(cleaned_data)`` returns (what was done, where to go next) and may
    refuse with ValidationError, which the form then shows; an invalid or refused form is
    ``page(form)`` again."""
    if form.is_valid():
        try:
            done, to = act(form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, done)
            return redirect(to)
    return page(form)


# Graphs

@login_required
def home(request):
    return _home_page(request, GraphForm(user=request.user))


@login_required
@require_POST
def create(request):
    form = GraphForm(request.POST, request.FILES, user=request.user)
    if form.is_valid():
        data = form.cleaned_data
        try:
            graph = actions.create_graph(request.user, name=data["name"], description=data["description"],
                                         tags=data["tags"], graph_json=form.graph_json(),
                                         group_id=data["group"].pk if data["group"] else None)
        except REFUSED as error:
            form.add_error(None, _reason(error))
        else:
            messages.success(request, f"Uploaded graph “{graph.name}”.")
            return redirect(graph)
    return _home_page(request, form, status=400)


@login_required
@_not_found_as_404
def detail(request, graph_id: int):
    return _detail_page(request, _visible_graph(request, graph_id))


@login_required
@_not_found_as_404
def graph_json(request, graph_id: int):
    """The graph as it was uploaded (grouped form): the drawing's way out to the data, for any who see it."""
    graph = visible_graphs(request.user).only("pk", "graph_json").get(pk=graph_id)
    response = JsonResponse(graph.graph_json)
    response["Content-Disposition"] = f'inline; filename="graph-{graph.pk}.json"'
    return response


@login_required
@require_POST
@_not_found_as_404
def edit(request, graph_id: int):
    graph = _visible_graph(request, graph_id)
    form = GraphEditForm(request.POST, request.FILES, prefix="edit")
    if form.is_valid():
        data, graph_json = form.cleaned_data, form.graph_json()
        changes = dict(name=data["name"], description=data["description"], tags=data["tags"])
        if graph_json is not None:
            changes["graph_json"] = graph_json
        try:
            actions.update_graph(request.user, graph_id, **changes)
        except REFUSED as error:
            form.add_error(None, _reason(error))
        else:
            messages.success(request, "Saved.")
            return redirect(graph)
    return _detail_page(request, graph, edit_form=form, status=400)


@login_required
@require_http_methods(["GET", "POST"])
@_not_found_as_404
def delete(request, graph_id: int):
    graph = _visible_graph(request, graph_id)
    if request.method == "GET":
        _owner_only(request, graph)
        layouts = graph.layouts.count()
        return confirm_page(
            request, question=f"Delete graph “{graph.name}”?",
            detail={0: "", 1: "Its layout goes with it. "}.get(layouts, f"Its {layouts} layouts go with it. ")
                   + "This cannot be undone.",
            action=reverse("graphs:delete", args=[graph.pk]), button="Delete graph", cancel=graph.get_absolute_url())
    actions.delete_graph(request.user, graph_id)
    messages.success(request, f"Deleted graph {graph.name}.")
    return redirect("home")


@login_required
@require_POST
@_not_found_as_404
def share(request, graph_id: int):
    graph = _visible_graph(request, graph_id)

    def share_with(data):
        actions.share_graph(request.user, graph_id, data["group"].pk)
        return f"Shared with “{data['group'].name}”.", graph

    return _submit(request, ShareForm(request.POST, user=request.user, graph=graph, prefix="share"), share_with,
                   lambda form: _detail_page(request, graph, share_form=form, status=400))


@login_required
@require_POST
@_not_found_as_404
def unshare(request, graph_id: int):
    graph = _visible_graph(request, graph_id)
    try:
        group_id = _int(request.POST.get("group"))
        group_name = graph.groups.filter(pk=group_id).values_list("name", flat=True).first()
        actions.unshare_graph(request.user, graph_id, group_id)
    except ValidationError as error:
        return _detail_page(request, graph, error=_reason(error), status=400)
    messages.success(request, f"No longer shared with “{group_name}”.")
    return redirect(graph)


@login_required
@require_POST
@_not_found_as_404
def watch(request, graph_id: int):
    return _graph_watch(request, graph_id, actions.watch_graph, "You are watching graph “{}”.")


@login_required
@require_POST
@_not_found_as_404
def unwatch(request, graph_id: int):
    return _graph_watch(request, graph_id, actions.unwatch_graph, "You no longer watch graph “{}”.")


def _graph_watch(request, graph_id: int, action, done: str):
    graph = _visible_graph(request, graph_id)
    try:
        action(request.user, graph_id)
    except ValidationError as error:
        return _detail_page(request, graph, error=_reason(error), status=400)
    messages.success(request, done.format(graph.name))
    return redirect(back_to(request, graph.get_absolute_url()))  # e.g. the notification it was done from


# Layouts

@login_required
@require_POST
@_not_found_as_404
def create_layout(request, graph_id: int):
    """The layouts card's form (positions typed as JSON) or the drawing's "Save as layout" (dragged)."""
    graph = _visible_graph(request, graph_id)
    drawn = "drawn-name" in request.POST
    form = DrawnLayoutForm(request.POST, prefix="drawn") if drawn else LayoutForm(request.POST, prefix="layout")

    def save(data):
        layout = actions.create_layout(request.user, graph_id, name=data["name"], positions=data["positions"],
                                       shared=data.get("shared", False))
        return f"Saved layout “{layout.name}”.", layout

    return _submit(request, form, save,
                   lambda form: _detail_page(request, graph, status=400,
                                             **{"drawn_form" if drawn else "layout_form": form}))


@login_required
@_not_found_as_404
def layout_detail(request, graph_id: int, layout_id: int):
    return _layout_page(request, _visible_layout(request, graph_id, layout_id))


@login_required
@require_POST
@_not_found_as_404
def edit_layout(request, graph_id: int, layout_id: int):
    layout = _visible_layout(request, graph_id, layout_id)

    def save(data):
        actions.update_layout(request.user, layout_id, name=data["name"], positions=data["positions"],
                              shared=data["shared"])
        return "Saved.", layout

    return _submit(request, LayoutForm(request.POST, prefix="layout"), save,
                   lambda form: _layout_page(request, layout, form=form, status=400))


@login_required
@require_http_methods(["GET", "POST"])
@_not_found_as_404
def delete_layout(request, graph_id: int, layout_id: int):
    layout = _visible_layout(request, graph_id, layout_id)
    if request.method == "GET":
        _owner_only(request, layout)
        return confirm_page(
            request, question=f"Delete layout “{layout.name}” of graph “{layout.graph.name}”?",
            detail="The graph stays. This cannot be undone.",
            action=reverse("graphs:delete_layout", args=[graph_id, layout.pk]), button="Delete layout",
            cancel=layout.get_absolute_url())
    actions.delete_layout(request.user, layout_id)
    messages.success(request, f"Deleted layout {layout.name}.")
    return redirect(layout.graph)


@login_required
@require_POST
@_not_found_as_404
def watch_layout(request, graph_id: int, layout_id: int):
    return _layout_watch(request, graph_id, layout_id, actions.watch_layout, "You are watching layout “{}”.")


@login_required
@require_POST
@_not_found_as_404
def unwatch_layout(request, graph_id: int, layout_id: int):
    return _layout_watch(request, graph_id, layout_id, actions.unwatch_layout, "You no longer watch layout “{}”.")


def _layout_watch(request, graph_id: int, layout_id: int, action, done: str):
    layout = _visible_layout(request, graph_id, layout_id)
    try:
        action(request.user, layout_id)
    except ValidationError as error:
        return _layout_page(request, layout, error=_reason(error), status=400)
    messages.success(request, done.format(layout.name))
    return redirect(back_to(request, layout.get_absolute_url()))


# The home page's live list

@login_required
@require_GET
@_not_found_as_404
def graph_row(request, graph_id: int):
    """One graph's row of the home page's list, for client.js to insert when a graph is newly shared with me."""
    return render(request, "graphs/_row.html", {"graph": for_rows(visible_graphs(request.user), request.user)
                                                .get(pk=graph_id)})


# Search

@login_required
@require_GET
def search(request):
    """``?q=`` over the graphs I can see (web/graphs/search.py), newest first, 50 a page by ``?before=<id>``.

    Words too long or with control characters, or a ``before`` that is not an id: the page with the reason, 400.
    """
    raw = request.GET.get("q", "")
    context = {"q": raw.strip(), "graphs": [], "older": None, "error": ""}
    try:
        words = clean_words(raw)
        before = optional_id(request.GET.get("before"), "before")
    except (BadSearch, BadId) as error:
        context["error"] = str(error)
        return render(request, "graphs/search.html", context, status=400)
    context["q"] = words
    if words:
        context["graphs"], context["older"] = search_page(request.user, words, before=before)
    context["searched"] = bool(words)
    context["before"] = before
    return render(request, "graphs/search.html", context)


# Reading and rendering

def _owner_only(request, thing) -> None:
    """A GET of the owner's confirmation page answers as the POST would: 403 to anyone else who sees it."""
    if thing.owner_id != request.user.pk:
        raise PermissionDenied("only its owner may do that")


def _visible_graph(request, graph_id: int) -> Graph:
    # Someone else's graph looks exactly like no graph. Its JSON (up to
    # GRAPH_MAX_BYTES) is read only by the pages that draw it.
    return visible_graphs(request.user).select_related("owner").defer("graph_json").get(pk=graph_id)


def _visible_layout(request, graph_id: int, layout_id: int) -> Layout:
    return visible_layouts(request.user).select_related("graph", "owner").get(pk=layout_id, graph_id=graph_id)


def _int(raw) -> int:
    if not raw:
        raise ValidationError("choose a group")
    try:
        return parse_id(raw, "group")
    except BadId as error:
        raise ValidationError(str(error)) from None


GRAPHS_PER_PAGE = 50


def _home_page(request, form, *, status: int = 200):
    """The graphs I can see, newest first, 50 a page by cursor (``?before=<id>``).

    Without the graphs' JSON: a list never needs it, and each may be megabytes.
    A ``before`` that is not an id is the page with the reason and status 400.
    """
    graphs = for_rows(visible_graphs(request.user), request.user).order_by("-pk")
    try:
        before = optional_id(request.GET.get("before"), "before")
    except BadId as error:
        return render(request, "graphs/home.html", {"graphs": [], "older": None, "form": form, "error": str(error)},
                      status=400)
    if before is not None:
        graphs = graphs.filter(pk__lt=before)
    page = list(graphs[:GRAPHS_PER_PAGE + 1])
    older = page[GRAPHS_PER_PAGE - 1].pk if len(page) > GRAPHS_PER_PAGE else None
    # Only the newest page takes in graphs live: an older one would be handed rows it does not show.
    live_rows = reverse("graphs:row", args=[0]).replace("/0/", "/{id}/") if before is None else ""
    return render(request, "graphs/home.html", {"graphs": page[:GRAPHS_PER_PAGE], "older": older, "form": form,
                                                "live_rows": live_rows}, status=status)


def _detail_page(request, graph: Graph, *, status: int = 200, error: str = "", **forms):
    user = request.user
    is_owner = graph.owner_id == user.pk
    context = {
        "graph": graph,
        "is_owner": is_owner,
        "groups": graph.groups.order_by("name"),
        "layouts": visible_layouts(user).filter(graph=graph).select_related("owner").order_by("name", "pk"),
        "watching": not is_owner and actions.is_watching(user, graph=graph),
        "error": error,
        "edit_form": GraphEditForm.for_graph(graph) if is_owner else None,
        "share_form": ShareForm(user=user, graph=graph, prefix="share") if is_owner else None,
        "layout_form": LayoutForm(prefix="layout"),
        "drawn_form": DrawnLayoutForm(prefix="drawn"),
        "drawing": drawing.for_graph(graph.graph_json),
        "node_list": drawing.node_list(graph.graph_json),
        **forms,
    }
    return render(request, "graphs/detail.html", context, status=status)


def _layout_page(request, layout: Layout, *, status: int = 200, error: str = "", form=None):
    is_owner = layout.owner_id == request.user.pk
    return render(request, "graphs/layout.html", {
        "layout": layout,
        "graph": layout.graph,
        "positions_json": json.dumps(layout.positions, indent=1, sort_keys=True),
        "is_owner": is_owner,
        "watching": not is_owner and actions.is_watching(request.user, layout=layout),
        "error": error,
        "form": form or (LayoutForm.for_layout(layout) if is_owner else None),
        "drawing": drawing.for_layout(layout.graph.graph_json, layout.positions),
        "node_list": drawing.node_list(layout.graph.graph_json),
    }, status=status)
