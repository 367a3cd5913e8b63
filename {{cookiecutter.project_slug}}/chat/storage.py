"""The raw SQL of the send path: what every batch of sends runs, written for speed.

The rest of the project goes through the ORM. These statements run once per batch of
sends, where building the ORM's query would cost more CPU than the database takes to answer
(each function says what it saves). They still use the models' own
metadata (tables, columns, each field's pre_save and database preparation), so a migration
that renames a column changes them too. Each statement's text is made once per database and
batch size, and kept: building a lone send's three statements and planning its values cost
an eighth of storing it on SQLite (341 against 297 us of CPU, a send to a room of 100 members,
five alternating runs of 3,000 sends each), and a busy room's sends arrive alone.
Keep anything else out of this module.
"""

import datetime
import json
import sys
import uuid
from collections import Counter
from contextlib import closing, contextmanager, nullcontext
from decimal import Decimal
from functools import cache, lru_cache
from typing import NamedTuple

from django.db import IntegrityError, connections, transaction

from .models import Membership, Message, Room

# Statement texts kept per database: one per batch size a process meets, up to its largest.
STATEMENTS_KEPT = 1024


class SendTables(NamedTuple):
    """The send path's tables and columns on one database, quoted as it quotes them."""

    message: str
    message_pk: str
    message_columns: str  # every column an insert writes, message_fields()
    message_id_room_seq: str  # what an insert returns
    room: str
    room_pk: str
    last_seq: str
    membership: str
    member: str
    member_room: str
    history_from: str
    blocked: str


@cache
def send_tables(alias: str) -> SendTables:
    quote = connections[alias].ops.quote_name
    message, room, membership = Message._meta, Room._meta, Membership._meta
    return SendTables(
        message=quote(message.db_table),
        message_pk=quote(message.pk.column),
        message_columns=", ".join(quote(field.column) for field in message_fields()),
        message_id_room_seq=", ".join(
            quote(message.get_field(name).column) for name in ("id", "room", "seq")
        ),
        room=quote(room.db_table),
        room_pk=quote(room.pk.column),
        last_seq=quote(room.get_field("last_seq").column),
        membership=quote(membership.db_table),
        member=quote(membership.get_field("user").column),
        member_room=quote(membership.get_field("room").column),
        history_from=quote(membership.get_field("history_from").column),
        blocked=quote(membership.get_field("blocked_by_peer").column),
    )


@cache
def message_fields() -> tuple:
    """Message's concrete fields but its primary key: every column an insert writes."""
    return tuple(field for field in Message._meta.concrete_fields if not field.primary_key)


@contextmanager
def send_cursor(db, in_transaction: bool = False):
    """(a cursor, how its statements mark a parameter) for the send path's statements;
    `in_transaction`: in a transaction of their own.

    On SQLite, sqlite3's own cursor and its placeholders: Django's cursor rewrites every
    statement's placeholders with a regular expression, and its transaction goes through a
    dozen calls, which together cost a quarter of storing a lone send, a send to a busy room
    (286 against 220 us of CPU, medians of 10 alternating runs of 3,000 sends). Errors are
    still Django's (IntegrityError for a resend). Django's own cursor and transaction.atomic
    remain where their work is needed: inside a transaction of the caller's (a savepoint, so
    that a refused insert leaves that transaction usable), and while Django logs queries
    (DEBUG, a test counting them), so that these statements are seen.
    """
    joins_callers = in_transaction and db.in_atomic_block
    if db.vendor != "sqlite" or db.queries_logged or joins_callers:
        atomic = transaction.atomic(using=db.alias) if in_transaction else nullcontext()
        with atomic, db.cursor() as cursor:
            yield cursor, "%s"
        return
    db.ensure_connection()
    with db.wrap_database_errors, closing(db.connection.cursor()) as cursor:
        if not in_transaction:
            yield cursor, "?"
            return
        cursor.execute(f"BEGIN {db.transaction_mode or ''}")
        try:
            yield cursor, "?"
        except BaseException:
            db.connection.rollback()
            raise
        db.connection.commit()


