import json

from django import forms
from django.conf import settings

from web import json_text
from web.graphs.actions import NAME_MAX
from web.groups.models import Group
from web.names import validate_name

NO_GRAPH = 'no graph given: choose a Cytoscape.js JSON file or paste its JSON (an empty graph is {"elements": []})'


class GraphJsonFields(forms.Form):
    """The graph itself: an uploaded Cytoscape.js JSON file or the same text pasted; at most one."""

    graph_file = forms.FileField(required=False, label="Graph file (Cytoscape.js JSON)")
    graph_text = forms.CharField(required=False, strip=False, label="…or paste the JSON",
                                 widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "false"}))

    # An upload must bring a graph; an edit without one keeps the graph it has.
    graph_required = False

    def clean(self):
        cleaned = super().clean()
        upload, text = cleaned.get("graph_file"), cleaned.get("graph_text")
        if upload and text and text.strip():
            raise forms.ValidationError("give the graph as a file or as pasted text, not both")
        if self.graph_required and not upload and not (text and text.strip()) and "graph_file" not in self.errors:
            raise forms.ValidationError(NO_GRAPH)
        limit = settings.GRAPH_MAX_BYTES
        # Refused before reading: a file is not held in memory only to be turned away.
        if upload and upload.size > limit:
            self.add_error("graph_file", f"the graph is {upload.size:,} bytes; the limit is {limit:,}")
        return cleaned

    def graph_json(self):
        """The text (str or bytes) to parse, or None when no graph was given."""
        upload, text = self.cleaned_data.get("graph_file"), self.cleaned_data.get("graph_text")
        if upload:
            return upload.read()
        return text if text and text.strip() else None


class GraphForm(GraphJsonFields):
    graph_required = True
    name = forms.CharField(max_length=NAME_MAX, validators=[validate_name])
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    tags = forms.CharField(required=False, help_text="Comma separated, e.g. signalling, kinases")
    group = forms.ModelChoiceField(queryset=Group.objects.none(), required=False, empty_label="Only me",
                                   label="Share with")
    field_order = ["name", "description", "tags", "group", "graph_file", "graph_text"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = Group.objects.filter(memberships__user=user).order_by("name")


class GraphEditForm(GraphJsonFields):
    name = forms.CharField(max_length=NAME_MAX, validators=[validate_name])
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    tags = forms.CharField(required=False, help_text="Comma separated")
    field_order = ["name", "description", "tags", "graph_file", "graph_text"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["graph_file"].label = "Replace the graph with a file"
        self.fields["graph_text"].label = "…or with pasted JSON"

    @classmethod
    def for_graph(cls, graph, **kwargs):
        return cls(initial={"name": graph.name, "description": graph.description, "tags": ", ".join(graph.tags)},
                   prefix="edit", **kwargs)


class ShareForm(forms.Form):
    group = forms.ModelChoiceField(queryset=Group.objects.none(), label="Share with")

    def __init__(self, *args, user, graph, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = (Group.objects.filter(memberships__user=user)
                                         .exclude(shares__graph=graph).order_by("name"))


class LayoutForm(forms.Form):
    name = forms.CharField(max_length=NAME_MAX, validators=[validate_name])
    positions = forms.CharField(required=False, strip=False, label="Positions (JSON)",
                                help_text='{"node id": {"x": 10, "y": 20}, …}',
                                widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false"}))
    shared = forms.BooleanField(required=False, label="Share with everyone who sees the graph")

    def clean_positions(self):
        text = self.cleaned_data["positions"]
        if not text.strip():
            return {}
        try:
            return json_text.loads(text, what="the positions")
        except json_text.JSONTextInvalid as exc:
            raise forms.ValidationError(str(exc)) from None

    @classmethod
    def for_layout(cls, layout, **kwargs):
        return cls(initial={"name": layout.name, "positions": json.dumps(layout.positions, indent=1),
                            "shared": layout.shared}, prefix="layout", **kwargs)


class DrawnLayoutForm(LayoutForm):
    """"Save as layout" under a graph's drawing: a name, and the drawing's positions, which graph.js
    writes into the hidden field as the form is sent. Checked by the same action as the typed JSON."""

    name = forms.CharField(max_length=NAME_MAX, validators=[validate_name], label="Layout name")
    positions = forms.CharField(required=False, strip=False, widget=forms.HiddenInput)
    shared = None
