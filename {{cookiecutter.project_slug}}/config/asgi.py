"""ASGI entry point: HTTP goes to Django, WebSockets to Channels.

Django's requests run on threads that are kept from one request to the next
(core/request_threads.py).

HTTP request bodies over HTTP_MAX_BODY_BYTES (uploads: over ATTACHMENTS_MAX_BYTES) are refused
before Django reads them. Every
WebSocket handshake passes the Origin check first (WEBSOCKET_ALLOWED_ORIGINS, against
cross-site WebSocket hijacking), then the authentication middleware of this project's auth mode
(closed 1013 if a backing service is out of reach for it, core/handshake_outages.py); one to a
path no route serves is refused (core/websocket_paths.py).
"""

import gc
import os
import warnings

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

# Files (whitenoise's static files, downloads) are read whole in a thread under ASGI, which
# Django warns of at every response: known and accepted, since the files are size-limited.
warnings.filterwarnings(
    "ignore", "StreamingHttpResponse must consume synchronous iterators", category=Warning
)

# Django must be set up before anything imports models (as get_asgi_application() does).
django.setup(set_prefix=False)

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.conf import settings  # noqa: E402
from django.urls import re_path  # noqa: E402

from accounts.auth_{{ cookiecutter.auth }} import websocket_auth_middleware  # noqa: E402
from chat.routing import websocket_urlpatterns  # noqa: E402
from core.handshake_outages import RefuseHandshakesDuringOutages  # noqa: E402
from core.request_size import RequestBodyLimit  # noqa: E402
from core.request_threads import ReusedThreadsASGIHandler  # noqa: E402
from core.websocket_origins import CheckOrigin  # noqa: E402
from core.websocket_paths import RefuseUnknownPath  # noqa: E402

django_asgi_app = ReusedThreadsASGIHandler(settings.REQUEST_THREADS_KEPT, settings.REQUEST_THREADS)

application = ProtocolTypeRouter(
    {
        "http": RequestBodyLimit(
            django_asgi_app,
            # Uploads take files up to ATTACHMENTS_MAX_BYTES, with room for the multipart framing,
            # so that a file just over the limit reaches the view and gets its own clear error.
            larger_for=[
                (r"/api/rooms/[0-9]+/attachments/", settings.ATTACHMENTS_MAX_BYTES + 64 * 1024)
            ],
        ),
        "websocket": CheckOrigin(
            RefuseHandshakesDuringOutages(
                websocket_auth_middleware,
                URLRouter([*websocket_urlpatterns, re_path(r"", RefuseUnknownPath())]),
            ),
            settings.WEBSOCKET_ALLOWED_ORIGINS,
        ),
    }
)

# What the process made to get here (Django, the URL conf, every module loaded) lives as long as
# it does: the garbage collector need not walk it again at each full collection.
gc.freeze()
# A collection once 7,000 more objects are alive than at the last one, not 700: a server's
# objects nearly all die young, freed by reference counting before a collection would see
# them. At 700 the collector took a twentieth of the server's CPU in the small-rooms benchmark.
gc.set_threshold(7_000, 10, 10)
