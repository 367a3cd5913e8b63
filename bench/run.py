"""Benchmark the generated chat server against the raw-websockets floor and the tutorial shape.

    uv run python bench/run.py            # the full run: 3 runs of every scenario (~80 min)
    uv run python bench/run.py --quick    # seconds, small N: checks it all works end to end

Every scenario starts real server processes (pinned to core 0 when there are two cores)
and drives them with real WebSocket clients (pinned to the other core). Each figure is
reported as min/median/max over the runs and as a ratio to the baselines measured in the
same invocation. Writes bench/results/latest.json, latency.png and table.md; with
`--readme`, puts the table into README.md. Exits non-zero if any socket missed a
message, got one twice, or out of order.
"""

import argparse
import asyncio
import json
import math
import os
import statistics
import sys
import tempfile
import time
import traceback
from contextlib import suppress
from functools import partial
from pathlib import Path

import report
from load import (
    Room,
    Tracker,
    check_delivery,
    closed_loop,
    discard,
    endpoint,
    open_loop,
    open_socket,
    open_sockets,
    reading,
)
from reconnect_storm import reconnect_storm
from servers import (
    BENCH,
    CLIENT_CORES,
    SERVER_CORES,
    TEMPLATE,
    Database,
    GeneratedProject,
    TutorialShape,
    raise_open_files_limit,
    start_raw,
)
from state_traffic import state_traffic
from websockets.protocol import State

FULL = {
    "runs": 3,
    "fanout_receivers": 200,
    "fanout_window": 8,
    "small_rooms": 100,
    # Messages each small room holds before the benchmark's: a used server's indexes.
    "history_messages": 1_000,
    # The open-files limit here is 20,000 per process; the client holds one per socket too.
    "idle_sockets": 19_000,
    "room_sizes": [2, 10, 100, 1_000, 5_000],
    "storm_sockets": 5_000,
    "rooms_per_user": [1, 10, 100, 1_000],
    "duration": 3.0,
}
QUICK = {
    "runs": 1,
    "fanout_receivers": 20,
    "fanout_window": 4,
    "small_rooms": 10,
    "history_messages": 10,
    "idle_sockets": 50,
    "room_sizes": [2, 10],
    "storm_sockets": 50,
    "rooms_per_user": [1, 10],
    "duration": 0.5,
}


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else 0.0


def latency_summary(tracker: Tracker) -> dict:
    return {
        "p50_ms": percentile(tracker.latencies, 0.50) * 1000,
        "p99_ms": percentile(tracker.latencies, 0.99) * 1000,
    }


async def stop_clients(sockets, listeners) -> None:
    for listener in listeners:
        listener.cancel()
    for socket in sockets:
        socket.transport.abort()
    await asyncio.gather(*listeners, return_exceptions=True)


async def drive_rooms(server, room_plans, window: float, duration: float) -> dict:
    """room_plans: [(room id, [(user, process), ...])], first user sends. Max rate, then half."""
    tracker = Tracker()
    ends, socket_rooms = [], {}
    for room_id, members in room_plans:
        socket_rooms[room_id] = []
        for user, process in members:
            socket_rooms[room_id].append(len(ends))
            ends.append(endpoint(server, user, room_id, server.seed, process))
    listeners: list[asyncio.Task] = []
    sockets = await open_sockets(ends, reading(listeners, tracker.listen))
    rooms = [
        Room(room_id, sockets[socket_rooms[room_id][0]], len(socket_rooms[room_id]), tracker)
        for room_id, _ in room_plans
    ]
    try:
        await closed_loop(rooms, window, duration / 4)  # warm-up: caches, connections, JIT-free
        tracker.reset_measurements()
        cpu, loop = server.cpu_seconds(), server.main_thread_cpu_seconds()
        system = server.system_cpu_seconds()
        wall = time.perf_counter()
        sent = await asyncio.wait_for(closed_loop(rooms, window, duration), duration + 60)
        wall, cpu = time.perf_counter() - wall, server.cpu_seconds() - cpu
        loop = server.main_thread_cpu_seconds() - loop
        system = server.system_cpu_seconds() - system
        result = {
            "messages": sent,
            "deliveries": tracker.deliveries,
            "messages_per_s": sent / wall,
            "deliveries_per_s": tracker.deliveries / wall,
            "cpu_us_per_message": cpu / sent * 1e6,
            "cpu_us_per_delivery": cpu / tracker.deliveries * 1e6,
            # The split of that CPU: the event loop's, which receives, publishes and writes,
            # and the other threads' (the generated server's storing thread), per message.
            "loop_cpu_us_per_delivery": loop / tracker.deliveries * 1e6,
            # Of all that CPU, the kernel's: mostly the sockets' writes and reads.
            "system_cpu_us_per_delivery": system / tracker.deliveries * 1e6,
            "other_threads_cpu_us_per_message": (cpu - loop) / sent * 1e6,
            "max_rate": latency_summary(tracker),
        }
        tracker.reset_measurements()
        rate = result["messages_per_s"] / 2
        await asyncio.wait_for(open_loop(rooms, rate, duration), duration * 3 + 60)
        result["half_rate"] = latency_summary(tracker)
        result["half_rate_latencies_ms"] = [round(v * 1000, 3) for v in tracker.latencies]
        result["problems"] = check_delivery(tracker, rooms, socket_rooms)
        return result
    finally:
        await stop_clients(sockets, listeners)


