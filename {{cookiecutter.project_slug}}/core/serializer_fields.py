"""Serializer fields of the API's own."""

from rest_framework import serializers


class StrictCharField(serializers.CharField):
    """Text, and only text: DRF's CharField takes a number as its digits, so that
    {"new_password": 12345678} set a password the sign-in form could not type differently, and
    {"display_name": 5} was stored as "5", where the rest of the API refuses what is not a
    string."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)
