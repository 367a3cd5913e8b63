"""Server processes for the benchmark: the generated project and the two reference servers.

Each server runs as its own process, pinned to the server core, and is measured from the
OS: CPU as utime + stime from /proc, memory as VmRSS.
"""

import json
import os
import resource
import secrets
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

BENCH = Path(__file__).resolve().parent
TEMPLATE = BENCH.parent
PYTHON = sys.executable
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
POSTGRES_URL = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
MAX_FRAME_BYTES = 1024 * 1024

# Server on one core, clients on another, when there are two: neither steals the other's time.
SERVER_CORES = {0} if (os.cpu_count() or 1) > 1 else None
CLIENT_CORES = set(range(1, os.cpu_count() or 1)) or None


def raise_open_files_limit() -> int:
    """Lift the soft open-files limit to the hard one; returns the limit now in force."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        return hard
    return soft


def _prepare_server_process() -> None:
    raise_open_files_limit()
    if SERVER_CORES:
        os.sched_setaffinity(0, SERVER_CORES)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Server:
    """One or more processes serving one configuration; `ports` in process order."""

    label: str
    kind: str  # "generated", "raw" or "tutorial"
    processes: list[subprocess.Popen] = field(default_factory=list)
    ports: list[int] = field(default_factory=list)
    # What started each process (command, directory, environment, log), to start it again.
    launches: list[tuple] = field(default_factory=list)

    def launch(self, command: list[str], cwd: Path, env: dict, log: Path) -> None:
        process, port = start_process(command, cwd, env, log)
        self.processes.append(process)
        self.ports.append(port)
        self.launches.append((command, cwd, env, log))

    def restart(self) -> None:
        """Stop every process, then start each again on its port, as a deployment does; returns
        once they all accept connections."""
        self.stop()
        self.processes = [
            start_process(*launch, port=port)[0]
            for launch, port in zip(self.launches, self.ports, strict=True)
        ]

    def cpu_seconds(self) -> float:
        ticks = self.cpu_ticks("/proc/{pid}/stat")
        return sum(user + system for user, system in ticks) / CLOCK_TICKS

    def system_cpu_seconds(self) -> float:
        """The processes' CPU in the kernel (stime): their system calls, for a server mostly
        its socket writes and reads, which on loopback carry the TCP work of both ends."""
        return sum(system for _, system in self.cpu_ticks("/proc/{pid}/stat")) / CLOCK_TICKS

    def main_thread_cpu_seconds(self) -> float:
        """The CPU of the processes' main threads: in the ASGI servers, the event loop's."""
        ticks = self.cpu_ticks("/proc/{pid}/task/{pid}/stat")
        return sum(user + system for user, system in ticks) / CLOCK_TICKS

    def cpu_ticks(self, stat: str) -> list[tuple[int, int]]:
        """(utime, stime) in clock ticks from each process's `stat` file, its path with {pid}."""
        ticks = []
        for process in self.processes:
            text = Path(stat.format(pid=process.pid)).read_text()
            fields = text.rsplit(")", 1)[1].split()
            ticks.append((int(fields[11]), int(fields[12])))
        return ticks

    def rss_bytes(self) -> int:
        total = 0
        for process in self.processes:
            for line in Path(f"/proc/{process.pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
        return total

    def stop(self) -> None:
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def start_process(
    command: list[str], cwd: Path, env: dict, log: Path, port: int | None = None
) -> tuple:
    port = port or free_port()
    command = [part.replace("{port}", str(port)) for part in command]
    with log.open("a") as output:
        process = subprocess.Popen(
            command,
            cwd=cwd,
            env={**os.environ, **env},
            stdout=output,
            stderr=subprocess.STDOUT,
            preexec_fn=_prepare_server_process,
        )
    deadline = time.monotonic() + 60
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return process, port
        except OSError as error:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                output = log.read_text()[-3000:]
                raise RuntimeError(f"{' '.join(command)} did not start:\n{output}") from error
            time.sleep(0.05)


# The ASGI servers for the tutorial shape: uvicorn as the generated project's config/serve.py
# runs it, less what only the generated project has, with a quieter log; daphne as it was run
# before the benchmark chose uvicorn.
ASGI_COMMANDS = {
    "daphne": [PYTHON, "-m", "daphne", "-v", "0", "-b", "127.0.0.1", "-p", "{port}"],
    "uvicorn": [
        PYTHON, "-m", "uvicorn", "--host", "127.0.0.1", "--port", "{port}",
        "--ws", "websockets-sansio", "--ws-max-size", str(MAX_FRAME_BYTES),
        "--lifespan", "off", "--proxy-headers", "--no-access-log", "--log-level", "warning",
    ],
}  # fmt: skip


class Database:
    """A SQLite file or a fresh PostgreSQL database, dropped by `drop()`."""

    def __init__(self, engine: str, directory: Path):
        self.engine = engine
        self.seed: dict | None = None  # the generated project's users and rooms, once seeded
        if engine == "sqlite":
            self.url = f"sqlite:///{directory / f'bench-{uuid.uuid4().hex[:8]}.sqlite3'}"
            return
        import psycopg

        self.name = f"bench_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(f"{POSTGRES_URL}/postgres", autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{self.name}"')
        self.url = f"{POSTGRES_URL}/{self.name}"

    def drop(self) -> None:
        if self.engine == "postgres":
            import psycopg

            with psycopg.connect(f"{POSTGRES_URL}/postgres", autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


def run_checked(command: list[str], cwd: Path, env: dict) -> str:
    completed = subprocess.run(
        command, cwd=cwd, env={**os.environ, **env}, capture_output=True, text=True
    )
    if completed.returncode:
        raise RuntimeError(f"{' '.join(command)} failed:\n{completed.stdout}\n{completed.stderr}")
    return completed.stdout


class GeneratedProject:
    """A project baked from this template (token auth, both room kinds) with seeded users."""

    def __init__(self, workdir: Path, channel_layer: str):
        from cookiecutter.main import cookiecutter

        self.channel_layer = channel_layer
        output = workdir / f"generated-{channel_layer}"
        self.path = Path(
            cookiecutter(
                str(TEMPLATE),
                no_input=True,
                output_dir=str(output),
                extra_context={
                    "auth": "token",
                    "channel_layer": channel_layer,
                    "room_model": "both",
                    "use_docker": "no",
                },
            )
        )

    def environment(self, database: Database) -> dict:
        env = {
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DJANGO_SECURE_SSL_REDIRECT": "false",
            "DJANGO_LOG_LEVEL": "WARNING",
            "DATABASE_URL": database.url,
            # The benchmark's clients send far faster than people, and hold thousands of sockets
            # per user: limits out of reach, so that it measures delivery (the limiter still runs).
            **UNREACHABLE_LIMITS,
        }
        if self.channel_layer == "redis":
            env |= {"REDIS_URL": REDIS_URL, "REDIS_KEY_PREFIX": f"bench-{uuid.uuid4().hex[:8]}"}
        return env

    def prepare(
        self,
        database: Database,
        users: int,
        pairs: int,
        group_sizes: tuple[int, ...] = (),
        room_counts: tuple[int, ...] = (),
        history: int = 0,
    ) -> dict:
        """Migrate `database` and seed it, once (every bake has the same models); bench/seed.py
        says what the arguments make."""
        if database.seed is None:
            env = self.environment(database)
            run_checked([PYTHON, "manage.py", "migrate", "--noinput"], self.path, env)
            lists = [",".join(map(str, numbers)) for numbers in (group_sizes, room_counts)]
            output = run_checked(
                [PYTHON, str(BENCH / "seed.py"), str(users), str(pairs), *lists, str(history)],
                self.path,
                env,
            )
            database.seed = json.loads(output)
        return database.seed

    def start(
        self,
        asgi_server: str,
        database: Database,
        log: Path,
        processes: int = 1,
        compression: bool = False,
    ):
        env = self.environment(database)
        if compression:
            # The production command's setting: accept the clients' permessage-deflate.
            env["WS_PER_MESSAGE_DEFLATE"] = "true"
        server = Server(f"generated, {asgi_server}", "generated")
        for _ in range(processes):
            if asgi_server == "uvicorn":
                # The generated project's own production command (config/serve.py).
                command = [PYTHON, "-m", "config.serve", "--log-level", "warning"]
                command += ["--host", "127.0.0.1", "--port", "{port}"]
            else:
                command = [*ASGI_COMMANDS[asgi_server], "config.asgi:application"]
            server.launch(command, self.path, env, log)
        return server


UNREACHABLE_LIMITS = {
    "CHAT_RATE_LIMIT_MESSAGES": "1000000000/1",
    "CHAT_RATE_LIMIT_FRAMES": "1000000000/1",
    "CHAT_RATE_LIMIT_CHARACTERS": "1000000000000/1",
    "CHAT_MAX_SOCKETS_PER_USER": "1000000",
    "DJANGO_WRITE_THROTTLE_RATE": "1000000/s",
    # The state-traffic scenario's members type round after round, start then stop, far
    # faster than the relay lets starts through (one per user and room per refresh).
    "CHAT_TYPING_REFRESH_SECONDS": "0",
}


def start_raw(log: Path) -> Server:
    server = Server("raw websockets", "raw")
    server.launch([PYTHON, str(BENCH / "servers" / "raw_floor.py"), "{port}"], BENCH, {}, log)
    return server


class TutorialShape:
    """The Channels tutorial-shape reference server (bench/servers/tutorial_shape)."""

    def __init__(self):
        self.migrated: set[str] = set()

    @staticmethod
    def environment(database: Database, channel_layer: str) -> dict:
        env = {
            "DJANGO_SETTINGS_MODULE": "tutorial_shape.settings",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "DATABASE_URL": database.url,
            "PYTHONPATH": str(BENCH / "servers"),
        }
        if channel_layer == "redis":
            env["REDIS_URL"] = REDIS_URL
        return env

    def start(self, asgi_server, database, channel_layer, log, processes: int = 1) -> Server:
        env = self.environment(database, channel_layer)
        if database.url not in self.migrated:
            command = [PYTHON, "-m", "django", "migrate", "--run-syncdb", "--noinput"]
            run_checked(command, BENCH / "servers", env)
            self.migrated.add(database.url)
        server = Server(f"tutorial shape, {asgi_server}", "tutorial")
        for _ in range(processes):
            command = [*ASGI_COMMANDS[asgi_server], "tutorial_shape.asgi:application"]
            server.launch(command, BENCH / "servers", env, log)
        return server
