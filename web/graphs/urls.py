from django.urls import path

from web.graphs import views

app_name = "graphs"
urlpatterns = [
    path("new/", views.create, name="create"),
    path("<int:graph_id>/", views.detail, name="detail"),
    path("<int:graph_id>/layouts/<int:layout_id>/", views.detail, name="layout"),
]
