#!/usr/bin/python3
"""The whole lab with uplinkd: `up` waits for uplinkd's status file, uplinkd keeps running in
gw on the lab bus next to the mock ModemManager, and `down` stops it with SIGTERM alone."""

import json
import unittest
from pathlib import Path

import lab_support
from lab_support import Lab, process_alive


class UplinkdInLabTest(unittest.TestCase):
    def test_up_runs_uplinkd_and_down_stops_it_gracefully(self):
        lab = Lab()
        self.addCleanup(lab.down)
        lab.up()
        state = lab.state
        run_dir = Path(state["run_dir"])
        status = json.loads((run_dir / "run" / "status.json").read_text())
        self.assertIsInstance(status, dict)
        uplinkd = state["processes"]["uplinkd"]
        self.assertEqual(uplinkd["namespace"], lab.ns("gw"))
        self.assertTrue(process_alive(uplinkd["pid"], uplinkd["start_time"]))
        self.assertIn("--bus", uplinkd["argv"])
        self.assertTrue(json.loads(lab.lab("status", "--json").stdout)["healthy"])
        # uplinkd runs in gw: its /proc/PID/ns/net is the gw namespace's.
        gw_ns = Path(f"/run/netns/{lab.ns('gw')}").stat().st_ino
        self.assertEqual(Path(f"/proc/{uplinkd['pid']}/ns/net").stat().st_ino, gw_ns)
        down = lab.down()
        self.assertEqual(down.returncode, 0, down.stderr)
        self.assertNotIn("SIGKILL", down.stderr, "uplinkd must stop on SIGTERM")
        self.assertFalse(process_alive(uplinkd["pid"], uplinkd["start_time"]))


if __name__ == "__main__":
    lab_support.main()
