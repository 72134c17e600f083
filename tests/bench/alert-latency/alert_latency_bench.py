#!/usr/bin/python3
"""Benchmark (not a test): alert latency and loss through uplinkd in the lab, with and without
its priority lanes (issue 5).

Conditions: both carrier paths capped at --cap-kbit (1 Mbit/s) with --loss (3 %) loss each way;
bulk UDP saturating them from the gateway itself and from the LAN (forwarded, masqueraded); a
producer submitting --count alerts at --rate per second to the relay's socket. uplinkd runs with
the lab's whole configuration (both modems as Wans, the multi-WAN policy) and every Wan shaped at
--upload-kbit (default 90 % of the cap, as one configures any shaper: at 100 % the carrier's queue
fills until the adaptive rate has learnt the capacity, and alerts wait in it). Latency is submit (producer, host clock) -> first arrival at the cloud collector
(host clock), counted once the impairments have ended and the outbox has drained, so the tail
includes alerts that waited; loss counts acknowledged alerts whose id never reached the collector.

Runs, in one lab, one after the other:
  lanes:  uplinkd with its lanes ([policy] lanes = true: HTB per Wan, alert priority, degraded
          caps, adaptive shaper rate, duplication over both modems when every path is degraded);
  plain:  the same uplinkd with lanes off ([policy] lanes = false, duplicate_when_degraded = false):
          plain policy routing;
  churn:  the lanes run again, with the active Wan (carrier1) blackholed for --blackhole-s halfway
          through and uplinkd killed with -9 and restarted once; its losses count in `lost`.
Last line: alert-latency lanes_p99_ms=<n> plain_p99_ms=<n> ratio=<n> lost=<n>/<n>
"""

import argparse
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent.parent
sys.path.insert(0, str(REPO / "tests" / "lab"))
sys.path.insert(0, str(REPO / "tests" / "lab" / "alerts"))

import lab_support  # noqa: E402
from alert_lab import (AlertCloud, Producer, RelayDaemon, new_workdir, policy_config,  # noqa: E402
                       remove_workdir, wait_for)


def percentile(values, p):
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(0, min(len(ordered) - 1, int(round(p / 100 * len(ordered) + 0.5)) - 1))
    return ordered[rank]


def log(text):
    print(text, file=sys.stderr, flush=True)


