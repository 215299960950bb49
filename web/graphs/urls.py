from django.urls import path

from web.graphs import views

app_name = "graphs"
urlpatterns = [
    path("new/", views.create, name="create"),
    path("search/", views.search, name="search"),
    path("<int:graph_id>/", views.detail, name="detail"),
    path("<int:graph_id>/graph.json", views.graph_json, name="graph_json"),
    path("<int:graph_id>/row/", views.graph_row, name="row"),
    path("<int:graph_id>/edit/", views.edit, name="edit"),
    path("<int:graph_id>/delete/", views.delete, name="delete"),
    path("<int:graph_id>/share/", views.share, name="share"),
    path("<int:graph_id>/unshare/", views.unshare, name="unshare"),
    path("<int:graph_id>/watch/", views.watch, name="watch"),
    path("<int:graph_id>/unwatch/", views.unwatch, name="unwatch"),
    path("<int:graph_id>/layouts/new/", views.create_layout, name="create_layout"),
    path("<int:graph_id>/layouts/<int:layout_id>/", views.layout_detail, name="layout"),
    path("<int:graph_id>/layouts/<int:layout_id>/edit/", views.edit_layout, name="edit_layout"),
    path("<int:graph_id>/layouts/<int:layout_id>/delete/", views.delete_layout, name="delete_layout"),
    path("<int:graph_id>/layouts/<int:layout_id>/watch/", views.watch_layout, name="watch_layout"),
    path("<int:graph_id>/layouts/<int:layout_id>/unwatch/", views.unwatch_layout, name="unwatch_layout"),
]
