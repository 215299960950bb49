from django.urls import path

from web.groups import views

app_name = "groups"
urlpatterns = [
    path("<int:group_id>/", views.detail, name="detail"),
]
