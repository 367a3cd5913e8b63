"""The generated project's production command under tracemalloc, for bench/socket_memory.py.

Run from the project's directory: `python <template>/bench/servers/traced.py <serve options>`.
On SIGUSR1 the process starts tracing if it was not (tracing from the start would make
Django's start-up several times slower, and only what is allocated between two snapshots
matters), writes a tracemalloc snapshot to the next numbered file in $TRACE_SNAPSHOT_DIR, then
`<n>.done` beside it, so that the benchmark knows it is complete.
"""

import os
import signal
import sys
import tracemalloc
from pathlib import Path

FRAMES = 30


def dump_snapshot(*_) -> None:
    if not tracemalloc.is_tracing():
        tracemalloc.start(FRAMES)
    directory = Path(os.environ["TRACE_SNAPSHOT_DIR"])
    number = len(list(directory.glob("*.done")))
    tracemalloc.take_snapshot().dump(str(directory / f"{number}.snapshot"))
    (directory / f"{number}.done").touch()


if __name__ == "__main__":
    signal.signal(signal.SIGUSR1, dump_snapshot)
    sys.path.insert(0, os.getcwd())  # the project's packages, as `python -m` would have them
    from config.serve import main

    main(sys.argv[1:])
