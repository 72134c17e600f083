#!/usr/bin/python3
"""Benchmark of the modem layer in the lab (mock ModemManager, uplinkd-modem-runner in the gw
namespace). Prints figures; never passes or fails on time.

  drop -> Wan down      from just before the DropBearer fault call is sent to the mock (D-Bus,
                        from this process) to the runner publishing modem1's Wan as down. Includes
                        the mock's handling and the PropertiesChanged delivery: an upper bound of
                        "bearer drop signalled by ModemManager -> Wan marked down".
  reappear -> up        modem1 removed (InterfacesRemoved) and, once the runner saw it absent, added
                        back at a new path: from just before AddModem is sent to the Wan being up
                        again (adoption, enable, registration, Simple.Connect, STATIC config).

Both use CLOCK_MONOTONIC: time.monotonic_ns() here, the runner's mono_ns stamps there.
Needs root. Usage: modem_failover_bench.py [--runs N] [--build-dir DIR]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(REPO / "tests" / "lab" / "modem"))


def summarize(label: str, values_ms: list[float]) -> str:
    values = sorted(values_ms)
    p95 = values[min(len(values) - 1, int(round(0.95 * (len(values) - 1))))]
    return (f"{label:<22} n={len(values):<3} median={statistics.median(values):8.2f} ms  "
            f"p95={p95:8.2f} ms  max={max(values):8.2f} ms  min={min(values):8.2f} ms")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--build-dir", default=os.environ.get("UPLINK_LAB_BUILD_DIR", str(REPO / "build")))
    args = parser.parse_args()
    if os.geteuid() != 0:
        print("needs root (network namespaces)", file=sys.stderr)
        return 77
    os.environ["UPLINK_LAB_BUILD_DIR"] = args.build_dir
    import dbus  # Debian's python3-dbus
    import modem_lab_support as support
    from modem_lab_support import lab_support

    lab = lab_support.Lab("--no-uplinkd")
    try:
        lab.up()
        support.clear_gw_links(lab)
        tmp = tempfile.TemporaryDirectory(prefix="modem-bench-")
        runner = support.ModemRunner(lab, support.write_runner_config(tmp.name, backoff_ms=100))
        try:
            runner.wait_up("modem1")
            runner.wait_up("modem2")
            bus = dbus.bus.BusConnection(lab.lab("bus").stdout.strip())
            control = dbus.Interface(bus.get_object("org.freedesktop.ModemManager1", "/org/uplinkd/Lab/MockModemManager"),
                                     "org.uplinkd.Lab.MockModemManager1")
            other_before = runner.state("modem2")["counters"]
            start = runner.mark()

            drop_ms, drop_call_ms = [], []
            for _ in range(args.runs):
                runner.wait_up("modem1")
                mark = runner.mark()
                t0 = time.monotonic_ns()
                control.DropBearer("modem1", "", "bench")
                t1 = time.monotonic_ns()
                line = runner.wait_line_since(
                    mark, lambda l: l["type"] == "state" and l["state"]["name"] == "modem1" and not l["state"]["wan_up"],
                    10, "modem1 down")
                drop_ms.append((line["mono_ns"] - t0) / 1e6)
                drop_call_ms.append((t1 - t0) / 1e6)
                runner.wait_up("modem1")

            reappear_ms = []
            for _ in range(args.runs):
                runner.wait_up("modem1")
                control.RemoveModem("modem1")
                runner.wait_state("modem1", lambda s: s["phase"] == "absent", 10, "absent")
                mark = runner.mark()
                t0 = time.monotonic_ns()
                control.AddModem("modem1")
                line = runner.wait_line_since(
                    mark, lambda l: l["type"] == "state" and l["state"]["name"] == "modem1" and l["state"]["wan_up"],
                    20, "modem1 up again")
                reappear_ms.append((line["mono_ns"] - t0) / 1e6)

            modem2_downs = [l for l in runner.lines_since(start, "state", "modem2") if not l["state"]["wan_up"]]
            print(f"modem layer benchmark, lab {lab.id}, {args.runs} runs each (mock ModemManager, "
                  f"uplinkd-modem-runner)")
            print(summarize("drop -> Wan down", drop_ms))
            print(summarize("  (DropBearer call)", drop_call_ms))
            print(summarize("reappear -> Wan up", reappear_ms))
            print(f"modem2 during all of it: {len(modem2_downs)} down publications, counters "
                  f"{'unchanged' if runner.state('modem2')['counters'] == other_before else 'CHANGED'}")
        finally:
            runner.stop()
            tmp.cleanup()
    finally:
        lab.down()
    return 0


if __name__ == "__main__":
    sys.exit(main())
