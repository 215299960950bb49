from django.urls import path

from web.digest import views

app_name = "digest"
urlpatterns = [
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("open/", views.open_from_mail, name="open"),
]
