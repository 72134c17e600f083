#!/usr/bin/python3
"""Failover benchmark (not a test): how long a LAN flow is cut when its Wan fails.

Builds a lab (tests/lab/uplink-lab) with uplinkd running tests/bench/failover/uplinkd-bench.toml,
sends a 200 packets/s UDP stream from `lan` through gw to the cloud, and hits the Wan that carries
it with each impairment in turn: blackhole (carrier drops everything, link stays up), link down
(the carrier's end of the veth), bearer drop (the mock ModemManager's DropBearer). A trial's gap
is from the moment the impairment is applied to the first datagram the cloud receives over the
other Wan (the carriers masquerade to different addresses); sender, receiver and the impairment
share one host clock. After each trial the impairment is removed and the benchmark waits for both
Wans to be Up again; the flow stays pinned to the Wan it moved to, so the next trial hits that one.

Also measured: health-probe traffic per Wan at steady state (probe_bytes from status.json over
a quiet window), as KB per hour.

The alternating flap (a second lab, with the lab's own config tests/lab/uplinkd-lab.toml: real
holds with flap damping, 5 s doubling per flap): the Wan carrying the stream is blackholed for
4 s and cleared, then after a 6 s pause the Wan carrying it then is hit, and so on for
--flap-cycles cycles, so each Wan is hit every 20 s and its hold doubles each time (5, 10, 20 s).
A cycle's outage is the longest silence in the stream from its blackhole to the next cycle's; the
worst of them is the figure. Without the last-resort rule a Wan that answered every probe again
stayed unusable for the rest of its hold while the other was dead.

Last line, exactly:
failover blackhole_p95_ms=<n> linkdown_p95_ms=<n> bearer_p95_ms=<n> trials=<n> probe_kb_per_hour=<n> flap_worst_gap_ms=<n>
(with --only-flap: `flap worst_gap_ms=<n> cycles=<n>`)

Needs root. Usage: failover_bench.py [--trials 20] [--build-dir DIR] [--quiet-s 60] [--flap-cycles 6]
[--only-flap]
"""
import argparse
import os
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent.parent
sys.path.insert(0, str(REPO / "tests" / "lab" / "policy"))
import policy_lab  # noqa: E402
from policy_lab import CLOUD4, WANS, PolicyLab, other  # noqa: E402