async def fanout(server, size: dict, processes: int = 1) -> dict:
    """One sender, N receivers in one room; with two processes, receivers alternate between them."""
    room_id = server.seed["group_room"] if server.seed else 1
    members = [(user, user % processes) for user in range(size["fanout_receivers"] + 1)]
    return await drive_rooms(server, [(room_id, members)], size["fanout_window"], size["duration"])


async def small_rooms(server, size: dict) -> dict:
    """N two-person rooms, each with one sender, one receiver and 2 messages in flight."""
    plans = []
    for index in range(size["small_rooms"]):
        room_id = server.seed["direct_rooms"][index] if server.seed else 1000 + index
        plans.append((room_id, [(2 * index, 0), (2 * index + 1, 0)]))
    return await drive_rooms(server, plans, 2, size["duration"])


async def room_size(server, size: dict) -> dict:
    """The fan-out room's cost as the room grows: one sender, every other member receiving, for
    each size in turn on the same server process. Keyed by the room's member count."""
    results = {}
    for members in size["room_sizes"]:
        room_id = server.seed["sized_rooms"][str(members)] if server.seed else members
        plan = [(room_id, [(user, 0) for user in range(members)])]
        results[str(members)] = await drive_rooms(
            server, plan, size["fanout_window"], size["duration"]
        )
    return results


async def connect_storm(server, size: dict) -> dict:
    """N clients connecting at once, each with its credential in the handshake (the token mode's
    header), as after an outage: how long until every socket has its `session.ready`."""
    users = size["fanout_receivers"] + 1
    room_id = server.seed["group_room"] if server.seed else 1
    ends = [
        endpoint(server, index % users, room_id, server.seed)
        for index in range(size["storm_sockets"])
    ]
    ready_after: list[float] = []
    cpu, start = server.cpu_seconds(), time.perf_counter()

    async def connect(end):
        socket = await open_socket(end)
        ready_after.append(time.perf_counter() - start)
        return socket

    sockets = await asyncio.gather(*(connect(end) for end in ends))
    wall, cpu = time.perf_counter() - start, server.cpu_seconds() - cpu
    await stop_clients(sockets, [])
    return {
        "sockets": len(sockets),
        "seconds_until_all_ready": wall,
        "connects_per_s": len(sockets) / wall,
        "cpu_us_per_connect": cpu / len(sockets) * 1e6,
        "ready_after_s": sorted(ready_after),
    }


