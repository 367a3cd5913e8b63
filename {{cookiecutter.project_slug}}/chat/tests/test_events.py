"""Socket events carry exactly what REST returns for the same object."""

import pytest
from django.utils import timezone

from chat.api.serializers import MessageSerializer
from chat.domain.events import message_event, message_payload
from chat.models import Message

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("change", ["none", "edited", "deleted", "sender_gone"])
def test_message_payload_matches_the_rest_serializer(room, user, change):
    message = Message.objects.create(room=room, sender=user, body="hello", client_id="c-1")
    if change == "edited":
        message.edited = timezone.now()
    elif change == "deleted":
        message.body, message.deleted = "", timezone.now()
    elif change == "sender_gone":
        message.sender = None
    rest = MessageSerializer(message).data
    # Events leave out reactions, which only reaction events change; a new message has none.
    assert message_payload(message) == {key: rest[key] for key in rest if key != "reactions"}
    assert message_event("message.new", message)["message"] == rest
