#!/usr/bin/python3
"""The cloud's alert collector: subscribes to the relay's topic (mosquitto_sub, QoS 1, a persistent
session so nothing published while it reconnects is lost), records each alert's id and arrival
time and de-duplicates by id.

Output: one JSON line per received message on --out, flushed at once:
  {"id": "a-...", "arrival": 1700000000.123456, "copy": 1, "severity": "major", "ref": "..."}
`copy` counts the deliveries of that id (1 for the first; >1 are duplicates the dedup drops).
Messages without an "id" (the test's readiness probes) are recorded with "probe": true.
Prints READY (and records the probe) once a probe message it publishes itself comes back, i.e.
the subscription is active.
"""

import argparse
import json
import os
import subprocess
import sys
import threading


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", required=True)
    parser.add_argument("--port", type=int, default=1883)
    parser.add_argument("--topic", default="uplinkd/alerts")
    parser.add_argument("--client-id", default="alert-collector")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()

    # -c with a fixed id: the broker keeps the session and queues QoS 1 messages across our
    # reconnects. %U is the receive time (Unix seconds with nanoseconds) on the host clock.
    sub = subprocess.Popen(
        ["stdbuf", "-oL", "mosquitto_sub", "-h", args.host, "-p", str(args.port), "-t", args.topic,
         "-q", "1", "-c", "-i", args.client_id, "-F", "%U %p"],
        stdout=subprocess.PIPE, text=True)
    probe = f"collector-ready-{os.getpid()}"
    ready = threading.Event()

    def send_probes():
        # Until our own probe comes back the subscription may not be active yet: probe again.
        while not ready.wait(0.3):
            subprocess.run(["mosquitto_pub", "-h", args.host, "-p", str(args.port), "-t", args.topic,
                            "-q", "1", "-m", json.dumps({"probe": probe})], check=False)

    threading.Thread(target=send_probes, daemon=True).start()
    copies: dict[str, int] = {}
    with open(args.out, "a", buffering=1) as out:
        for line in sub.stdout:
            stamp, _, body = line.rstrip("\n").partition(" ")
            try:
                message = json.loads(body)
            except json.JSONDecodeError:
                continue
            if "probe" in message:
                out.write(json.dumps({"probe": message["probe"], "arrival": float(stamp)}) + "\n")
                if message["probe"] == probe and not ready.is_set():
                    ready.set()
                    print("READY", flush=True)
                continue
            alert_id = message.get("id")
            if not isinstance(alert_id, str):
                continue
            copies[alert_id] = copies.get(alert_id, 0) + 1
            out.write(json.dumps({"id": alert_id, "arrival": float(stamp), "copy": copies[alert_id],
                                  "severity": message.get("severity"), "ref": message.get("ref")}) + "\n")
    return sub.wait()


if __name__ == "__main__":
    sys.exit(main())
