from django.urls import path

from web.digest import views

app_name = "digest"
urlpatterns = [
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("open/", views.open_from_mail, name="open"),
    path("confirm/", views.ask_to_confirm, name="ask_to_confirm"),
    path("confirm/<str:token>/", views.confirm, name="confirm"),
]
