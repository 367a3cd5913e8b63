"""Summaries of the runs: min/median/max, ratios to the same run's baselines, table, plot."""

import re
import statistics
from pathlib import Path

FLOOR = "raw websockets (floor)"
SMALL_FLOOR = "raw websockets (floor, no storage)"


def flatten(result: dict, prefix: str = "") -> dict[str, float]:
    flat = {}
    for key, value in result.items():
        if isinstance(value, dict):
            flat |= flatten(value, f"{prefix}{key}.")
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            flat[prefix + key] = float(value)
    return flat


def spread(values: list[float]) -> dict:
    return {"min": min(values), "median": statistics.median(values), "max": max(values)}


def ratios(
    runs: dict[str, list[dict]],
    label: str,
    baseline: str,
    metric: str,
    invert=False,
    against: str | None = None,
):
    """This label's metric over the baseline's (its `against` metric if given), run by run
    (runs pair by index). A run whose divisor read zero has no ratio: CPU is read in clock
    ticks (10 ms), which a quick run's cheapest server can finish its window within."""
    if baseline not in runs or label not in runs:
        return None
    values = []
    for mine, theirs in zip(runs[label], runs[baseline], strict=False):
        a, b = flatten(mine)[metric], flatten(theirs)[against or metric]
        if invert:
            a, b = b, a
        if b:
            values.append(a / b)
    return spread(values) if values else None


def bracketed_ratios(runs: list[dict], metric: str):
    """Each run's metric over the mean of the floor's just before and after it (run.py's
    Bench.bracket); None unless every run has one."""
    if not runs or not all("bracketing_floor" in run for run in runs):
        return None
    return spread([run[metric] / run["bracketing_floor"][metric] for run in runs])


def best_baseline(runs: dict[str, list[dict]], prefix: str, suffix: str, metric: str, low: bool):
    """The label among `prefix...suffix` with the best median `metric` (the fairest baseline)."""
    candidates = [label for label in runs if label.startswith(prefix) and label.endswith(suffix)]
    if not candidates:
        return None

    def median(label):
        return statistics.median(flatten(run)[metric] for run in runs[label])

    return min(candidates, key=median) if low else max(candidates, key=median)


def summarise(results: dict, size: dict) -> dict:
    summary = {"sizes": size, "scenarios": {}}
    for scenario, labels in results.items():
        entries = summary["scenarios"].setdefault(scenario, {})
        for label, runs in labels.items():
            metrics = {}
            for key in flatten(runs[0]):
                metrics[key] = spread([flatten(run)[key] for run in runs])
            entries[label] = {"runs": len(runs), "metrics": metrics, "ratios": {}}
        add_ratios(scenario, labels, entries)
    return summary


