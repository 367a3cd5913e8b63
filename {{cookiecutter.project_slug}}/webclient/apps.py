from django.apps import AppConfig


class WebclientConfig(AppConfig):
    """The browser chat client at `/`: a page and ES modules that use only the public REST API
    and the WebSocket protocol. Remove it from INSTALLED_APPS to serve a front end of your own."""

    name = "webclient"
    verbose_name = "Web client"
