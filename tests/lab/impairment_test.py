#!/usr/bin/python3
"""Each carrier impairment has its effect on the impaired uplink only, and `clear` restores
exactly the carrier's previous nftables, qdiscs and links."""

import json
import time

import lab_support
from lab_support import LabTestCase

CLOUD = "203.0.113.10"
CLOUD_V6 = "2001:db8:ff::10"


class ImpairmentTest(LabTestCase):
    up_args = ("--no-uplinkd", "--no-modems", "--isp")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.lab.route_each_wwan()

    def carrier_snapshot(self, role: str) -> dict:
        """What an impairment may touch in the carrier: nftables, qdiscs, links and their state."""
        lab = self.lab
        links = json.loads(lab.sh(role, "ip", "-j", "link", "show").stdout)
        return {
            "nft": lab.sh(role, "nft", "list", "ruleset").stdout,
            "qdisc": lab.sh(role, "tc", "qdisc", "show").stdout,
            "links": sorted((l["ifname"], tuple(l["flags"])) for l in links),
            "addrs": lab.sh(role, "ip", "-br", "addr", "show").stdout,
        }

    def impair(self, link: str, *args: str) -> None:
        self.lab.lab("impair", link, *args)

    def clear_on_failure(self, link: str) -> None:
        """A failed assertion must not leave an impairment behind for the next test."""
        def clear():
            status = json.loads(self.lab.lab("status", "--json", check=False).stdout or "{}")
            if status.get("impairments", {}).get(link):
                self.lab.lab("impair", link, "clear", check=False)
        self.addCleanup(clear)

    def assert_uplink_works(self, dev: str, count: int = 10) -> None:
        r = self.lab.probe("gw", CLOUD, device=dev, count=count)
        self.assertEqual(r["received"], count, f"{dev}: {r}")

    def assert_uplink_recovers(self, dev: str, target: str = CLOUD, within_s: float = 3.0):
        """After a clear, neighbour entries that went stale during the outage re-resolve on the
        kernel's own schedule (one retransmit per second), so recovery is awaited, bounded."""
        deadline = time.monotonic() + within_s
        while True:
            r = self.lab.probe("gw", target, device=dev, count=5, wait_ms=200)
            if r["received"] == 5:
                return
            if time.monotonic() > deadline:
                self.fail(f"{dev} did not recover within {within_s}s: {r}")

    def test_blackhole_drops_everything_while_the_link_stays_up(self):
        before = self.carrier_snapshot("carrier1")
        self.assert_uplink_works("wwan0")
        self.clear_on_failure("carrier1")
        self.impair("carrier1", "blackhole")
        self.assertEqual(self.lab.probe("gw", CLOUD, device="wwan0", count=10)["received"], 0)
        self.assertFalse(self.lab.ping("gw", CLOUD_V6, device="wwan0", wait_s=0.5))
        self.assertFalse(self.lab.ping("gw", "100.64.1.1", wait_s=0.5),
                         "even the carrier's own address must be silent")
        flags = self.lab.link_flags("gw", "wwan0")
        self.assertIn("LOWER_UP", flags)
        self.assertNotIn("NO-CARRIER", flags)
        self.assert_uplink_works("wwan1")  # the other carrier is untouched
        self.impair("carrier1", "clear")
        self.assert_uplink_recovers("wwan0")
        self.assert_uplink_recovers("wwan0", CLOUD_V6)
        self.assertEqual(self.carrier_snapshot("carrier1"), before)

    def test_loss_drops_a_share_in_each_direction(self):
        before = self.carrier_snapshot("carrier2")
        self.clear_on_failure("carrier2")
        self.impair("carrier2", "loss", "30")
        n = 400
        r = self.lab.probe("gw", CLOUD, device="wwan1", count=n, interval_ms=1)
        # An echo survives both directions with p = 0.7 * 0.7 = 0.49: expect 196 of 400,
        # standard deviation 10; the bounds are beyond 6 sigma.
        self.assertGreater(r["received"], 135, r)
        self.assertLess(r["received"], 260, r)
        self.assert_uplink_works("wwan0", count=50)
        self.impair("carrier2", "clear")
        r = self.lab.probe("gw", CLOUD, device="wwan1", count=n, interval_ms=1)
        self.assertEqual(r["received"], n, r)
        self.assertEqual(self.carrier_snapshot("carrier2"), before)

    def test_rate_caps_throughput(self):
        before = self.carrier_snapshot("carrier1")
        self.clear_on_failure("carrier1")
        self.impair("carrier1", "rate", "400", "--queue-ms", "100")
        # Offer 1.6 Mbit/s of 1000-byte datagrams for one second.
        r = self.lab.probe("gw", CLOUD, device="wwan0", count=200, interval_ms=5, size=1000,
                           wait_ms=500)
        self.assertIsNotNone(r["rx_kbit_per_s"], r)
        # Echo payload rate sits just under the cap (headers take ~4% of it).
        self.assertGreater(r["rx_kbit_per_s"], 250, r)
        self.assertLess(r["rx_kbit_per_s"], 440, r)
        self.assertLess(r["received"], 120, r)
        self.impair("carrier1", "clear")
        r = self.lab.probe("gw", CLOUD, device="wwan0", count=200, interval_ms=5, size=1000)
        self.assertEqual(r["received"], 200, r)
        self.assertGreater(r["rx_kbit_per_s"], 1200, r)
        self.assertEqual(self.carrier_snapshot("carrier1"), before)

    def test_rate_cap_also_shapes_the_private_apn(self):
        self.clear_on_failure("carrier2")
        self.impair("carrier2", "rate", "200", "--queue-ms", "100")
        r = self.lab.probe("gw", "192.0.2.10", device="wwan1", count=100, interval_ms=5,
                           size=1000)
        self.assertIsNotNone(r["rx_kbit_per_s"], r)
        self.assertLess(r["rx_kbit_per_s"], 220, r)
        self.assertGreater(r["received"], 0, r)
        self.impair("carrier2", "clear")

    def test_linkdown_takes_the_carrier_away(self):
        before = self.carrier_snapshot("carrier2")
        self.clear_on_failure("carrier2")
        self.impair("carrier2", "linkdown")
        # `impair` returns once gw sees it; no waiting here.
        self.assertIn("NO-CARRIER", self.lab.link_flags("gw", "wwan1"))
        self.assertEqual(self.lab.probe("gw", CLOUD, device="wwan1", count=5)["received"], 0)
        self.assert_uplink_works("wwan0")
        self.impair("carrier2", "clear")
        self.assertNotIn("NO-CARRIER", self.lab.link_flags("gw", "wwan1"))
        self.assert_uplink_recovers("wwan1")
        self.assert_uplink_recovers("wwan1", CLOUD_V6)
        self.assertEqual(self.carrier_snapshot("carrier2"), before)

    def test_isp_can_be_blackholed_too(self):
        self.clear_on_failure("isp")
        self.impair("isp", "blackhole")
        self.assertEqual(self.lab.probe("gw", CLOUD, device="eth1", count=5)["received"], 0)
        self.impair("isp", "clear")
        self.assert_uplink_recovers("eth1")

    def test_combined_impairments_clear_together(self):
        before = self.carrier_snapshot("carrier1")
        self.clear_on_failure("carrier1")
        for args in (("loss", "10"), ("rate", "1000"), ("blackhole",), ("linkdown",)):
            self.impair("carrier1", *args)
        status = json.loads(self.lab.lab("status", "--json").stdout)
        self.assertEqual(set(status["impairments"]["carrier1"]),
                         {"loss", "rate", "blackhole", "linkdown"})
        self.impair("carrier1", "clear")
        self.assertEqual(self.carrier_snapshot("carrier1"), before)
        self.assert_uplink_recovers("wwan0")

    def test_clear_of_one_kind_keeps_the_others(self):
        self.clear_on_failure("carrier2")
        self.impair("carrier2", "blackhole")
        self.impair("carrier2", "loss", "50")
        self.impair("carrier2", "clear", "loss")
        self.assertEqual(self.lab.probe("gw", CLOUD, device="wwan1", count=5)["received"], 0)
        ruleset = self.lab.sh("carrier2", "nft", "list", "ruleset").stdout
        self.assertIn("uplinklab_blackhole", ruleset)
        self.assertNotIn("uplinklab_loss", ruleset)
        self.impair("carrier2", "clear")
        self.assert_uplink_recovers("wwan1")

    def test_bad_arguments_are_refused(self):
        for args in (("loss", "101"), ("loss",), ("rate", "abc"), ("blackhole", "5")):
            with self.subTest(args=args):
                proc = self.lab.lab("impair", "carrier1", *args, check=False)
                self.assertEqual(proc.returncode, 1, proc.stderr)
        proc = self.lab.lab("impair", "carrier1", "clear", "rate", check=False)
        self.assertEqual(proc.returncode, 1)
        self.assertIn("no rate impairment", proc.stderr)


if __name__ == "__main__":
    lab_support.main()
