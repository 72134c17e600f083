#!/usr/bin/python3
"""A DHCP bearer in the lab: the mock ModemManager reports method DHCP for modem1, busybox udhcpd
in carrier1 serves the lease, and uplinkd-modem-runner (the modem layer as the daemon runs it)
must run udhcpc on wwan0, apply the lease and bring the Wan up with it; a bearer drop takes the
Wan down at once and stops the client, and the reconnect leases again. modem2 stays STATIC.

The test starts its own mock (the lab is built with --no-modems) and its own DHCP server, in the
lab's namespaces, and stops both in its cleanup before the lab is removed. Needs root (77 without).
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import json
import os
import select
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import modem_lab_support as support  # noqa: E402
from modem_lab_support import lab_support  # noqa: E402

MOCK = Path(lab_support.BUILD_DIR) / "tests" / "lab" / "mockmm" / "uplinkd-mock-mm"
BUSYBOX = "/usr/bin/busybox"
LEASE_MTU = 1400  # differs from the STATIC 1500: the Wan's MTU can only have come from the lease

UDHCPD_CONF = """\
interface to-gw
start 100.64.1.2
end 100.64.1.2
max_leases 1
lease_file {dir}/udhcpd.leases
pidfile {dir}/udhcpd.pid
option subnet 255.255.255.252
option router 100.64.1.1
option dns 100.64.1.1
option mtu {mtu}
option lease 600
"""


def lab_mock_config() -> dict:
    """The lab's own mock config (uplink-lab's), with modem1's IPv4 switched to DHCP."""
    loader = importlib.machinery.SourceFileLoader("uplink_lab", str(lab_support.UPLINK_LAB))
    spec = importlib.util.spec_from_loader("uplink_lab", loader)
    module = importlib.util.module_from_spec(spec)
    sys.modules["uplink_lab"] = module  # its dataclasses look their module up
    loader.exec_module(module)
    config = module.mock_modem_config()
    config["modems"][0]["bearer"]["ipv4"] = {"method": "dhcp"}
    return config


def wait_output_line(proc: subprocess.Popen, predicate, timeout: float, what: str) -> str:
    """Reads proc's stdout until a line matches (select on the pipe: wakes on each line)."""
    deadline = time.monotonic() + timeout
    seen = []
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0 or proc.poll() is not None:
            raise AssertionError(f"no line for {what} (exit {proc.poll()}): {seen[-10:]}")
        ready, _, _ = select.select([proc.stdout], [], [], remaining)
        if ready:
            line = proc.stdout.readline()
            if not line:
                continue
            seen.append(line.rstrip())
            if predicate(line):
                return line


