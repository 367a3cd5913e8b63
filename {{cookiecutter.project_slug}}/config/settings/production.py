"""Production settings: everything secret or host-specific must come from the environment."""

from django.core.exceptions import ImproperlyConfigured
from whitenoise.compress import Compressor

from .base import *  # noqa: F403
from .environment import BASE_DIR, env

# No default on purpose: a missing key must stop the server, not fall back to something guessable;
# and a short one (.env.example's is empty) too, by the measure of Django's own deploy check.
SECRET_KEY = env("DJANGO_SECRET_KEY")
if len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5:
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY must be at least 50 characters, of at least 5 different ones: "
        'make one with `python -c "import secrets; print(secrets.token_urlsafe(50))"`.'
    )
DEBUG = False
# No fallback to base's SQLite file: a deployment that forgot DATABASE_URL would keep its users
# and messages in a file inside the container, gone with the next deploy. SQLite, if chosen, is
# chosen by naming its file.
if not env("DATABASE_URL", default=""):
    raise ImproperlyConfigured(
        "DATABASE_URL is not set: production keeps its data in the database it names, "
        "e.g. postgres://user:password@host:5432/name (or sqlite:////var/lib/chat/db.sqlite3 "
        "to choose SQLite)."
    )

# Behind a TLS-terminating proxy that sets X-Forwarded-Proto.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
# https://docs.djangoproject.com/en/5.2/ref/middleware/#http-strict-transport-security
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 30)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=False)
SECURE_CONTENT_TYPE_NOSNIFF = True
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
# Served over HTTPS, only the hosts' HTTPS pages (port 443) may open the socket: a host-only
# check would pass a page of the host on plain HTTP, which a network attacker can forge, or on
# another port, which another program serves. Without TLS, the hosts, as in base.
if SECURE_SSL_REDIRECT:
    WEBSOCKET_ALLOWED_ORIGINS = env.list(
        "DJANGO_WEBSOCKET_ALLOWED_ORIGINS",
        default=[host if host == "*" else f"https://{host}" for host in ALLOWED_HOSTS],  # noqa: F405
    )
# Static files from collectstatic only (the Dockerfile runs it), gzip-compressed, with
# content-hashed names that whitenoise lets browsers cache for a year.
STATIC_ROOT = env.path("DJANGO_STATIC_ROOT", default=BASE_DIR / "staticfiles")
WHITENOISE_USE_FINDERS = False
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "config.static_storage.CompressedManifestStorage"},
}
# Source maps are read by browsers' developer tools alone: compressing them (the API docs'
# bundles have 6 MB of them) was most of collectstatic's time, for files no page loads.
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = [*Compressor.SKIP_COMPRESS_EXTENSIONS, "map"]
# Preloading is a commitment (every subdomain HTTPS, for months): turn it on knowingly, above.
SILENCED_SYSTEM_CHECKS = ["security.W021"]
