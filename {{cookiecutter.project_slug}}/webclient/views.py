from django.conf import settings
from django.http import HttpResponsePermanentRedirect
from django.templatetags.static import static
from django.urls import NoReverseMatch, reverse
from django.views.generic import TemplateView


def serves(url_name: str) -> bool:
    """Whether the API has this route: the client offers what this server serves, so the page
    needs no setting per room model."""
    try:
        reverse(url_name)
    except NoReverseMatch:
        return False
    return True


class ChatClientView(TemplateView):
    """The page that loads the client; everything else it reads from the API."""

    template_name = "webclient/index.html"

    def get_context_data(self, **kwargs) -> dict:
        return {
            **super().get_context_data(**kwargs),
            # The module that speaks this project's auth mode (config/settings/auth_<mode>.py).
            "auth_module": settings.WEBCLIENT_AUTH_MODULE,
            "group_rooms": serves("room-discover"),
            "direct_rooms": serves("direct"),
            # The composer says a message is too long before sending it, and keeps it to shorten.
            "max_message_length": settings.CHAT_MAX_MESSAGE_LENGTH,
            # And that a file is too large before uploading it.
            "max_upload_bytes": settings.ATTACHMENTS_MAX_BYTES,
            # And how many files a message may carry.
            "max_files_per_message": settings.ATTACHMENTS_MAX_PER_MESSAGE,
            # And sends its uploads as many at a time as the server takes from one user.
            "uploads_at_once": settings.UPLOADS_AT_ONCE_PER_USER,
        }


def favicon(request) -> HttpResponsePermanentRedirect:
    """Browsers ask /favicon.ico of every page that names no icon (the admin's, the API's
    docs): the web client's, not a 404 in their console."""
    return HttpResponsePermanentRedirect(static("webclient/favicon.svg"))
