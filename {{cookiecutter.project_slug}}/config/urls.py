from csp.constants import SELF, UNSAFE_INLINE
from csp.decorators import csp_update
from django.apps import apps
from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)

from accounts.throttles import throttle_login_view
from core.views import api_not_found

# Swagger UI and ReDoc inject style elements; their scripts stay files from this server.
DOCS_STYLES = {"style-src": [UNSAFE_INLINE]}
swagger_page = csp_update(DOCS_STYLES)
# ReDoc's search runs in a web worker its script makes from a blob: URL: refused, search found
# nothing. (One update per view: django-csp keeps only the outermost.)
redoc_page = csp_update({**DOCS_STYLES, "worker-src": [SELF, "blob:"]})

urlpatterns = [
    # Before admin.site.urls, so this throttled view answers the admin's login URL.
    path("admin/login/", throttle_login_view(admin.site.login)),
    path("admin/", admin.site.urls),
    path("api/auth/", include("accounts.urls")),
    path("api/users/", include("users.urls")),
    path("api/", include("chat.urls")),
    path("api/", include("attachments.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path(
        "api/docs/",
        swagger_page(SpectacularSwaggerSplitView.as_view(url_name="schema")),
        name="docs",
    ),
    path(
        "api/redoc/",
        redoc_page(
            SpectacularRedocView.as_view(url_name="schema", template_name="core/redoc.html")
        ),
        name="redoc",
    ),
    # Any other /api/ path: JSON, in development too (handler404 below serves only where
    # DEBUG is off). Only paths with their slash, so that one without still goes to it.
    re_path(r"^api/.*/$", api_not_found),
]

# The web client at /, when its app is installed: taking "webclient" out of INSTALLED_APPS is
# all it takes to serve a front end of your own.
if apps.is_installed("webclient"):
    urlpatterns.append(path("", include("webclient.urls")))

# JSON, not Django's HTML pages, for /api/ requests refused before any view, matching no route
# or failing.
handler400 = "core.views.bad_request"
handler404 = "core.views.not_found"
handler500 = "core.views.server_error"
