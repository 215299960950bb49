from django.urls import path

from web.accounts import views

app_name = "accounts"
urlpatterns = [
    path("signup/", views.signup, name="signup"),
    path("profile/", views.profile, name="profile"),
    path("profile/preferences/", views.save_preferences, name="preferences"),
]
