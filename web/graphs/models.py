from django.conf import settings
from django.db import models
from django.urls import reverse


class Graph(models.Model):
    """A network uploaded by its owner, in Cytoscape.js JSON.

    Seen by its owner and by the members of every group it is shared with.
    """

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="graphs")
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    tags = models.JSONField(default=list, blank=True)
    graph_json = models.JSONField(default=dict, blank=True)
    # Counted once at upload, so lists never parse the JSON.
    node_count = models.IntegerField(default=0)
    edge_count = models.IntegerField(default=0)
    groups = models.ManyToManyField("groups.Group", through="GraphShare", related_name="graphs")
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("graphs:detail", args=[self.pk])


class GraphShare(models.Model):
    graph = models.ForeignKey(Graph, on_delete=models.CASCADE, related_name="shares")
    group = models.ForeignKey("groups.Group", on_delete=models.CASCADE, related_name="shares")
    shared_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["graph", "group"], name="share_once")]
        # A group's graphs newest first (its page, and search by group name): walked backwards from the cursor.
        indexes = [models.Index(fields=["group", "graph"], name="share_group_graph")]


class Layout(models.Model):
    """Node positions for a graph, saved under a name.

    Private to its owner until shared; a shared layout is seen by everyone
    who sees its graph (the graph's groups: "shared with the group").
    """

    graph = models.ForeignKey(Graph, on_delete=models.CASCADE, related_name="layouts")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="layouts")
    name = models.CharField(max_length=200)
    positions = models.JSONField(default=dict, blank=True)
    shared = models.BooleanField(default=False)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("graphs:layout", args=[self.graph_id, self.pk])


class Watch(models.Model):
    """A user's choice to hear of what happens to a graph or a layout they do not own."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="watches")
    graph = models.ForeignKey(Graph, null=True, blank=True, on_delete=models.CASCADE, related_name="watches")
    layout = models.ForeignKey(Layout, null=True, blank=True, on_delete=models.CASCADE, related_name="watches")
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(graph__isnull=False, layout__isnull=True)
                | models.Q(graph__isnull=True, layout__isnull=False),
                name="watch_one_thing",
            ),
            models.UniqueConstraint(fields=["user", "graph"], name="watch_graph_once"),
            models.UniqueConstraint(fields=["user", "layout"], name="watch_layout_once"),
        ]