async def rooms_per_user(server, size: dict) -> dict:
    """For each number of rooms, users in that many rooms (each in rooms of their own) connect:
    the median milliseconds until their `session.ready` on a process that follows none of the
    rooms yet (cold), then for a second socket of each, the process following them all (warm).
    Keyed by the number of rooms."""
    users = server.seed["users_in_rooms"]
    # The process's first socket pays for its database connection and caches: not measured.
    await stop_clients(await open_sockets([endpoint(server, 0, 0, server.seed)]), [])
    results, held = {}, []
    try:
        for temperature in ("cold", "warm"):
            for rooms in size["rooms_per_user"]:
                elapsed = []
                for user in users[str(rooms)]:
                    start = time.perf_counter()
                    held.append(await open_socket(endpoint(server, user, 0, server.seed)))
                    elapsed.append((time.perf_counter() - start) * 1000)
                results.setdefault(str(rooms), {})[f"{temperature}_ms"] = statistics.median(elapsed)
    finally:
        await stop_clients(held, [])
    return results


async def idle(server, size: dict, config: dict) -> dict:
    """N authenticated sockets held open doing nothing; memory from the server's RSS."""
    users = size["fanout_receivers"] + 1
    room_id = server.seed["group_room"] if server.seed else 1
    warm = await open_sockets([endpoint(server, 0, room_id, server.seed)])
    await asyncio.sleep(0.5)
    before = server.rss_bytes()
    ends = [
        endpoint(server, index % users, room_id, server.seed)
        for index in range(min(size["idle_sockets"], config.get("max_idle_sockets", math.inf)))
    ]
    readers: list[asyncio.Task] = []
    sockets = await open_sockets(ends, reading(readers, discard))
    await asyncio.sleep(1.0)
    after = server.rss_bytes()
    # A socket closed meanwhile would have given its memory back: count only a full house.
    dropped = sum(socket.state is not State.OPEN for socket in sockets)
    await stop_clients(sockets + warm, readers)
    return {
        "sockets": len(sockets),
        "kib_per_socket": (after - before) / len(sockets) / 1024,
        "problems": [f"{dropped} of the idle sockets closed before the measurement"]
        if dropped
        else [],
    }


# Each scenario's measurement, in the order a run takes them: (server, sizes, configuration).
SCENARIOS = {
    "fanout": lambda server, size, config: fanout(server, size),
    "small_rooms": lambda server, size, config: small_rooms(server, size),
    "room_size": lambda server, size, config: room_size(server, size),
    "idle": idle,
    "rooms_per_user": lambda server, size, config: rooms_per_user(server, size),
    "connect_storm": lambda server, size, config: connect_storm(server, size),
    "reconnect_storm": lambda server, size, config: reconnect_storm(server, size),
    "state_traffic": lambda server, size, config: state_traffic(server, size),
    # Receivers spread over the configuration's processes.
    "scale_out": lambda server, size, config: fanout(server, size, config.get("processes", 1)),
}


