"""What storing a batch of sends costs, counted in instructions: exact where timings are not.

Storing is most of a small room's message (README, "Small rooms"). This bakes the template
(token auth, both room kinds, SQLite), seeds two-person rooms and stores batches of sends, one
message in each room per batch, through the function the batcher calls (store_batch), under
valgrind's callgrind: the instructions of the process with --batches batches, less those of the
same process with none, per message. It counts all the storing thread does for a send in user
space: validation, the queries and SQLite's own work, the events built; not the kernel's work
for its system calls (SQLite's file writes). On this machine the timings of the same code
vary by half from run to run, instruction counts by well under a percent: to compare two
versions, run it in a worktree of each.

    uv run python bench/store_cost.py [--batches 30] [--rooms 90]   # needs valgrind; ~5 min

With --postgres it times the same batches on PostgreSQL instead, into rooms holding 1,000
messages each as in the small-rooms scenario: the storing thread's CPU per message, and how
long it waits on the database per message (wall time less that CPU), which callgrind cannot
see. The database's share is a ratio within the run; each figure the median of --rounds.

    uv run python bench/store_cost.py --postgres [--batches 30] [--rounds 5]   # under a minute

--other-rooms N seeds that many rooms more, besides the batch's, as a server in use holds
them: a statement whose plan reads the whole room table costs more with each room created.
"""

import argparse
import json
import math
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from seed import BUSY_USERS_PER_COUNT
from servers import PYTHON, Database, GeneratedProject

# Batches stored before counting starts, in both processes: caches, prepared statements.
WARM_UP_BATCHES = 5


def store_batches(rooms: list[int], batches: int, run: int = 0) -> None:
    """The child: in the baked project, store WARM_UP_BATCHES + `batches` batches; with a
    `run` other than 0 (each its own client ids), print the counted batches' CPU and wall
    seconds."""
    import django

    sys.path.insert(0, os.getcwd())
    django.setup()
    from chat.domain.sending import SendRequest
    from chat.models import Membership
    from chat.realtime.send_batcher import store_batch

    sender = {}
    for membership in Membership.objects.filter(room_id__in=rooms).select_related("user"):
        sender.setdefault(membership.room_id, membership.user)
    # The counted child's ids are the text its published counts were made with, byte for byte.
    prefix = f"c{run}-" if run else "c-"

    def batch(number: int) -> list[SendRequest]:
        return [
            SendRequest(sender[room], room, "hello there, how are you?", f"{prefix}{number}-{room}")
            for room in rooms
        ]

    for number in range(WARM_UP_BATCHES):
        store_batch(batch(number))
    backend = database_backend_cpu()
    cpu, wall, database = time.thread_time(), time.perf_counter(), backend()
    for number in range(WARM_UP_BATCHES, WARM_UP_BATCHES + batches):
        store_batch(batch(number))
    cpu, wall = time.thread_time() - cpu, time.perf_counter() - wall
    if run:
        print(json.dumps({"cpu": cpu, "wall": wall, "database": backend() - database}))


