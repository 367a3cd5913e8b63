"""The reconnect storm: the server restarts with N sockets open, and every client comes back as
the generated web client does (webclient/static/webclient/socket.js and app.js).

Each client notices the close, retries with the web client's backoff ("equal jitter": half of
a ceiling that starts at 0.5 s and doubles, up to 30 s, plus a random part of the other half),
and once it has `session.ready` catches up: the room list, then the room's messages after the
newest one it had, then, if that page says the room changed since, the changes to stored ones
(edits, deletions, reactions) after the last it had seen (`?changed_after=`). One message is
sent while the server is back but the clients are not yet; a client is caught up when it has
that message, from the catch-up or live on its socket.
The floor's clients only reconnect: it has no history to catch up on.
"""

import asyncio
import json
import random
import time
import uuid

import httpx
from load import endpoint, open_socket, open_sockets, reading
from websockets.exceptions import ConnectionClosed, InvalidHandshake

FIRST_DELAY_S = 0.5
MAX_DELAY_S = 30.0
# How long every client may take to be back and caught up after the restart.
CATCH_UP_LIMIT_S = 600
# HTTP connections the clients share. httpcore's pool walks every queued request against every
# connection each time one is added or answered: thousands queued in it make the client, not
# the server, the bottleneck. So requests wait for a connection here, in a semaphore, instead.
HTTP_CONNECTIONS = 64


async def reconnect(end) -> object:
    """Open a socket again, with the web client's backoff between failed attempts."""
    attempt = 0
    while True:
        ceiling = min(MAX_DELAY_S, FIRST_DELAY_S * 2**attempt)
        await asyncio.sleep(ceiling / 2 + random.random() * ceiling / 2)
        attempt += 1
        try:
            return await open_socket(end)
        except (TimeoutError, OSError, InvalidHandshake, ConnectionClosed):
            continue


class SharedClient(httpx.AsyncClient):
    """One HTTP client for all the storm's clients, its requests taking turns on `connections`.

    Each browser has connections of its own: here thousands of clients share a few, so a
    catch-up waits its turn for one as a browser's waits at the server, with no time limit
    for the turn itself."""

    def __init__(self, base_url: str, connections: int):
        limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
        super().__init__(base_url=base_url, limits=limits, timeout=httpx.Timeout(120))
        self.turn = asyncio.Semaphore(connections)


async def history_read(http: SharedClient, room: int, headers: dict) -> tuple[int, int]:
    """What a client that read the room's latest page has: (its newest message id, the room's
    last change number)."""
    page = (await fetch(http, f"/api/rooms/{room}/messages/", headers)).json()
    return (page["results"][0]["id"] if page["results"] else 0), page["last_change"]


async def fetch(http: SharedClient, url: str, headers: dict, **post) -> httpx.Response:
    """GET (or POST `json=`) as a browser does: a kept-alive connection the server closed just as
    the request went out is retried on a fresh one. The server closes a connection idle for 5 s;
    on a server this busy its timer can run before it reads a request already there, which
    reaches the client as a reset (ReadError) rather than a clean close. A POST retried may store
    its message twice, which the catch-up does not mind: it looks for the id it was answered."""
    for attempt in range(3):
        try:
            async with http.turn:
                if post:
                    response = await http.post(url, headers=headers, **post)
                else:
                    response = await http.get(url, headers=headers)
            break
        except (httpx.RemoteProtocolError, httpx.ReadError):
            if attempt == 2:
                raise
    response.raise_for_status()
    return response


async def caught_up(
    http, socket, room: int, headers: dict, cursor: tuple[int, int], missed: asyncio.Future
):
    """As the web client after a reconnect: the room list, then the messages after `cursor`'s
    id, and the changes after its change number if that page says there are any; returns once
    the message sent during the outage is among them or has arrived live."""
    newest, last_change = cursor
    await fetch(http, "/api/rooms/?limit=200", headers)
    page = (await fetch(http, f"/api/rooms/{room}/messages/?after={newest}", headers)).json()
    if page["last_change"] > last_change:
        await fetch(http, f"/api/rooms/{room}/messages/?changed_after={last_change}", headers)
    missed_id = await missed
    if any(message["id"] == missed_id for message in page["results"]):
        return
    async for text in socket:
        frame = json.loads(text)
        if frame.get("type") == "message.new" and frame["message"]["id"] == missed_id:
            return


async def reconnect_storm(server, size: dict) -> dict:
    """Seconds from the restarted server accepting until every client is back and caught up."""
    users = size["fanout_receivers"] + 1
    room = server.seed["group_room"] if server.seed else 1
    ends = [
        endpoint(server, index % users, room, server.seed) for index in range(size["storm_sockets"])
    ]
    base_url = f"http://127.0.0.1:{server.ports[0]}"
    generated = server.kind == "generated"
    cursor = (0, 0)
    if generated:
        # A client of its own: a connection kept alive to the server about to stop would fail
        # the first catch-up that reused it.
        async with SharedClient(base_url, connections=1) as before:
            cursor = await history_read(before, room, ends[0].headers)
    async with SharedClient(base_url, HTTP_CONNECTIONS) as http:
        missed: asyncio.Future = asyncio.get_running_loop().create_future()
        back_at: list[float] = []

        async def come_back(socket, index: int) -> object:
            try:
                async for _ in socket:
                    pass
            except ConnectionClosed:
                pass
            socket = await reconnect(ends[index])
            if generated:
                headers = ends[index].headers
                await caught_up(http, socket, room, headers, cursor, missed)
            back_at.append(time.perf_counter())
            return socket

        clients: list[asyncio.Task] = []
        await open_sockets(ends, reading(clients, come_back))
        await asyncio.to_thread(server.restart)
        restarted_at = time.perf_counter()
        cpu = server.cpu_seconds()
        if generated:
            body = {"body": "sent while the clients were away", "client_id": uuid.uuid4().hex}
            response = await fetch(http, f"/api/rooms/{room}/messages/", ends[0].headers, json=body)
            missed.set_result(response.json()["id"])
        # Not forever: a storm the server does not get through fails the scenario, not the run.
        sockets = await asyncio.wait_for(asyncio.gather(*clients), CATCH_UP_LIMIT_S)
        wall, cpu = time.perf_counter() - restarted_at, server.cpu_seconds() - cpu
    for socket in sockets:
        socket.transport.abort()
    return {
        "sockets": len(sockets),
        "seconds_until_all_caught_up": wall,
        "cpu_s": cpu,
        "back_after_s": sorted(moment - restarted_at for moment in back_at),
    }
