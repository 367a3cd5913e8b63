"""Ending every credential of a user at once: signed out on every device, every socket closed.

A password change, a deactivation (users/signals.py), signing out everywhere (POST
/api/auth/logoutall/) and the admin's action of that name all end them this one way.
"""

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F
from rest_framework.exceptions import ValidationError

from accounts.revocation import close_sockets, credentials_ended


def end_every_credential(user) -> None:
    """Every credential the auth mode issued the user ends (accounts/revocation.py's
    credentials_ended), a session by its hash (users/models.py), and every socket of the user
    closes, on every server process."""
    with transaction.atomic():
        raise_credentials_version(user)
        credentials_ended.send(sender=get_user_model(), user=user)
        close_sockets(user.pk)


def raise_credentials_version(user) -> None:
    """An UPDATE of its own: a save may have named only the fields it changed. It takes the
    user's row lock, as a JWT refresh does: a refresh either went before, and its new token is
    among those ended, or goes after, and finds its own ended."""
    # get_user_model(): a request's user may be a lazy object, whose type is not the model.
    users = get_user_model()._default_manager.filter(pk=user.pk)
    users.update(credentials_version=F("credentials_version") + 1)
    user.refresh_from_db(fields=["credentials_version"])


def lock_unended(user) -> None:
    """Take the user's row lock for a login about to issue a credential, until its transaction
    ends, and refuse the login if every credential of the user ended since `user` was read: a
    password change or a sign-out everywhere that committed while this login checked the
    password. The end, waiting on the lock otherwise, then finds the new credential to end."""
    users = get_user_model()._default_manager.select_for_update().filter(pk=user.pk)
    if users.values_list("credentials_version", flat=True).first() != user.credentials_version:
        raise ValidationError({"non_field_errors": [LOGIN_OVERTAKEN]}, code="credentials_ended")


LOGIN_OVERTAKEN = (
    "Your sign-ins ended as you signed in (a new password, a sign-out everywhere): sign in again."
)