def add_ratios(scenario: str, runs: dict, entries: dict) -> None:
    if scenario == "fanout":
        tutorial = best_baseline(runs, "tutorial", "", "cpu_us_per_delivery", low=True)
        for label, entry in entries.items():
            entry["ratios"]["cpu_vs_floor"] = ratios(runs, label, FLOOR, "cpu_us_per_delivery")
            entry["ratios"]["times_cheaper_than_tutorial"] = ratios(
                runs, label, tutorial, "cpu_us_per_delivery", invert=True
            )
    elif scenario == "small_rooms":
        for label, entry in entries.items():
            database = label.rsplit(", ", 1)[-1]
            tutorial = best_baseline(runs, "tutorial", database, "messages_per_s", low=False)
            entry["ratios"]["throughput_vs_tutorial"] = ratios(
                runs, label, tutorial, "messages_per_s"
            )
            entry["ratios"]["throughput_vs_floor"] = bracketed_ratios(
                runs[label], "messages_per_s"
            ) or ratios(runs, label, SMALL_FLOOR, "messages_per_s")
    elif scenario == "room_size":
        for label, entry in entries.items():
            for members in entry_sizes(runs[label][0]):
                entry["ratios"][f"{members}.cpu_vs_floor"] = ratios(
                    runs, label, FLOOR, f"{members}.cpu_us_per_delivery"
                )
            entry["ratios"]["growth_from_100"] = growth(runs[label], minimum=100)
            entry["ratios"]["rise_from_100"] = rise(runs[label], minimum=100)
            entry["ratios"]["loop_growth_from_100"] = growth(
                runs[label], minimum=100, metric="loop_cpu_us_per_delivery"
            )
    elif scenario == "rooms_per_user":
        for label, entry in entries.items():
            counts = entry_sizes(runs[label][0])
            one_room = f"{counts[0]}.cold_ms"
            for count in counts:
                for temperature in ("cold", "warm"):
                    entry["ratios"][f"{count}.{temperature}_vs_one_room"] = ratios(
                        runs, label, label, f"{count}.{temperature}_ms", against=one_room
                    )
    elif scenario == "connect_storm":
        for label, entry in entries.items():
            entry["ratios"]["connects_vs_floor"] = ratios(runs, label, FLOOR, "connects_per_s")
    elif scenario == "reconnect_storm":
        for label, entry in entries.items():
            entry["ratios"]["time_vs_floor"] = ratios(
                runs, label, FLOOR, "seconds_until_all_caught_up"
            )
    elif scenario == "idle":
        tutorial = best_baseline(runs, "tutorial", "", "kib_per_socket", low=True)
        for label, entry in entries.items():
            entry["ratios"]["memory_vs_floor"] = ratios(runs, label, FLOOR, "kib_per_socket")
            entry["ratios"]["memory_vs_tutorial"] = ratios(runs, label, tutorial, "kib_per_socket")
    elif scenario == "state_traffic":
        for entry in entries.values():
            metrics = entry["metrics"]
            message = metrics["message_cpu_us_per_delivery"]["median"]
            # /proc counts CPU in clock ticks (10 ms): a quick run's messages may take less
            # than one, and then there is no ratio to give.
            entry["ratios"]["typing_delivery_vs_message"] = (
                spread([metrics["typing_cpu_us_per_delivery"]["median"] / message])
                if message
                else None
            )
    elif scenario == "scale_out":
        for label, entry in entries.items():
            one = re.sub(r"\d+ processes", "1 process", label)
            entry["ratios"]["throughput_vs_one_process"] = ratios(
                runs, label, one, "deliveries_per_s"
            )
            tutorial = best_baseline(runs, "tutorial", "2 processes", "deliveries_per_s", False)
            entry["ratios"]["throughput_vs_tutorial"] = ratios(
                runs, label, tutorial, "deliveries_per_s"
            )


def entry_sizes(result: dict) -> list[int]:
    """The member counts of a room-size run, smallest first."""
    return sorted(int(members) for members in result)


def growth(runs: list[dict], minimum: int, metric: str = "cpu_us_per_delivery") -> dict | None:
    """Per run, the largest `metric` over the smallest, among rooms of `minimum` members or
    more: 1.0 is a flat curve."""
    values = [max(costs) / min(costs) for costs in room_costs(runs, minimum, metric)]
    return spread(values) if values else None


def rise(runs: list[dict], minimum: int, metric: str = "cpu_us_per_delivery") -> dict | None:
    """Per run, the most a room of `minimum` members or more costs over a smaller such room:
    at most 1.0, the cost does not grow with the room. growth() calls a curve that falls
    uneven too: a message's own cost, spread over fewer deliveries, makes a small room dear."""
    values = [
        max(costs[at] / min(costs[:at]) for at in range(1, len(costs)))
        for costs in room_costs(runs, minimum, metric)
    ]
    return spread(values) if values else None


def room_costs(runs: list[dict], minimum: int, metric: str) -> list[list[float]]:
    """Per run with two sizes or more to compare, `metric` of each room of `minimum` members
    or more, smallest room first."""
    costs = [
        [
            result[str(members)][metric]
            for members in entry_sizes(result)
            if members >= minimum and metric in result[str(members)]
        ]
        for result in runs
    ]
    return [run_costs for run_costs in costs if len(run_costs) > 1]


def show(spread_: dict | None, digits: int = 1, unit: str = "") -> str:
    if not spread_:
        return "-"
    # "z": a value that rounds to zero from below shows as 0, not -0 (the other threads' CPU
    # of a large room's few messages is a difference of two readings a clock tick apart).
    middle = f"{spread_['median']:z,.{digits}f}{unit}"
    if spread_["min"] == spread_["max"]:
        return middle
    return f"{middle} ({spread_['min']:z,.{digits}f} to {spread_['max']:z,.{digits}f})"


def latencies(metrics: dict, phase: str) -> str:
    p50, p99 = metrics[f"{phase}.p50_ms"]["median"], metrics[f"{phase}.p99_ms"]["median"]
    return f"{p50:.1f} / {p99:.1f}"