def p95(values):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def active_wan(lab: PolicyLab, out: Path) -> str:
    """The Wan the stream's last datagrams came by."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        records = lab.received(out)[-5:]
        if len(records) == 5 and len({r["src"] for r in records}) == 1:
            src = records[-1]["src"]
            return next(name for name, wan in WANS.items() if wan["src4"] == src)
        time.sleep(0.05)
    raise AssertionError(f"stream is not flowing steadily: {lab.received(out)[-5:]}")


def both_up(lab: PolicyLab, timeout: float = 60) -> dict:
    return lab.wait_for("both Wans up", lambda s: len(s.get("wans", [])) == 2 and all(
        w["health"] == "up" and w["usable"] for w in s["wans"]), timeout=timeout)


def run_trials(lab: PolicyLab, out: Path, kind: str, trials: int) -> list:
    gaps = []
    for trial in range(trials):
        both_up(lab)
        time.sleep(0.3)  # let the stream settle on its Wan
        wan = active_wan(lab, out)
        target = other(wan)
        if kind == "blackhole":
            t = lab.blackhole(wan)
        elif kind == "linkdown":
            t = lab.link_down(wan)
        else:
            t = lab.drop_bearer(wan)
        first = lab.wait_packets_from(out, WANS[target]["src4"], t, timeout=20)
        gap_ms = (first["recv_ns"] - t) / 1e6
        gaps.append(gap_ms)
        log(f"{kind} trial {trial + 1}/{trials}: {wan} -> {target} in {gap_ms:.1f} ms")
        if kind == "blackhole":
            lab.clear_blackhole(wan)
        elif kind == "linkdown":
            lab.link_up(wan)
        # bearer: the modem layer reconnects by itself
    return gaps


def longest_silence_ms(records: list, start_ns: int, end_ns: int) -> float:
    """The longest gap between datagrams received in [start_ns, end_ns] (edges included)."""
    times = [start_ns] + [r["recv_ns"] for r in records if start_ns <= r["recv_ns"] <= end_ns] + [end_ns]
    return max(b - a for a, b in zip(times, times[1:])) / 1e6


def run_flap(build_dir: str, cycles: int, blackhole_s: float = 4.0, pause_s: float = 6.0) -> list:
    """The alternating flap on a fresh lab with the lab's config; returns each cycle's outage (ms)."""
    lab = PolicyLab("--config", str(REPO / "tests" / "lab" / "uplinkd-lab.toml"))
    try:
        log(f"flap lab {lab.id}: up with {build_dir}")
        lab.up()
        both_up(lab)
        out = lab.start_receiver(9100)
        lab.start_sender(CLOUD4, 9100, rate=200, sport=47100)
        active_wan(lab, out)
        starts = []
        for cycle in range(cycles):
            wan = active_wan(lab, out)
            t = lab.blackhole(wan)
            starts.append(t)
            time.sleep(blackhole_s)
            lab.clear_blackhole(wan)
            status = lab.status()
            log(f"flap cycle {cycle + 1}/{cycles}: {wan} blackholed {blackhole_s:.0f} s and cleared; "
                + ", ".join(f"{w['name']} {w['health']}{' usable' if w['usable'] else ''}" for w in status["wans"]))
            time.sleep(pause_s)
        end = time.time_ns()
        records = lab.received(out)
        gaps = []
        for i, start in enumerate(starts):
            stop = starts[i + 1] if i + 1 < len(starts) else end
            gaps.append(longest_silence_ms(records, start, stop))
            log(f"flap cycle {i + 1}: longest silence {gaps[-1]:.0f} ms")
        return gaps
    finally:
        lab.down()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--quiet-s", type=float, default=60, help="steady window for the probe traffic")
    parser.add_argument("--build-dir", default=os.environ.get("UPLINK_LAB_BUILD_DIR", str(REPO / "build")))
    parser.add_argument("--flap-cycles", type=int, default=6, help="cycles of the alternating flap")
    parser.add_argument("--only-flap", action="store_true", help="run the alternating flap case alone")
    args = parser.parse_args()
    if os.geteuid() != 0:
        log("needs root (network namespaces)")
        return 77
    policy_lab.lab_support.BUILD_DIR = args.build_dir
    if args.only_flap:
        flap = run_flap(args.build_dir, args.flap_cycles)
        print(f"flap: cycles={len(flap)} gaps_ms={','.join(f'{g:.0f}' for g in flap)}", flush=True)
        print(f"flap worst_gap_ms={max(flap):.0f} cycles={len(flap)}", flush=True)
        return 0
    lab = PolicyLab("--config", str(HERE / "uplinkd-bench.toml"))
    try:
        log(f"lab {lab.id}: up with {args.build_dir}")
        lab.up()
        both_up(lab)
        out = lab.start_receiver(9000)
        lab.start_sender(CLOUD4, 9000, rate=200, sport=47000)
        active_wan(lab, out)

        # Probe traffic at steady state, both Wans up, before any impairment.
        before = {w["name"]: w["probe_bytes"] for w in lab.status()["wans"]}
        t0 = time.monotonic()
        time.sleep(args.quiet_s)
        status = lab.status()
        elapsed_h = (time.monotonic() - t0) / 3600
        per_wan = {w["name"]: (w["probe_bytes"] - before[w["name"]]) / 1024 / elapsed_h for w in status["wans"]}
        for name, kb in per_wan.items():
            log(f"probes {name}: {kb:.0f} KB/hour over {args.quiet_s:.0f} s")

        results = {}
        for kind in ("blackhole", "linkdown", "bearer"):
            gaps = run_trials(lab, out, kind, args.trials)
            results[kind] = gaps
            print(f"{kind}: n={len(gaps)} p50={statistics.median(gaps):.0f} ms p95={p95(gaps):.0f} ms "
                  f"max={max(gaps):.0f} ms", flush=True)
        records = lab.received(out)
        print(f"stream: {len(records)} datagrams received at the cloud", flush=True)
    finally:
        lab.down()
    flap = run_flap(args.build_dir, args.flap_cycles)
    print(f"flap: cycles={len(flap)} gaps_ms={','.join(f'{g:.0f}' for g in flap)}", flush=True)
    print(f"failover blackhole_p95_ms={p95(results['blackhole']):.0f} linkdown_p95_ms={p95(results['linkdown']):.0f} "
          f"bearer_p95_ms={p95(results['bearer']):.0f} trials={args.trials} "
          f"probe_kb_per_hour={max(per_wan.values()):.0f} flap_worst_gap_ms={max(flap):.0f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
