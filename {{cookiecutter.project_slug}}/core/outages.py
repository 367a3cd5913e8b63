"""A backing service out of reach (the database, Redis for the cache and the channel layer, the
bucket files go to): the server's failure, and a passing one, so answered as such: 503 with
Retry-After to a request (ServiceUnavailableMiddleware), 1013 to a socket's handshake
(chat/realtime/consumer.py), where it was a 500, or a connection dropped with no close frame."""

import logging

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.utils.deprecation import MiddlewareMixin

try:
    from redis.exceptions import ConnectionError as RedisUnreachable
    from redis.exceptions import TimeoutError as RedisTimedOut
except ImportError:  # the in-memory channel layer: no Redis client, nothing of it to fail
    REDIS_OUTAGES: tuple = ()
else:
    REDIS_OUTAGES = (RedisUnreachable, RedisTimedOut)

try:
    from botocore.exceptions import ConnectionError as StorageUnreachable
    from botocore.exceptions import HTTPClientError as StorageConnectionFailed
except ImportError:  # no S3 client installed: no bucket of it to fail
    STORAGE_OUTAGES: tuple = ()
else:
    # An S3-compatible bucket out of reach (ATTACHMENTS_S3_BUCKET): refused, timed out, cut off.
    STORAGE_OUTAGES = (StorageUnreachable, StorageConnectionFailed)

OUTAGES = (OperationalError, InterfaceError, *REDIS_OUTAGES, *STORAGE_OUTAGES)
# What a client is asked to wait before trying again.
RETRY_AFTER_SECONDS = 5

logger = logging.getLogger(__name__)


class ServiceUnavailableMiddleware(MiddlewareMixin):
    def process_exception(self, request, exception):
        if not isinstance(exception, OUTAGES):
            return None
        logger.error(
            "%s %s: a backing service is out of reach",
            request.method,
            request.path,
            exc_info=exception,
        )
        detail = "The service is briefly unavailable: try again in a few seconds."
        if request.path.startswith("/api/"):
            response = JsonResponse({"detail": detail}, status=503)
        else:
            response = HttpResponse(detail + "\n", status=503, content_type="text/plain")
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
