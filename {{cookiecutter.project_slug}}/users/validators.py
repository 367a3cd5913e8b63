"""Checks on profile values, wherever they are written (the API, the admin)."""

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
