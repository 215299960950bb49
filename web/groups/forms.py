from django import forms

from web.groups.actions import NAME_MAX


class GroupNameForm(forms.Form):
    name = forms.CharField(max_length=NAME_MAX, label="Name")


class MemberForm(forms.Form):
    username = forms.CharField(max_length=150, label="Username")
