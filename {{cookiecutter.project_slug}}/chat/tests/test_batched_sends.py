"""Sends stored together (domain.sending.send_messages, the socket batcher's group commit) give each
sender exactly what a send on its own would have given."""

import asyncio
import datetime
import json
import threading

import pytest
from django.contrib.auth import get_user_model
from django.db import IntegrityError, OperationalError, connection, transaction
from django.test.utils import CaptureQueriesContext

from chat.domain.errors import Forbidden, Invalid, NotFound
from chat.domain.sending import SendRequest, new_message, send_message, send_messages
from chat.models import Membership, Message, Room
from chat.realtime import publish, send_batcher
from chat.realtime.hub import room_group
from chat.realtime.publish import EVENTS_PER_LAYER_MESSAGE
from chat.realtime.send_batcher import GATHER_TURNS, SendBatcher, get_send_batcher
from chat.realtime.send_pipeline import MAX_SENDS_IN_FLIGHT
from chat.storage import json_rows, prepared_values, senders_history_cuts, store_numbered
from chat.tests.frames import bodies_received, send_frame

pytestmark = pytest.mark.django_db(transaction=True)


def test_each_send_of_a_batch_gets_its_own_outcome(room, user, bob, carol):
    earlier, _ = send_message(user, room.pk, "earlier", "c-earlier")
    outcomes = send_messages(
        [
            SendRequest(user, room.pk, " hello ", "c-1"),
            SendRequest(bob, room.pk, "hi", "c-1"),  # same client_id, other sender: fine
            SendRequest(carol, room.pk, "let me in", "c-2"),  # not a member
            SendRequest(user, room.pk, "", "c-3"),  # empty body
            SendRequest(user, "7", "hello", "c-4"),  # not an integer id
            SendRequest(user, room.pk + 1000, "hello", "c-5"),  # no such room
            SendRequest(user, room.pk, "again", "c-earlier"),  # resend of a stored message
            SendRequest(user, room.pk, "twice", "c-1"),  # resend within the batch
        ]
    )
    (first, created), (bobs, bob_created) = outcomes[0], outcomes[1]
    assert (first.body, created, bobs.body, bob_created) == ("hello", True, "hi", True)
    # An outsider is refused a group's room and told a 1-to-1 conversation does not exist.
    outsider = {Room.Kind.GROUP: Forbidden, Room.Kind.DIRECT: NotFound}[room.kind]
    assert [type(outcome) for outcome in outcomes[2:6]] == [outsider, Invalid, Invalid, NotFound]
    assert outcomes[6] == (earlier, False)
    assert outcomes[7] == (first, False)
    stored = list(Message.objects.order_by("id").values_list("body", flat=True))
    assert stored == ["earlier", "hello", "hi"]


def queries_of_a_batch(requests) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        outcomes = send_messages(requests)
    assert all(isinstance(outcome, tuple) for outcome in outcomes), outcomes
    return [query["sql"].split()[0] for query in queries]


def test_a_batch_costs_the_same_queries_whatever_its_size(room, user):
    one = queries_of_a_batch([SendRequest(user, room.pk, "alone", "c-alone")])
    thirty = queries_of_a_batch(
        [SendRequest(user, room.pk, f"message {n}", f"c-{n}") for n in range(30)]
    )
    assert one == thirty
    # New sends: the memberships, then the numbered insert; no lookup of earlier client_ids.
    if connection.vendor == "postgresql":
        # last_seq raised and the rows inserted in one statement, atomic on its own.
        assert one == ["SELECT", "WITH"]
    else:
        assert [sql for sql in one if sql in ("SELECT", "UPDATE", "INSERT")] == [
            "SELECT",
            "UPDATE",
            "INSERT",
        ]


@pytest.mark.sqlite
def test_sqlite_is_set_for_batches_of_sends(db):
    """config/settings/base.py: a batch's undo journal in memory (by default SQLite spills it
    to a temporary file), and a page cache that holds a batch's index pages."""
    settings = {}
    with connection.cursor() as cursor:
        for pragma in ("temp_store", "cache_size"):
            cursor.execute(f"PRAGMA {pragma}")
            settings[pragma] = cursor.fetchone()[0]
    assert settings == {"temp_store": 2, "cache_size": -16384}  # MEMORY, KiB


def test_a_new_message_is_the_one_keywords_would_build(room, user, django_assert_num_queries):
    """sending.new_message builds by position what Message(room_id=..., sender=...) builds."""
    built = new_message(room.pk, user, "hello", "c-1")
    expected = Message(room_id=room.pk, sender=user, body="hello", client_id="c-1")
    fields = Message._meta.concrete_fields
    assert [getattr(built, field.attname) for field in fields] == [
        getattr(expected, field.attname) for field in fields
    ]
    assert (built._state.adding, built._state.db) == (True, None)
    with django_assert_num_queries(0):
        assert built.sender is user


