"""Settings shared by every environment, read from the environment with django-environ.

local.py, test.py and production.py build on this module; DJANGO_SETTINGS_MODULE
picks one. See https://docs.djangoproject.com/en/5.2/ref/settings/
"""

from csp.constants import NONE, SELF

from .auth_{{ cookiecutter.auth }} import *  # noqa: F403 (settings of the auth mode, e.g. token lifetimes)
from .auth_{{ cookiecutter.auth }} import AUTH_MODE_APPS, AUTH_MODE_REST_AUTHENTICATION_CLASSES
from .channel_layer_{{ cookiecutter.channel_layer }} import CACHES, CHANNEL_LAYERS, REDIS_URL  # noqa: F401
from .environment import BASE_DIR, env

DEBUG = env.bool("DJANGO_DEBUG", default=False)
# Hosts this server answers to.
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1"])
# Origins (host patterns, "https://host" or "*.example.com") whose pages may open the socket:
# any other Origin is refused at the handshake (cross-site WebSocket hijacking). By default the
# hosts above, for a client served by this server; add the origin of a client served elsewhere.
WEBSOCKET_ALLOWED_ORIGINS = env.list("DJANGO_WEBSOCKET_ALLOWED_ORIGINS", default=ALLOWED_HOSTS)
# Origins of browser apps served elsewhere that may call the REST API (django-cors-headers);
# none by default: pages of this server's own origin need no CORS.
CORS_ALLOWED_ORIGINS = env.list("DJANGO_CORS_ALLOWED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "channels",
    "corsheaders",
    "rest_framework",
    "drf_spectacular",
    # Swagger UI and ReDoc as static files of this server, not from a CDN.
    "drf_spectacular_sidecar",
    "csp",
    *AUTH_MODE_APPS,
    "core",
    "users",
    "accounts",
    "chat",
    "attachments",
    # The browser client at /: remove this line to serve a front end of your own.
    "webclient",
]

MIDDLEWARE = [
    # /healthz/, answered before the SSL redirect and the Host check (core/health.py).
    "core.health.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Before CommonMiddleware, so that its redirects carry CORS headers too.
    "corsheaders.middleware.CorsMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # The database or Redis out of reach: 503 with Retry-After, not 500 (core/outages.py).
    "core.outages.ServiceUnavailableMiddleware",
    # Static files, last, though whitenoise suggests first: it is the one sync-only middleware,
    # and under ASGI each switch between sync and async middleware is a thread hop for every
    # request. Last, it runs in the view's own thread; static responses pass the others first.
    "whitenoise.middleware.WhiteNoiseMiddleware",
]

