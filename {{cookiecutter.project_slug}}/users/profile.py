"""Changing one's profile: the display name others see, and the avatar."""

import re

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction

from core.text import is_storable

from .models import User

# Control characters (C0, DEL, C1) and the bidirectional overrides and isolates, which can
# make a name read as something else beside other text ("evil\u202etxt.exe").
HIDDEN_CHARACTERS = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def clean_display_name(value: str) -> str:
    """A display name trimmed, or ValidationError: no invisible or reordering characters."""
    if not is_storable(value) or HIDDEN_CHARACTERS.search(value):
        raise ValidationError(
            "The display name must not contain control or text-direction characters.",
            code="invalid",
        )
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
