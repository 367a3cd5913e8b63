"""Changing one's profile: the display name others see, and the avatar."""

from django.core.files.base import ContentFile
from django.db import transaction

from .models import User
from .validators import validate_display_name


def clean_display_name(value: str) -> str:
    """A display name trimmed, or ValidationError: no invisible or reordering characters."""
    validate_display_name(value)
    return value.strip()


def set_avatar(user: User, content: ContentFile) -> None:
    """Store `content` (users/avatars.py reencode) as the user's avatar; the previous file
    goes once the change has committed."""
    previous = user.avatar.name
    with transaction.atomic():
        user.avatar.save(content.name, content, save=False)
        user.save(update_fields=["avatar"])
        if previous:
            forget_file_at_commit(previous)


def remove_avatar(user: User) -> None:
    previous = user.avatar.name
    if not previous:
        return
    with transaction.atomic():
        user.avatar = ""
        user.save(update_fields=["avatar"])
        forget_file_at_commit(previous)


def forget_file_at_commit(name: str) -> None:
    """Delete a stored file once the change that stopped pointing at it has committed."""
    storage = User._meta.get_field("avatar").storage
    transaction.on_commit(lambda: storage.delete(name), robust=True)
