"""Pages show times in the reader's saved zone, else the server's."""

import re
from zoneinfo import ZoneInfo

import pytest

from tests.support.events import graph_event
from tests.web.conftest import page_text
from web.accounts.actions import update_preferences
from web.notifications.delivery import deliver
from web.notifications.models import Notification

pytestmark = pytest.mark.django_db


def exact_times(html: str) -> list[str]:
    """The exact time each notification row gives (its <time>'s title), bell and list."""
    return re.findall(r'<time datetime="[^"]+" title="([^"]+)"', html)


@pytest.mark.parametrize("zone", ["Asia/Tokyo", "America/New_York", ""])
def test_the_list_and_the_bell_say_when_in_her_zone(make_user, browser_for, zone):
    alice = make_user("alice")
    if zone:
        update_preferences(alice, time_zone=zone)
    [delivered] = deliver(graph_event(alice, "Kinase map", to=[alice]))
    created = Notification.objects.get(pk=delivered.notification_id).notice.created
    local = created.astimezone(ZoneInfo(zone or "UTC")).strftime("%Y-%m-%d %H:%M")

    html = page_text(browser_for(alice).get("/notifications/"))

    assert exact_times(html) and set(exact_times(html)) == {local}


def test_a_zone_the_system_no_longer_knows_falls_back_to_the_servers(make_user, browser_for):
    from web.accounts.models import NotificationPreferences

    alice = make_user("alice")
    NotificationPreferences.objects.create(user=alice, time_zone="Mars/Olympus_Mons")  # (not through the form)
    assert browser_for(alice).get("/notifications/").status_code == 200
