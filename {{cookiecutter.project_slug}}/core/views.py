from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.defaults import bad_request as django_bad_request
from django.views.defaults import page_not_found
from django.views.defaults import server_error as django_server_error


def bad_request(request, exception):
    """400 that Django raises before any view (a Host header not in ALLOWED_HOSTS, say): JSON
    under /api/, as every other API answer is."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Bad request."}, status=400)
    return django_bad_request(request, exception)


def not_found(request, exception):
    """404 for URLs that match no route: JSON under /api/, as every other API answer is."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Not found."}, status=404)
    return page_not_found(request, exception)


@csrf_exempt  # as every API view is: a POST to no route is a 404, not a CSRF failure
def api_not_found(request):
    """An /api/ path that matches no route: not_found's answer, whatever DEBUG says."""
    return not_found(request, None)


def server_error(request):
    """500: JSON under /api/ (the error is logged; the client learns nothing more)."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Server error."}, status=500)
    return django_server_error(request)
