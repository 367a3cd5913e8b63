"""Taking turns on a user's row: changes that count what a user holds (rooms, files) or replace
what they have (an avatar) run one at a time per user."""

from django.contrib.auth import get_user_model


def lock_users(user_ids: list[int]) -> None:
    """Lock the users' rows until the transaction ends, always in the order of their ids, so
    that transactions locking several (a 1-to-1 adds two members) never wait in a cycle.

    FOR NO KEY UPDATE (PostgreSQL; SQLite has a transaction write at a time anyway): it
    waits for another such lock or a change to the row, but not for the rows that only
    point at the user, so the user's messages are stored meanwhile.
    """
    users = get_user_model().objects.select_for_update(no_key=True)
    list(users.filter(pk__in=user_ids).order_by("pk").values_list("pk", flat=True))
