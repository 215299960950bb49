from django.urls import path

from web.api import token_pages

app_name = "tokens"
urlpatterns = [
    path("", token_pages.create, name="create"),
    path("<int:pk>/revoke/", token_pages.revoke, name="revoke"),
]
