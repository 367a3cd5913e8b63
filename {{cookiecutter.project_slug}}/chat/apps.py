from django.apps import AppConfig


class ChatConfig(AppConfig):
    name = "chat"

    def ready(self):
        from .domain import profile_changes  # noqa: F401 (connects the receiver)