# Per scenario: the title (formatted with the run's sizes) and (header, cell of metrics, ratios).
TABLES = {
    "fanout": (
        "**Fan-out**: one sender, {fanout_receivers} receivers in one room.",
        [
            ("CPU per delivery (us)", lambda m, r: show(m["cpu_us_per_delivery"])),
            ("x floor", lambda m, r: show(r["cpu_vs_floor"], 2)),
            ("x cheaper than tutorial", lambda m, r: show(r["times_cheaper_than_tutorial"])),
            ("deliveries/s", lambda m, r: show(m["deliveries_per_s"], 0)),
            ("p50 / p99 at max (ms)", lambda m, r: latencies(m, "max_rate")),
            ("p50 / p99 at half rate (ms)", lambda m, r: latencies(m, "half_rate")),
        ],
    ),
    "small_rooms": (
        "**Small rooms**: {small_rooms} two-person rooms, 2 messages in flight each, "
        "every message stored.",
        [
            ("messages/s", lambda m, r: show(m["messages_per_s"], 0)),
            ("x tutorial (same database)", lambda m, r: show(r["throughput_vs_tutorial"])),
            ("x floor", lambda m, r: show(r["throughput_vs_floor"], 2)),
            ("CPU per message (us)", lambda m, r: show(m["cpu_us_per_message"], 0)),
            ("p50 / p99 at max (ms)", lambda m, r: latencies(m, "max_rate")),
            ("p50 / p99 at half rate (ms)", lambda m, r: latencies(m, "half_rate")),
        ],
    ),
    "idle": (
        "**Idle**: authenticated sockets held open; memory from the server's RSS.",
        [
            ("sockets", lambda m, r: f"{m['sockets']['median']:,.0f}"),
            ("KiB per socket", lambda m, r: show(m["kib_per_socket"])),
            ("x floor", lambda m, r: show(r["memory_vs_floor"], 2)),
            ("x tutorial", lambda m, r: show(r["memory_vs_tutorial"], 2)),
        ],
    ),
    "connect_storm": (
        "**Connect storm**: {storm_sockets} clients connecting at once, each with its token in "
        "the handshake; until every socket has its `session.ready` (plot: "
        "`bench/results/connect_storm.png`).",
        [
            ("seconds until all ready", lambda m, r: show(m["seconds_until_all_ready"], 2)),
            ("connects/s", lambda m, r: show(m["connects_per_s"], 0)),
            ("x floor", lambda m, r: show(r["connects_vs_floor"], 2)),
            ("CPU per connect (us)", lambda m, r: show(m["cpu_us_per_connect"], 0)),
        ],
    ),
    "reconnect_storm": (
        "**Reconnect storm**: the server restarts with {storm_sockets} sockets open; each client "
        "comes back with the web client's backoff and jitter and catches up as it does (the "
        "room list, the messages it missed, then the changes to messages it missed if that "
        "page says there are any); the floor's clients only reconnect (plot: "
        "`bench/results/reconnect_storm.png`).",
        [
            (
                "seconds until all caught up",
                lambda m, r: show(m["seconds_until_all_caught_up"], 2),
            ),
            ("x floor", lambda m, r: show(r["time_vs_floor"], 2)),
            ("server CPU (s)", lambda m, r: show(m["cpu_s"], 2)),
        ],
    ),
    "state_traffic": (
        "**Conversation state**: in the {fanout_receivers}-receiver room, every member types "
        "(start and stop, each to every other member) and reads each new message.",
        [
            ("message CPU per delivery (us)", lambda m, r: show(m["message_cpu_us_per_delivery"])),
            ("typing events/s", lambda m, r: show(m["typing_events_per_s"], 0)),
            ("typing CPU per event (us)", lambda m, r: show(m["typing_cpu_us_per_event"], 0)),
            ("typing CPU per delivery (us)", lambda m, r: show(m["typing_cpu_us_per_delivery"])),
            ("x message delivery", lambda m, r: show(r["typing_delivery_vs_message"], 2)),
            ("reads/s", lambda m, r: show(m["reads_per_s"], 0)),
            ("CPU per read (us)", lambda m, r: show(m["read_cpu_us_per_read"], 0)),
        ],
    ),
    "scale_out": (
        "**Scale-out**: the fan-out room with receivers alternating between processes that "
        "share the Redis layer; the sender is on the first.",
        [
            ("deliveries/s", lambda m, r: show(m["deliveries_per_s"], 0)),
            ("x one process", lambda m, r: show(r["throughput_vs_one_process"], 2)),
            ("x tutorial (2 processes)", lambda m, r: show(r["throughput_vs_tutorial"])),
            ("CPU per delivery (us)", lambda m, r: show(m["cpu_us_per_delivery"])),
        ],
    ),
}