def senders_history_cuts(senders: set[tuple[int, int]]) -> dict[tuple[int, int], int]:
    """(user id, room id) -> the member's history cut, for those of these memberships whose
    member may send (not blocked by the other member of a 1-to-1).

    Plain SQL, because every batch of sends runs it: the ORM takes longer to build this
    query than the database takes to answer it (about 0.2 ms of CPU, a third of storing a
    message on its own). One condition per (user, room) pair, each a lookup in the
    membership's unique index: `user IN (...) AND room IN (...)` had SQLite look up every user
    of the batch in every room of it, a cost that grew with the square of the batch (3 ms for
    100 sends in 100 rooms). PostgreSQL gets the pairs as one JSON document, so that the
    statement's text is the same for every batch (see insert_numbered_in_one_statement), and
    looks each pair up in a LATERAL subquery: joined with the table, a batch's pairs had its
    planner read every membership into a hash until the table grew large enough for its
    estimates to favour the index, a cost that grows with the table; for 90 pairs among 13,000
    memberships the statement took 0.6 ms, the lookups take 0.4. The LIMIT (a user holds
    one membership per room) keeps the subquery from being merged back into a join: a
    lookup in the unique index per pair, whatever the table's size and the planner's
    estimates.
    """
    db = transaction.get_connection()
    with send_cursor(db) as (cursor, mark):
        if db.vendor == "postgresql":
            query = history_cuts_sql(db.alias, 0, mark)  # one text for every batch
            params = [json_rows(["s", "r"], senders)]
        else:
            query = history_cuts_sql(db.alias, len(senders), mark)
            params = [value for sender in senders for value in sender]
        cursor.execute(query, params)
        return {(user_id, room_id): cut for user_id, room_id, cut in cursor.fetchall()}


@lru_cache(maxsize=STATEMENTS_KEPT)
def history_cuts_sql(alias: str, pairs: int, mark: str) -> str:
    """senders_history_cuts' statement: for `pairs` (user, room) placeholders written `mark`,
    or on PostgreSQL one JSON document of them."""
    names = send_tables(alias)
    user, room = names.member, names.member_room
    selected = f"SELECT {user}, {room}, {names.history_from} FROM {names.membership}"
    if connections[alias].vendor == "postgresql":
        return (
            "SELECT found.* FROM json_to_recordset(%s::json) AS wanted(s bigint, r bigint) "
            f"CROSS JOIN LATERAL ({selected} WHERE {user} = wanted.s "
            f"AND {room} = wanted.r AND NOT {names.blocked} LIMIT 1) AS found"
        )
    wanted = " OR ".join([f"({user} = {mark} AND {room} = {mark})"] * pairs)
    return f"{selected} WHERE ({wanted}) AND NOT {names.blocked}"


def store_numbered(messages: list[Message]) -> None:
    """Give each message its room's next `seq`, in list order, and insert them all.

    Each message learns its primary key and its seq. The rooms' last_seq is raised first,
    which locks their rows until the messages are stored: concurrent sends to a room get
    consecutive, distinct numbers, and take their ids in the same order (catch-up by id
    cursor relies on it). All or nothing: a room deleted meanwhile fails the whole batch
    with IntegrityError.
    """
    db = transaction.get_connection()  # once: each `connection.` is a lookup by thread
    if db.vendor == "postgresql":
        # One statement is atomic on its own: no BEGIN and COMMIT round trips around it.
        # In the caller's transaction, a savepoint, so that a refused insert (a resend)
        # leaves that transaction usable for the fallback that looks the first send up.
        with transaction.atomic() if db.in_atomic_block else nullcontext():
            insert_numbered_in_one_statement(db, messages)
        return
    with send_cursor(db, in_transaction=True) as (cursor, mark):
        counts = Counter(message.room_id for message in messages)
        cursor.execute(*raised_last_seqs(db, counts, mark))
        next_seq = {room: last - counts[room] + 1 for room, last in cursor.fetchall()}
        if len(next_seq) != len(counts):
            raise IntegrityError("a room was deleted while messages were being stored in it")
        for message in messages:
            message.seq = next_seq[message.room_id]
            next_seq[message.room_id] += 1
        insert_messages(db, cursor, mark, messages)


