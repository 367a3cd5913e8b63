"""Changing one's profile: the display name others see, and the avatar."""

import unicodedata

from confusable_homoglyphs import confusables
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction

from core.text import as_drawn

from .locking import lock_users
from .models import User, same_username
from .validators import validate_display_name


def clean_display_name(value: str, user: User) -> str:
    """`user`'s display name trimmed, or ValidationError: no invisible or reordering characters,
    and not another user's username, which clients show it in place of (one's own, in any case,
    is fine)."""
    validate_display_name(value)
    name = value.strip()
    if name and names_another_user(name, user):
        raise ValidationError(
            "That is another user's username: a display name cannot pass for someone else.",
            code="taken",
        )
    return name


def names_another_user(name: str, user: User) -> bool:
    """Whether `name` is, or reads as, the username of a user other than `user`, as usernames
    are stored (NFKC) and in any case."""
    others = User.objects.exclude(pk=user.pk)
    drawn = as_drawn(name)
    return any(
        others.filter(same_username(reading)).exists()
        for reading in dict.fromkeys([drawn, latin_reading(drawn)])
    )


# Marks drawn over or under the letter before them (a stroke through a b): the eye reads the
# letters.
COMBINING_MARKS = {"Mn", "Me"}


def latin_reading(name: str) -> str:
    """`name` as an eye expecting Latin letters reads it: each letter that looks like a Latin
    one (a Cyrillic a, say) as that letter, the marks drawn over letters left out."""
    letters = unicodedata.normalize("NFKD", name)
    looks_latin = confusables.is_confusable(letters, greedy=True, preferred_aliases=["latin"])
    as_latin = {}
    for found in looks_latin or []:
        # A letter that looks like a sequence of them (a % like o/o) reads as itself.
        single = [glyph["c"] for glyph in found["homoglyphs"] if len(glyph["c"]) == 1]
        if single:
            as_latin[found["character"]] = single[0]
    read = "".join(as_latin.get(letter, letter) for letter in letters)
    return "".join(letter for letter in read if unicodedata.category(letter) not in COMBINING_MARKS)


def set_avatar(user: User, content: ContentFile) -> None:
    """Store `content` (users/avatars.py reencode) as the user's avatar; the previous file
    goes once the change has committed."""
    with transaction.atomic():
        previous = stored_avatar(user)
        user.avatar.save(content.name, content, save=False)
        user.save(update_fields=["avatar"])
        if previous:
            forget_file_at_commit(previous)


def remove_avatar(user: User) -> None:
    with transaction.atomic():
        previous = stored_avatar(user)
        if not previous:
            return
        user.avatar = ""
        user.save(update_fields=["avatar"])
        forget_file_at_commit(previous)


def stored_avatar(user: User) -> str:
    """The avatar file the user's row names now, its row locked until the change commits: not
    the one the request loaded, which a change made meanwhile has replaced (twelve uploads at
    once left nine files that no row named, and that outlived the account)."""
    lock_users([user.pk])
    return User.objects.filter(pk=user.pk).values_list("avatar", flat=True).get()


def forget_file_at_commit(name: str) -> None:
    """Delete a stored file once the change that stopped pointing at it has committed."""
    storage = User._meta.get_field("avatar").storage
    transaction.on_commit(lambda: storage.delete(name), robust=True)
