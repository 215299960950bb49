from django.conf import settings
from django.db import models
from django.urls import reverse


class Graph(models.Model):
    """A network uploaded by its owner, in Cytoscape.js JSON."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="graphs")
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    graph_json = models.JSONField(default=dict, blank=True)
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
