from django import forms
from django.contrib.auth.forms import UserCreationForm

from web.accounts.models import NotificationPreferences
from web.kinds import KINDS, Kind


class SignUpForm(UserCreationForm):
    email = forms.EmailField()

    class Meta(UserCreationForm.Meta):
        fields = ("username", "email")


class PreferencesForm(forms.ModelForm):
    """One "in the app" and one "in the email digest" switch per kind, and the digest itself."""

    class Meta:
        model = NotificationPreferences
        fields = (*(f"app_{kind}" for kind in KINDS), *(f"mail_{kind}" for kind in KINDS), "digest",
                  "count_own_actions")
        labels = {"digest": "Send me the email digest",
                  "count_own_actions": "Count my own actions as unread (they arrive read otherwise)"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The table's headings name the columns; each box still needs a name of its own for a screen reader.
        for kind in Kind:
            self.fields[f"app_{kind.value}"].widget.attrs["aria-label"] = f"{kind.label}: in the app"
            self.fields[f"mail_{kind.value}"].widget.attrs["aria-label"] = f"{kind.label}: in the email digest"

    def rows(self):
        """(label, app field, mail field) per kind, for the table on the profile page."""
        return [(kind.label, self[f"app_{kind.value}"], self[f"mail_{kind.value}"]) for kind in Kind]
