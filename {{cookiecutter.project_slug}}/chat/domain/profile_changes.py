"""A user's profile changed (display name, picture, username): whoever has a socket open and
shares a room with them sees it at once, and the user's own sockets name them anew in what
they send (each read its user at the handshake).

A model signal, so that the admin and the shell tell it as the API does.
"""

from django.contrib.auth import get_user_model
from django.db.models.signals import post_save
from django.dispatch import receiver

from core.after_commit import after_commit

from ..models import Membership
from ..realtime.publish import publish_profile_sync
from .events import user_ref

# The fields of a user that others see (user_ref): only a save that may change one is told.
SEEN_FIELDS = ("username", "display_name", "avatar")


@receiver(post_save, sender=get_user_model())
def tell_whoever_sees_the_user(
    sender, instance, created: bool, update_fields=None, **kwargs
) -> None:
    if created or (update_fields is not None and not set(SEEN_FIELDS) & set(update_fields)):
        return
    fields = {field: getattr(instance, field) for field in SEEN_FIELDS}
    fields["avatar"] = instance.avatar.name  # the file's name travels, not the file
    rooms = list(Membership.objects.filter(user=instance).values_list("room_id", flat=True))
    event = {"type": "user.updated", "user": user_ref(instance)}
    after_commit(publish_profile_sync, instance.pk, fields, rooms, event)
