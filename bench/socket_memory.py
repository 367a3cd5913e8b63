"""Where the memory of an idle, authenticated socket goes, in the generated project's server.

    uv run python bench/socket_memory.py [--sockets 1000] [--compression]

Starts the production command (token auth, in-memory layer, SQLite) under tracemalloc
(bench/servers/traced.py), opens one socket to warm the server, snapshots its Python heap,
opens N more sockets that each wait for `session.ready` and then do nothing, snapshots again,
and prints the growth per socket: in all (against the growth of the process's RSS, which also
holds what Python's allocator keeps and what C libraries allocate), by package, and by the
lines that allocated most. Clients offer permessage-deflate as browsers do; the server declines
it unless --compression.
"""

import argparse
import asyncio
import os
import signal
import sys
import tempfile
import time
import tracemalloc
from collections import Counter
from pathlib import Path

from load import endpoint, open_sockets
from servers import BENCH, PYTHON, Database, GeneratedProject, Server, start_process

PACKAGES = ["uvicorn", "websockets", "channels", "daphne", "django", "rest_framework", "asyncio"]


def short(filename: str, project: Path) -> str:
    """A file's name from its package or the standard library's root: what a reader looks up."""
    if filename.startswith(str(project)):
        return str(Path(filename).relative_to(project))
    for root in ("site-packages/", f"lib/python{sys.version_info.major}.{sys.version_info.minor}/"):
        if root in filename:
            return filename.split(root, 1)[1]
    return filename


def package_of(filename: str, project: Path) -> str:
    if filename.startswith(str(project)):
        relative = Path(filename).relative_to(project)
        return (
            f"project: {relative.parts[0]}/{relative.parts[1] if len(relative.parts) > 2 else ''}"
        )
    for package in PACKAGES:
        if f"/{package}/" in filename:
            return package
    return "other (stdlib, C extensions' Python side)"


def owner(traceback: tracemalloc.Traceback, project: Path) -> str:
    """The innermost frame in the project, or failing that in a known package: who asked."""
    frames = list(reversed(traceback))  # tracemalloc lists the oldest call first
    entry_point = str(project / "config" / "serve.py")  # at the bottom of every stack
    for frame in frames:
        if frame.filename.startswith(str(project)) and frame.filename != entry_point:
            return f"{short(frame.filename, project)}:{frame.lineno}"
    for frame in frames:
        if any(f"/{package}/" in frame.filename for package in PACKAGES):
            return f"{short(frame.filename, project)}:{frame.lineno}"
    return f"{short(frames[0].filename, project)}:{frames[0].lineno}"


class TracedServer:
    def __init__(self, project: GeneratedProject, database: Database, workdir: Path, deflate: bool):
        self.snapshots = workdir / "snapshots"
        self.snapshots.mkdir()
        env = project.environment(database) | {"TRACE_SNAPSHOT_DIR": str(self.snapshots)}
        if deflate:
            env["WS_PER_MESSAGE_DEFLATE"] = "true"
        command = [PYTHON, str(BENCH / "servers" / "traced.py"), "--log-level", "warning"]
        command += ["--host", "127.0.0.1", "--port", "{port}"]
        process, port = start_process(command, project.path, env, workdir / "server.log")
        self.server = Server("generated, uvicorn, traced", "generated", [process], [port])

    def snapshot(self) -> tuple[tracemalloc.Snapshot, int]:
        number = len(list(self.snapshots.glob("*.done")))
        rss = self.server.rss_bytes()
        os.kill(self.server.processes[0].pid, signal.SIGUSR1)
        deadline = time.monotonic() + 300
        while not (self.snapshots / f"{number}.done").exists():
            if time.monotonic() > deadline:
                raise RuntimeError("the server wrote no snapshot")
            time.sleep(0.2)
        return tracemalloc.Snapshot.load(str(self.snapshots / f"{number}.snapshot")), rss


async def measure(traced: TracedServer, seed: dict, count: int):
    server = traced.server
    room = seed["group_room"]
    users = len(seed["tokens"])
    warm = await open_sockets([endpoint(server, 0, room, seed)])
    await asyncio.sleep(0.5)
    before, rss_before = traced.snapshot()
    sockets = await open_sockets([endpoint(server, n % users, room, seed) for n in range(count)])
    await asyncio.sleep(1.0)
    after, rss_after = traced.snapshot()
    await asyncio.gather(*(socket.close() for socket in sockets + warm))
    return before, after, rss_after - rss_before


def report(before, after, rss_growth: int, count: int, project: Path) -> None:
    by_owner: Counter[str] = Counter()
    by_package: Counter[str] = Counter()
    lines_by_owner: dict[str, Counter[str]] = {}
    for difference in after.compare_to(before, "traceback"):
        asked = owner(difference.traceback, project)
        by_owner[asked] += difference.size_diff
        line = difference.traceback[-1]
        where = f"{short(line.filename, project)}:{line.lineno}"
        lines_by_owner.setdefault(asked, Counter())[where] += difference.size_diff
        innermost = difference.traceback[-1].filename
        by_package[package_of(innermost, project)] += difference.size_diff
    python_growth = sum(by_owner.values())
    print(f"{count} idle sockets, per socket:")
    print(f"  process RSS    {rss_growth / count / 1024:7.1f} KiB (tracemalloc's own records too)")
    print(f"  Python heap    {python_growth / count / 1024:7.1f} KiB (tracemalloc)")
    print("\nPython heap by the package that allocated (innermost frame), KiB per socket:")
    for name, size in by_package.most_common():
        if abs(size) / count >= 64:
            print(f"  {size / count / 1024:6.2f}  {name}")
    print("\nBy the innermost line of the project (else of a library) that asked, KiB per socket:")
    for name, size in by_owner.most_common(12):
        print(f"  {size / count / 1024:6.2f}  {name}")
        for line, line_size in lines_by_owner[name].most_common(3):
            if line != name and line_size / count >= 100:
                print(f"          {line_size / count / 1024:6.2f}  allocated at {line}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sockets", type=int, default=1000)
    parser.add_argument("--compression", action="store_true", help="the server accepts deflate")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="socket-memory-") as directory:
        workdir = Path(directory)
        project = GeneratedProject(workdir, "in_memory")
        database = Database("sqlite", workdir)
        seed = project.prepare(database, users=200, pairs=1)
        traced = TracedServer(project, database, workdir, arguments.compression)
        try:
            before, after, rss = asyncio.run(measure(traced, seed, arguments.sockets))
        finally:
            traced.server.stop()
        report(before, after, rss, arguments.sockets, project.path)


if __name__ == "__main__":
    main()
