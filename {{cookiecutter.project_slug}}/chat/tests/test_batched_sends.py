"""Sends stored together (services.send_messages, the socket writer's group commit) give each
sender exactly what a send on its own would have given."""

import asyncio

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from chat import services
from chat.models import Message
from chat.services import Forbidden, Invalid, NotFound, SendRequest
from chat.writer import get_writer

pytestmark = pytest.mark.django_db(transaction=True)


def test_each_send_of_a_batch_gets_its_own_outcome(room, user, bob, carol):
    earlier, _ = services.send_message(user, room.pk, "earlier", "c-earlier")
    outcomes = services.send_messages(
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
    assert [type(outcome) for outcome in outcomes[2:6]] == [Forbidden, Invalid, Invalid, NotFound]
    assert outcomes[6] == (earlier, False)
    assert outcomes[7] == (first, False)
    stored = list(Message.objects.order_by("id").values_list("body", flat=True))
    assert stored == ["earlier", "hello", "hi"]


@pytest.mark.parametrize("count", [1, 30])
def test_a_batch_costs_the_same_queries_whatever_its_size(room, user, count):
    requests = [SendRequest(user, room.pk, f"message {n}", f"c-{n}") for n in range(count)]
    with CaptureQueriesContext(connection) as queries:
        outcomes = services.send_messages(requests)
    assert all(created for _, created in outcomes)
    # Memberships, known client_ids, then the insert inside its transaction.
    assert len(queries) <= 5, [query["sql"] for query in queries]


async def test_sends_from_many_sockets_at_once_all_arrive_in_order(open_socket, room, user, bob):
    alice_socket, bob_socket = await open_socket(user), await open_socket(bob)
    writer = get_writer()
    sends = [writer.send(SendRequest(user, room.pk, f"message {n}", f"c-{n}")) for n in range(40)]
    outcomes = await asyncio.gather(*sends)
    assert all(created for _, created in outcomes)
    for socket in (alice_socket, bob_socket):
        received = [(await socket.receive_json_from())["message"]["body"] for _ in range(40)]
        assert received == [f"message {n}" for n in range(40)]
