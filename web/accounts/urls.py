from django.urls import path

from web.accounts import views

app_name = "accounts"
urlpatterns = [
    path("signup/", views.signup, name="signup"),
    path("profile/", views.profile, name="profile"),
    path("profile/preferences/", views.save_preferences, name="preferences"),
    path("profile/token/", views.create_token, name="create_token"),
    path("profile/token/revoke/", views.revoke_token, name="revoke_token"),
]
