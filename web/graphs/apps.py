from django.apps import AppConfig


class GraphsConfig(AppConfig):
    name = "web.graphs"
    label = "graphs"