def test_rows_reach_postgresql_as_json_its_columns_read():
    """The rows of a batch travel as one JSON document (chat/storage.py json_rows): each
    value as JSON has it, a timestamp as the text PostgreSQL reads, and no other type."""
    created = datetime.datetime(2026, 12, 5, 23, 0, 1, 5, tzinfo=datetime.UTC)
    text = json_rows(
        ["room", "body", "created", "edited"], [(1, 'h\u00e9 "quoted"', created, None)]
    )
    assert json.loads(text) == [
        {
            "room": 1,
            "body": 'h\u00e9 "quoted"',
            "created": "2026-12-05T23:00:01.000005+00:00",
            "edited": None,
        }
    ]
    with pytest.raises(TypeError, match="bytes"):
        json_rows(["body"], [(b"raw",)])


def scanned_tables(plan: dict) -> set[str]:
    """The tables a plan (EXPLAIN's JSON) reads from start to end, anywhere in its tree."""
    scanned = {plan["Relation Name"]} if plan["Node Type"] == "Seq Scan" else set()
    for child in plan.get("Plans", ()):
        scanned |= scanned_tables(child)
    return scanned


@pytest.mark.postgresql
@pytest.mark.parametrize("rooms_in_batch", [1, 20])
def test_numbering_a_batch_reads_its_rooms_not_the_whole_room_table(user, rooms_in_batch):
    """Raising the batch's rooms' last_seq finds them by primary key, whatever the number of
    rooms: a plan that reads the whole table costs every send more as rooms are created."""
    rooms = Room.objects.bulk_create(
        Room(kind=Room.Kind.GROUP, name=f"room {n}", created_by=user) for n in range(2_000)
    )
    with connection.cursor() as cursor:
        # The statistics autovacuum keeps on a server in use, which the plan is made from.
        cursor.execute(f"ANALYZE {connection.ops.quote_name(Room._meta.db_table)}")
    messages = [
        new_message(room.pk, user, "hello", f"c-{room.pk}") for room in rooms[:rooms_in_batch]
    ]
    with CaptureQueriesContext(connection) as queries:
        store_numbered(messages)
    (statement,) = [query["sql"] for query in queries if query["sql"].startswith("WITH")]
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {statement}")
        plan = cursor.fetchone()[0][0]["Plan"]
    assert Room._meta.db_table not in scanned_tables(plan)
    assert [message.seq for message in messages] == [1] * rooms_in_batch


@pytest.mark.sqlite  # counts SQLite's virtual machine steps
def test_finding_a_batchs_senders_costs_in_proportion_to_the_batch(user):
    users = [
        user,
        *get_user_model().objects.bulk_create(
            get_user_model()(username=f"sender-{n}", password="!") for n in range(99)
        ),
    ]
    rooms = Room.objects.bulk_create(
        Room(kind=Room.Kind.GROUP, name=f"room {n}", created_by=user) for n in range(100)
    )
    Membership.objects.bulk_create(
        [Membership(room=room, user=member) for room, member in zip(rooms, users, strict=True)]
        # A membership of the batch's users and rooms that no send of it is about.
        + [Membership(room=rooms[1], user=user)]
    )
    connection.ensure_connection()

    def database_steps(sends: int) -> int:
        senders = {(users[n].pk, rooms[n].pk) for n in range(sends)}
        steps = 0

        def count() -> int:
            nonlocal steps
            steps += 1
            return 0  # go on

        connection.connection.set_progress_handler(count, 100)
        try:
            assert set(senders_history_cuts(senders)) == senders
        finally:
            connection.connection.set_progress_handler(None, 100)
        return steps

    # Ten times the sends, some ten times the work: looking every sender up in every room of
    # the batch would be a hundred times.
    assert database_steps(100) < 20 * database_steps(10)


def test_a_resend_inside_the_callers_transaction_leaves_it_usable(room, user):
    """The refused insert of a resend must not abort a transaction the caller has open."""
    first, _ = send_message(user, room.pk, "first", "c-1")
    with transaction.atomic():
        outcomes = send_messages(
            [SendRequest(user, room.pk, "again", "c-1"), SendRequest(user, room.pk, "new", "c-2")]
        )
        assert Message.objects.filter(room=room).count() == 2
    assert outcomes[0] == (first, False)
    assert outcomes[1][0].seq == first.seq + 1


