from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"

    def ready(self):
        # Connects the auth mode's receivers that close a credential's sockets when it ends.
        from . import auth_{{ cookiecutter.auth }}  # noqa: F401
