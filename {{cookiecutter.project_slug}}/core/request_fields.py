"""A write request's fields: one the request does not take is refused, not ignored, as its
sender would believe it had done something ({"body": ..., "sender": ...} stored the body and
dropped the sender without a word)."""

from collections.abc import Iterable, Mapping

from rest_framework import serializers
from rest_framework.views import APIView

# A form's CSRF token travels as a field of its own (session mode): no field of the request's.
CARRIED_ALONG = frozenset({"csrfmiddlewaretoken"})


def refused_fields(data, taken: Iterable[str]) -> dict[str, list[str]]:
    """{field: [why]} for the first field of `data` the request does not take, or {}."""
    taken = list(taken)
    unknown = sorted(set(data) - set(taken) - CARRIED_ALONG) if isinstance(data, Mapping) else []
    if not unknown:
        return {}
    named = ", ".join(taken) or "none"
    return {unknown[0][:64]: [f"Not a field of this request (it takes: {named})."]}


class TakesOnlyItsFields:
    """A serializer mixin: a field the serializer cannot write is refused."""

    def to_internal_value(self, data):
        writable = [name for name, field in self.fields.items() if not field.read_only]
        if refused := refused_fields(data, writable):
            raise serializers.ValidationError(refused)
        return super().to_internal_value(data)


class TakesNoFields(APIView):
    """A view whose write requests carry nothing (a logout, a ticket): any field is refused."""

    def initial(self, request, *args, **kwargs) -> None:
        super().initial(request, *args, **kwargs)
        if request.method != "GET" and (refused := refused_fields(request.data, ())):
            raise serializers.ValidationError(refused)