def stop_process(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
    if proc.stdout:
        proc.stdout.close()


def children_named(parent: int, name: str) -> list[int]:
    """Pids of parent's children whose command line mentions `name` (udhcpc is busybox udhcpc)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            cmdline = Path(f"/proc/{entry}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == parent and name.encode() in cmdline:
            found.append(int(entry))
    return found


class ModemDhcpLabTest(lab_support.LabTestCase):
    up_args = ("--no-uplinkd", "--no-modems", "--gw-links", "bare")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tmp = tempfile.TemporaryDirectory(prefix="modem-dhcp-labtest-")
        cls.addClassCleanup(cls.tmp.cleanup)
        directory = Path(cls.tmp.name)
        bus = cls.lab.lab("bus").stdout.strip()

        conf = directory / "udhcpd.conf"
        conf.write_text(UDHCPD_CONF.format(dir=directory, mtu=LEASE_MTU))
        (directory / "udhcpd.leases").touch()
        cls.udhcpd = subprocess.Popen(
            ["ip", "netns", "exec", cls.lab.ns("carrier1"), BUSYBOX, "udhcpd", "-f", str(conf)],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        cls.addClassCleanup(stop_process, cls.udhcpd)
        wait_output_line(cls.udhcpd, lambda l: "started" in l, 10, "udhcpd to start")

        mock_conf = directory / "mockmm.json"
        mock_conf.write_text(json.dumps(lab_mock_config(), indent=2))
        cls.mock = subprocess.Popen(
            ["ip", "netns", "exec", cls.lab.ns("gw"), str(MOCK), "--bus", bus, "--config", str(mock_conf)],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        cls.addClassCleanup(stop_process, cls.mock)
        wait_output_line(cls.mock, lambda l: l.strip() == "READY", 10, "the mock to print READY")

        cls.runner = support.ModemRunner(
            cls.lab, support.write_runner_config(cls.tmp.name),
            extra_args=("--runtime-dir", str(directory / "runner-run")))
        cls.addClassCleanup(cls.runner.stop)

    def wait_dhcp_client(self, present: bool, timeout: float = 10) -> list[int]:
        deadline = time.monotonic() + timeout
        while True:
            pids = children_named(self.runner.proc.pid, "udhcpc")
            if bool(pids) == present:
                return pids
            if time.monotonic() > deadline:
                self.fail(f"udhcpc {'never started' if present else 'still running'}: {pids}")
            time.sleep(0.05)

    def assert_leased(self, state: dict) -> None:
        self.assertEqual(state["phase"], "connected")
        self.assertEqual(state["interface"], "wwan0")
        self.assertEqual(state["ipv4"]["address"], "100.64.1.2/30")
        self.assertEqual(state["ipv4"]["gateway"], "100.64.1.1")
        self.assertEqual(state["ipv4"]["mtu"], LEASE_MTU)
        self.assertEqual(state["dns"], ["100.64.1.1"])
        self.assertEqual(support.gw_addresses(self.lab, "wwan0"), ["100.64.1.2/30"])
        link = json.loads(self.lab.sh("gw", "ip", "-j", "link", "show", "dev", "wwan0").stdout)[0]
        self.assertEqual(link["mtu"], LEASE_MTU)

    def test_1_the_lease_becomes_the_wan(self):
        state = self.runner.wait_up("modem1", timeout=40)
        self.assert_leased(state)
        self.assertTrue(self.wait_dhcp_client(True))
        # Traffic flows over the leased address to the carrier.
        self.lab.sh("gw", "ping", "-c", "1", "-W", "2", "-I", "wwan0", "100.64.1.1")
        # modem2 is STATIC and unaffected.
        two = self.runner.wait_up("modem2")
        self.assertEqual(two["ipv4"]["address"], "100.64.2.2/30")
        self.assertEqual(two["ipv4"]["mtu"], 1500)

    def test_2_a_bearer_drop_takes_the_wan_down_and_stops_the_client(self):
        self.runner.wait_up("modem1", timeout=40)
        clients = self.wait_dhcp_client(True)
        two_before = self.runner.state("modem2")["counters"]
        mark = self.runner.mark()
        dropped_ns = time.monotonic_ns()
        self.lab.lab("modem", "drop-bearer", "modem1")
        down_line = self.runner.wait_line_since(
            mark, lambda l: l["type"] == "state" and l["state"]["name"] == "modem1" and not l["state"]["wan_up"],
            10, "Wan down")
        down = down_line["state"]
        self.assertIn("bearer disconnected", down["last_error"])
        self.assertEqual(down["counters"]["bearer_drops"], 1)
        print(f"\nDHCP bearer drop -> Wan down: {(down_line['mono_ns'] - dropped_ns) / 1e6:.1f} ms "
              f"(includes the uplink-lab CLI call)", file=sys.stderr)
        self.wait_dhcp_client(False)
        # The supervisor reconnects after its back-off and a new client leases again.
        after_down = self.runner.history.index(down_line) + 1
        up = self.runner.wait_line_since(
            after_down, lambda l: l["type"] == "state" and l["state"]["name"] == "modem1" and l["state"]["wan_up"],
            40, "modem1 up again")["state"]
        self.assert_leased(up)
        self.assertNotEqual(self.wait_dhcp_client(True), clients)
        self.assertEqual(self.runner.state("modem2")["counters"], two_before)
        self.assertTrue(self.runner.state("modem2")["wan_up"])


if __name__ == "__main__":
    lab_support.main()
