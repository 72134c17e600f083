#!/usr/bin/python3
"""Alert lanes in the lab (docs/lanes.md, docs/alert-relay.md): uplinkd runs the lab's whole
configuration (both modems as Wans, the multi-WAN policy) with every Wan shaped, and the relay
delivers to a mosquitto broker in the cloud namespace.

- the HTB tree on each Wan and the nftables lanes chain are what docs/lanes.md says;
- the relay keeps one MQTT session per Wan, each bound to its Wan; alerts go by the alert path's
  Wan, in the alert lane;
- when both Wans are degraded (lossy), each alert is published over both modems and the collector
  sees two copies;
- on stop, uplinkd removes its HTB trees and its nftables table.
"""

import json
import re
import sys
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import lab_support  # noqa: E402
from alert_lab import (PLAIN_PORT, Producer, RelayDaemon, policy_config, start_lab_and_cloud,  # noqa: E402
                       wait_for)

MAJOR = "55"
LANES = {"alert": ("10", 0), "management": ("20", 1), "telemetry": ("30", 2), "bulk": ("40", 3)}
WANS = {"cell1": ("wwan0", "100.64.1.2"), "cell2": ("wwan1", "100.64.2.2")}
# What the broker in cloud sees: each carrier masquerades its subscribers to its own address.
CARRIER_ADDRESSES = {"cell1": "198.51.100.1", "cell2": "198.51.100.5"}


class AlertLanesLabTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        start_lab_and_cloud(cls)
        # Degraded at 5 % probe loss, so the test's 15 % loss degrades both Wans without
        # taking them down.
        config = policy_config(upload_kbit=1000, lanes=True, health_extra="degraded_loss = 0.05\n")
        cls.daemon = RelayDaemon(cls.lab, cls.cloud, cls.workdir, tls=False, base_config=config, name="lanes")
        cls.addClassCleanup(cls.daemon.stop)
        cls.daemon.start()
        wait_for("a connected relay session on each Wan", lambda: cls.connected_sessions() == set(WANS), 30)
        wait_for("both Wans confirmed up, neither degraded", lambda: cls.wans_settled(), 30)

    @classmethod
    def wans_settled(cls) -> bool:
        try:
            status = json.loads((cls.daemon.runtime_dir / "status.json").read_text())
        except (OSError, ValueError):
            return False
        wans = {entry["name"]: entry for entry in status.get("wans", [])}
        return all(wans.get(w, {}).get("health") == "up" and not wans[w].get("degraded") for w in WANS)

    @classmethod
    def connected_sessions(cls) -> set:
        sessions = (cls.daemon.status() or {}).get("sessions") or []
        return {s["wan"] for s in sessions if s.get("state") == "connected"}

    def setUp(self):
        self.producer = Producer(self.daemon.socket_path, self.workdir / "producer.sock",
                                 source=f"lanes-{self._testMethodName[:40]}")
        self.addCleanup(self.producer.close)
        for carrier in ("carrier1", "carrier2"):
            self.addCleanup(self.lab.lab, "impair", carrier, "clear", check=False)

    def tc(self, *args) -> list:
        return json.loads(self.lab.sh("gw", "tc", "-j", *args).stdout or "[]")

    def classes(self, interface: str) -> dict:
        """`tc -s class show` parsed (iproute2 6.1 prints classes as text even with -j)."""
        out = self.lab.sh("gw", "tc", "-s", "class", "show", "dev", interface).stdout
        classes = {}
        for block in re.split(r"\n(?=class )", out.strip()):
            head = re.match(r"class (\w+) (\S+) (?:root|parent (\S+))", block)
            if not head:
                continue
            prio = re.search(r" prio (\d+)", block)
            sent = re.search(r"Sent (\d+) bytes", block)
            classes[head.group(2)] = {"kind": head.group(1), "parent": head.group(3),
                                      "prio": int(prio.group(1)) if prio else None,
                                      "bytes": int(sent.group(1)) if sent else 0}
        return classes

    def lane_bytes(self, interface: str, minor: str) -> int:
        entry = self.classes(interface).get(f"{MAJOR}:{minor}")
        if entry is None:
            raise AssertionError(f"no class {MAJOR}:{minor} on {interface}")
        return entry["bytes"]

    def relay(self) -> dict:
        return self.daemon.status() or {}

    def submit(self, refs) -> list:
        ids = []
        for ref in refs:
            reply = self.producer.submit(ref, severity="critical")
            self.assertTrue(reply.get("ok"), reply)
            ids.append(reply["id"])
        return ids

    def test_1_htb_and_nftables_are_what_the_docs_say(self):
        for wan, (interface, address) in WANS.items():
            roots = [q for q in self.tc("qdisc", "show", "dev", interface) if q.get("root")]
            self.assertEqual([(q["kind"], q["handle"]) for q in roots], [("htb", f"{MAJOR}:")], roots)
            self.assertEqual(roots[0]["options"].get("default"), "0x20", roots[0])  # management lane
            classes = self.classes(interface)
            self.assertIn(f"{MAJOR}:1", classes, classes)
            for lane, (minor, prio) in LANES.items():
                entry = classes.get(f"{MAJOR}:{minor}")
                self.assertIsNotNone(entry, f"{wan}: no {lane} lane in {sorted(classes)}")
                self.assertEqual(entry["parent"], f"{MAJOR}:1", entry)
                self.assertEqual(entry["prio"], prio, entry)

        ruleset = json.loads(self.lab.sh("gw", "nft", "-j", "list", "table", "inet", "uplinkd").stdout)["nftables"]
        chains = {item["chain"]["name"]: item["chain"] for item in ruleset if "chain" in item}
        self.assertEqual((chains["lanes"]["hook"], chains["lanes"]["type"]), ("postrouting", "filter"), chains["lanes"])
        text = self.lab.sh("gw", "nft", "list", "table", "inet", "uplinkd").stdout
        for minor, _ in LANES.values():
            self.assertIn(f"meta priority set {MAJOR}:{minor}", text)
        for wan, (_, address) in WANS.items():
            # The relay's session bound to this Wan's address is pinned to the Wan, in the alert class.
            self.assertRegex(text, rf"ip saddr {address} tcp dport {PLAIN_PORT} .*meta mark set")

        status = json.loads((self.daemon.runtime_dir / "status.json").read_text())
        wans = {entry["name"]: entry for entry in status["wans"]}
        for wan in WANS:
            lanes = wans[wan]["lanes"]
            self.assertTrue(lanes["installed"], lanes)
            self.assertGreater(lanes["rate_kbit"], 0, lanes)
            self.assertLessEqual(lanes["rate_kbit"], 1000, lanes)

    def test_2_alerts_leave_by_the_alert_path_in_the_alert_lane(self):
        sessions = {s["wan"]: s for s in self.relay()["sessions"]}
        self.assertEqual({w: s["bind_address"] for w, s in sessions.items()},
                         {w: a for w, (_, a) in WANS.items()})
        self.assertTrue(sessions["cell1"]["publishing"], sessions)  # cell1 has the lower priority number
        self.assertFalse(sessions["cell2"]["publishing"], sessions)
        # The broker sees one connection through each carrier.
        peers = self.lab.sh("cloud", "ss", "-Htn", "state", "established", "sport", f"= :{PLAIN_PORT}").stdout
        for address in CARRIER_ADDRESSES.values():
            self.assertIn(f" {address}:", peers)

        before = self.lane_bytes("wwan0", LANES["alert"][0])
        ids = self.submit([f"lane-{i}" for i in range(5)])
        wait_for("the alerts at the collector", lambda: set(ids) <= self.cloud.unique_ids(), 30)
        self.assertGreater(self.lane_bytes("wwan0", LANES["alert"][0]), before)
        copies = [r for r in self.cloud.received() if r["id"] in ids and r["copy"] > 1]
        self.assertEqual(copies, [], f"no duplication while the paths are healthy; relay {self.relay()}\n"
                                     f"{self.daemon.log_text()[-4000:]}")

    def test_3_when_every_path_is_degraded_each_alert_goes_over_both_modems(self):
        for carrier in ("carrier1", "carrier2"):
            self.lab.lab("impair", carrier, "loss", "15")
        wait_for("the relay to duplicate", lambda: self.relay().get("duplicating") is True, 60)
        ids = self.submit([f"dup-{i}" for i in range(20)])
        wait_for("the alerts at the collector", lambda: set(ids) <= self.cloud.unique_ids(), 60)
        # Both sessions publish each alert: copies arrive (some are lost to the 15 % loss and
        # resent, which also makes copies, so count ids seen twice rather than exact numbers).
        wait_for("second copies at the collector",
                 lambda: len({r["id"] for r in self.cloud.received() if r["id"] in ids and r["copy"] > 1}) >= 10, 60)
        sessions = {s["wan"]: s for s in self.relay()["sessions"]}
        self.assertTrue(all(s["publishing"] for s in sessions.values()), sessions)
        for carrier in ("carrier1", "carrier2"):
            self.lab.lab("impair", carrier, "clear")
        wait_for("duplication to end once the paths recover", lambda: self.relay().get("duplicating") is False, 90)

    def test_4_stop_removes_the_lanes(self):
        self.assertEqual(self.daemon.stop(), 0, self.daemon.log_text()[-3000:])
        for interface, _ in WANS.values():
            roots = [q for q in self.tc("qdisc", "show", "dev", interface) if q.get("root")]
            self.assertFalse(any(q["kind"] == "htb" for q in roots), roots)
        listed = self.lab.sh("gw", "nft", "list", "table", "inet", "uplinkd", check=False)
        self.assertNotEqual(listed.returncode, 0, listed.stdout)


if __name__ == "__main__":
    lab_support.main()
