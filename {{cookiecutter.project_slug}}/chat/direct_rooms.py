"""1-to-1 conversations: exactly two members, one conversation per pair (a unique column)."""

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction

from .models import Room
from .services import Invalid, NotFound, add_member


def pair_key(first_id: int, second_id: int) -> str:
    low, high = sorted((first_id, second_id))
    return f"{low}:{high}"


def get_or_create_direct(user, other_id) -> tuple[Room, bool]:
    if not isinstance(other_id, int) or isinstance(other_id, bool):
        raise Invalid("user must be an integer id.", "user")
    if other_id == user.pk:
        raise Invalid("A conversation needs another user.", "user")
    other = get_user_model().objects.filter(pk=other_id, is_active=True).first()
    if other is None:
        raise NotFound("No such user.")
    key = pair_key(user.pk, other.pk)
    existing = Room.objects.filter(direct_pair=key).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            room = Room.objects.create(kind=Room.Kind.DIRECT, direct_pair=key, created_by=user)
            add_member(room, user)
            add_member(room, other)
    except IntegrityError:
        # Both users opened the conversation at once: the unique pair kept it to one room.
        return Room.objects.get(direct_pair=key), False
    return room, True