class Bench:
    def __init__(self, size: dict, workdir: Path, only: set[str] | None, servers: list[str] | None):
        self.size = size
        self.workdir = workdir
        self.only = only
        self.servers = servers
        # What failed, by scenario and server: reported, and the run exits non-zero.
        self.failures: list[str] = []
        self.log = workdir / "servers.log"
        self.users = max(size["fanout_receivers"] + 1, 2 * size["small_rooms"])
        self.databases = {"sqlite": Database("sqlite", workdir)}
        self.projects: dict[str, GeneratedProject] = {}
        self.tutorial = TutorialShape()
        self.results: dict[str, dict[str, list[dict]]] = {}
        # Scenario -> its floor's config, action and latest result (Bench.bracket).
        self.floors: dict[str, tuple] = {}

    def database(self, engine: str) -> Database:
        if engine not in self.databases:
            self.databases[engine] = Database(engine, self.workdir)
        return self.databases[engine]

    def project(self, layer: str) -> GeneratedProject:
        if layer not in self.projects:
            self.projects[layer] = GeneratedProject(self.workdir, layer)
        return self.projects[layer]

    def start(self, config: dict):
        kind, database = config["server"], self.database(config.get("database", "sqlite"))
        processes = config.get("processes", 1)
        if kind == "raw":
            server = start_raw(self.log)
            server.seed = None
        elif kind == "tutorial":
            server = self.tutorial.start(
                config["asgi"], database, config.get("layer", "in_memory"), self.log, processes
            )
            server.seed = None
        else:
            project = self.project(config.get("layer", "in_memory"))
            seed = project.prepare(
                database,
                self.users,
                self.size["small_rooms"],
                self.size["room_sizes"],
                self.size["rooms_per_user"],
                self.size["history_messages"],
            )
            server = project.start(
                config["asgi"], database, self.log, processes, config.get("compression", False)
            )
            server.seed = seed
        return server

    def measure(self, scenario: str, label: str, config: dict, action) -> None:
        if self.only and scenario not in self.only:
            return
        if self.servers and not any(text in label for text in self.servers):
            return
        try:
            result = self.run_on_its_own_server(config, action)
        except Exception as error:
            # One server failing a scenario must not cost the figures of all the others.
            print(f"  {scenario:11} {label:40} FAILED: {error!r}", flush=True)
            # Where it failed, and what the server said meanwhile: enough to diagnose it.
            traceback.print_exc(file=sys.stderr)
            print(self.log.read_text()[-4000:], file=sys.stderr, flush=True)
            self.failures.append(f"{scenario} / {label}: failed: {error!r}")
            return
        if scenario in BRACKETED:
            self.bracket(scenario, label, config, action, result)
        self.results.setdefault(scenario, {}).setdefault(label, []).append(result)
        # The headline figures; a room-size run's per member count ("100.cpu_us_per_delivery").
        shown = {
            key: round(value, 1)
            for key, value in report.flatten(result).items()
            if key.rsplit(".", 1)[-1] in HEADLINE and "rate." not in key
        }
        print(f"  {scenario:11} {label:40} {shown}", flush=True)

    def run_on_its_own_server(self, config: dict, action) -> dict:
        server = self.start(config)
        try:
            return asyncio.run(action(server))
        finally:
            server.stop()

    def bracket(self, scenario: str, label: str, config: dict, action, result: dict) -> None:
        """The floor measured again straight after the server: the server's result gets the
        mean of the floor's figures before and after it (`bracketing_floor`), its baseline.

        This machine's speed drifts by half within minutes: a floor measured once per run, a
        few servers earlier, made small rooms' ratio swing from 0.34 to 0.66 in one run."""
        if "floor" in label:
            self.floors[scenario] = (config, action, result)
            return
        if scenario not in self.floors:
            return
        floor_config, floor_action, before = self.floors[scenario]
        after = self.run_on_its_own_server(floor_config, floor_action)
        self.floors[scenario] = (floor_config, floor_action, after)
        result["bracketing_floor"] = {
            metric: (before[metric] + after[metric]) / 2 for metric in BRACKETED[scenario]
        }

    def run_once(self, quick: bool) -> None:
        size = self.size
        for scenario, action in SCENARIOS.items():
            for label, config in configurations(quick)[scenario]:
                self.measure(scenario, label, config, partial(action, size=size, config=config))

    def close(self) -> None:
        for database in self.databases.values():
            with suppress(Exception):
                database.drop()


# The scenarios whose servers' ratios are to a floor measured just before and just after each
# (Bench.bracket), and the floor's figures averaged for it.
BRACKETED = {"small_rooms": ("messages_per_s",)}
HEADLINE = {
    "cpu_us_per_delivery",
    "deliveries_per_s",
    "messages_per_s",
    "kib_per_socket",
    "seconds_until_all_ready",
    "connects_per_s",
    "cold_ms",
    "seconds_until_all_caught_up",
    "warm_ms",
    "typing_events_per_s",
    "reads_per_s",
}
COMPRESSED_LABEL = "generated, uvicorn, in-memory, permessage-deflate accepted"
COMPRESSED = {"server": "generated", "asgi": "uvicorn", "compression": True}


