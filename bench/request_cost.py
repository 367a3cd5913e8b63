"""What a reconnecting client's catch-up costs the production server, request by request.

After a restart every web client asks for its room list, then for the messages it missed and
for the changes to stored ones it missed (README, "Reconnect storm"): this times those
requests on their own, each finding one message. It starts the
production server (uvicorn, token auth, the in-memory layer) on the benchmark's seeded
database, as bench/run.py does, and has the storm's users ask each request in turn, one at a
time: the server's CPU per request, and per request of /healthz/, which does no more than any
request must (uvicorn, Django's handler, the middleware, one query). Ratios are against
/healthz/, run by run.

    uv run python bench/request_cost.py [--requests 400] [--runs 3] [--postgres]
"""

import argparse
import os
import statistics
import tempfile
from pathlib import Path

import httpx
from load import endpoint
from run import FULL, Bench
from servers import CLIENT_CORES

# Asked before the counted ones: the server's threads, connections and statements ready.
WARM_UP_REQUESTS = 50


def server_cpu_per_request(server, http: httpx.Client, path: str, users: list[dict]) -> float:
    """Milliseconds of the server's CPU per GET of `path`, each user's headers in turn."""
    for headers in users[:WARM_UP_REQUESTS]:
        http.get(path, headers=headers).raise_for_status()
    cpu = server.cpu_seconds()
    for headers in users:
        http.get(path, headers=headers).raise_for_status()
    return (server.cpu_seconds() - cpu) / len(users) * 1000


def measure(bench: Bench, database: str, requests: int) -> dict[str, float]:
    server = bench.start({"server": "generated", "asgi": "uvicorn", "database": database})
    try:
        room, users = server.seed["group_room"], bench.size["fanout_receivers"] + 1
        headers = [
            endpoint(server, index % users, room, server.seed).headers for index in range(requests)
        ]
        with httpx.Client(base_url=f"http://127.0.0.1:{server.ports[0]}") as http:
            # A message the clients missed, and the cursor of the one before it.
            newest = http.post(
                f"/api/rooms/{room}/messages/",
                headers=headers[0],
                json={"body": "sent while the clients were away", "client_id": "request-cost"},
            ).json()["id"]
            # A change the clients missed too (the message edited), and the number before it.
            http.patch(
                f"/api/messages/{newest}/", headers=headers[0], json={"body": "edited meanwhile"}
            ).raise_for_status()
            page = http.get(f"/api/rooms/{room}/messages/", headers=headers[0]).json()
            return {
                label: server_cpu_per_request(server, http, path, headers)
                for label, path in (
                    ("room list", "/api/rooms/?limit=200"),
                    ("messages after a cursor", f"/api/rooms/{room}/messages/?after={newest - 1}"),
                    (
                        "changes after a change number",
                        f"/api/rooms/{room}/messages/?changed_after={page['last_change'] - 1}",
                    ),
                    ("/healthz/", "/healthz/"),
                )
            }
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--postgres", action="store_true", help="on PostgreSQL, not SQLite")
    args = parser.parse_args()
    if CLIENT_CORES:
        os.sched_setaffinity(0, CLIENT_CORES)
    results: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory(prefix="chat-request-cost-") as workdir:
        bench = Bench(dict(FULL), Path(workdir), None, None)
        try:
            for _ in range(args.runs):
                measured = measure(bench, "postgres" if args.postgres else "sqlite", args.requests)
                for label, value in measured.items():
                    results.setdefault(label, []).append(value)
        finally:
            bench.close()
    for label, values in results.items():
        ratios = [
            value / health for value, health in zip(values, results["/healthz/"], strict=True)
        ]
        print(
            f"{label:24} {statistics.median(values):5.2f} ms of server CPU per request "
            f"({min(values):.2f} to {max(values):.2f}), "
            f"x /healthz/ {statistics.median(ratios):.2f} ({min(ratios):.2f} to {max(ratios):.2f})"
        )


if __name__ == "__main__":
    main()
