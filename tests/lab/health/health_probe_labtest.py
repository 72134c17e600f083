#!/usr/bin/python3
"""Lab tests of Wan health probing (policy/health/) with the real probers, through the lab's
carriers and impairments, using uplinkd-health-probe (one Wan's tracker, standalone) in gw.

gw gets what the policy layer will set up: a routing table per uplink (101 via wwan0, 102 via
wwan1) selected by fwmark 0x100/0x200, and, as a trap, a main-table default route via wwan1, so
an unbound probe would leave through wwan1 and be answered.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import lab_support  # noqa: E402

HERE = Path(__file__).resolve().parent
TOOL = Path(lab_support.BUILD_DIR) / "policy" / "health" / "uplinkd-health-probe"
TARGETS = HERE / "probe_targets.py"
WANS = {"wwan0": ("carrier1", 0x100), "wwan1": ("carrier2", 0x200)}

# Every probe kind, IPv4 and IPv6, at the cloud.
ALL_KINDS = """
[health]
targets = [
  { kind = "icmp", address = "203.0.113.10" },
  { kind = "icmp", address = "2001:db8:ff::10" },
  { kind = "udp-echo", address = "203.0.113.11" },
  { kind = "udp-echo", address = "2001:db8:ff::10" },
  { kind = "tcp", address = "203.0.113.10", port = 80 },
  { kind = "http", address = "203.0.113.10", host = "probe.lab.example", path = "/generate_204" },
  { kind = "dns", address = "203.0.113.11", name = "probe.lab.example" },
]
steady_interval_ms = 60000
timeout_ms = 1500
"""

# HTTPS verified by name and by address, against {ca}.
HTTPS = """
[health]
targets = [
  {{ kind = "https", address = "203.0.113.10", host = "probe.lab.example", path = "/", ca_file = "{ca}" }},
  {{ kind = "https", address = "203.0.113.10", ca_file = "{ca}" }},
]
steady_interval_ms = 60000
timeout_ms = 3000
"""

# The tracker as the daemon runs it (defaults), with a short hold so trials follow each other.
TRACKER = """
[health]
targets = [
  { kind = "icmp", address = "203.0.113.10" },
  { kind = "udp-echo", address = "203.0.113.11" },
]
min_hold_ms = 1000
hold_max_ms = 2000
"""


class HealthProbe:
    """One uplinkd-health-probe tracker in gw; its published WanHealth lines, as they come."""

    def __init__(self, lab: lab_support.Lab, wan: str, config: Path):
        self.wan = wan
        _, mark = WANS[wan]
        self.proc = subprocess.Popen(
            ["ip", "netns", "exec", lab.ns("gw"), str(TOOL), "--config", str(config), "--wan", wan,
             "--interface", wan, "--mark", hex(mark)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.events: list[dict] = []
        self.stderr: list[str] = []
        self.changed = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()
        threading.Thread(target=self._read_stderr, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            with self.changed:
                self.events.append(json.loads(line))
                self.changed.notify_all()
        with self.changed:
            self.changed.notify_all()

    def _read_stderr(self):
        for line in self.proc.stderr:
            self.stderr.append(line.rstrip())

    def wait_for(self, predicate, after: float, timeout: float):
        """The first event at or after monotonic time `after` that satisfies `predicate`."""
        deadline = time.monotonic() + timeout
        with self.changed:
            while True:
                for event in self.events:
                    if event["t"] >= after and predicate(event):
                        return event
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self.proc.poll() is not None:
                    return None
                self.changed.wait(remaining)

    def wait_state(self, state: str, after: float, timeout: float):
        return self.wait_for(lambda e: e["state"] == state, after, timeout)

    def states_between(self, start: float, end: float) -> list[str]:
        with self.changed:
            return [e["state"] for e in self.events if start <= e["t"] <= end]

    def last(self) -> dict:
        with self.changed:
            return self.events[-1]

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc.stdout.close()
        self.proc.stderr.close()


class HealthProbeLabTest(lab_support.LabTestCase):
    up_args = ("--no-uplinkd", "--no-modems")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tmp = Path(tempfile.mkdtemp(prefix=f"health-lab-{cls.lab.id}-"))
        cls.addClassCleanup(shutil.rmtree, cls.tmp, True)
        cls.servers = []
        cls.addClassCleanup(cls.stop_servers)
        lab = cls.lab
        for dev, (_, mark) in WANS.items():
            table = 101 if dev == "wwan0" else 102
            gw4 = "100.64.1.1" if dev == "wwan0" else "100.64.2.1"
            gw6 = "2001:db8:1::1" if dev == "wwan0" else "2001:db8:2::1"
            lab.sh("gw", "ip", "route", "add", "default", "via", gw4, "dev", dev, "table", table)
            lab.sh("gw", "ip", "-6", "route", "add", "default", "via", gw6, "dev", dev, "table", table)
            lab.sh("gw", "ip", "rule", "add", "fwmark", f"{hex(mark)}/0xff00", "lookup", table)
            lab.sh("gw", "ip", "-6", "rule", "add", "fwmark", f"{hex(mark)}/0xff00", "lookup", table)
        # The trap: without the binding, probes would leave through wwan1 and be answered.
        lab.sh("gw", "ip", "route", "add", "default", "via", "100.64.2.1", "dev", "wwan1")
        lab.sh("gw", "ip", "-6", "route", "add", "default", "via", "2001:db8:2::1", "dev", "wwan1")
        cls.start_server("dns", "203.0.113.11")
        cls.start_server("http", "203.0.113.10")
        cls.make_certificates()
        cls.start_server("https", "203.0.113.10", "--cert", str(cls.tmp / "server.pem"),
                         "--key", str(cls.tmp / "server.key"))
        for ca in ("ca", "other-ca"):
            (cls.tmp / f"https-{ca}.toml").write_text(HTTPS.format(ca=cls.tmp / f"{ca}.pem"))
        (cls.tmp / "all.toml").write_text(ALL_KINDS)
        (cls.tmp / "tracker.toml").write_text(TRACKER)

    @classmethod
    def make_certificates(cls):
        """A lab CA that signed probe.lab.example's certificate, and an unrelated CA."""
        def openssl(*args):
            subprocess.run(["openssl", *args], cwd=cls.tmp, check=True, capture_output=True)
        ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
        for ca in ("ca", "other-ca"):
            openssl("req", "-x509", *ec, "-keyout", f"{ca}.key", "-out", f"{ca}.pem", "-days", "2",
                    "-subj", f"/CN=uplinkd lab {ca}")
        openssl("req", *ec, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=probe.lab.example")
        (cls.tmp / "san.ext").write_text("subjectAltName=DNS:probe.lab.example,IP:203.0.113.10\n")
        openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
                "-out", "server.pem", "-days", "2", "-extfile", "san.ext")

    @classmethod
    def start_server(cls, kind: str, address: str, *extra: str):
        proc = subprocess.Popen(["ip", "netns", "exec", cls.lab.ns("cloud"), lab_support.PYTHON,
                                 str(TARGETS), kind, address, *extra],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        cls.servers.append(proc)
        line = proc.stdout.readline()
        if line.strip() != "READY":
            raise AssertionError(f"{kind} target did not start: {line} {proc.stderr.read()}")

    @classmethod
    def stop_servers(cls):
        for proc in cls.servers:
            proc.terminate()
            proc.wait(timeout=5)
            proc.stdout.close()
            proc.stderr.close()

    def setUp(self):
        self.probes: list[HealthProbe] = []
        self.addCleanup(self.stop_probes)

    def stop_probes(self):
        for probe in self.probes:
            probe.stop()

    def start_tracker(self, wan: str) -> HealthProbe:
        probe = HealthProbe(self.lab, wan, self.tmp / "tracker.toml")
        self.probes.append(probe)
        up = probe.wait_state("up", 0, 15)
        self.assertIsNotNone(up, f"{wan} never came up: {probe.events} {probe.stderr}")
        return probe

    def once(self, *args: str, config: str = "all.toml") -> tuple[int, list[dict]]:
        proc = self.lab.sh("gw", str(TOOL), "--config", str(self.tmp / config), "--once", *args,
                           check=False, timeout=30)
        lines = [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]
        return proc.returncode, lines

    def bound(self, wan: str) -> list[str]:
        return ["--interface", wan, "--mark", hex(WANS[wan][1])]

    # --- impairments, timed: applied here, bracketed by the monotonic clock ------------------

    def nft(self, carrier: str, ruleset: str) -> tuple[float, float]:
        before = time.monotonic()
        self.lab.nft(carrier, ruleset)
        return before, time.monotonic()

    def blackhole(self, carrier: str) -> tuple[float, float]:
        return self.nft(carrier, """
table inet healthtest_blackhole {
  chain from_gw { type filter hook prerouting priority raw; policy accept; iifname "to-gw" drop; }
  chain to_gw { type filter hook postrouting priority 300; policy accept; oifname "to-gw" drop; }
}
""")

    def clear_blackhole(self, carrier: str) -> float:
        self.lab.sh(carrier, "nft", "delete", "table", "inet", "healthtest_blackhole")
        return time.monotonic()

    def count_from_gw(self, carrier: str) -> None:
        # Only what is addressed to the cloud: gw's own neighbour discovery on the link is no leak.
        self.lab.nft(carrier, """
table inet healthtest_count {
  chain from_gw {
    type filter hook prerouting priority -400; policy accept;
    iifname "to-gw" ip daddr { 203.0.113.10, 203.0.113.11 } counter
    iifname "to-gw" ip6 daddr 2001:db8:ff::10 counter
  }
}
""")
        self.addCleanup(self.lab.sh, carrier, "nft", "delete", "table", "inet", "healthtest_count", check=False)

    def counted_from_gw(self, carrier: str) -> int:
        out = self.lab.sh(carrier, "nft", "-j", "list", "table", "inet", "healthtest_count").stdout
        packets = 0
        for item in json.loads(out)["nftables"]:
            for expr in item.get("rule", {}).get("expr", []):
                if "counter" in expr:
                    packets += expr["counter"]["packets"]
        return packets

    # --- tests -------------------------------------------------------------------------------

    def test_every_kind_answers_over_each_carrier(self):
        for group_range, socket_kind in (("1 0", "raw socket"), ("0 2147483647", "ping socket")):
            self.lab.sh("gw", "sysctl", "-q", "-w", f"net.ipv4.ping_group_range={group_range}")
            for wan in WANS:
                with self.subTest(wan=wan, icmp=socket_kind):
                    rc, lines = self.once(*self.bound(wan))
                    self.assertEqual(rc, 0, lines)
                    self.assertEqual(len(lines), 7, lines)
                    by_target = {line["target"]: line for line in lines}
                    for line in lines:
                        self.assertTrue(line["answered"], line)
                    self.assertIn(socket_kind, by_target["icmp 203.0.113.10"]["detail"])
                    self.assertEqual(by_target["http 203.0.113.10:80 probe.lab.example/generate_204"]["detail"],
                                     "HTTP 204")
                    self.assertEqual(by_target["dns 203.0.113.11:53 probe.lab.example"]["detail"],
                                     "dns rcode 0 with 1 answers")
        self.lab.sh("gw", "sysctl", "-q", "-w", "net.ipv4.ping_group_range=1 0")

    def test_https_verifies_the_server_certificate(self):
        for wan in WANS:
            with self.subTest(wan=wan):
                rc, lines = self.once(*self.bound(wan), config="https-ca.toml")
                self.assertEqual(rc, 0, lines)
                for line in lines:
                    self.assertEqual(line["detail"], "HTTP 204 over TLS", line)
                print(f"https probe over {wan}: {lines[0]['bytes']} bytes measured", file=sys.stderr)
                # A server whose certificate the configured CA did not sign (a captive portal,
                # an interception box) is no answer.
                rc, lines = self.once(*self.bound(wan), config="https-other-ca.toml")
                self.assertEqual(rc, 1, lines)
                for line in lines:
                    self.assertFalse(line["answered"], line)
                    self.assertIn("TLS certificate not accepted", line["detail"])

    def test_probes_over_wwan0_never_leave_through_wwan1(self):
        self.count_from_gw("carrier2")
        self.blackhole("carrier1")
        self.addCleanup(self.clear_blackhole, "carrier1")
        for group_range in ("1 0", "0 2147483647"):
            self.lab.sh("gw", "sysctl", "-q", "-w", f"net.ipv4.ping_group_range={group_range}")
            before = self.counted_from_gw("carrier2")
            rc, lines = self.once(*self.bound("wwan0"))
            self.assertEqual(rc, 1, lines)
            self.assertFalse(any(line.get("answered") for line in lines), lines)
            # Not a single packet of them reached carrier2, although gw's main table routes
            # everything through wwan1.
            self.assertEqual(self.counted_from_gw("carrier2"), before)
        self.lab.sh("gw", "sysctl", "-q", "-w", "net.ipv4.ping_group_range=1 0")
        # The controls: bound to wwan1 they pass carrier2; unbound they leak out through it.
        rc, lines = self.once(*self.bound("wwan1"))
        self.assertEqual(rc, 0, lines)
        before = self.counted_from_gw("carrier2")
        rc, lines = self.once()
        self.assertEqual(rc, 0, lines)
        self.assertGreaterEqual(self.counted_from_gw("carrier2") - before, 7)

    def test_blackhole_is_down_within_one_second_and_clear_brings_it_up(self):
        probes = {wan: self.start_tracker(wan) for wan in WANS}
        time.sleep(3)  # let the timeout adapt to the lab's RTT (it starts at timeout_ms)
        figures = []
        for wan, (carrier, _) in WANS.items():
            other = probes["wwan1" if wan == "wwan0" else "wwan0"]
            for trial in range(3):
                with self.subTest(wan=wan, trial=trial):
                    before, after = self.blackhole(carrier)
                    down = probes[wan].wait_state("down", before, 5)
                    cleared = self.clear_blackhole(carrier)
                    self.assertIsNotNone(down, probes[wan].events[-5:])
                    took = down["t"] - before
                    figures.append(took)
                    print(f"{wan} blackhole -> down in {took * 1000:.0f} ms "
                          f"(nft applied within {(after - before) * 1000:.0f} ms)", file=sys.stderr)
                    self.assertLess(took, 1.0)
                    self.assertEqual(down["reason"], "2 rounds without 1 of 2 targets answering")
                    up = probes[wan].wait_state("up", cleared, 20)
                    self.assertIsNotNone(up, probes[wan].events[-5:])
                    self.assertNotIn("down", other.states_between(before, up["t"]))
        print(f"blackhole->down ms: {sorted(round(f * 1000) for f in figures)}", file=sys.stderr)

    def test_link_down_is_down_within_a_second(self):
        probe = self.start_tracker("wwan0")
        before = time.monotonic()
        self.lab.sh("carrier1", "ip", "link", "set", "to-gw", "down")
        self.addCleanup(self.lab.sh, "carrier1", "ip", "link", "set", "to-gw", "up", check=False)
        down = probe.wait_state("down", before, 5)
        self.assertIsNotNone(down, probe.events[-5:])
        # The kernel sends the carrier change from its linkwatch work (under RTNL): while other
        # labs create and delete namespaces it has come several hundred ms late, and then the
        # probes may find the dead link first. Either way it is down within a second, and the
        # reason becomes "link down" once the kernel has said so.
        print(f"wwan0 link down -> down in {(down['t'] - before) * 1000:.0f} ms ({down['reason']})",
              file=sys.stderr)
        self.assertLess(down["t"] - before, 1.0)
        link_down = probe.wait_for(lambda e: e["reason"] == "link down", before, 3)
        self.assertIsNotNone(link_down, probe.events[-5:])
        self.assertEqual(link_down["state"], "down")
        up_at = time.monotonic()
        self.lab.sh("carrier1", "ip", "link", "set", "to-gw", "up")
        self.assertIsNotNone(probe.wait_state("up", up_at, 20), probe.events[-5:])

    def test_steady_probe_traffic_fits_the_budget(self):
        probe = self.start_tracker("wwan0")
        time.sleep(3)  # past the fast rounds of the start
        self.lab.nft("carrier1", """
table inet healthtest_bytes {
  chain from_gw {
    type filter hook prerouting priority -400; policy accept;
    iifname "to-gw" ip daddr { 203.0.113.10, 203.0.113.11 } counter
  }
  chain to_gw {
    type filter hook postrouting priority 400; policy accept;
    oifname "to-gw" ip saddr { 203.0.113.10, 203.0.113.11 } counter
  }
}
""")
        self.addCleanup(self.lab.sh, "carrier1", "nft", "delete", "table", "inet", "healthtest_bytes", check=False)
        start = time.monotonic()
        reported_before = probe.last()["probe_bytes"]
        time.sleep(30)
        out = self.lab.sh("carrier1", "nft", "-j", "list", "table", "inet", "healthtest_bytes").stdout
        elapsed = time.monotonic() - start
        reported = probe.last()["probe_bytes"] - reported_before
        counted = sum(expr["counter"]["bytes"] for item in json.loads(out)["nftables"]
                      for expr in item.get("rule", {}).get("expr", []) if "counter" in expr)
        per_hour = counted * 3600 / elapsed
        print(f"steady probing (icmp + udp-echo in turn, 450 ms): {counted} IP bytes at carrier1 in "
              f"{elapsed:.1f} s = {per_hour / 1024:.0f} KiB/hour (tracker's own count {reported})",
              file=sys.stderr)
        self.assertEqual(probe.last()["state"], "up")
        self.assertLessEqual(per_hour, 500 * 1024)
        # The carrier saw what the tracker accounted for (within one probe at either end).
        self.assertLess(abs(counted - reported), 2 * 64 + 1)

    def test_loss_makes_it_degraded_and_clear_heals_it(self):
        probe = self.start_tracker("wwan0")
        start = time.monotonic()
        self.lab.lab("impair", "carrier1", "loss", "15")
        self.addCleanup(self.lab.lab, "impair", "carrier1", "clear", check=False)
        degraded = probe.wait_for(lambda e: e["degraded"], start, 90)
        self.assertIsNotNone(degraded, probe.events[-5:])
        self.assertIn("degraded: loss at or above 10%", degraded["reason"])
        print(f"wwan0 loss 15% -> degraded after {degraded['t'] - start:.1f} s, loss {degraded['loss']:.2f}",
              file=sys.stderr)
        cleared = time.monotonic()
        self.lab.lab("impair", "carrier1", "clear")
        healed = probe.wait_for(lambda e: e["state"] == "up" and not e["degraded"] and e["loss"] == 0,
                                cleared, 60)
        self.assertIsNotNone(healed, probe.events[-5:])


if __name__ == "__main__":
    lab_support.require_root()
    if not TOOL.exists():
        print(f"{TOOL} is not built; skipped", file=sys.stderr)
        sys.exit(lab_support.SKIP)
    unittest.main(verbosity=2)
