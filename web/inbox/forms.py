from django import forms

from web.kinds import Kind
from web.notifications.queries import STATES

STATE_LABELS = {"all": "All", "unread": "Unread", "read": "Read", "done": "Done", "snoozed": "Snoozed",
                "saved": "Saved"}


class FilterForm(forms.Form):
    """The list's filter as a GET form: its values live in the URL.

    Only for showing; the values are read and checked by
    NotificationFilter.from_params, the same rule the API keeps.
    """

    state = forms.ChoiceField(choices=[(state, STATE_LABELS[state]) for state in STATES], required=False)
    kind = forms.ChoiceField(choices=[("", "Any kind"), *Kind.choices], required=False)
    q = forms.CharField(required=False, label="Words", max_length=200,
                        widget=forms.TextInput(attrs={"type": "search", "placeholder": "graph, person, group…"}))
    target = forms.CharField(required=False, widget=forms.HiddenInput)

    @classmethod
    def showing(cls, flt):
        return cls(initial={"state": flt.state, "kind": flt.kind, "q": flt.q, "target": flt.target},
                   auto_id="filter_%s")
