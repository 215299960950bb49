from django import forms

from web.groups.actions import NAME_MAX
from web.names import validate_name


class GroupNameForm(forms.Form):
    name = forms.CharField(max_length=NAME_MAX, label="Name", validators=[validate_name])


class MemberForm(forms.Form):
    username = forms.CharField(max_length=150, label="Username")
