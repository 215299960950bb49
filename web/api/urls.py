from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView

from web.api import auth, docs, graphs, groups, layouts, notifications, preferences, token_api
from web.api.errors import no_such_endpoint

app_name = "api"
urlpatterns = [
    path("auth/token/", auth.ObtainToken.as_view(), name="token"),
    path("tokens/", token_api.TokenList.as_view(), name="tokens"),
    path("tokens/<int:pk>/", token_api.TokenDetail.as_view(), name="token-detail"),
    path("notifications/", notifications.NotificationList.as_view(), name="notifications"),
    path("notifications/unread-count/", notifications.UnreadCount.as_view(), name="unread-count"),
    path("notifications/read-all/", notifications.MarkAllRead.as_view(), name="read-all"),
    path("notifications/bulk/", notifications.Bulk.as_view(), name="notifications-bulk"),
    path("notifications/<int:pk>/read/", notifications.MarkRead.as_view(), name="notification-read"),
    path("notifications/<int:pk>/unread/", notifications.MarkUnread.as_view(), name="notification-unread"),
    path("notifications/<int:pk>/done/", notifications.MarkDone.as_view(), name="notification-done"),
    path("notifications/<int:pk>/undone/", notifications.MarkUndone.as_view(), name="notification-undone"),
    path("notifications/<int:pk>/save/", notifications.Save.as_view(), name="notification-save"),
    path("notifications/<int:pk>/snooze/", notifications.Snooze.as_view(), name="notification-snooze"),
    path("notifications/<int:pk>/wake/", notifications.Wake.as_view(), name="notification-wake"),
    path("notifications/<int:pk>/unsave/", notifications.Unsave.as_view(), name="notification-unsave"),
    path("preferences/", preferences.Preferences.as_view(), name="preferences"),
    path("groups/", groups.GroupList.as_view(), name="groups"),
    path("groups/<int:pk>/", groups.GroupDetail.as_view(), name="group"),
    path("groups/<int:pk>/members/", groups.GroupMembers.as_view(), name="group-members"),
    path("groups/<int:pk>/mute/", groups.GroupMute.as_view(), name="group-mute"),
    # Django's usernames: letters, digits and @.+-_
    re_path(r"^groups/(?P<pk>[0-9]+)/members/(?P<username>[\w.@+-]+)/$", groups.GroupMember.as_view(),
            name="group-member"),
    path("graphs/", graphs.GraphList.as_view(), name="graphs"),
    path("graphs/<int:pk>/", graphs.GraphDetail.as_view(), name="graph"),
    path("graphs/<int:pk>/share/", graphs.ShareGraph.as_view(), name="graph-share"),
    path("graphs/<int:pk>/unshare/", graphs.UnshareGraph.as_view(), name="graph-unshare"),
    path("graphs/<int:pk>/watch/", graphs.WatchGraph.as_view(), name="graph-watch"),
    path("graphs/<int:pk>/layouts/", graphs.GraphLayouts.as_view(), name="graph-layouts"),
    path("layouts/<int:pk>/", layouts.LayoutDetail.as_view(), name="layout"),
    path("layouts/<int:pk>/watch/", layouts.WatchLayout.as_view(), name="layout-watch"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", docs.swagger_ui, name="docs"),
    path("redoc/", docs.redoc, name="redoc"),
    path("docs/assets/<path:path>", docs.asset, name="docs-asset"),
    re_path(r"", no_such_endpoint),  # last: anything else under the API is a JSON 404
]