def test_a_batch_with_a_room_deleted_meanwhile_stores_nothing(room, user):
    """All or nothing: a message that cannot be numbered fails its whole batch."""
    messages = [
        Message(room_id=room.pk, sender=user, body="stays out too", client_id="c-1"),
        Message(room_id=room.pk + 1000, sender=user, body="its room is gone", client_id="c-2"),
    ]
    with pytest.raises(IntegrityError):
        store_numbered(messages)
    assert not Message.objects.exists()
    room.refresh_from_db()
    assert room.last_seq == 0


@pytest.fixture(params=["returning", "no returning"])
def insert_returning(request, monkeypatch):
    """Both ways a batch is inserted: with INSERT ... RETURNING, and without (row by row)."""
    if request.param == "no returning":
        features = type(connection.features)
        monkeypatch.setattr(features, "can_return_rows_from_bulk_insert", False)
    return request.param


def test_the_largest_batch_is_stored_as_its_messages_say(room, user, bob, insert_returning):
    """More rows than one INSERT may carry on SQLite: each message still gets its own row."""
    requests = [
        SendRequest((user, bob)[n % 2], room.pk, f"message {n}", f"c-{n}")
        for n in range(send_batcher.MAX_BATCH)
    ]
    outcomes = send_messages(requests)
    messages = [message for message, created in outcomes if created]
    assert len(messages) == send_batcher.MAX_BATCH
    stored = {message.pk: message for message in Message.objects.filter(room=room)}
    assert len(stored) == send_batcher.MAX_BATCH
    for request, message in zip(requests, messages, strict=True):
        row = stored[message.pk]
        assert (row.sender_id, row.body, row.client_id) == (
            request.user.pk,
            request.body,
            request.client_id,
        )
        assert row.created == message.created
        assert (row.edited, row.deleted) == (None, None)
    if insert_returning == "returning":
        # Stored at one instant: the batch's messages share their creation time.
        assert len({message.created for message in messages}) == 1


def test_a_batch_stores_every_text_exactly_as_sent(room, user):
    """What array, SQL or JSON quoting might mangle (PostgreSQL receives a batch as arrays)."""
    bodies = ['{"a", b}', "NULL", "back\\slash", 'quote\'s "both"', "line\nbreak", "多言語 🎉"]
    requests = [SendRequest(user, room.pk, body, f"c-{n}") for n, body in enumerate(bodies)]
    outcomes = send_messages(requests)
    assert [message.body for message, _ in outcomes] == bodies
    stored = Message.objects.filter(room=room).order_by("seq")
    assert [(message.body, message.client_id) for message in stored] == [
        (body, f"c-{n}") for n, body in enumerate(bodies)
    ]


def test_a_batchs_values_are_the_ones_the_orm_would_store(room, user, bob):
    """prepared_values takes shortcuts (one timestamp for the batch; ints and strs as they
    are): each value is still what the ORM's own preparation makes of it."""
    earlier, _ = send_message(user, room.pk, "earlier", "c-earlier")
    edited = earlier.created
    messages = [
        Message(room_id=room.pk, sender=user, body="hello", client_id="c-1", seq=7),
        Message(room_id=room.pk, sender=bob, body="ünï 👋", client_id="c-2", seq=8, edited=edited),
    ]
    messages[1].reply_to = earlier
    fields = [field for field in Message._meta.concrete_fields if not field.primary_key]
    prepared = prepared_values(connection, fields, messages)
    # The timestamp the shortcut gave each message, prepared as a save prepares it.
    assert messages[0].created is not None and messages[0].created == messages[1].created
    assert prepared == [
        [
            None if value is None else field.get_db_prep_save(value, connection)
            for field in fields
            for value in [field.pre_save(message, False)]
        ]
        for message in messages
    ]


def test_a_resend_in_a_batch_still_gets_the_first_message(room, user):
    ((first, _),) = send_messages([SendRequest(user, room.pk, "first", "c-1")])
    outcomes = send_messages(
        [SendRequest(user, room.pk, "new", "c-2"), SendRequest(user, room.pk, "again", "c-1")]
    )
    assert [(message.body, created) for message, created in outcomes] == [
        ("new", True),
        ("first", False),
    ]
    assert outcomes[1][0] == first
    assert Message.objects.count() == 2
    # The batch's first try, refused, numbered nothing: its raised last_seq was rolled back.
    assert outcomes[0][0].seq == first.seq + 1
    room.refresh_from_db()
    assert room.last_seq == outcomes[0][0].seq


