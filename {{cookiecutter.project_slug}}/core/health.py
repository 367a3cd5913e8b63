"""GET /healthz/: whether this process can serve, for a load balancer, an orchestrator's probe or
compose's health check: 200, or 503 naming the backing service out of reach (the database, and
Redis where the project uses it: without it no socket opens).

Answered before every other middleware: a probe comes over plain HTTP to the process's own
address, which the SSL redirect answered 301 (a probe counts that as up, the database down or
not) and the Host check 400.
"""

import logging

from asgiref.sync import iscoroutinefunction, markcoroutinefunction, sync_to_async
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse

from .outages import OUTAGES

HEALTH_PATH = "/healthz/"

logger = logging.getLogger(__name__)


def database_answers() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def redis_answers() -> None:
    cache.get("healthz")  # the cache is Redis where the channel layer is


def checks() -> dict:
    """The backing services this project uses, by name, each with its check."""
    found = {"database": database_answers}
    if settings.REDIS_URL:
        found["redis"] = redis_answers
    return found


def health() -> JsonResponse:
    results = {}
    for name, check in checks().items():
        try:
            check()
            results[name] = "ok"
        except OUTAGES as error:
            logger.warning("health check: %s out of reach (%r)", name, error)
            results[name] = "unreachable"
    healthy = all(result == "ok" for result in results.values())
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", "checks": results},
        status=200 if healthy else 503,
    )


class HealthCheckMiddleware:
    sync_capable = True
    async_capable = True

    def __init__(self, get_response):
        self.get_response = get_response
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)

    def __call__(self, request):
        if self.is_async:
            return self.answer_async(request)
        if is_probe(request):
            return health()
        return self.get_response(request)

    async def answer_async(self, request):
        if is_probe(request):
            return await sync_to_async(health)()
        return await self.get_response(request)


def is_probe(request) -> bool:
    return request.path == HEALTH_PATH and request.method in ("GET", "HEAD")