def insert_numbered_in_one_statement(db, messages: list[Message]) -> None:
    """PostgreSQL: last_seq raised in a data-modifying WITH, the rows numbered from it.

    Each row's seq is its room's raised last_seq less the batch's later messages in that
    room. The rows are sorted after the join with the raised rooms, so they take their ids
    once every room is locked, in seq order. A room deleted meanwhile leaves its rows
    without a seq, which fails the statement. One statement where an UPDATE and an INSERT
    in a transaction took four round trips, and less work for the database than either.

    The rows travel as one JSON document (json_rows), so the statement's text is the same
    whatever the batch: a placeholder per value made psycopg parse a new text for each
    batch, and an array per column had it quote every value in Python (a tenth of the
    storing process's instructions per message, counted with callgrind).

    The rooms also go as an array that the UPDATE finds them by (`= ANY`), so that its
    planner knows how many rooms it raises and reads them through the primary key: given
    only json_to_recordset, whose rows it guesses at 100 whatever the batch, it read the
    whole room table for each batch, a cost that grew with the number of rooms. Among 20,002
    other rooms, the database's CPU for a lone send was 2,490 us that way, and is 590 now
    (bench/store_cost.py --postgres --rooms 1 --other-rooms 20000).
    """
    counts = Counter(message.room_id for message in messages)
    rooms = sorted(counts)  # one lock order for every batch
    rows = prepared_values(db, numbered_sent_fields(), messages)
    still_to_number = counts.copy()
    for message, row in zip(messages, rows, strict=True):
        still_to_number[message.room_id] -= 1
        row.append(still_to_number[message.room_id])
    with db.cursor() as cursor:
        cursor.execute(
            numbered_insert_sql(db.alias),
            [
                json_rows(["r", "n"], [(room, counts[room]) for room in rooms]),
                rooms,
                json_rows([*sent_keys(), "later"], rows),
            ],
        )
        stored = sorted(cursor.fetchall(), key=lambda returned: returned[1:])
    # RETURNING promises no order; by room and seq, the rows are the batch's messages
    # sorted by room, in list order within each room (a stable sort keeps it).
    in_order = sorted(messages, key=lambda message: message.room_id)
    for message, (pk, _, seq) in zip(in_order, stored, strict=True):
        message.pk, message.seq = pk, seq
        message._state.adding, message._state.db = False, db.alias


@cache
def numbered_sent_fields() -> tuple:
    """The fields whose values insert_numbered_in_one_statement sends: all but seq, numbered
    in the statement."""
    return tuple(field for field in message_fields() if field.name != "seq")


@cache
def sent_keys() -> list[str]:
    """Each sent field's key in the JSON rows: short, as every row repeats them."""
    return [f"c{index}" for index in range(len(numbered_sent_fields()))]


@cache
def numbered_insert_sql(alias: str) -> str:
    """insert_numbered_in_one_statement's statement, the same for every batch."""
    db, names = connections[alias], send_tables(alias)
    key = dict(zip((field.name for field in numbered_sent_fields()), sent_keys(), strict=True))
    # Each column of its field's type, but text, so that the INSERT checks its length.
    columns = ", ".join(
        f"{key[field.name]} text"
        if field.get_internal_type() in ("CharField", "TextField")
        else f"{key[field.name]} {field.db_type(db)}"
        for field in numbered_sent_fields()
    )
    selected = {name: f"sent.{column}" for name, column in key.items()}
    selected["seq"] = f"reserved.{names.last_seq} - sent.later"
    room_pk, last_seq = names.room_pk, names.last_seq
    return (
        f"WITH reserved AS (UPDATE {names.room} AS room "
        f"SET {last_seq} = room.{last_seq} + raised.n "
        f"FROM json_to_recordset(%s::json) AS raised(r bigint, n bigint) "
        f"WHERE room.{room_pk} = ANY(%s::bigint[]) AND room.{room_pk} = raised.r "
        f"RETURNING room.{room_pk}, room.{last_seq}) "
        f"INSERT INTO {names.message} ({names.message_columns}) "
        f"SELECT {', '.join(selected[field.name] for field in message_fields())} "
        f"FROM json_to_recordset(%s::json) AS sent({columns}, later bigint) "
        f"LEFT JOIN reserved ON reserved.{room_pk} = sent.{key['room']} "
        f"ORDER BY sent.{key['room']}, sent.later DESC "
        f"RETURNING {names.message_id_room_seq}"
    )


def json_rows(keys: list[str], rows) -> str:
    """Rows as a JSON array of objects, for PostgreSQL's json_to_recordset with these keys.

    One string parameter, quoted once and encoded by the json module's C code, where an
    array per column had psycopg quote each value in Python. A value JSON has no type for (a
    timestamp) goes as the text PostgreSQL reads back into its column's type.
    """
    return json.dumps(
        [dict(zip(keys, row, strict=True)) for row in rows],
        ensure_ascii=False,
        separators=(",", ":"),
        default=as_postgres_text,
    )


def as_postgres_text(value) -> str:
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, uuid.UUID | Decimal):
        return str(value)
    raise TypeError(f"no JSON form for a {type(value).__name__} bound for PostgreSQL")


def raised_last_seqs(db, counts: dict[int, int], mark: str) -> tuple[str, list]:
    """The UPDATE raising each room's last_seq by its count, returning (room id, last_seq)."""
    rooms = sorted(counts)  # one lock order for every batch
    params = [value for room in rooms for value in (room, counts[room])] + rooms
    return raised_last_seqs_sql(db.alias, len(rooms), mark), params


