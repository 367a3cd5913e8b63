import django
from channels.routing import ProtocolTypeRouter, URLRouter
from channels.security.websocket import AllowedHostsOriginValidator
from django.core.asgi import get_asgi_application
from django.urls import path

django.setup()

from .consumers import ChatConsumer  # noqa: E402  (needs the app registry)

application = ProtocolTypeRouter(
    {
        "http": get_asgi_application(),
        "websocket": AllowedHostsOriginValidator(
            URLRouter([path("ws/chat/<int:room>/", ChatConsumer.as_asgi())])
        ),
    }
)
