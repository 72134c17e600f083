#!/usr/bin/python3
"""Multi-WAN policy in the lab: uplinkd with tests/lab/uplinkd-lab.toml (cell1 = modem1 first,
cell2 = modem2; the LAN masqueraded) carries a UDP stream from `lan` to the cloud and moves it
when its Wan fails. Each test brings up its own lab (own id) and removes it even on failure.

What the cloud sees tells which Wan a datagram took: carrier1 masquerades to 198.51.100.1,
carrier2 to 198.51.100.5 (IPv6: uplinkd's masquerade gives 2001:db8:1::2 or 2001:db8:2::2).
"""
import os
import signal
import sys
import time
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import policy_lab  # noqa: E402
from policy_lab import CLOUD4, CLOUD6, WANS, PolicyLab  # noqa: E402

CLASS_BITS = {"alert": 1 << 16, "management": 2 << 16, "telemetry": 3 << 16, "bulk": 4 << 16}


class PolicyFailoverTest(unittest.TestCase):
    def lab_up(self) -> PolicyLab:
        lab = PolicyLab()
        self.addCleanup(lab.down)
        lab.up()
        status = lab.wait_all_up()
        self.assertEqual(lab.path_of(status, "telemetry"), "cell1", status.get("paths"))
        return lab

    def max_gap_ms(self, records, src, start_ns, end_ns) -> float:
        times = [r["recv_ns"] for r in records if r["src"] == src and start_ns <= r["recv_ns"] <= end_ns]
        self.assertGreater(len(times), 10, f"too few datagrams from {src}")
        return max(b - a for a, b in zip(times, times[1:])) / 1e6

    def test_blackhole_failover_and_failback(self):
        lab = self.lab_up()
        out = lab.start_receiver(9000)
        lab.start_sender(CLOUD4, 9000, sport=40000)
        first = lab.wait_packets_from(out, WANS["cell1"]["src4"], 0)
        self.assertIsNotNone(first)
        t = lab.blackhole("cell1")
        moved = lab.wait_packets_from(out, WANS["cell2"]["src4"], t, timeout=10)
        print(f"blackhole: stream on cell2 after {(moved['recv_ns'] - t) / 1e6:.0f} ms", file=sys.stderr)
        status = lab.wait_for("cell1 down", lambda s: lab.wan_health(s, "cell1") == "down")
        self.assertEqual(lab.path_of(status, "telemetry"), "cell2")
        self.assertEqual(lab.path_of(status, "alert"), "cell2")
        # Failback once cell1 answers again (cautious: up_rounds and the hold time).
        lab.clear_blackhole("cell1")
        status = lab.wait_for("cell1 back on the telemetry path",
                              lambda s: lab.path_of(s, "telemetry") == "cell1", timeout=60)
        self.assertEqual(lab.wan_health(status, "cell1"), "up")
        # The running flow stays pinned to cell2 by its connmark; a new flow takes cell1.
        time.sleep(0.5)
        since = time.time_ns()
        lab.wait_packets_from(out, WANS["cell2"]["src4"], since, timeout=5)
        out2 = lab.start_receiver(9001)
        lab.start_sender(CLOUD4, 9001, sport=40001)
        lab.wait_packets_from(out2, WANS["cell1"]["src4"], 0, timeout=10)

    def test_pinned_flow_survives_a_decision_change_on_another_class_and_only_dead_wan_flows_go(self):
        lab = self.lab_up()
        # Pinned to cell2 in the lab config; it may sit on cell1 until cell2 is up and the hold
        # time since the last switch has passed.
        lab.wait_for("management on its pinned cell2", lambda s: lab.path_of(s, "management") == "cell2", timeout=15)
        telemetry = lab.start_receiver(9000)
        management = lab.start_receiver(9022)  # the lab config's management UDP port
        lab.start_sender(CLOUD4, 9000, sport=41000)
        lab.start_sender(CLOUD4, 9022, sport=41022)
        lab.wait_packets_from(telemetry, WANS["cell1"]["src4"], 0)
        lab.wait_packets_from(management, WANS["cell2"]["src4"], 0)
        marks = lab.conntrack_marks()
        self.assertIn(0x100 | CLASS_BITS["telemetry"], marks, [hex(m) for m in marks])
        self.assertIn(0x200 | CLASS_BITS["management"], marks, [hex(m) for m in marks])
        # Kill cell2: management moves to cell1; telemetry (on cell1) must not notice.
        t = lab.blackhole("cell2")
        lab.wait_packets_from(management, WANS["cell1"]["src4"], t, timeout=10)
        status = lab.wait_for("cell2 down", lambda s: lab.wan_health(s, "cell2") == "down")
        self.assertEqual(lab.path_of(status, "management"), "cell1")
        self.assertEqual(lab.path_of(status, "telemetry"), "cell1")
        time.sleep(1)
        end = time.time_ns()
        gap = self.max_gap_ms(lab.received(telemetry), WANS["cell1"]["src4"], t - 10**9, end)
        self.assertLess(gap, 100, "the telemetry flow on cell1 was disturbed")
        self.assertFalse([r for r in lab.received(telemetry) if r["src"] == WANS["cell2"]["src4"]])
        marks = lab.conntrack_marks()
        self.assertIn(0x100 | CLASS_BITS["telemetry"], marks, [hex(m) for m in marks])
        self.assertIn(0x100 | CLASS_BITS["management"], marks, [hex(m) for m in marks])
        self.assertFalse([m for m in marks if m & 0xff00 == 0x200], [hex(m) for m in marks])
        self.assertGreaterEqual(lab.status()["paths"]["conntrack_deleted"], 1)

    def test_link_down_failover_and_routes_back_after_link_up(self):
        lab = self.lab_up()
        out = lab.start_receiver(9000)
        lab.start_sender(CLOUD4, 9000, sport=42000)
        lab.wait_packets_from(out, WANS["cell1"]["src4"], 0)
        t = lab.link_down("cell1")
        lab.wait_packets_from(out, WANS["cell2"]["src4"], t, timeout=10)
        lab.wait_for("cell1 down", lambda s: lab.wan_health(s, "cell1") == "down")
        lab.link_up("cell1")
        lab.wait_for("cell1 back", lambda s: lab.path_of(s, "telemetry") == "cell1", timeout=60)
        routes = lab.sh("gw", "ip", "route", "show", "table", "101").stdout
        self.assertIn("default via 100.64.1.1 dev wwan0", routes)
        routes6 = lab.sh("gw", "ip", "-6", "route", "show", "table", "101").stdout
        self.assertIn("default via 2001:db8:1::1 dev wwan0", routes6)

    def test_bearer_drop_failover_and_failback(self):
        lab = self.lab_up()
        out = lab.start_receiver(9000)
        lab.start_sender(CLOUD4, 9000, sport=43000)
        lab.wait_packets_from(out, WANS["cell1"]["src4"], 0)
        t = lab.drop_bearer("cell1")
        moved = lab.wait_packets_from(out, WANS["cell2"]["src4"], t, timeout=10)
        print(f"bearer drop: stream on cell2 after {(moved['recv_ns'] - t) / 1e6:.0f} ms", file=sys.stderr)
        # The modem layer reconnects the bearer; the Wan comes back and the class follows.
        lab.wait_for("cell1 back", lambda s: lab.path_of(s, "telemetry") == "cell1", timeout=90)

    def test_ipv6_path_and_its_failover(self):
        lab = self.lab_up()
        self.assertTrue(lab.ping("gw", CLOUD6, count=3), "gw cannot reach the cloud over IPv6")
        out = lab.start_receiver(9000)
        lab.start_sender(CLOUD6, 9000, sport=44000)
        lab.wait_packets_from(out, WANS["cell1"]["src6"], 0)
        t = lab.blackhole("cell1")
        lab.wait_packets_from(out, WANS["cell2"]["src6"], t, timeout=10)

    def test_restart_after_kill_leaves_one_clean_set_and_stop_leaves_nothing(self):
        lab = self.lab_up()
        rules_before = sorted(lab.gw_own_rules())
        routes_before = sorted(lab.gw_own_routes())
        self.assertEqual(len([r for r in rules_before if "fwmark" in r]), 4, rules_before)  # 2 Wans x v4/v6
        self.assertEqual(lab.gw_nft_tables().count("table inet uplinkd"), 1)
        old_pid = lab.uplinkd_pid()
        os.kill(old_pid, signal.SIGKILL)
        time.sleep(0.5)
        # What the crashed daemon left is still there...
        self.assertEqual(sorted(lab.gw_own_rules()), rules_before)
        restarted = lab.restart_uplinkd()
        status = lab.wait_for("a new uplinkd with both Wans up", lambda s: s.get("pid") != old_pid and all(
            w["health"] == "up" for w in s.get("wans", [])) and len(s.get("wans", [])) == 2, timeout=60)
        # ...and the new one made it one clean set again: the same rules and routes, once.
        self.assertEqual(sorted(lab.gw_own_rules()), rules_before, lab.gw_rules())
        self.assertEqual(sorted(lab.gw_own_routes()), routes_before)
        self.assertEqual(lab.gw_nft_tables().count("table inet uplinkd"), 1)
        out = lab.start_receiver(9000)
        lab.start_sender(CLOUD4, 9000, sport=45000)
        lab.wait_packets_from(out, WANS["cell1"]["src4"], 0)
        # Stop: SIGTERM, and nothing of uplinkd's remains in gw.
        self.assertEqual(status["pid"], restarted.pid)
        os.kill(status["pid"], signal.SIGTERM)
        self.assertEqual(restarted.wait(timeout=15), 0)
        self.assertEqual(lab.gw_own_rules(), [], lab.gw_rules())
        self.assertEqual(lab.gw_own_routes(), [])
        self.assertNotIn("table inet uplinkd", lab.gw_nft_tables())

    def test_drift_flush_ruleset_and_ip_rule_flush_are_repaired(self):
        """Debian's /etc/nftables.conf starts with `flush ruleset`, and `ip rule flush` removes every
        rule: uplinkd notices (nf_tables notifications, RTM_DELRULE) and puts its table and rules
        back, logging each repair once; the LAN stream flows again."""
        lab = self.lab_up()
        rules_before = sorted(lab.gw_own_rules())
        routes_before = sorted(lab.gw_own_routes())
        self.assertEqual(lab.gw_nft_tables().count("table inet uplinkd"), 1)
        chains_before = sorted(line.strip() for line in lab.sh("gw", "nft", "list", "table", "inet", "uplinkd")
                               .stdout.splitlines() if line.strip().startswith("chain "))
        out = lab.start_receiver(9000)
        lab.start_sender(CLOUD4, 9000, sport=46000)
        lab.wait_packets_from(out, WANS["cell1"]["src4"], 0)
        log_before = lab.uplinkd_log()

        t = time.monotonic()
        # What `nft -f /etc/nftables.conf` does with Debian's file, in gw (the lab's namespace).
        lab.nft("gw", "flush ruleset\ntable inet filter {\n  chain input {\n"
                      "    type filter hook input priority filter; policy accept;\n  }\n}\n")
        # Both gone; uplinkd usually has them back before the next `ip rule show` could run, so the
        # log below is what shows they went.
        lab.sh("gw", "sh", "-c", "ip rule flush; ip -6 rule flush")

        deadline = time.monotonic() + 10
        restored = None
        while time.monotonic() < deadline:
            tables = lab.gw_nft_tables()
            if ("table inet uplinkd" in tables and sorted(lab.gw_own_rules()) == rules_before
                    and sorted(lab.gw_own_routes()) == routes_before):
                restored = time.monotonic() - t
                break
            time.sleep(0.02)
        self.assertIsNotNone(restored, f"not restored within 10 s: {lab.gw_nft_tables()} {lab.gw_rules()}")
        print(f"drift: table and {len(rules_before)} rules restored {restored * 1000:.0f} ms after the flushes "
              f"(including the nft and ip commands)", file=sys.stderr)
        chains = sorted(line.strip() for line in lab.sh("gw", "nft", "list", "table", "inet", "uplinkd")
                        .stdout.splitlines() if line.strip().startswith("chain "))
        self.assertEqual(chains, chains_before)
        self.assertIn("table inet filter", lab.gw_nft_tables())  # the administrator's table stays
        # The stream flows again by its Wan (its conntrack entry kept the connmark).
        since = time.time_ns()
        lab.wait_packets_from(out, WANS["cell1"]["src4"], since, timeout=10)
        # Each repair logged once: one nftables transaction, one (or two: -4 and -6 ran apart)
        # bursts of rule removals.
        new_log = lab.uplinkd_log()[len(log_before):]
        self.assertEqual(new_log.count("changed by another process"), 1, new_log)
        self.assertIn(new_log.count("removed by another process"), (1, 2), new_log)


if __name__ == "__main__":
    policy_lab.lab_support.require_root()
    unittest.main(verbosity=2)