class Run:
    def __init__(self, name, producer, cloud):
        self.name = name
        self.producer = producer
        self.cloud = cloud
        self.acked = []
        self.refused = 0

    def submit(self, count, rate, during=None):
        """Submits `count` alerts at `rate`/s; calls during(i) before alert i (fault injection)."""
        start = time.monotonic()
        for i in range(count):
            if during:
                during(i)
            target = start + i / rate
            delay = target - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            ref = f"{self.name}-{i}"
            for _attempt in range(100):
                try:
                    reply = self.producer.submit(ref, severity="major")
                except (ConnectionRefusedError, FileNotFoundError, TimeoutError):
                    time.sleep(0.05)  # uplinkd is restarting: resend, as uplinkd-infer does
                    continue
                if reply.get("ok"):
                    self.acked.append(reply["id"])
                else:
                    self.refused += 1
                break

    def results(self, wait_s):
        try:
            wait_for(f"{self.name}: alerts at the collector",
                     lambda: set(self.acked) <= self.cloud.unique_ids(), wait_s, interval=0.2)
        except AssertionError as error:
            log(str(error))
        arrivals = self.cloud.first_arrivals()
        latencies = [(arrivals[i] - self.producer.sent_at[i]) * 1000 for i in self.acked if i in arrivals]
        lost = sum(1 for i in self.acked if i not in arrivals)
        copies = sum(1 for r in self.cloud.received() if r["id"] in set(self.acked) and r["copy"] > 1)
        # Where the tail sits: the submission index of each alert slower than 50 ms.
        slow = [n for n, i in enumerate(self.acked) if i in arrivals and
                (arrivals[i] - self.producer.sent_at[i]) * 1000 > 50]
        return {"run": self.name, "acked": len(self.acked), "refused": self.refused, "received": len(latencies),
                "over_50ms": len(slow), "over_50ms_at": slow[:40],
                "lost": lost, "duplicates": copies,
                "p50_ms": round(percentile(latencies, 50), 1), "p99_ms": round(percentile(latencies, 99), 1),
                "max_ms": round(max(latencies), 1) if latencies else None}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--build-dir", default=os.environ.get("UPLINK_LAB_BUILD_DIR", str(REPO / "build")))
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=20)
    parser.add_argument("--cap-kbit", type=int, default=1000, help="each carrier's uplink and downlink cap")
    parser.add_argument("--upload-kbit", type=int, default=None,
                        help="[wan.shaping] upload_kbit for uplinkd (default 90%% of --cap-kbit: a shaper must sit "
                             "under the bottleneck so the queue forms where alerts can overtake; see docs/lanes.md)")
    parser.add_argument("--loss", type=int, default=3)
    parser.add_argument("--bulk-kbit", type=int, default=3000, help="bulk from gw and again from lan")
    parser.add_argument("--blackhole-s", type=float, default=5)
    parser.add_argument("--plain-mqtt", action="store_true", help="MQTT without TLS")
    args = parser.parse_args()
    if os.geteuid() != 0:
        sys.exit("the benchmark needs root (network namespaces)")
    lab_support.BUILD_DIR = args.build_dir
    if args.upload_kbit is None:
        args.upload_kbit = args.cap_kbit * 9 // 10

    lab = lab_support.Lab("--no-uplinkd")
    workdir = new_workdir(lab.id)
    cleanups = [lambda: remove_workdir(workdir), lab.down]
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    settings = {"keepalive_s": 5, "connect_timeout_ms": 5000, "ack_timeout_ms": 10000,
                "backoff_initial_ms": 200, "backoff_max_ms": 2000}
    try:
        lab.up()
        log(f"lab {lab.id} up")
        cloud = AlertCloud(lab, workdir / "cloud")
        cleanups.insert(0, cloud.stop)
        cloud.start()
        lanes_daemon = RelayDaemon(lab, cloud, workdir, tls=not args.plain_mqtt, settings=settings, name="lanes",
                                   base_config=policy_config(upload_kbit=args.upload_kbit, lanes=True))
        plain_daemon = RelayDaemon(lab, cloud, workdir, tls=not args.plain_mqtt, name="plain",
                                   settings={**settings, "duplicate_when_degraded": "false"},
                                   base_config=policy_config(upload_kbit=args.upload_kbit, lanes=False))
        running = []
        cleanups.insert(0, lambda: [d.stop() for d in running])

        def start(daemon):
            running.append(daemon)
            daemon.start()
            wait_for("the relay's broker session", lambda: (daemon.status() or {}).get("broker", {}).get("state")
                     == "connected", 30)

        def stop(daemon):
            rc = daemon.stop()
            running.remove(daemon)
            if rc != 0:
                log(f"uplinkd exited {rc}")

        for carrier in ("carrier1", "carrier2"):
            lab.lab("impair", carrier, "rate", str(args.cap_kbit))
            lab.lab("impair", carrier, "loss", str(args.loss))
        # Bulk from the gateway and from the LAN, to the cloud's discard port in the lab's bulk
        # class (udp 9100-9199), each at --bulk-kbit: both carriers' caps are exceeded.
        bulk = [subprocess.Popen(["ip", "netns", "exec", lab.ns(role), lab_support.PYTHON, str(HERE / "udp_bulk.py"),
                                  "203.0.113.11", "--port", "9100", "--kbit", str(args.bulk_kbit)])
                for role in ("gw", "lan")]
        cleanups.insert(0, lambda: [(b.terminate(), b.wait()) for b in bulk])
        producer = Producer(lanes_daemon.socket_path, workdir / "producer.sock", source="bench")
        cleanups.insert(0, producer.close)
        conditions = (f"{args.count} alerts at {args.rate}/s, {args.cap_kbit} kbit/s caps, {args.loss}% loss, "
                      f"{args.bulk_kbit} kbit/s bulk from gw and from lan, upload_kbit {args.upload_kbit}")

        log(f"lanes: {conditions}")
        start(lanes_daemon)
        lanes = Run("lanes", producer, cloud)
        lanes.submit(args.count, args.rate)
        lanes_status = lanes_daemon.status()
        stop(lanes_daemon)

        log(f"plain: {conditions}, lanes off")
        start(plain_daemon)
        plain = Run("plain", producer, cloud)
        plain.submit(args.count, args.rate)
        stop(plain_daemon)

        half = args.count // 2
        churn = Run("churn", producer, cloud)
        events = {}

        def faults(i):
            if i == half:
                log(f"churn: blackhole carrier1 (the active Wan) for {args.blackhole_s} s, kill -9 uplinkd")
                lab.lab("impair", "carrier1", "blackhole")
                events["restore"] = threading.Timer(args.blackhole_s, lambda: lab.lab(
                    "impair", "carrier1", "clear", "blackhole"))
                events["restore"].start()
                lanes_daemon.kill9()
                lanes_daemon.start()

        log(f"churn: {conditions}, with lanes")
        start(lanes_daemon)
        churn.submit(args.count, args.rate, during=faults)
        if "restore" in events:
            events["restore"].join()
        # Alerts not yet through are not lost while they sit in the outbox: end the impairments
        # and the bulk traffic, let the outbox drain, and only then count and time everything.
        for b in bulk:
            b.terminate()
            b.wait()
        for carrier in ("carrier1", "carrier2"):
            lab.lab("impair", carrier, "clear", check=False)
        log("impairments and bulk ended; waiting for the outbox to drain")
        results = [run.results(120) for run in (lanes, plain, churn)]
        for result in results:
            log(json.dumps(result))
        lanes_result, plain_result, churn_result = results
        acked = sum(r["acked"] for r in results)
        lost = sum(r["lost"] for r in results)
        ratio = plain_result["p99_ms"] / lanes_result["p99_ms"] if lanes_result["p99_ms"] > 0 else float("nan")
        relay = (lanes_status or {})
        print(json.dumps({"lanes": lanes_result, "plain": plain_result, "churn": churn_result,
                          "lanes_relay_at_end": {k: relay.get(k) for k in ("duplicating", "sessions")}}))
        print(f"alert-latency lanes_p99_ms={lanes_result['p99_ms']} plain_p99_ms={plain_result['p99_ms']} "
              f"ratio={ratio:.1f} lost={lost}/{acked}")
    finally:
        for cleanup in cleanups:
            try:
                cleanup()
            except Exception as error:  # noqa: BLE001 - clean up everything we can
                log(f"cleanup: {error}")


if __name__ == "__main__":
    main()
