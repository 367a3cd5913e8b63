"""Django's login backend, giving back the places a successful login took in its address's
and its username's counts of failed logins (accounts/throttles.py)."""

from django.contrib.auth.backends import ModelBackend

from .throttles import LOGIN_THROTTLES


class CountingFailuresBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is not None and request is not None:
            for throttle in LOGIN_THROTTLES:
                throttle.give_back(request)
        return user
