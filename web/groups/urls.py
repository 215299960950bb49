from django.urls import path

from web.groups import views

app_name = "groups"
urlpatterns = [
    path("", views.group_list, name="list"),
    path("new/", views.create, name="create"),
    path("<int:group_id>/", views.detail, name="detail"),
    path("<int:group_id>/members/add/", views.add_member, name="add_member"),
    path("<int:group_id>/members/remove/", views.remove_member, name="remove_member"),
    path("<int:group_id>/rename/", views.rename, name="rename"),
    path("<int:group_id>/delete/", views.delete, name="delete"),
    path("<int:group_id>/leave/", views.leave, name="leave"),
    path("<int:group_id>/mute/", views.mute, name="mute"),
    path("<int:group_id>/unmute/", views.unmute, name="unmute"),
]