async def test_sends_from_many_sockets_at_once_all_arrive_in_order(open_socket, room, user, bob):
    alice_socket, bob_socket = await open_socket(user), await open_socket(bob)
    batcher = get_send_batcher()
    sends = [
        batcher.submit(SendRequest(user, room.pk, f"message {n}", f"c-{n}")) for n in range(40)
    ]
    outcomes = await asyncio.gather(*sends)
    assert all(outcome.echoed for outcome in outcomes)
    for socket in (alice_socket, bob_socket):
        assert await bodies_received(socket, 40) == [f"message {n}" for n in range(40)]


async def test_a_batch_reaches_the_channel_layer_as_one_message_per_room(
    open_socket, monkeypatch, room, user, bob
):
    alice_socket, bob_socket = await open_socket(user), await open_socket(bob)
    sent_to_room = []
    send_to_group = publish.send_to_group

    async def recorded_send(group, message):
        if group == room_group(room.pk):
            sent_to_room.append(len(message.get("events", [message])))
        await send_to_group(group, message)

    monkeypatch.setattr(publish, "send_to_group", recorded_send)
    count = EVENTS_PER_LAYER_MESSAGE + 20
    batcher = get_send_batcher()
    # Queued before the batcher runs: one batch.
    sends = [batcher.submit(SendRequest(user, room.pk, f"m{n}", f"c-{n}")) for n in range(count)]
    assert all(outcome.echoed for outcome in await asyncio.gather(*sends))
    for socket in (alice_socket, bob_socket):
        assert await bodies_received(socket, count) == [f"m{n}" for n in range(count)]
    assert sent_to_room == [EVENTS_PER_LAYER_MESSAGE, 20]


@pytest.fixture
def hold_store(monkeypatch):
    """(release, batch sizes, held): each batch waits in the batcher's store until release();
    `await held()` returns once a batch waits there."""
    released, entered, sizes = threading.Event(), threading.Event(), []
    store_batch = send_batcher.store_batch

    def held_store_batch(requests):
        sizes.append(len(requests))
        entered.set()
        released.wait(timeout=10)
        return store_batch(requests)

    async def held() -> None:
        await asyncio.to_thread(entered.wait, 10)  # an upper bound only

    monkeypatch.setattr(send_batcher, "store_batch", held_store_batch)
    return released.set, sizes, held


@pytest.fixture
def queued_sends(monkeypatch):
    """queued_sends(count): wait until `count` sends wait in the batcher's queue, told by the
    submit that queues the count-th (no polling)."""
    reached: dict[int, asyncio.Event] = {}
    submit = SendBatcher.submit

    def submit_and_tell(self, request):
        outcome = submit(self, request)
        if len(self.queue) in reached:
            reached[len(self.queue)].set()
        return outcome

    monkeypatch.setattr(SendBatcher, "submit", submit_and_tell)

    async def wait_for_count(count: int) -> None:
        event = reached.setdefault(count, asyncio.Event())
        if len(get_send_batcher().queue) != count:
            await asyncio.wait_for(event.wait(), 10)  # an upper bound only

    return wait_for_count


async def test_a_socket_reads_its_next_send_while_the_last_is_stored(
    open_socket, hold_store, queued_sends, room, user, bob
):
    release, batch_sizes, held = hold_store
    alice, bob_socket = await open_socket(user), await open_socket(bob)
    await alice.send_json_to(send_frame(room, "message 0", "c-0"))
    await held()
    for n in range(1, 5):
        await alice.send_json_to(send_frame(room, f"message {n}", f"c-{n}"))
    # The first send is being stored; the other four came in meanwhile and wait as one batch.
    await queued_sends(4)
    release()
    for socket in (alice, bob_socket):
        assert await bodies_received(socket, 5) == [f"message {n}" for n in range(5)]
    assert batch_sizes == [1, 4]


async def test_a_socket_has_at_most_max_sends_in_flight(
    open_socket, hold_store, queued_sends, room, user
):
    release, batch_sizes, held = hold_store
    alice = await open_socket(user)
    count = MAX_SENDS_IN_FLIGHT + 10
    await alice.send_json_to(send_frame(room, "message 0", "c-0"))
    await held()
    for n in range(1, count):
        await alice.send_json_to(send_frame(room, f"message {n}", f"c-{n}"))
    # One send in the store, the rest of the allowance queued.
    await queued_sends(MAX_SENDS_IN_FLIGHT - 1)
    release()
    assert await bodies_received(alice, count) == [f"message {n}" for n in range(count)]
    # The socket read no further while the first was stored: the batch stored next, made of
    # every send queued by then, holds the allowance and not one more.
    assert batch_sizes[:2] == [1, MAX_SENDS_IN_FLIGHT - 1]
    assert sum(batch_sizes) == count


