#!/usr/bin/python3
"""uplinkd's own ModemManager client (SdbusModemManagerEdge, via uplinkd-modem-runner) against the
REAL ModemManager 1.20 driving an emulated AT modem (tests/realmm/realmm_harness.py serve).

What it shows: discovery through the ObjectManager, the SIM's ICCID, enable, registration (home,
operator, LTE), signal, Simple.Connect, and the bearer read back — the emulated modem dials PPP,
so the supervisor starts pppd on the bearer's Interface (here the emulator's UNIX socket path,
which is not a tty, and our kernel has no PPP anyway: pppd exits at once); its exit is a failed
attempt, and the supervisor disconnects the bearer through the real ModemManager. The runner
gets a network namespace of its own (it never touches the machine's links), so this needs root;
without root it is skipped (77).
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import tempfile
import time
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import modem_lab_support as support  # noqa: E402

REPO = Path(__file__).resolve().parents[3]
HARNESS = REPO / "tests" / "realmm" / "realmm_harness.py"

CONFIG = """
[daemon]
log_level = "info"
[[modem]]
name = "modem1"
match = { device = "/virtual/emu0" }
signal_refresh_s = 5
[modem.apn]
apn = "internet"
"""


class NetnsLab:
    """Just enough of lab_support.Lab for ModemRunner: a namespace and a bus address."""

    def __init__(self, bus: str):
        self.bus = bus
        self.netns = "uplmodem" + secrets.token_hex(3)
        subprocess.run(["ip", "netns", "add", self.netns], check=True)

    def ns(self, role: str) -> str:
        return self.netns

    def lab(self, *args):
        assert args == ("bus",)
        return subprocess.CompletedProcess(args, 0, stdout=self.bus + "\n")

    def remove(self) -> None:
        subprocess.run(["ip", "netns", "del", self.netns], check=False)


class RunnerAgainstRealModemManager(unittest.TestCase):
    def setUp(self):
        self.harness = subprocess.Popen(["/usr/bin/python3", str(HARNESS), "serve"], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, text=True)
        self.addCleanup(self.stop_harness)
        info = {}
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = self.harness.stdout.readline()
            if not line:
                self.fail("realmm harness exited before READY")
            line = line.strip()
            if line == "READY":
                break
            if "=" in line:
                key, value = line.split("=", 1)
                info[key] = value
        self.assertIn("BUS", info)
        self.lab = NetnsLab(info["BUS"])
        self.addCleanup(self.lab.remove)
        self.tmp = tempfile.TemporaryDirectory(prefix="modem-realmm-")
        self.addCleanup(self.tmp.cleanup)
        config = Path(self.tmp.name) / "modem.toml"
        config.write_text(CONFIG)
        self.started = time.monotonic()
        self.runner = support.ModemRunner(self.lab, str(config),
                                          extra_args=("--runtime-dir", str(Path(self.tmp.name) / "run")))
        self.addCleanup(self.runner.stop)

    def stop_harness(self):
        if self.harness.poll() is None:
            self.harness.stdin.close()  # the harness leaves when stdin closes, stopping what it started
            try:
                self.harness.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.harness.terminate()
                self.harness.wait(timeout=10)
        self.harness.stdout.close()

    def test_enable_register_connect_and_run_pppd_on_the_ppp_bearer(self):
        mark = 0
        self.runner.wait_state("modem1", lambda s: s["iccid"] != "", 20, "SIM read")
        state = self.runner.wait_state("modem1", lambda s: "ppp helper exited" in s["last_error"], 40,
                                       "pppd started on the PPP bearer and its exit handled")
        self.assertRegex(self.runner.log(), r"pppd started on /\S+")
        self.assertEqual(state["counters"]["connect_failures"], 1)
        self.assertEqual(state["registration"], "home")
        self.assertEqual(state["access_technology"], "lte")
        self.assertTrue(state["imei"])
        self.assertGreater(state["signal_quality"], 0)
        self.assertFalse(state["wan_up"])
        phases = []
        for line in self.runner.lines_since(mark, "state", "modem1"):
            if not phases or phases[-1] != line["state"]["phase"]:
                phases.append(line["state"]["phase"])
        self.assertEqual(phases[:6], ["absent", "enabling", "waiting-for-registration", "connecting",
                                      "configuring", "backing-off"])
        kinds = [l["event"]["kind"] for l in self.runner.lines_since(mark, "event", "modem1")]
        self.assertEqual(kinds, ["modem-adopted"])
        print(f"\nreal ModemManager: runner start -> pppd ran and exited in "
              f"{time.monotonic() - self.started:.2f} s", file=sys.stderr)
        # The supervisor disconnected the bearer through the real ModemManager.
        self.runner.wait_line_since(
            mark, lambda l: l["type"] == "state" and l["state"]["name"] == "modem1"
            and "ppp helper exited" in l["state"]["last_error"] and l["state"]["modem_state"] == "registered",
            20, "the bearer disconnected after pppd's exit")


if __name__ == "__main__":
    if os.geteuid() != 0:
        print("needs root (a network namespace for the runner); skipped", file=sys.stderr)
        sys.exit(77)
    unittest.main(verbosity=2)
