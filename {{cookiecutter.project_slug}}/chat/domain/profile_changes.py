"""A user's profile changed (display name, picture, username): whoever has a socket open and
shares a room with them sees it at once, and the user's own sockets name them anew in what
they send (each read its user at the handshake).

A model signal, so that the admin and the shell tell it as the API does.
"""

from django.contrib.auth import get_user_model
from django.db.models.signals import post_save
from django.dispatch import receiver

from core.after_commit import after_commit
from users.models import SEEN_FIELDS

from ..models import Membership
from ..realtime.publish import publish_profile_sync
from .events import user_ref


@receiver(post_save, sender=get_user_model())
def tell_whoever_sees_the_user(sender, instance, created: bool, **kwargs) -> None:
    number = getattr(instance, "profile_change", None)
    if created or number is None:  # nothing others see changed (users/signals.py)
        return
    fields = {field: getattr(instance, field) for field in SEEN_FIELDS}
    fields["avatar"] = instance.avatar.name  # the file's name travels, not the file
    rooms = list(Membership.objects.filter(user=instance).values_list("room_id", flat=True))
    event = {"type": "user.updated", "user": user_ref(instance), "profile_change": number}
    after_commit(publish_profile_sync, instance.pk, fields, rooms, event)
