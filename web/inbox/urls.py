from django.urls import path

from web.inbox import bell, views

# The names stay the notifications app's: every template and redirect says "notifications:…".
app_name = "notifications"
urlpatterns = [
    path("", views.index, name="index"),
    path("read-all/", views.read_all, name="read_all"),
    path("bulk/", views.bulk, name="bulk"),
    path("group/", views.group_rows, name="group_rows"),
    path("done/", views.group_done, name="group_done"),
    path("undo-done/", views.undo_done, name="undo_done"),
    path("undo-mute/", views.undo_mute, name="undo_mute"),
    path("snooze/", views.group_snooze, name="group_snooze"),
    path("wake/", views.wake, name="wake"),
    path("save/", views.group_save, name="group_save"),
    path("unsave/", views.group_unsave, name="group_unsave"),
    path("bell/own-actions/", bell.own_actions, name="bell_own_actions"),
    path("<int:notification_id>/read/", views.read, name="read"),
    path("<int:notification_id>/unread/", views.unread, name="unread"),
    path("<int:notification_id>/done/", views.done, name="done"),
    path("<int:notification_id>/undone/", views.move_to_inbox, name="undone"),
    path("<int:notification_id>/snooze/", views.snooze, name="snooze"),
    path("<int:notification_id>/save/", views.save, name="save"),
    path("<int:notification_id>/unsave/", views.unsave, name="unsave"),
    path("<int:notification_id>/open/", views.open_notification, name="open"),
    path("<int:notification_id>/unavailable/", views.unavailable, name="unavailable"),
    # Where it leads, as a GET (a digest's link goes here once it has read it): the unavailable page's
    # view, which sends on to the link while the user can follow it.
    path("<int:notification_id>/go/", views.unavailable, name="go"),
]
