"""Checks on profile values, wherever they are written (the API, the admin)."""

from confusable_homoglyphs import confusables
from django.core.exceptions import ValidationError

from core.text import is_storable, reads_as_written


def validate_display_name(value: str) -> None:
    # Blank is allowed: the username shows instead.
    if value and not (is_storable(value) and reads_as_written(value)):
        raise ValidationError(
            "The display name must show something, and no control, invisible or "
            "text-direction characters.",
            code="invalid",
        )


def validate_username_in_one_script(value: str) -> None:
    """A username whose letters of one script look like another's (alice with a Cyrillic first
    letter) would pass for someone else's: refused, as django-registration refuses it. Display
    names may mix scripts (Anna in Cyrillic, then in Latin letters); they cannot be another's
    username (users/profile.py)."""
    if confusables.is_dangerous(value):
        raise ValidationError(
            "The username mixes look-alike letters of different scripts (a Cyrillic \u0430 among "
            "Latin letters, say), so it could pass for someone else's.",
            code="confusable",
        )