async def test_a_batch_waits_a_few_turns_while_sends_keep_arriving(room, user, monkeypatch):
    """Sends arriving one per turn of the loop, as frames read from many sockets do, join the
    batch for GATHER_TURNS turns at most; a send after a turn without any waits for the next."""
    sizes = []
    store_batch = send_batcher.store_batch

    def store_and_count(requests):
        sizes.append(len(requests))
        return store_batch(requests)

    monkeypatch.setattr(send_batcher, "store_batch", store_and_count)
    batcher = get_send_batcher()

    def submit(n: int) -> asyncio.Future:
        return batcher.submit(SendRequest(user, room.pk, f"m{n}", f"c-{n}"))

    sends = []
    for n in range(3 * GATHER_TURNS):
        sends.append(submit(n))
        await asyncio.sleep(0)
    outcomes = await asyncio.gather(*sends)
    assert [outcome.message.seq for outcome in outcomes] == list(range(1, 3 * GATHER_TURNS + 1))
    assert 1 < sizes[0] <= GATHER_TURNS + 1
    sizes.clear()
    lone = submit(100)
    for _ in range(4):  # the first look finds nothing more: the batch is taken
        await asyncio.sleep(0)
    await asyncio.gather(lone, submit(101))
    assert sizes == [1, 1]


async def test_the_next_batch_is_stored_while_the_last_is_published(
    open_socket, room, user, bob, monkeypatch
):
    """The database thread stores a batch while the loop publishes the one before; each
    room's events still go out in the order they were numbered, and each sender's answer
    after its message's event."""
    loop = asyncio.get_running_loop()
    first_publishing, publishing_released, second_stored = (asyncio.Event() for _ in range(3))
    stored_sizes, published = [], []
    store_batch, publish_many = send_batcher.store_batch, send_batcher.publish_many_to_rooms

    def store_and_tell(requests):
        outcome = store_batch(requests)
        stored_sizes.append(len(requests))
        if len(stored_sizes) == 2:
            loop.call_soon_threadsafe(second_stored.set)
        return outcome

    async def publish_held_the_first_time(events):
        if not first_publishing.is_set():
            first_publishing.set()
            await publishing_released.wait()
        published.append([event["message"]["body"] for _, event in events])
        await publish_many(events)

    monkeypatch.setattr(send_batcher, "store_batch", store_and_tell)
    monkeypatch.setattr(send_batcher, "publish_many_to_rooms", publish_held_the_first_time)
    bob_socket = await open_socket(bob)
    batcher = get_send_batcher()
    first = batcher.submit(SendRequest(user, room.pk, "m0", "c-0"))
    await asyncio.wait_for(first_publishing.wait(), 10)  # an upper bound only
    later = [batcher.submit(SendRequest(user, room.pk, f"m{n}", f"c-{n}")) for n in (1, 2)]
    await asyncio.wait_for(second_stored.wait(), 10)  # an upper bound only
    # Stored while the first batch's publishing is held: nobody has been answered yet.
    assert (stored_sizes, published) == ([1, 2], [])
    assert not any(send.done() for send in (first, *later))
    publishing_released.set()
    outcomes = await asyncio.gather(first, *later)
    assert [outcome.message.seq for outcome in outcomes] == [1, 2, 3]
    assert all(outcome.echoed for outcome in outcomes)
    assert published == [["m0"], ["m1", "m2"]]
    assert await bodies_received(bob_socket, 3) == ["m0", "m1", "m2"]


async def test_a_send_that_fails_to_store_is_answered_and_the_socket_goes_on(
    open_socket, room, user, monkeypatch
):
    store = send_messages
    failures = iter([OperationalError("the database is restarting")] * 2)

    def failing_once(requests, publish=None):
        failure = next(failures, None)
        if failure is not None:
            raise failure  # twice: the batcher's retry fails too
        return store(requests, publish)

    monkeypatch.setattr(send_batcher, "send_messages", failing_once)
    alice = await open_socket(user)
    await alice.send_json_to(send_frame(room, "lost", "c-1"))
    answer = await alice.receive_json_from()
    assert (answer["type"], answer["code"], answer["ref"]) == ("error", "unavailable", "c-1")
    await alice.send_json_to(send_frame(room, "sent again", "c-1"))
    assert (await alice.receive_json_from())["message"]["body"] == "sent again"
    assert [body async for body in Message.objects.values_list("body", flat=True)] == ["sent again"]
