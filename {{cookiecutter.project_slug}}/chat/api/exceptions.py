"""How the REST API answers the errors of its views: DRF's way, and a change that raced the
deletion of what it concerned as the 404 it would have been a moment later, not a 500."""

import logging

from rest_framework.views import exception_handler as drf_exception_handler

from ..domain.errors import gone_meanwhile

logger = logging.getLogger(__name__)


def exception_handler(error: Exception, context: dict):
    refused = gone_meanwhile(error)
    if refused is not None:
        view = type(context.get("view")).__name__
        logger.warning("a request to %s raced a deletion: %r", view, error)
        error = refused
    return drf_exception_handler(error, context)