ROOT_URLCONF = "config.urls"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# SQLite file by default (DATABASE_URL unset or empty, as a `DATABASE_URL=` line leaves it); set
# DATABASE_URL=postgres://... for PostgreSQL (psycopg is installed).
database_url = env("DATABASE_URL", default="") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}"
DATABASES = {"default": env.db_url_config(database_url)}
# A connection serves request after request: it belongs to its thread, and the threads are
# kept, the requests' (core/request_threads.py) and the one serving the sockets' database work.
# One per request cost a PostgreSQL backend started and stopped, or SQLite's set-up, each time.
# Checked before each request reuses it: after a database restart, a reconnect, not an error.
# https://docs.djangoproject.com/en/5.2/ref/databases/#persistent-connections
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Requests served at once per process, each on a thread with its connection: more wait their
# turn, so no number of clients can take more of the database's connections (PostgreSQL allows
# 100 by default) than these, the sockets' one and the storing thread's.
REQUEST_THREADS = env.int("DJANGO_REQUEST_THREADS", default=20)
# Idle request threads kept, each with its connection, for the next requests.
REQUEST_THREADS_KEPT = env.int("DJANGO_REQUEST_THREADS_KEPT", default=16)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers run beside the writer; IMMEDIATE avoids "database is locked" on upgrade.
    # temp_store=MEMORY: a statement that inserts many rows (a batch of sends) keeps its undo
    # journal in memory, not in a temporary file: 45% of the writes a batch made, and a file
    # that a read-only container filesystem would not allow.
    # cache_size (16 MiB, not 2) keeps more of the index pages a batch of sends to 100 rooms
    # reads (an eighth fewer reads from the file, strace of 300 batches). Checkpoints stay at
    # SQLite's 1,000 pages: the commit that crosses them runs the checkpoint, on the thread
    # storing sends, and at 10,000 each one paused every send behind it for longer.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA temp_store=MEMORY; "
            "PRAGMA cache_size=-16384;"
        ),
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "users.User"
# Django's, giving back the place a successful login took in its username's count of failures.
AUTHENTICATION_BACKENDS = ["accounts.backends.CountingFailuresBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = env("DJANGO_TIME_ZONE", default="{{ cookiecutter.timezone }}")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# Whitenoise serves the apps' static directories as they are, with no collectstatic, except in
# production (production.py).
WHITENOISE_USE_FINDERS = True
# Uploads, kept through Django's storage API: avatars (the default storage, served to signed-in
# users by users/api.py) and attachments (downloaded through a view that checks membership), in
# this directory unless ATTACHMENTS_S3_BUCKET is set. Nothing serves it as it is: no public URL.
MEDIA_ROOT = env.path("DJANGO_MEDIA_ROOT", default=BASE_DIR / "media")
# An S3-compatible bucket for uploads instead of MEDIA_ROOT, for servers that share no disk.
# Credentials come from boto3's usual sources (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, an
# instance role): never from these settings. The bucket must not be public.
ATTACHMENTS_S3_BUCKET = env("ATTACHMENTS_S3_BUCKET", default="")
UPLOADS_IN_S3 = ATTACHMENTS_S3_BUCKET and {
    "BACKEND": "storages.backends.s3.S3Storage",
    "OPTIONS": {
        "bucket_name": ATTACHMENTS_S3_BUCKET,
        # MinIO, Cloudflare R2, Backblaze... : their endpoint; unset for Amazon S3 itself.
        "endpoint_url": env("ATTACHMENTS_S3_ENDPOINT_URL", default=None),
        "region_name": env("ATTACHMENTS_S3_REGION", default=None),
        # Downloads redirect to a signed URL valid this long: enough to follow the redirect, too
        # short to be worth sharing.
        "querystring_auth": True,
        "querystring_expire": env.int("ATTACHMENTS_S3_URL_SECONDS", default=60),
        # Version 4 signatures: what every S3-compatible service accepts, and new regions need.
        "signature_version": "s3v4",
        "file_overwrite": False,
    },
}
STORAGES = {
    # Avatars, under avatars/: where the attachments are, so that every server reads them.
    "default": UPLOADS_IN_S3 or {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    "attachments": UPLOADS_IN_S3
    or {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": MEDIA_ROOT, "base_url": None},
    },
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": AUTH_MODE_REST_AUTHENTICATION_CLASSES,
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # JSON bodies nested too deep, or with text no database stores, and form fields that are
    # not UTF-8 are 400s (core/parsers.py).
    "DEFAULT_PARSER_CLASSES": [
        "core.parsers.StorableJSONParser",
        "core.parsers.UTF8FormParser",
        "core.parsers.UTF8MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "core.pagination.BoundedLimitOffsetPagination",
    "PAGE_SIZE": 50,
    # A change that raced the deletion of what it concerned is a 404, not a 500.
    "EXCEPTION_HANDLER": "chat.api.exceptions.exception_handler",
    # The client address throttles count by is REMOTE_ADDR, never X-Forwarded-For, which any
    # client can write: the server (uvicorn --proxy-headers) sets REMOTE_ADDR from that header
    # only for the proxies in FORWARDED_ALLOW_IPS.
    "NUM_PROXIES": 0,
    "DEFAULT_THROTTLE_CLASSES": ["accounts.throttles.WriteRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        # Changes per signed-in user through the REST API (sends, edits, joins, ...).
        "writes": env("DJANGO_WRITE_THROTTLE_RATE", default="120/minute"),
        # Failed logins and registrations per client address, against password guessing.
        "auth": env("DJANGO_AUTH_THROTTLE_RATE", default="20/minute"),
        # Login attempts per username from all addresses together, against guessing from many.
        "auth_account": env("DJANGO_AUTH_ACCOUNT_THROTTLE_RATE", default="30/hour"),
        # Attempts per user to open 1-to-1 conversations, against probing for users by id.
        "direct": env("CHAT_DIRECT_THROTTLE_RATE", default="60/hour"),
        # Searches of the user directory per user, so that it cannot list every account quickly.
        "user_search": env("DJANGO_USER_SEARCH_THROTTLE_RATE", default="30/minute"),
        # Message searches per user: one that matches most of a large room reads all of it.
        "message_search": env("CHAT_MESSAGE_SEARCH_THROTTLE_RATE", default="30/minute"),
    },
}

# Longer passwords are refused (400) before any hashing or validation: they only cost CPU.
PASSWORD_MAX_LENGTH = env.int("DJANGO_PASSWORD_MAX_LENGTH", default=256)

# Content-Security-Policy (django-csp): scripts, styles, images and connections from this server
# only, no inline scripts or styles, no plugins, no framing. The API docs pages relax styles
# alone (config/urls.py): their libraries inject style elements.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        # blob: for previews of images the web client fetched with its credential.
        "img-src": [SELF, "data:", "blob:"],
        # 'self' covers this server's ws:// and wss:// URLs as well as fetches.
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# The API's schema and docs pages for anyone, or only for signed-in users (local.py: anyone).
API_DOCS_PUBLIC = env.bool("DJANGO_API_DOCS_PUBLIC", default=False)
# OpenAPI 3 schema at /api/schema/, Swagger UI at /api/docs/, ReDoc at /api/redoc/.
SPECTACULAR_SETTINGS = {
    "TITLE": {{ (cookiecutter.project_name ~ " API") | tojson }},
    "DESCRIPTION": "REST API of the chat server; the WebSocket protocol is in docs/websocket.md.",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["core.schema.ApiDocsAccess"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "core.schema.document_errors",
    ],
}

# Largest ?limit= a list endpoint honours; larger asks get this many.
REST_MAX_PAGE_SIZE = env.int("REST_MAX_PAGE_SIZE", default=200)
# Largest HTTP request body, refused with 413 before anything reads it (core/request_size.py).
HTTP_MAX_BODY_BYTES = env.int("HTTP_MAX_BODY_BYTES", default=2_621_440)

# Profiles (PATCH /api/auth/me/) and the user directory (GET /api/users/).
# Largest avatar upload, in bytes: larger ones are refused before any decoding.
USERS_AVATAR_MAX_BYTES = env.int("USERS_AVATAR_MAX_BYTES", default=2_097_152)
# Most pixels an uploaded image may declare: a small file can claim a huge image to decode.
USERS_AVATAR_MAX_PIXELS = env.int("USERS_AVATAR_MAX_PIXELS", default=25_000_000)
# Avatars are stored as squares of this many pixels a side, whatever was uploaded.
USERS_AVATAR_SIZE = env.int("USERS_AVATAR_SIZE", default=256)
# Shortest directory search: one or two letters would match a large share of all accounts.
USERS_SEARCH_MIN_LENGTH = env.int("USERS_SEARCH_MIN_LENGTH", default=3)

# Chat-specific settings.
# Longest message body, in characters after trimming.
CHAT_MAX_MESSAGE_LENGTH = env.int("CHAT_MAX_MESSAGE_LENGTH", default=4000)
# Most different emoji one user may put on one message: a page of history carries them all.
CHAT_MAX_REACTIONS_PER_USER = env.int("CHAT_MAX_REACTIONS_PER_USER", default=20)
# Most members a group room can have; joins past it are refused.
CHAT_MAX_ROOM_MEMBERS = env.int("CHAT_MAX_ROOM_MEMBERS", default=500)
# Whether a group's owner and admins may add a user without an invitation, as team chats whose
# accounts are all vetted do. Off: where anyone may register, anyone could fill a stranger's
# rooms (CHAT_MAX_ROOMS_PER_USER) against their will; newcomers accept an invitation instead.
CHAT_MODERATORS_ADD_MEMBERS = env.bool("CHAT_MODERATORS_ADD_MEMBERS", default=False)
# Messages per history page (GET /api/rooms/<id>/messages/).
CHAT_MESSAGES_PAGE_SIZE = env.int("CHAT_MESSAGES_PAGE_SIZE", default=50)
# Bounds the memory a slow client costs: past this many queued frames its socket is closed (4408).
CHAT_SOCKET_SEND_BUFFER = env.int("CHAT_SOCKET_SEND_BUFFER", default=1000)
# How often each process compares its rooms' newest stored messages with those that reached it,
# and its sockets' users' credentials with the database: the longest a message stored but never
# delivered (its process died before publishing it) goes unnoticed, or a credential ended where
# no event reached this process (another process on the in-memory layer) keeps its socket.
CHAT_STORED_CHECK_SECONDS = env.float("CHAT_STORED_CHECK_SECONDS", default=10.0)
# Per-user limits on socket frames, "<frames>/<seconds>", shared by every process (Redis
# layer): messages sent, and every other frame. Past one, a frame is answered "rate_limited".
CHAT_RATE_LIMIT_MESSAGES = env("CHAT_RATE_LIMIT_MESSAGES", default="30/10")
CHAT_RATE_LIMIT_FRAMES = env("CHAT_RATE_LIMIT_FRAMES", default="60/10")
# The characters of a user's frames one process reads per window, "<characters>/<seconds>":
# past it frames are refused unread, as reading (parsing) them is what costs the process.
# The other limits are checked once a frame is read. 60 frames of the longest message fit.
CHAT_RATE_LIMIT_CHARACTERS = env("CHAT_RATE_LIMIT_CHARACTERS", default="4000000/10")
# A client that sends this many more frames after being refused, without one let through, is
# not waiting as told: its socket is closed with 4429.
CHAT_RATE_LIMIT_CLOSE_AFTER = env.int("CHAT_RATE_LIMIT_CLOSE_AFTER", default=20)
# Above this many members, a read moves only the reader's own sockets' badges: pushing every
# read receipt to every member costs members x readers frames. Receipts stay readable on request
# (GET /api/rooms/<id>/members/, `last_read`).
CHAT_READ_RECEIPTS_MAX_MEMBERS = env.int("CHAT_READ_RECEIPTS_MAX_MEMBERS", default=50)
# Typing indicators: clients repeat typing.start this often while typing (the server relays at
# most one per user and room per interval), and show one for this long unless repeated.
CHAT_TYPING_REFRESH_SECONDS = env.float("CHAT_TYPING_REFRESH_SECONDS", default=3.0)
CHAT_TYPING_TIMEOUT_SECONDS = env.float("CHAT_TYPING_TIMEOUT_SECONDS", default=6.0)
# Presence events and the members' `online` flag. Off, the server tracks and tells nothing: for
# a project that does not show presence, the traffic it saves is the heaviest of a chat server.
CHAT_PRESENCE = env.bool("CHAT_PRESENCE", default=True)
# Rooms above this many members hear no presence events: as members arrive one by one, each
# would be told to every member already there. Their member list still says who is `online`.
CHAT_PRESENCE_MAX_MEMBERS = env.int("CHAT_PRESENCE_MAX_MEMBERS", default=100)
# Presence: each server process renews its liveness in Redis this often, and a process that
# stops renewing it (killed) has its users taken offline once it expires, within TTL + heartbeat.
CHAT_PRESENCE_HEARTBEAT_SECONDS = env.float("CHAT_PRESENCE_HEARTBEAT_SECONDS", default=10.0)
CHAT_PRESENCE_TTL_SECONDS = env.float("CHAT_PRESENCE_TTL_SECONDS", default=30.0)
# A user whose last socket closed stays online this long: a socket of theirs opened meanwhile (a
# reload, a reconnect) tells nobody anything, and sockets opened and closed in a loop cost their
# room-mates no frame at all, where each one cost them two.
CHAT_PRESENCE_OFFLINE_AFTER_SECONDS = env.float("CHAT_PRESENCE_OFFLINE_AFTER_SECONDS", default=5.0)
# Rooms one user may be in, every kind together: each is a subscription per server process for
# each socket of theirs, made at every handshake (README, "Rooms and messages").
CHAT_MAX_ROOMS_PER_USER = env.int("CHAT_MAX_ROOMS_PER_USER", default=1000)
# Sockets one user may hold open in one server process (tabs, devices); more are closed 4429.
CHAT_MAX_SOCKETS_PER_USER = env.int("CHAT_MAX_SOCKETS_PER_USER", default=20)
# Browsers cannot set headers on a WebSocket handshake, so they trade their
# credential for a single-use ticket (POST /api/auth/ws-ticket/) valid this long.
CHAT_WS_TICKET_TTL_SECONDS = env.int("CHAT_WS_TICKET_TTL_SECONDS", default=30)
# ?token=<credential> on the socket URL: off because URLs end up in access logs.
CHAT_WS_ALLOW_QUERY_TOKEN = env.bool("CHAT_WS_ALLOW_QUERY_TOKEN", default=False)

# Attachments (README, "Files").
# Largest file one may upload, in bytes; the upload route's request limit is this plus a margin.
ATTACHMENTS_MAX_BYTES = env.int("ATTACHMENTS_MAX_BYTES", default=10 * 1024 * 1024)
# Most attachments one message may carry.
ATTACHMENTS_MAX_PER_MESSAGE = env.int("ATTACHMENTS_MAX_PER_MESSAGE", default=10)
# Content types accepted, as detected from the file's bytes (attachments/content.py knows
# image/png, image/jpeg, image/gif, image/webp, application/pdf and text/plain).
ATTACHMENTS_ALLOWED_TYPES = env.list(
    "ATTACHMENTS_ALLOWED_TYPES",
    default=["image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf", "text/plain"],
)
# Larger images are refused before decoding: a small compressed file can decode to gigabytes.
ATTACHMENTS_MAX_PIXELS = env.int("ATTACHMENTS_MAX_PIXELS", default=50_000_000)
# Animations with more frames are refused before decoding: each frame costs its decoding and
# encoding whatever its size (a 9 MB GIF of 620,000 one-pixel frames took five minutes).
ATTACHMENTS_MAX_FRAMES = env.int("ATTACHMENTS_MAX_FRAMES", default=1_000)
# Images (attachments, avatars) one process decodes at once: each holds up to 4 bytes a pixel.
IMAGE_DECODES_AT_ONCE = env.int("IMAGE_DECODES_AT_ONCE", default=2)
# Uploads (files, avatars) one user may have under way at once in a process; more are refused
# (429): each holds a request thread while it is read, and a burst from one took them all.
UPLOADS_AT_ONCE_PER_USER = env.int("UPLOADS_AT_ONCE_PER_USER", default=2)
# The longer side of image thumbnails, in pixels.
ATTACHMENTS_THUMBNAIL_SIZE = env.int("ATTACHMENTS_THUMBNAIL_SIZE", default=320)
# Bytes of files one user may hold in all, sent or not (deleting a message frees its files):
# the write throttle alone let one account store a gigabyte a minute until the disk was full.
ATTACHMENTS_MAX_BYTES_PER_USER = env.int("ATTACHMENTS_MAX_BYTES_PER_USER", default=1024**3)
# Bytes of uploads one user may hold unsent at once (a full message's worth by default): the
# orphans' cleanup (below) comes a day later, and until then uploads never sent filled the disk.
ATTACHMENTS_MAX_UNSENT_BYTES = env.int(
    "ATTACHMENTS_MAX_UNSENT_BYTES", default=ATTACHMENTS_MAX_PER_MESSAGE * ATTACHMENTS_MAX_BYTES
)
# Uploads never sent with a message are deleted by `manage.py delete_orphan_attachments` once
# this old: long enough for someone writing a message, short enough to bound what is kept.
ATTACHMENTS_ORPHAN_HOURS = env.float("ATTACHMENTS_ORPHAN_HOURS", default=24.0)

# Each record once, on standard error, from DJANGO_LOG_LEVEL up. Django's loggers keep no
# handler of their own: with DEBUG on, its default configuration printed their lines twice.
LOG_LEVEL = env("DJANGO_LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {
        "hide_credentials": {"()": "core.log_filters.HideCredentialsInPaths"},
        "one_line_warning": {"()": "core.log_filters.OneLineWarning"},
        "once_a_minute": {"()": "core.log_filters.OncePerInterval", "seconds": 60},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django": {"handlers": [], "level": LOG_LEVEL},
        "django.server": {"handlers": [], "level": LOG_LEVEL, "propagate": True},
        # uvicorn's lines (its start, each handshake) dated like the rest: its own handler, which
        # this replaces, prints them without the time.
        "uvicorn": {"handlers": ["console"], "propagate": False},
        # Each WebSocket handshake's line, with the ticket of its query hidden.
        "uvicorn.error": {"filters": ["hide_credentials"]},
        # No line per request (config/serve.py: --no-access-log), with the queries they carry
        # (people's searches): configuring "uvicorn" above would put them back, as dictConfig
        # hands the loggers below one it configures to it.
        "uvicorn.access": {"handlers": [], "propagate": False},
        # What any client can send (a Host this server does not serve, a form of too many
        # fields or files, a malformed multipart body): its mistake, not an error here.
        **{
            f"django.security.{refusal}": {"filters": ["one_line_warning"]}
            for refusal in (
                "DisallowedHost",
                "TooManyFieldsSent",
                "TooManyFilesSent",
                "RequestDataTooBig",
                "SuspiciousMultipartForm",
            )
        },
        # Redis out of reach: its subscriber's traceback once a minute, not every second.
        "channels_redis.pubsub": {"filters": ["once_a_minute"]},
        # And stored messages it could not publish (their senders are answered all the same):
        # once a minute, not a traceback per batch sent on a socket or per message over REST.
        "chat.realtime.send_batcher": {"filters": ["once_a_minute"]},
        "django.db.backends.base": {"filters": ["once_a_minute"]},
    },
}
