"""Django's login backend, giving back the place a successful login took in its username's
count of failed logins (accounts/throttles.py LoginAccountThrottle)."""

from django.contrib.auth.backends import ModelBackend

from .throttles import LoginAccountThrottle


class CountingFailuresBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is not None and request is not None:
            LoginAccountThrottle.give_back(request)
        return user
