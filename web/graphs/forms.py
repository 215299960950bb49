from django import forms

from web.groups.models import Group


class GraphForm(forms.Form):
    name = forms.CharField(max_length=200)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    group = forms.ModelChoiceField(queryset=Group.objects.none(), required=False, empty_label="Only me")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = Group.objects.filter(memberships__user=user).order_by("name")
