from django import forms
from django.conf import settings
from django.contrib.auth.forms import UserCreationForm

from common.time_zones import zone_names
from web.accounts.actions import SWITCHES
from web.accounts.models import NotificationPreferences
from web.kinds import Kind


class SignUpForm(UserCreationForm):
    email = forms.EmailField()

    class Meta(UserCreationForm.Meta):
        fields = ("username", "email")


class PreferencesForm(forms.ModelForm):
    """One "in the app" and one "in the email digest" switch per kind, and the digest itself."""

    class Meta:
        model = NotificationPreferences
        fields = (*SWITCHES, "time_zone")
        labels = {"digest": "Send me the email digest",
                  "count_own_actions": "Count my own actions as unread (they arrive read otherwise)"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["time_zone"] = forms.ChoiceField(
            label="Time zone", required=False, help_text="Snoozes end at the times you choose in this zone.",
            choices=[("", f"The server's ({settings.TIME_ZONE})"), *((name, name) for name in sorted(zone_names()))],
            widget=forms.Select(attrs={"aria-describedby": "time-zone-help"}))
        # The table's headings name the columns; each box still needs a name of its own for a screen reader.
        for kind in Kind:
            self.fields[f"app_{kind.value}"].widget.attrs["aria-label"] = f"{kind.label}: in the app"
            self.fields[f"mail_{kind.value}"].widget.attrs["aria-label"] = f"{kind.label}: in the email digest"

    def rows(self):
        """(label, app field, mail field) per kind, for the table on the profile page."""
        return [(kind.label, self[f"app_{kind.value}"], self[f"mail_{kind.value}"]) for kind in Kind]
