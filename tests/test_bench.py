"""The benchmark in its short mode: every scenario runs end to end, against real servers, and
every socket gets every message of its room exactly once and in order (bench/run.py exits
non-zero otherwise). The full run is a documented command, not a test."""

import json
import sys

import pytest
from support import PYTHON, TEMPLATE, project_env, run

sys.path.insert(0, str(TEMPLATE / "bench"))
from report import FLOOR, bracketed_ratios, growth, ratios, rise

SCENARIOS = {
    "fanout",
    "room_size",
    "small_rooms",
    "idle",
    "rooms_per_user",
    "connect_storm",
    "reconnect_storm",
    "state_traffic",
    "scale_out",
}


@pytest.mark.xdist_group("bench")
def test_quick_benchmark_delivers_every_message_once_in_order(tmp_path, services_for):
    services_for({"channel_layer": "redis"})  # the scale-out scenario shares a Redis layer
    run([PYTHON, "bench/run.py", "--quick", "--out", str(tmp_path)], TEMPLATE, project_env())
    summary = json.loads((tmp_path / "latest.json").read_text())
    assert set(summary["scenarios"]) == SCENARIOS
    for scenario, servers in summary["scenarios"].items():
        for label, entry in servers.items():
            metrics = entry["metrics"]
            if scenario == "idle":
                assert metrics["sockets"]["median"] == summary["sizes"]["idle_sockets"], label
                assert metrics["kib_per_socket"]["median"] > 0, label
            elif scenario == "state_traffic":
                # Every round waited for all its frames (bench/state_traffic.py), or it failed.
                assert metrics["typing_events_per_s"]["median"] > 0, label
                assert metrics["reads_per_s"]["median"] > 0, label
            elif scenario == "rooms_per_user":
                for rooms in summary["sizes"]["rooms_per_user"]:
                    assert metrics[f"{rooms}.cold_ms"]["median"] > 0, (label, rooms)
                    assert metrics[f"{rooms}.warm_ms"]["median"] > 0, (label, rooms)
            elif scenario == "reconnect_storm":
                assert metrics["sockets"]["median"] == summary["sizes"]["storm_sockets"], label
                assert metrics["seconds_until_all_caught_up"]["median"] > 0, label
            elif scenario == "connect_storm":
                assert metrics["sockets"]["median"] == summary["sizes"]["storm_sockets"], label
                assert metrics["connects_per_s"]["median"] > 0, label
            elif scenario == "room_size":
                for members in summary["sizes"]["room_sizes"]:
                    assert metrics[f"{members}.messages"]["median"] > 0, (label, members)
                    cost = metrics[f"{members}.cpu_us_per_delivery"]["median"]
                    # The floor can spend less than one clock tick in a quick run's window.
                    assert cost > 0 or (label == FLOOR and cost == 0), label
                    # The kernel's share, in clock ticks: none at all in a quick run's window.
                    kernel = metrics[f"{members}.system_cpu_us_per_delivery"]["median"]
                    assert 0 <= kernel <= metrics[f"{members}.cpu_us_per_delivery"]["median"]
            else:
                assert metrics["messages"]["median"] > 0, label
                assert metrics["cpu_us_per_delivery"]["median"] > 0, label
    assert "| raw websockets (floor) |" in (tmp_path / "table.md").read_text()
    plots = ["latency", "room_size", "connect_storm", "rooms_per_user", "reconnect_storm"]
    for plot in plots:
        assert (tmp_path / f"{plot}.png").read_bytes().startswith(b"\x89PNG"), plot


def test_room_size_growth_and_rise_tell_a_falling_curve_from_a_growing_one():
    def room_size_run(costs: dict[int, float]) -> dict:
        return {str(members): {"cpu_us_per_delivery": cost} for members, cost in costs.items()}

    falling = room_size_run({10: 50.0, 100: 4.0, 1_000: 2.0, 5_000: 2.2})
    growing = room_size_run({10: 50.0, 100: 2.0, 1_000: 3.0, 5_000: 2.5})
    assert growth([falling], minimum=100)["median"] == pytest.approx(2.0)
    assert rise([falling], minimum=100)["median"] == pytest.approx(1.1)
    assert growth([growing], minimum=100)["median"] == pytest.approx(1.5)
    assert rise([growing], minimum=100)["median"] == pytest.approx(1.5)


def test_a_small_rooms_ratio_is_to_the_floor_measured_around_its_server():
    """The floor before and after each server, averaged: a run whose machine sped up between
    the floor and the server no longer reads as the server being slow."""
    runs = [
        {"messages_per_s": 9_000.0, "bracketing_floor": {"messages_per_s": 18_000.0}},
        {"messages_per_s": 6_000.0, "bracketing_floor": {"messages_per_s": 10_000.0}},
        {"messages_per_s": 8_000.0, "bracketing_floor": {"messages_per_s": 20_000.0}},
    ]
    assert bracketed_ratios(runs, "messages_per_s") == {"min": 0.4, "median": 0.5, "max": 0.6}
    assert bracketed_ratios([*runs, {"messages_per_s": 1.0}], "messages_per_s") is None


def test_a_ratio_leaves_out_the_runs_whose_baseline_read_no_cpu():
    """CPU is read in clock ticks: a quick run's floor can read none, and has no ratio."""
    runs = {
        "server": [{"cpu": 4.0}, {"cpu": 6.0}, {"cpu": 5.0}],
        FLOOR: [{"cpu": 2.0}, {"cpu": 0.0}, {"cpu": 2.0}],
    }
    assert ratios(runs, "server", FLOOR, "cpu") == {"min": 2.0, "median": 2.25, "max": 2.5}
    assert ratios(runs, FLOOR, "server", "cpu", invert=True) == {
        "min": 2.0,
        "median": 2.25,
        "max": 2.5,
    }
    assert ratios({"server": [{"cpu": 4.0}], FLOOR: [{"cpu": 0.0}]}, "server", FLOOR, "cpu") is None
