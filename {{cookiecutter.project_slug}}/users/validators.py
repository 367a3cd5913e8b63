"""Checks on profile values, wherever they are written (the API, the admin)."""

import re

from django.core.exceptions import ValidationError

from core.text import is_storable

# Control characters (C0, DEL, C1) and the bidirectional marks, overrides and isolates, which
# can make a name read as another beside other text ("evil\u202etxt.exe").
HIDDEN_CHARACTERS = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def validate_display_name(value: str) -> None:
    if not is_storable(value) or HIDDEN_CHARACTERS.search(value):
        raise ValidationError(
            "The display name must not contain control or text-direction characters.",
            code="invalid",
        )