@lru_cache(maxsize=STATEMENTS_KEPT)
def raised_last_seqs_sql(alias: str, rooms: int, mark: str) -> str:
    names = send_tables(alias)
    pk, last_seq = names.room_pk, names.last_seq
    raise_by = " ".join([f"WHEN {mark} THEN {mark}"] * rooms)
    return (
        f"UPDATE {names.room} SET {last_seq} = {last_seq} + CASE {pk} {raise_by} END "
        f"WHERE {pk} IN ({', '.join([mark] * rooms)}) RETURNING {pk}, {last_seq}"
    )


def insert_messages(db, cursor, mark: str, messages: list[Message]) -> None:
    """Insert numbered messages, each learning its primary key, in as few INSERTs as allowed;
    `cursor` and `mark` are send_cursor's.

    bulk_create would take about 0.1 ms of CPU to build its query, more than the database
    takes to run it. The values are still the ORM's: each field's pre_save and database
    preparation make them.
    """
    if not db.features.can_return_rows_from_bulk_insert:
        # No INSERT ... RETURNING (MySQL): a row at a time, so that each message learns its key.
        for message in messages:
            message.save(force_insert=True)
        return
    size = rows_per_insert(db.alias)
    rows = prepared_values(db, message_fields(), messages)
    for start in range(0, len(messages), size):
        batch = messages[start : start + size]
        cursor.execute(
            insert_messages_sql(db.alias, len(batch), mark),
            [value for values in rows[start : start + size] for value in values],
        )
        for message, (pk,) in zip(batch, cursor.fetchall(), strict=True):
            message.pk = pk
            message._state.adding, message._state.db = False, db.alias


@cache
def rows_per_insert(alias: str) -> int:
    """How many messages one INSERT may carry on this database: its limit on a statement's
    parameters (bulk_create's batch size), or with none, any number."""
    return connections[alias].ops.bulk_batch_size(message_fields(), range(sys.maxsize))


@lru_cache(maxsize=STATEMENTS_KEPT)
def insert_messages_sql(alias: str, rows: int, mark: str) -> str:
    names = send_tables(alias)
    row = f"({', '.join([mark] * len(message_fields()))})"
    return (
        f"INSERT INTO {names.message} ({names.message_columns}) "
        f"VALUES {', '.join([row] * rows)} RETURNING {names.message_pk}"
    )


# Fields whose database preparation gives an int or a str back as it is, on every backend
# Django ships: such a value goes in as read, without the half-dozen calls that prepare it.
PREPARED_AS_IS = {
    "AutoField",
    "BigAutoField",
    "BigIntegerField",
    "CharField",
    "IntegerField",
    "TextField",
}


def prepared_as_is(field) -> bool:
    """Whether the field is of PREPARED_AS_IS, or a foreign key to one (prepared as its target)."""
    while field.is_relation:
        field = field.target_field
    return field.get_internal_type() in PREPARED_AS_IS


def prepared_values(db, fields, messages: list[Message]) -> list[list]:
    """Each message's values for `fields`, as the ORM prepares them for an INSERT, in less CPU.

    A timestamp set on creation (auto_now_add) is taken once for the whole batch, which is
    stored at one instant, and prepared once; None is NULL for every field of a message, and
    goes unprepared, as does an int or a str in a field of PREPARED_AS_IS. Each message is
    given its timestamp, as a save would.
    """
    fields = tuple(fields)
    stamped, as_is = value_plan(fields)
    stamps = {}
    for index in stamped:
        value = fields[index].pre_save(messages[0], True)
        stamps[index] = (value, fields[index].get_db_prep_save(value, db))
    rows = []
    for message in messages:
        row = []
        for index, field in enumerate(fields):
            if index in stamps:
                value, prepared = stamps[index]
                setattr(message, field.attname, value)
                row.append(prepared)
                continue
            if index in as_is:
                # What pre_save returns for such a field: its attribute.
                value = getattr(message, as_is[index])
                if value is None or type(value) is int or type(value) is str:
                    row.append(value)
                    continue
            value = field.pre_save(message, True)
            row.append(None if value is None else field.get_db_prep_save(value, db))
        rows.append(row)
    return rows


@cache
def value_plan(fields: tuple) -> tuple[tuple[int, ...], dict[int, str]]:
    """prepared_values' plan for these fields: the indexes of those stamped at creation
    (auto_now, auto_now_add), and the attribute names of those of PREPARED_AS_IS by index."""
    stamped = tuple(
        index
        for index, field in enumerate(fields)
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
    )
    as_is = {
        index: field.attname
        for index, field in enumerate(fields)
        if index not in stamped and prepared_as_is(field)
    }
    return stamped, as_is
