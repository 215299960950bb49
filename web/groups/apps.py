from django.apps import AppConfig


class GroupsConfig(AppConfig):
    name = "web.groups"
    label = "groups"