# What the production server must reach against the floor and the tutorial shape:
# (scenario, server, what, value, bound); a negative bound is a minimum.
PRODUCTION = "generated, uvicorn"
TARGETS = [
    ("fanout", f"{PRODUCTION}, in-memory", "CPU per delivery, x floor", "r:cpu_vs_floor", 1.1),
    ("fanout", f"{PRODUCTION}, Redis", "CPU per delivery, x floor", "r:cpu_vs_floor", 1.3),
    *[
        ("fanout", f"{PRODUCTION}, {layer}", what, value, bound)
        for layer in ("in-memory", "Redis")
        for what, value, bound in (
            ("x cheaper than tutorial", "r:times_cheaper_than_tutorial", -5),
            ("p99 at half rate, ms", "m:half_rate.p99_ms", 50),
        )
    ],
    *[
        ("small_rooms", f"{PRODUCTION}, {database}", what, value, bound)
        for database in ("SQLite", "Postgres")
        for what, value, bound in (
            ("messages/s, x tutorial", "r:throughput_vs_tutorial", -10),
            ("messages/s, x floor", "r:throughput_vs_floor", -0.5),
            ("p99 at half rate, ms", "m:half_rate.p99_ms", 50),
        )
    ],
    *[
        (
            "room_size",
            f"{PRODUCTION}, {layer}",
            "CPU per delivery from 100 members up, largest over smallest",
            "r:growth_from_100",
            1.3,
        )
        for layer in ("in-memory", "Redis")
    ],
    *[
        (
            "room_size",
            f"{PRODUCTION}, {layer}",
            "CPU per delivery from 100 members up, the most a room costs over a smaller one",
            "r:rise_from_100",
            1.3,
        )
        for layer in ("in-memory", "Redis")
    ],
    ("idle", PRODUCTION, "KiB per socket", "m:kib_per_socket", 20),
    ("idle", PRODUCTION, "sockets held", "m:sockets", -19_000),
]


def targets(summary: dict) -> list[str]:
    """A line per target: met or missed, with the median. A negative bound is a minimum."""
    lines = []
    for scenario, label, what, value, bound in TARGETS:
        entry = summary["scenarios"].get(scenario, {}).get(label)
        if entry is None:
            continue
        source, name = value.split(":", 1)
        figure = (entry["ratios"] if source == "r" else entry["metrics"]).get(name)
        if not figure:
            continue
        median = figure["median"]
        met = median >= -bound if bound < 0 else median <= bound
        limit = f">= {-bound:,}" if bound < 0 else f"<= {bound:,}"
        verdict = "met" if met else "MISSED"
        lines.append(f"- {verdict}: {scenario}, {label}: {what} {median:,.2f} ({limit})")
    return lines


