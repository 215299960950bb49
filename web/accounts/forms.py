from django import forms
from django.conf import settings
from django.contrib.auth.forms import UserCreationForm

from common.time_zones import zone_names
from web.accounts.actions import SWITCHES
from web.accounts.models import NotificationPreferences
from web.kinds import Kind

OFF = "off"


class SignUpForm(UserCreationForm):
    email = forms.EmailField()

    class Meta(UserCreationForm.Meta):
        fields = ("username", "email")


class PreferencesForm(forms.ModelForm):
    """One "in the app" and one "in the email digest" switch per kind, the digest's schedule (or off) and zone.

    The schedule is one choice, off, hourly, daily or weekly (radio buttons), and the hour and day the last
    two use: "off" is the digest switch off, the rest turn it on with that schedule, so cleaned_data holds
    what update_preferences takes (digest, digest_every) rather than the choice itself.
    """

    digest_schedule = forms.ChoiceField(
        label="Email digest", widget=forms.RadioSelect,
        choices=[(OFF, "Off"), ("hourly", "Hourly, on the hour"), ("daily", "Daily, at the hour below"),
                 ("weekly", "Weekly, on the day and at the hour below")])
    digest_hour = forms.TypedChoiceField(label="Hour (daily and weekly)", coerce=int,
                                         choices=[(hour, f"{hour:02d}:00") for hour in range(24)])

    class Meta:
        model = NotificationPreferences
        fields = (*(name for name in SWITCHES if name != "digest"), "time_zone", "digest_hour", "digest_weekday")
        labels = {"count_own_actions": "Count my own actions as unread (they arrive read otherwise)",
                  "digest_weekday": "Day (weekly)"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        prefs = self.instance
        self.fields["digest_schedule"].initial = prefs.digest_every if prefs.digest else OFF
        self.fields["time_zone"] = forms.ChoiceField(
            label="Time zone", required=False, help_text="Snoozes end at the times you choose in this zone.",
            choices=[("", f"The server's ({settings.TIME_ZONE})"), *((name, name) for name in sorted(zone_names()))],
            widget=forms.Select(attrs={"aria-describedby": "time-zone-help"}))
        # The table's headings name the columns; each box still needs a name of its own for a screen reader.
        for kind in Kind:
            self.fields[f"app_{kind.value}"].widget.attrs["aria-label"] = f"{kind.label}: in the app"
            self.fields[f"mail_{kind.value}"].widget.attrs["aria-label"] = f"{kind.label}: in the email digest"

    def clean(self):
        cleaned = super().clean()
        schedule = cleaned.pop("digest_schedule", None)
        if schedule is not None:
            cleaned["digest"] = schedule != OFF
            if schedule != OFF:
                cleaned["digest_every"] = schedule  # off keeps the schedule, for when it is turned on again
        return cleaned

    def rows(self):
        """(label, app field, mail field) per kind, for the table on the profile page."""
        return [(kind.label, self[f"app_{kind.value}"], self[f"mail_{kind.value}"]) for kind in Kind]