def database_backend_cpu():
    """A function giving the CPU seconds so far of this thread's PostgreSQL backend (a process
    on this machine); on SQLite, 0."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return lambda: 0.0
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        stat = Path(f"/proc/{cursor.fetchone()[0]}/stat")

    def seconds() -> float:
        fields = stat.read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    return seconds


def instructions(project: GeneratedProject, seeded: Path, rooms: list[int], batches: int) -> int:
    """Instructions of a child storing `batches` batches, on a copy of the seeded database."""
    with tempfile.TemporaryDirectory() as directory:
        database = Database("sqlite", Path(directory))
        copy = database.url.removeprefix("sqlite:///")
        for suffix in ("", "-wal"):  # pages not yet checkpointed are in the -wal file
            if Path(f"{seeded}{suffix}").exists():
                shutil.copyfile(f"{seeded}{suffix}", f"{copy}{suffix}")
        env = {**os.environ, **project.environment(database), "PYTHONHASHSEED": "0"}
        completed = subprocess.run(
            [
                "valgrind",
                "--tool=callgrind",
                "--callgrind-out-file=/dev/null",
                PYTHON,
                __file__,
                "--child",
                json.dumps(rooms),
                "--batches",
                str(batches),
            ],
            cwd=project.path,
            env=env,
            capture_output=True,
            text=True,
        )
    collected = re.search(r"Collected : (\d+)", completed.stderr)
    if completed.returncode or collected is None:
        raise RuntimeError(f"the counted child failed:\n{completed.stderr[-3000:]}")
    return int(collected.group(1))


def timed_on_postgres(rooms_per_batch: int, batches: int, rounds: int, other_rooms: int) -> str:
    """Median over `rounds` children of the storing thread's CPU and its wait per message."""
    with tempfile.TemporaryDirectory() as directory:
        workdir = Path(directory)
        project = GeneratedProject(workdir, "in_memory")
        database = Database("postgres", workdir)
        try:
            seed = project.prepare(
                database,
                users=2 * rooms_per_batch,
                pairs=rooms_per_batch,
                # bench/seed.py makes BUSY_USERS_PER_COUNT users in that many rooms each.
                room_counts=(math.ceil(other_rooms / BUSY_USERS_PER_COUNT),) if other_rooms else (),
                history=1_000,
            )
            env = {**os.environ, **project.environment(database)}
            rooms = json.dumps(seed["direct_rooms"][:rooms_per_batch])
            # The seed's busy users' rooms, and its one group room.
            others = BUSY_USERS_PER_COUNT * sum(map(int, seed["users_in_rooms"])) + 1
            cpu, waited, database_cpu = [], [], []
            for run in range(1, rounds + 1):
                child = ["--child", rooms, "--batches", str(batches), "--run", str(run)]
                output = subprocess.run(
                    [PYTHON, __file__, *child],
                    cwd=project.path,
                    env=env,
                    capture_output=True,
                    text=True,
                    check=True,
                ).stdout
                seconds = json.loads(output.splitlines()[-1])
                messages = batches * rooms_per_batch
                cpu.append(seconds["cpu"] / messages * 1e6)
                waited.append((seconds["wall"] - seconds["cpu"]) / messages * 1e6)
                database_cpu.append(seconds["database"] / messages * 1e6)
        finally:
            database.drop()
    shares = [wait / (wait + own) for wait, own in zip(waited, cpu, strict=True)]
    return (
        f"storing a batch of {rooms_per_batch} sends in {rooms_per_batch} rooms (PostgreSQL, "
        f"rooms holding 1,000 messages, {others:,} other room{'s' * (others != 1)}), per "
        f"message, median of "
        f"{rounds} rounds of {batches} "
        f"batches: the storing thread's CPU {statistics.median(cpu):.1f} us "
        f"({min(cpu):.1f} to {max(cpu):.1f}), waiting on the database "
        f"{statistics.median(waited):.1f} us ({min(waited):.1f} to {max(waited):.1f}): "
        f"the database's share of storing {statistics.median(shares):.2f}; the database "
        f"backend's CPU {statistics.median(database_cpu):.1f} us "
        f"({min(database_cpu):.1f} to {max(database_cpu):.1f})"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--batches", type=int, default=30, help="batches counted (default 30)")
    parser.add_argument("--rooms", type=int, default=90, help="sends per batch (default 90)")
    parser.add_argument(
        "--postgres", action="store_true", help="time storing on PostgreSQL (no valgrind)"
    )
    parser.add_argument("--rounds", type=int, default=5, help="with --postgres (default 5)")
    parser.add_argument(
        "--other-rooms", type=int, default=0, help="with --postgres: rooms besides the batch's"
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--run", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        store_batches(json.loads(args.child), args.batches, args.run)
        return 0
    if args.postgres:
        print(timed_on_postgres(args.rooms, args.batches, args.rounds, args.other_rooms))
        return 0
    if shutil.which("valgrind") is None:
        print("store_cost.py counts with valgrind: apt-get install valgrind", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as directory:
        workdir = Path(directory)
        project = GeneratedProject(workdir, "in_memory")
        database = Database("sqlite", workdir)
        seed = project.prepare(database, users=2 * args.rooms, pairs=args.rooms)
        seeded = Path(database.url.removeprefix("sqlite:///"))
        rooms = seed["direct_rooms"][: args.rooms]
        without = instructions(project, seeded, rooms, 0)
        with_batches = instructions(project, seeded, rooms, args.batches)
    per_message = (with_batches - without) / (args.batches * args.rooms)
    print(
        f"storing a batch of {args.rooms} sends in {args.rooms} rooms (SQLite): "
        f"{per_message:,.0f} instructions per message "
        f"(callgrind, {args.batches} batches; processes of {without:,} and {with_batches:,})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
