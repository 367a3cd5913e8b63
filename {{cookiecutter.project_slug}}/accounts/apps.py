from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"

    def ready(self):
        # Connects the receivers: the auth mode's, that close a credential's sockets when it
        # ends, and the one that counts failed logins per username.
        from . import auth_{{ cookiecutter.auth }}, throttles  # noqa: F401
