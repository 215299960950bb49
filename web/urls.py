from django.contrib.auth import views as auth_views
from django.urls import include, path

from web.graphs import views as graph_views
from web.metrics import metrics_view

urlpatterns = [
    path("", graph_views.home, name="home"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/", include("web.accounts.urls")),
    path("accounts/profile/tokens/", include("web.api.token_page_urls")),
    path("graphs/", include("web.graphs.urls")),
    path("groups/", include("web.groups.urls")),
    path("notifications/", include("web.inbox.urls")),
    path("api/v1/", include("web.api.urls")),
    path("digest/", include("web.digest.urls")),
    path("metrics", metrics_view, name="metrics"),
]
