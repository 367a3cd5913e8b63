"""Create the benchmark's users, tokens and rooms in a generated project (token auth).

Run from the project's directory with its settings in the environment:
`python <template>/bench/seed.py <users> <direct pairs> [<group size>,...]`. Prints JSON: each
user's token, the group room the first <users> users belong to, the direct rooms (user i with
user i + 1) and, per group size asked for, a group of the first that many users (more users
are created if a group needs them).
Rows are written in bulk: seeding is set-up, not what the benchmark measures.
"""

import json
import os
import sys

import django


def seed(user_count: int, pair_count: int, group_sizes: list[int]) -> dict:
    # The project's modules: importable once django.setup() has run.
    from chat.models import Membership, Room
    from django.contrib.auth import get_user_model
    from django.db import transaction
    from rest_framework.authtoken.models import Token

    User = get_user_model()
    with transaction.atomic():
        users = User.objects.bulk_create(
            User(username=f"bench-{index}", password="!")
            for index in range(max(user_count, *group_sizes))
        )
        tokens = Token.objects.bulk_create(
            Token(user=user, key=Token.generate_key()) for user in users
        )
        group = Room.objects.create(kind=Room.Kind.GROUP, name="fan-out", created_by=users[0])
        memberships = [Membership(room=group, user=user) for user in users[:user_count]]
        sized = {}
        for size in group_sizes:
            sized[size] = Room.objects.create(
                kind=Room.Kind.GROUP, name=f"{size} members", created_by=users[0]
            )
            memberships += [Membership(room=sized[size], user=user) for user in users[:size]]
        pairs = [(users[2 * index], users[2 * index + 1]) for index in range(pair_count)]
        direct_rooms = Room.objects.bulk_create(
            Room(kind=Room.Kind.DIRECT, direct_pair=f"{a.pk}:{b.pk}") for a, b in pairs
        )
        for room, (a, b) in zip(direct_rooms, pairs, strict=True):
            memberships += [Membership(room=room, user=a), Membership(room=room, user=b)]
        Membership.objects.bulk_create(memberships)
    return {
        "tokens": [token.key for token in tokens],
        "group_room": group.pk,
        "direct_rooms": [room.pk for room in direct_rooms],
        "sized_rooms": {str(size): room.pk for size, room in sized.items()},
    }


if __name__ == "__main__":
    sys.path.insert(0, os.getcwd())
    django.setup()
    sizes = [int(size) for size in sys.argv[3].split(",")] if len(sys.argv) > 3 else []
    print(json.dumps(seed(int(sys.argv[1]), int(sys.argv[2]), sizes)))
