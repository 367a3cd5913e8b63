from django.apps import AppConfig
from django.urls import register_converter


class CoreConfig(AppConfig):
    name = "core"

    def ready(self):
        from .converters import IdConverter

        # Once, for every app's URLs (`<id:...>`): Django warns when a name is registered twice.
        register_converter(IdConverter, "id")
