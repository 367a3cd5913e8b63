"""Changes to what others see of users (SEEN_FIELDS), numbered: a client that was away asks for
those after the number it holds (GET /api/users/changed/?after=), and shows everyone as they
are now, those who deleted their account included. Events tell a client that stays connected.

Each change takes the next number of ProfileClock under its row's lock, in the transaction that
makes it: a change numbered n commits before n + 1 can be numbered, so a client that has seen n
has seen every change before it.
"""

from django.db.models import Q, QuerySet

from .models import ProfileChange, ProfileClock


def number_profile_change(user_id: int, deleted: bool = False) -> int:
    """Number a change of the user's, or their account's deletion; within the transaction that
    makes it."""
    clock, _ = ProfileClock.objects.select_for_update().get_or_create(pk=1)
    clock.last += 1
    clock.save(update_fields=["last"])
    ProfileChange.objects.update_or_create(
        user_id=user_id, defaults={"number": clock.last, "deleted": deleted}
    )
    return clock.last


def latest_profile_change() -> int:
    """The number of the latest change committed (0 for none)."""
    return ProfileClock.objects.filter(pk=1).values_list("last", flat=True).first() or 0


def profile_changes_after(
    after: int, up_to: int, limit: int, seen_by: QuerySet
) -> list[ProfileChange]:
    """The changes numbered after `after`, to `up_to`, oldest first, `limit` at most: to the
    users of `seen_by` (ids), and deletions (a deleted account is its id alone)."""
    changes = ProfileChange.objects.filter(number__gt=after, number__lte=up_to).filter(
        Q(user_id__in=seen_by) | Q(deleted=True)
    )
    return list(changes.order_by("number")[:limit])