def room_size_table(summary: dict) -> list[str]:
    entries = summary["scenarios"].get("room_size")
    if not entries:
        return []
    lines = [
        "**Room size**: one sender, every other member of the room receiving; each size in "
        "turn on one server process (plot: `bench/results/room_size.png`).",
        "",
        "| server | members | CPU per delivery (us) | x floor | of it the event loop's (us) "
        "| of it the kernel's (us) | other threads' CPU per message (us) | deliveries/s "
        "| p50 / p99 at half rate (ms) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for label, entry in entries.items():
        metrics, ratios_ = entry["metrics"], entry["ratios"]
        for members in summary["sizes"]["room_sizes"]:
            if f"{members}.cpu_us_per_delivery" not in metrics:
                continue
            cells = [
                f"{members:,}",
                show(metrics[f"{members}.cpu_us_per_delivery"]),
                show(ratios_.get(f"{members}.cpu_vs_floor"), 2),
                show(metrics.get(f"{members}.loop_cpu_us_per_delivery")),
                show(metrics.get(f"{members}.system_cpu_us_per_delivery")),
                show(metrics.get(f"{members}.other_threads_cpu_us_per_message"), 0),
                show(metrics[f"{members}.deliveries_per_s"], 0),
                latencies(metrics, f"{members}.half_rate"),
            ]
            lines.append(f"| {label} | " + " | ".join(cells) + " |")
    lines.append("")
    grown = [
        f"{label} {show(entry['ratios']['loop_growth_from_100'], 2)}"
        for label, entry in entries.items()
        if entry["ratios"].get("loop_growth_from_100")
    ]
    if grown:
        lines += [
            "The event loop's CPU per delivery from 100 members up, largest over smallest: "
            + "; ".join(grown)
            + ".",
            "",
        ]
    return lines


def rooms_per_user_table(summary: dict) -> list[str]:
    entries = summary["scenarios"].get("rooms_per_user")
    if not entries:
        return []
    lines = [
        "**Rooms per user**: users in that many rooms connect; the median time until their "
        "`session.ready` on a process that follows none of the rooms (cold) and on one that "
        "follows them all (warm); x one room: against the cold connect of users in one room, "
        "same run (plot: `bench/results/rooms_per_user.png`).",
        "",
        "| server | rooms | cold (ms) | x one room | warm (ms) | x one room |",
        "|---|---|---|---|---|---|",
    ]
    for label, entry in entries.items():
        metrics, ratios_ = entry["metrics"], entry["ratios"]
        for count in summary["sizes"]["rooms_per_user"]:
            cells = [f"{count:,}"]
            for temperature in ("cold", "warm"):
                cells += [
                    show(metrics[f"{count}.{temperature}_ms"]),
                    show(ratios_[f"{count}.{temperature}_vs_one_room"], 2),
                ]
            lines.append(f"| {label} | " + " | ".join(cells) + " |")
    lines.append("")
    return lines


def runs_said(scenarios: dict) -> str:
    """How many runs the figures are of: a partial run may have kept others of another count."""
    counts = {
        name: {entry["runs"] for entry in entries.values()} for name, entries in scenarios.items()
    }
    usual = statistics.mode([count for found in counts.values() for count in found] or [0])
    others = [
        f"{name}: {', '.join(map(str, sorted(found)))}"
        for name, found in counts.items()
        if found != {usual}
    ]
    return f"{usual} run(s)" + (f" ({'; '.join(others)})" if others else "")


def table(summary: dict) -> str:
    scenarios = summary["scenarios"]
    lines = [f"Median (min to max) over {runs_said(scenarios)}; ratios are taken run by run.", ""]
    curves = {"room_size": room_size_table, "rooms_per_user": rooms_per_user_table}
    order = [
        "fanout",
        "room_size",
        "small_rooms",
        "idle",
        "rooms_per_user",
        "connect_storm",
        "reconnect_storm",
    ]
    for scenario in [*order, *[name for name in TABLES if name not in order]]:
        if scenario in curves:
            lines += curves[scenario](summary)
            continue
        if scenario not in scenarios:
            continue
        title, columns = TABLES[scenario]
        lines += [
            title.format(**summary["sizes"]),
            "",
            "| server | " + " | ".join(header for header, _ in columns) + " |",
            "|---" * (len(columns) + 1) + "|",
        ]
        for label, entry in scenarios[scenario].items():
            cells = [cell(entry["metrics"], entry["ratios"]) for _, cell in columns]
            lines.append(f"| {label} | " + " | ".join(cells) + " |")
        lines.append("")
    met = targets(summary)
    if met:
        lines += ["Targets for the production server (uvicorn), each with its bound:", "", *met, ""]
    return "\n".join(lines)


def pyplot():
    """matplotlib's pyplot, drawing to files only (no display here)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def save(plt, figure, path: Path) -> None:
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def plot(results: dict, path: Path) -> None:
    """Latency distributions at half the maximum rate, one box per server and scenario."""
    plt = pyplot()
    scenarios = [s for s in ("fanout", "small_rooms") if s in results]
    if not scenarios:
        return
    figure, axes = plt.subplots(len(scenarios), 1, figsize=(10, 4 * len(scenarios)), squeeze=False)
    for axis, scenario in zip(axes[:, 0], scenarios, strict=True):
        labels = list(results[scenario])
        data = [
            [v for run in results[scenario][label] for v in run["half_rate_latencies_ms"]] or [0]
            for label in labels
        ]
        axis.boxplot(data, vert=False, whis=(1, 99), showfliers=False)
        axis.set_yticks(range(1, len(labels) + 1), labels, fontsize=8)
        axis.set_xscale("log")
        axis.set_xlabel("latency from send to receipt, ms (whiskers: p1 and p99)")
        axis.set_title(f"{scenario.replace('_', ' ')}: latency at half the maximum rate")
    save(plt, figure, path)


def plot_room_size(summary: dict, path: Path) -> None:
    """CPU per delivery and p99 at half rate against the room's members, one line per server."""
    entries = summary["scenarios"].get("room_size")
    if not entries:
        return
    plt = pyplot()
    figure, (cost, latency) = plt.subplots(1, 2, figsize=(11, 4))
    for label, entry in entries.items():
        metrics = entry["metrics"]
        sizes = [m for m in summary["sizes"]["room_sizes"] if f"{m}.cpu_us_per_delivery" in metrics]
        for axis, metric in ((cost, "cpu_us_per_delivery"), (latency, "half_rate.p99_ms")):
            medians = [metrics[f"{m}.{metric}"]["median"] for m in sizes]
            low = [metrics[f"{m}.{metric}"]["min"] for m in sizes]
            high = [metrics[f"{m}.{metric}"]["max"] for m in sizes]
            axis.plot(sizes, medians, marker="o", label=label)
            axis.fill_between(sizes, low, high, alpha=0.2)
    for axis, title in (
        (cost, "server CPU per delivery, us (median; band: min to max)"),
        (latency, "p99 latency at half the maximum rate, ms"),
    ):
        axis.set_xscale("log")
        axis.set_yscale("log")
        axis.set_xlabel("members in the room")
        axis.set_title(title, fontsize=9)
        axis.grid(True, which="both", alpha=0.3)
    cost.legend(fontsize=8)
    save(plt, figure, path)


# Per storm scenario: the result's list of moments, and the plot's labels.
STORM_PLOTS = {
    "connect_storm": (
        "ready_after_s",
        "seconds since every client began connecting",
        "sockets past session.ready",
    ),
    "reconnect_storm": (
        "back_after_s",
        "seconds since the restarted server accepted connections",
        "clients back and caught up",
    ),
}


def plot_storm(results: dict, scenario: str, path: Path) -> None:
    """Clients done against time since the storm began, one line per server (its first run)."""
    runs = results.get(scenario)
    if not runs:
        return
    plt = pyplot()
    moments, xlabel, ylabel = STORM_PLOTS[scenario]
    figure, axis = plt.subplots(figsize=(8, 4))
    for label, results_ in runs.items():
        done = results_[0][moments]
        axis.step(done, range(1, len(done) + 1), where="post", label=label)
    axis.set_xlabel(xlabel)
    axis.set_ylabel(ylabel)
    axis.set_title(scenario.replace("_", " "), fontsize=9)
    axis.grid(True, alpha=0.3)
    axis.legend(fontsize=8)
    save(plt, figure, path)


def plot_rooms_per_user(summary: dict, path: Path) -> None:
    """Time to session.ready against the user's rooms, cold and warm, one line each per server."""
    entries = summary["scenarios"].get("rooms_per_user")
    if not entries:
        return
    plt = pyplot()
    counts = summary["sizes"]["rooms_per_user"]
    figure, axis = plt.subplots(figsize=(8, 4))
    for label, entry in entries.items():
        for temperature, style in (("cold", "-"), ("warm", "--")):
            values = [entry["metrics"][f"{count}.{temperature}_ms"] for count in counts]
            axis.plot(
                counts,
                [value["median"] for value in values],
                style,
                marker="o",
                label=f"{label}, {temperature}",
            )
            axis.fill_between(
                counts,
                [value["min"] for value in values],
                [value["max"] for value in values],
                alpha=0.2,
            )
    axis.set_xscale("log")
    axis.set_yscale("log")
    axis.set_xlabel("rooms the user is in")
    axis.set_ylabel("ms until session.ready")
    axis.set_title("rooms per user (median; band: min to max)", fontsize=9)
    axis.grid(True, which="both", alpha=0.3)
    axis.legend(fontsize=8)
    save(plt, figure, path)


BEGIN, END = "<!-- benchmark:begin -->", "<!-- benchmark:end -->"


def update_readme(readme: Path, table_text: str) -> None:
    text = readme.read_text()
    if BEGIN not in text or END not in text:
        raise SystemExit(f"{readme} has no {BEGIN} ... {END} block for the table")
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    readme.write_text(f"{head}{BEGIN}\n{table_text}\n{END}{tail}")