def configurations(quick: bool) -> dict[str, list[tuple[str, dict]]]:
    raw = ("raw websockets (floor)", {"server": "raw"})
    if quick:
        return {
            "fanout": [
                raw,
                ("tutorial shape, daphne, in-memory", {"server": "tutorial", "asgi": "daphne"}),
                ("generated, uvicorn, in-memory", {"server": "generated", "asgi": "uvicorn"}),
            ],
            "small_rooms": [
                ("generated, uvicorn, SQLite", {"server": "generated", "asgi": "uvicorn"}),
            ],
            "idle": [("generated, uvicorn", {"server": "generated", "asgi": "uvicorn"})],
            "room_size": [
                raw,
                ("generated, uvicorn, in-memory", {"server": "generated", "asgi": "uvicorn"}),
            ],
            "connect_storm": [
                raw,
                ("generated, uvicorn, in-memory", {"server": "generated", "asgi": "uvicorn"}),
            ],
            "rooms_per_user": [
                ("generated, uvicorn, in-memory", {"server": "generated", "asgi": "uvicorn"}),
            ],
            "reconnect_storm": [
                raw,
                ("generated, uvicorn, in-memory", {"server": "generated", "asgi": "uvicorn"}),
            ],
            "state_traffic": [
                ("generated, uvicorn, in-memory", {"server": "generated", "asgi": "uvicorn"}),
            ],
            "scale_out": [
                (
                    "generated, uvicorn, Redis, 2 processes",
                    {"server": "generated", "asgi": "uvicorn", "layer": "redis", "processes": 2},
                ),
            ],
        }
    fanout = [raw]
    small = [("raw websockets (floor, no storage)", {"server": "raw"})]
    # daphne, which only runserver uses, stopped answering handshakes on the way to 19,000
    # sockets here: it holds the 10,000 it held before.
    on_daphne = {"asgi": "daphne", "max_idle_sockets": 10_000}
    idle_ = [raw, ("tutorial shape, daphne", {"server": "tutorial", **on_daphne})]
    # The production server straight after the floor: its ratios to the floor are the
    # tightest targets, and this machine's speed drifts over the minutes a run takes.
    for asgi in ("uvicorn", "daphne"):
        for layer, layer_label in (("in_memory", "in-memory"), ("redis", "Redis")):
            fanout.append(
                (
                    f"generated, {asgi}, {layer_label}",
                    {"server": "generated", "asgi": asgi, "layer": layer},
                )
            )
    # What accepting the browsers' permessage-deflate would cost (the production default
    # declines it; WS_PER_MESSAGE_DEFLATE=true accepts it).
    fanout.append((COMPRESSED_LABEL, COMPRESSED))
    for asgi in ("daphne", "uvicorn"):
        fanout.append((f"tutorial shape, {asgi}, in-memory", {"server": "tutorial", "asgi": asgi}))
    # Here too the production server straight after the floor, on each database.
    for server, asgi in (
        ("generated", "uvicorn"),
        ("generated", "daphne"),
        ("tutorial", "daphne"),
        ("tutorial", "uvicorn"),
    ):
        for database, database_label in (("sqlite", "SQLite"), ("postgres", "Postgres")):
            label = f"{'tutorial shape' if server == 'tutorial' else server}, {asgi}"
            small.append(
                (
                    f"{label}, {database_label}",
                    {"server": server, "asgi": asgi, "database": database},
                )
            )
    for asgi in ("daphne", "uvicorn"):
        on_server = on_daphne if asgi == "daphne" else {"asgi": asgi}
        idle_.append((f"generated, {asgi}", {"server": "generated", **on_server}))
    idle_.append(("generated, uvicorn, permessage-deflate accepted", COMPRESSED))
    scale = []
    for asgi in ("daphne", "uvicorn"):
        for processes in (1, 2):
            scale.append(
                (
                    f"generated, {asgi}, Redis, {processes} process{'es' if processes > 1 else ''}",
                    {"server": "generated", "asgi": asgi, "layer": "redis", "processes": processes},
                )
            )
    scale.append(
        (
            "tutorial shape, daphne, Redis, 2 processes",
            {"server": "tutorial", "asgi": "daphne", "layer": "redis", "processes": 2},
        )
    )
    state = [
        (
            f"generated, uvicorn, {layer_label}",
            {"server": "generated", "asgi": "uvicorn", "layer": layer},
        )
        for layer, layer_label in (("in_memory", "in-memory"), ("redis", "Redis"))
    ]
    # The production server, each layer, against the floor: how the cost grows with the room
    # and with the clients connecting at once.
    sizes = [raw] + [
        (f"generated, uvicorn, {label}", {"server": "generated", "asgi": "uvicorn", "layer": layer})
        for layer, label in (("in_memory", "in-memory"), ("redis", "Redis"))
    ]
    return {
        "fanout": fanout,
        "room_size": sizes,
        "connect_storm": sizes,
        "reconnect_storm": sizes,
        # The floor has no rooms: the production server on each layer, a room count against one.
        "rooms_per_user": sizes[1:],
        "small_rooms": small,
        "idle": idle_,
        "state_traffic": state,
        "scale_out": scale,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="seconds, small N (the CI mode)")
    parser.add_argument("--runs", type=int, help="runs of each scenario (full: 3)")
    parser.add_argument(
        "--only",
        nargs="*",
        help="scenarios: fanout room_size small_rooms idle rooms_per_user connect_storm "
        "reconnect_storm state_traffic scale_out; the others keep their figures from the "
        "latest.json already in --out",
    )
    parser.add_argument(
        "--servers",
        nargs="*",
        help="only the servers whose label contains one of these texts (the floor's label has "
        "'floor'); needs --out",
    )
    parser.add_argument("--out", type=Path, default=BENCH / "results")
    parser.add_argument("--readme", action="store_true", help="write the table into README.md")
    args = parser.parse_args()
    if args.servers and (args.readme or args.out == BENCH / "results"):
        # Without their baselines the figures have no ratios: never the README's table.
        parser.error("--servers writes a partial table: give --out elsewhere, without --readme")

    size = dict(QUICK if args.quick else FULL)
    if args.runs:
        size["runs"] = args.runs
    open_files = raise_open_files_limit()
    # Client and server each hold one descriptor per socket, under the same limit.
    if open_files < size["idle_sockets"] + 1000:
        size["idle_sockets"] = max(10, open_files - 1000)
        print(f"open-files limit {open_files}: idle scenario reduced to {size['idle_sockets']}")
    if CLIENT_CORES:
        os.sched_setaffinity(0, CLIENT_CORES)
    print(f"server cores {SERVER_CORES}, client cores {CLIENT_CORES}, sizes {size}", flush=True)

    with tempfile.TemporaryDirectory(prefix="chat-bench-") as workdir:
        bench = Bench(size, Path(workdir), set(args.only) if args.only else None, args.servers)
        try:
            for run in range(size["runs"]):
                print(f"run {run + 1} of {size['runs']}", flush=True)
                bench.run_once(args.quick)
        except BaseException:
            print((Path(workdir) / "servers.log").read_text()[-4000:], file=sys.stderr)
            raise
        finally:
            bench.close()

    summary = report.summarise(bench.results, size)
    args.out.mkdir(parents=True, exist_ok=True)
    if args.only and (args.out / "latest.json").exists():
        # A partial run replaces only its own scenarios: the table keeps the others' figures.
        earlier = json.loads((args.out / "latest.json").read_text())
        for scenario, entries in earlier["scenarios"].items():
            summary["scenarios"].setdefault(scenario, entries)
    (args.out / "latest.json").write_text(json.dumps(summary, indent=2) + "\n")
    table = report.table(summary)
    (args.out / "table.md").write_text(table)
    print(table)
    report.plot(bench.results, args.out / "latency.png")
    report.plot_room_size(summary, args.out / "room_size.png")
    report.plot_storm(bench.results, "connect_storm", args.out / "connect_storm.png")
    report.plot_storm(bench.results, "reconnect_storm", args.out / "reconnect_storm.png")
    report.plot_rooms_per_user(summary, args.out / "rooms_per_user.png")
    if args.readme:
        report.update_readme(TEMPLATE / "README.md", table)
    problems = [
        f"{scenario} / {label}: {problem}"
        for scenario, labels in bench.results.items()
        for label, runs in labels.items()
        for result in runs
        for problem in result.get("problems", [])
    ]
    problems += bench.failures
    for problem in problems[:20]:
        print("DELIVERY PROBLEM:", problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
