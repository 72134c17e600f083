#!/usr/bin/python3
"""The lab's topology carries traffic the way docs/lab.md says: each uplink reaches the cloud,
IPv6 is routed without NAT, the LAN goes out through gw, corp is reachable only via wwan1."""

import json
import time

import lab_support
from lab_support import LabTestCase

CLOUD_A, CLOUD_B, CLOUD_V6 = "203.0.113.10", "203.0.113.11", "2001:db8:ff::10"
CORP = "192.0.2.10"


class TopologyTest(LabTestCase):
    up_args = ("--no-uplinkd", "--no-modems", "--isp")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.lab.route_each_wwan()

    def test_gw_has_no_default_route_from_the_lab(self):
        self.assertEqual(self.lab.sh("gw", "ip", "route", "show", "table", "main",
                                     "default").stdout.strip(), "")
        self.assertEqual(self.lab.sh("gw", "sysctl", "-n", "net.ipv4.ip_forward").stdout.strip(),
                         "1")

    def test_ping_crosses_each_carrier_to_cloud(self):
        for dev in ("wwan0", "wwan1"):
            for target in (CLOUD_A, CLOUD_B):
                with self.subTest(dev=dev, target=target):
                    self.assertTrue(self.lab.ping("gw", target, device=dev))

    def test_udp_echo_crosses_each_carrier(self):
        for dev in ("wwan0", "wwan1"):
            with self.subTest(dev=dev):
                r = self.lab.probe("gw", CLOUD_A, device=dev, count=20)
                self.assertEqual(r["received"], 20, r)

    def test_ipv6_routed_through_each_carrier(self):
        for dev in ("wwan0", "wwan1"):
            with self.subTest(dev=dev):
                self.assertTrue(self.lab.ping("gw", CLOUD_V6, device=dev))
                r = self.lab.probe("gw", CLOUD_V6, device=dev, count=20)
                self.assertEqual(r["received"], 20, r)

    def test_carriers_masquerade_ipv4_but_not_ipv6(self):
        # Count, in the cloud, which source addresses the echo requests arrive from.
        lab = self.lab
        lab.nft("cloud", "table inet labtest_sources {\n chain input {\n"
                "  type filter hook input priority filter; policy accept;\n"
                "  ip saddr 198.51.100.1 udp dport 7 counter\n"
                "  ip saddr 100.64.1.2 udp dport 7 counter\n"
                "  ip6 saddr 2001:db8:1::2 udp dport 7 counter\n"
                " }\n}\n")
        self.addCleanup(lab.sh, "cloud", "nft", "delete", "table", "inet", "labtest_sources")
        self.assertEqual(lab.probe("gw", CLOUD_B, device="wwan0", count=3)["received"], 3)
        self.assertEqual(lab.probe("gw", CLOUD_V6, device="wwan0", count=4)["received"], 4)
        counters = [r["rule"]["expr"][-1]["counter"]["packets"]
                    for r in json.loads(lab.sh("cloud", "nft", "-j", "list", "table", "inet",
                                               "labtest_sources").stdout)["nftables"]
                    if "rule" in r]
        self.assertEqual(counters, [3, 0, 4], "v4 from carrier1's address, v6 from the gateway's")

    def test_isp_uplink_reaches_cloud(self):
        self.assertTrue(self.lab.ping("gw", CLOUD_A, device="eth1"))
        r = self.lab.probe("gw", CLOUD_B, device="eth1", count=10)
        self.assertEqual(r["received"], 10, r)

    def test_corp_reachable_only_through_wwan1(self):
        self.assertTrue(self.lab.ping("gw", CORP, device="wwan1"))
        self.assertFalse(self.lab.ping("gw", CORP, device="wwan0", wait_s=0.5))
        self.assertFalse(self.lab.ping("gw", CORP, device="eth1", wait_s=0.5))
        # No NAT on the private APN: corp sees the gateway's own wwan1 address.
        self.assertIn("100.64.2.2", self.lab.sh("corp", "ip", "route", "get",
                                                "100.64.2.2").stdout)
        nat = self.lab.sh("carrier2", "nft", "list", "table", "ip", "uplinklab_nat").stdout
        self.assertIn('oifname "to-cloud" masquerade', nat)

    def test_lan_reaches_cloud_once_gw_routes_it(self):
        lab = self.lab
        self.assertFalse(lab.ping("lan", CLOUD_A, wait_s=0.5), "gw must not route before told to")
        # What uplinkd will do: a default route and NAT on the uplink.
        lab.sh("gw", "ip", "route", "add", "default", "via", "100.64.1.1", "dev", "wwan0")
        self.addCleanup(lab.sh, "gw", "ip", "route", "del", "default")
        lab.nft("gw", "table ip labtest_nat {\n chain postrouting {\n"
                "  type nat hook postrouting priority srcnat; policy accept;\n"
                '  oifname "wwan0" masquerade\n }\n}\n')
        self.addCleanup(lab.sh, "gw", "nft", "delete", "table", "ip", "labtest_nat")
        self.assertTrue(lab.ping("lan", CLOUD_A))
        r = lab.probe("lan", CLOUD_B, count=10)
        self.assertEqual(r["received"], 10, r)

    def test_status_reports_a_healthy_lab(self):
        out = self.lab.lab("status", "--json")
        status = json.loads(out.stdout)
        self.assertTrue(status["healthy"])
        self.assertEqual(set(status["namespaces_live"]),
                         {"gw", "carrier1", "carrier2", "cloud", "lan", "corp", "isp"})
        self.assertTrue(all(status["processes_live"].values()))
        self.assertEqual(self.lab.lab("bus").stdout.strip(),
                         f"unix:path=/run/uplinkd-lab/{self.lab.id}/bus.sock")


class BareGatewayLinksTest(LabTestCase):
    """--gw-links bare: wwan0/wwan1 wait, down and unaddressed, for uplinkd to configure them
    from the bearer; once configured by hand (as uplinkd will) the path works."""
    up_args = ("--no-uplinkd", "--no-modems", "--gw-links", "bare")

    def test_wwan_links_are_left_down_and_unaddressed(self):
        for dev in ("wwan0", "wwan1"):
            with self.subTest(dev=dev):
                self.assertNotIn("UP", self.lab.link_flags("gw", dev))
                self.assertEqual(self.lab.sh("gw", "ip", "-br", "addr", "show", "dev", dev)
                                 .stdout.split()[2:], [])
        self.assertIn("NO-CARRIER", self.lab.link_flags("carrier1", "to-gw"))
        self.assertIn("100.64.100.1/24", self.lab.sh("gw", "ip", "-br", "addr", "show", "dev",
                                                     "lan0").stdout)

    def test_configuring_the_bearer_address_opens_the_path(self):
        lab = self.lab
        self.addCleanup(lab.sh, "gw", "ip", "link", "set", "wwan1", "down")
        self.addCleanup(lab.sh, "gw", "ip", "addr", "flush", "dev", "wwan1")
        lab.sh("gw", "ip", "addr", "add", "100.64.2.2/30", "dev", "wwan1")
        lab.sh("gw", "ip", "link", "set", "wwan1", "up")
        lab.sh("gw", "ip", "route", "add", "203.0.113.10", "via", "100.64.2.1", "dev", "wwan1")
        deadline = time.monotonic() + 3  # carrier comes up through the kernel's linkwatch
        while not lab.ping("gw", CLOUD_A, wait_s=0.5):
            self.assertLess(time.monotonic(), deadline, "wwan1 did not carry traffic")


if __name__ == "__main__":
    lab_support.main()
