"""Create the benchmark's users, tokens and rooms in a generated project (token auth).

Run from the project's directory with its settings in the environment:
`python <template>/bench/seed.py <users> <pairs> <group size>,... <rooms>,... [<history>]`.
Prints JSON: each user's token, the group room the first <users> users belong to, the direct
rooms (user i with user i + 1), each holding <history> messages already, per group size a
group of the first that many users (more users are created if a group needs them) and, per
number of rooms, a user in that many rooms of their own (two-member groups with a partner who
never connects), as the indexes of their tokens: BUSY_USERS_PER_COUNT such users, each with
rooms of their own. Rows are written in bulk: seeding is set-up, not what the benchmark measures.
"""

import json
import os
import sys

import django

BUSY_USERS_PER_COUNT = 3


def seed(
    user_count: int,
    pair_count: int,
    group_sizes: list[int],
    room_counts: list[int],
    history: int = 0,
) -> dict:
    # The project's modules: importable once django.setup() has run.
    from chat.models import Membership, Message, Room
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction
    from rest_framework.authtoken.models import Token

    User = get_user_model()
    with transaction.atomic():
        users = User.objects.bulk_create(
            User(username=f"bench-{index}", password="!")
            for index in range(max([user_count, *group_sizes]))
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
        # Rooms of their own, so that no other user's socket follows them: a busy user's
        # `session.ready` on a process that follows none of their rooms is the cold case.
        partner = User.objects.create(username="bench-partner", password="!")
        busy = {}
        for count in room_counts:
            for sample in range(BUSY_USERS_PER_COUNT):
                name = f"bench-in-{count}-rooms-{sample}"
                user = User.objects.create(username=name, password="!")
                tokens.append(Token.objects.create(user=user, key=Token.generate_key()))
                busy.setdefault(str(count), []).append(len(tokens) - 1)
                rooms = Room.objects.bulk_create(
                    Room(kind=Room.Kind.GROUP, name=f"{count} rooms, {index}", created_by=user)
                    for index in range(count)
                )
                memberships += [
                    Membership(room=room, user=member)
                    for room in rooms
                    for member in (user, partner)
                ]
        pairs = [(users[2 * index], users[2 * index + 1]) for index in range(pair_count)]
        direct_rooms = Room.objects.bulk_create(
            Room(kind=Room.Kind.DIRECT, direct_pair=f"{a.pk}:{b.pk}") for a, b in pairs
        )
        for room, (a, b) in zip(direct_rooms, pairs, strict=True):
            memberships += [Membership(room=room, user=a), Membership(room=room, user=b)]
        Membership.objects.bulk_create(memberships)
        # A history in each 1-to-1 room: the small rooms' messages are then stored into indexes
        # of a server in use. Into empty ones, storing costs a third less at first, and more
        # and more with each run as the indexes fill (README.md, "Benchmark").
        for room, pair in zip(direct_rooms, pairs, strict=True):
            Message.objects.bulk_create(
                Message(
                    room=room,
                    sender=pair[seq % 2],
                    body=f"earlier message {seq}",
                    client_id=f"seed-{room.pk}-{seq}",
                    seq=seq,
                )
                for seq in range(1, history + 1)
            )
        Room.objects.filter(pk__in=[room.pk for room in direct_rooms]).update(last_seq=history)
    if connection.vendor == "postgresql":
        # The planner's statistics, as autovacuum keeps them on a server in use: on tables it
        # has never analysed, it guesses their size and may plan differently.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return {
        "tokens": [token.key for token in tokens],
        "group_room": group.pk,
        "direct_rooms": [room.pk for room in direct_rooms],
        "sized_rooms": {str(size): room.pk for size, room in sized.items()},
        "users_in_rooms": busy,
    }


if __name__ == "__main__":
    sys.path.insert(0, os.getcwd())
    django.setup()
    users, pairs, sizes, counts = sys.argv[1:5]
    history = int(sys.argv[5]) if len(sys.argv) > 5 else 0
    print(
        json.dumps(
            seed(
                int(users),
                int(pairs),
                [int(size) for size in sizes.split(",") if size],
                [int(count) for count in counts.split(",") if count],
                history,
            )
        )
    )
