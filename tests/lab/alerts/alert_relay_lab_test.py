#!/usr/bin/python3
"""The alert relay in the lab, end to end: uplinkd in gw submits to a real mosquitto broker (TLS
with a client certificate generated for the test) in the cloud namespace; the collector there
records arrivals and de-duplicates by id.

- a bad submission is refused with a clear error and the outbox is unchanged;
- an alert submitted while every Wan is dead (both carriers blackholed) is acknowledged (durable),
  stays queued, and is delivered after recovery;
- the outbox survives kill -9: alerts acknowledged before the kill (queued while the Wans are down,
  and a burst in flight at the moment of the kill) all reach the collector after a restart, each id
  exactly once after de-duplication.
"""

import sys
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import lab_support  # noqa: E402
from alert_lab import (Producer, RelayDaemon, route_gw_via_carriers, start_lab_and_cloud,  # noqa: E402
                       wait_for)


class AlertRelayLabTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        start_lab_and_cloud(cls)
        route_gw_via_carriers(cls.lab)
        cls.daemon = RelayDaemon(cls.lab, cls.cloud, cls.workdir)
        cls.addClassCleanup(cls.daemon.stop)
        cls.daemon.start()
        wait_for("the relay to connect to the broker over TLS",
                 lambda: (cls.daemon.status() or {}).get("broker", {}).get("state") == "connected", 20)

    def setUp(self):
        self.producer = Producer(self.daemon.socket_path, self.workdir / "producer.sock",
                                 source=f"lab-{self._testMethodName[:40]}")
        self.addCleanup(self.producer.close)
        self.addCleanup(self.lab.lab, "impair", "carrier1", "clear", check=False)
        self.addCleanup(self.lab.lab, "impair", "carrier2", "clear", check=False)

    def wait_delivered(self, ids, timeout=30):
        wait_for(f"{len(ids)} alert(s) at the collector", lambda: set(ids) <= self.cloud.unique_ids(), timeout)

    def test_1_a_bad_submission_is_refused_and_changes_nothing(self):
        ok = self.producer.submit("good-1")
        self.assertTrue(ok["ok"], ok)
        self.wait_delivered([ok["id"]])
        # The status as of after the delivery: depth 0 alone also matches one written before
        # good-1 was accepted (the relay may publish before the status is next written).
        before = wait_for("the status to show the delivery",
                          lambda: (s := self.daemon.status())["outbox_depth"] == 0 and s["delivered"] >= 1 and s, 5)
        cases = [
            (b"{not json", "bad-json"),
            (b'{"id":"bad-2","time":"2025-01-01T00:00:00Z","source":"x","severity":"fatal","payload":{}}', "bad-field"),
            (b'{"time":"2025-01-01T00:00:00Z","source":"x","severity":"info"}', "missing-field"),
            (b'{"time":"2025-01-01T00:00:00Z","source":"x","severity":"info","payload":{},"extra":1}', "unknown-field"),
            (b'{"time":"2025-01-01T00:00:00Z","source":"x","severity":"info","payload":{"pad":"'
             + b"x" * 9000 + b'"}}', "too-large"),
        ]
        for datagram, error in cases:
            reply = self.producer.submit_raw(datagram)
            self.assertFalse(reply["ok"], reply)
            self.assertEqual(reply["error"], error, reply)
            self.assertFalse(reply["retryable"])
        after = wait_for("the refusals in the status",
                         lambda: (s := self.daemon.status())["submissions"]["refused"] ==
                         before["submissions"]["refused"] + len(cases) and s, 5)
        self.assertEqual(after["outbox_stored"], before["outbox_stored"])
        self.assertEqual(after["outbox_depth"], 0)
        self.assertEqual(after["submissions"]["accepted"], before["submissions"]["accepted"])
        self.assertEqual(after["publishes"], before["publishes"])

    def test_2_an_alert_submitted_while_every_wan_is_down_is_delivered_after_recovery(self):
        self.lab.lab("impair", "carrier1", "blackhole")
        self.lab.lab("impair", "carrier2", "blackhole")
        reply = self.producer.submit("all-down-1", severity="critical")
        self.assertTrue(reply["ok"], reply)  # durable in the outbox, though nothing can leave
        alert_id = reply["id"]
        # The session over the dead path is noticed (no PUBACK in 2 s) and dropped; it stays queued.
        wait_for("the relay to notice the dead path",
                 lambda: self.daemon.status()["broker"]["state"] != "connected", 15)
        status = self.daemon.status()
        self.assertEqual(status["outbox_depth"], 1)
        self.assertNotIn(alert_id, self.cloud.unique_ids())
        self.lab.lab("impair", "carrier1", "clear")
        self.lab.lab("impair", "carrier2", "clear")
        self.wait_delivered([alert_id], timeout=30)
        wait_for("the outbox to drain", lambda: self.daemon.status()["outbox_depth"] == 0, 5)
        self.assertEqual(self.daemon.status()["broker"]["state"], "connected")

    def test_3_the_outbox_survives_kill_9(self):
        # Phase 1: queued while every Wan is dead.
        self.lab.lab("impair", "carrier1", "blackhole")
        self.lab.lab("impair", "carrier2", "blackhole")
        queued = []
        for n in range(30):
            reply = self.producer.submit(f"k9-queued-{n}", severity=["info", "warning", "major", "critical"][n % 4])
            self.assertTrue(reply["ok"], reply)
            queued.append(reply["id"])
        self.daemon.kill9()
        self.daemon.start()
        self.assertEqual(self.daemon.status()["outbox_depth"], 30)
        # Phase 2: a burst with the path alive, killed while some are in flight.
        self.lab.lab("impair", "carrier1", "clear")
        self.lab.lab("impair", "carrier2", "clear")
        self.wait_delivered(queued)
        burst = []
        for n in range(200):
            reply = self.producer.submit(f"k9-burst-{n}")
            self.assertTrue(reply["ok"], reply)
            burst.append(reply["id"])
        self.daemon.kill9()
        self.daemon.start()
        acknowledged = set(queued) | set(burst)
        self.wait_delivered(acknowledged, timeout=60)
        received = self.cloud.received()
        ours = [record for record in received if record["id"] in acknowledged]
        unique = {record["id"] for record in ours}
        self.assertEqual(unique, acknowledged)
        duplicates = len(ours) - len(unique)
        print(f"kill -9: {len(acknowledged)} acknowledged, {len(unique)} received after dedup, "
              f"{duplicates} duplicate deliveries dropped", file=sys.stderr)
        wait_for("the restarted relay's outbox to drain", lambda: self.daemon.status()["outbox_depth"] == 0, 10)


if __name__ == "__main__":
    lab_support.main()
