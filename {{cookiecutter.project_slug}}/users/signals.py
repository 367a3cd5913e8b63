"""A user whose password changes, or who is deactivated or deleted, loses every open socket,
and every credential (token, login) of the auth mode: logged out everywhere
(users/credentials.py). A change to what others see of a user, or its deletion, is numbered
(users/profile_numbers.py).

Model signals, so the admin, `manage.py changepassword` and the shell trigger them as the
API does. (QuerySet.update() sends no signals: save the users one by one.)
"""

from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from accounts.revocation import close_sockets

from .credentials import end_every_credential
from .locking import lock_users
from .models import SEEN_FIELDS, User
from .profile import forget_file_at_commit
from .profile_numbers import number_profile_change

# Set on the instance between pre_save and post_save.
ENDS_SOCKETS = "_save_ends_sockets"


@receiver(pre_save, sender=User)
def note_a_credential_change(sender, instance: User, update_fields=None, **kwargs) -> None:
    if instance._state.adding:
        return

    def saves(field: str) -> bool:
        return update_fields is None or field in update_fields

    # set_password() keeps the new password in _password until the save; the hash upgrade
    # Django makes at a login does not, and must not log the user out everywhere.
    password_set = instance._password is not None and saves("password")
    deactivated = (
        not instance.is_active
        and saves("is_active")
        and sender._default_manager.filter(pk=instance.pk, is_active=True).exists()
    )
    setattr(instance, ENDS_SOCKETS, password_set or deactivated)


@receiver(pre_save, sender=User)
def number_a_change_others_see(sender, instance: User, update_fields=None, **kwargs) -> None:
    """In the save's transaction (User.save): `instance.profile_change` is its number, or None
    when nothing others see changed."""
    instance.profile_change = None
    if instance._state.adding:
        return
    if update_fields is not None and not set(SEEN_FIELDS) & set(update_fields):
        return
    seen = instance.seen_values()
    if seen is not None and seen == getattr(instance, "seen_as_loaded", None):
        return
    # The user's row first, then the clock's: the order of a change that locks the row before
    # it saves (a new avatar), so that two such changes never wait on each other in a cycle.
    lock_users([instance.pk])
    instance.profile_change = number_profile_change(instance.pk)


@receiver(post_save, sender=User)
def close_the_sockets_after_a_credential_change(sender, instance: User, **kwargs) -> None:
    if instance.__dict__.pop(ENDS_SOCKETS, False):
        end_every_credential(instance)


@receiver(post_delete, sender=User)
def close_the_sockets_of_a_deleted_user(sender, instance: User, **kwargs) -> None:
    close_sockets(instance.pk)


@receiver(post_delete, sender=User)
def number_the_deletion(sender, instance: User, **kwargs) -> None:
    # A client that was away reads it, and shows the user's messages as a deleted user's.
    number_profile_change(instance.pk, deleted=True)


@receiver(post_delete, sender=User)
def forget_the_avatar_of_a_deleted_user(sender, instance: User, **kwargs) -> None:
    if instance.avatar.name:
        forget_file_at_commit(instance.avatar.name)
