from django.apps import AppConfig


class ChatConfig(AppConfig):
    name = "chat"

    def ready(self):
        from .domain import profile_changes  # noqa: F401 (connects the receiver)
        from .realtime.rate_limits import characters_limit, frame_limit, message_limit

        # A malformed limit stops the server as it starts, naming its setting, rather than
        # failing every frame it applies to.
        message_limit()
        frame_limit()
        characters_limit()
