"""The raw SQL of the send path: what every batch of sends runs, written for speed.

The rest of the project goes through the ORM. These statements run once per batch of
sends, where building the ORM's query would cost more CPU than the database takes to answer
(each function says what it saves). They still use the models' own
metadata (tables, columns, each field's pre_save and database preparation), so a migration
that renames a column changes them too. Keep anything else out of this module.
"""

from django.db import IntegrityError, transaction

from .models import Membership, Message, Room


def member_pairs(user_ids: set[int], room_ids: set[int]) -> set[tuple[int, int]]:
    """The (user id, room id) pairs among these that are memberships.

    Plain SQL, because every batch of sends runs it: the ORM takes longer to build this
    query than the database takes to answer it (about 0.2 ms of CPU, a third of storing a
    message on its own).
    """
    db = transaction.get_connection()
    quote = db.ops.quote_name
    meta = Membership._meta
    user, room = (quote(meta.get_field(name).column) for name in ("user", "room"))
    query = (
        f"SELECT {user}, {room} FROM {quote(meta.db_table)} "
        f"WHERE {user} IN ({', '.join(['%s'] * len(user_ids))}) "
        f"AND {room} IN ({', '.join(['%s'] * len(room_ids))})"
    )
    with db.cursor() as cursor:
        cursor.execute(query, [*user_ids, *room_ids])
        return set(map(tuple, cursor.fetchall()))


def insert_messages(messages: list[Message]) -> None:
    """Insert the messages, each learning its primary key, in as few INSERTs as the database allows.

    Every batch of sends runs this, and bulk_create takes about 0.1 ms of CPU to build its
    query, more than the database takes to run it. The values are still the ORM's: each
    field's pre_save and database preparation make them.
    """
    db = transaction.get_connection()  # once: each `connection.` is a lookup by thread
    if not db.features.can_return_rows_from_bulk_insert:
        # No INSERT ... RETURNING (MySQL): a row at a time, so that each message learns its key.
        for message in messages:
            message.save(force_insert=True)
        return
    meta, quote = Message._meta, db.ops.quote_name
    fields = [field for field in meta.concrete_fields if not field.primary_key]
    columns = ", ".join(quote(field.column) for field in fields)
    row = f"({', '.join(['%s'] * len(fields))})"
    size = db.ops.bulk_batch_size(fields, messages)
    with db.cursor() as cursor:
        for start in range(0, len(messages), size):
            batch = messages[start : start + size]
            cursor.execute(
                f"INSERT INTO {quote(meta.db_table)} ({columns}) "
                f"VALUES {', '.join([row] * len(batch))} RETURNING {quote(meta.pk.column)}",
                [
                    field.get_db_prep_save(field.pre_save(message, True), db)
                    for message in batch
                    for field in fields
                ],
            )
            for message, (pk,) in zip(batch, cursor.fetchall(), strict=True):
                message.pk = pk
                message._state.adding, message._state.db = False, db.alias


def reserve_seqs(counts: dict[int, int]) -> dict[int, int]:
    """Reserve `count` message numbers in each room; returns each room's first reserved `seq`.

    One UPDATE for the whole batch, in the caller's transaction: the room rows stay locked
    until it commits, so concurrent batches to a room get consecutive, distinct numbers, in
    the order they commit. A room deleted meanwhile raises IntegrityError, as its insert would.
    """
    db = transaction.get_connection()
    quote = db.ops.quote_name
    table, pk = quote(Room._meta.db_table), quote(Room._meta.pk.column)
    last_seq = quote(Room._meta.get_field("last_seq").column)
    rooms = sorted(counts)  # one lock order for every batch
    raise_by = " ".join(["WHEN %s THEN %s"] * len(rooms))
    with db.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {last_seq} = {last_seq} + CASE {pk} {raise_by} END "
            f"WHERE {pk} IN ({', '.join(['%s'] * len(rooms))}) RETURNING {pk}, {last_seq}",
            [value for room in rooms for value in (room, counts[room])] + rooms,
        )
        reserved = {room: last - counts[room] + 1 for room, last in cursor.fetchall()}
    if len(reserved) != len(rooms):
        raise IntegrityError("a room was deleted while messages were being stored in it")
    return reserved
