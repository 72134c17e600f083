#!/usr/bin/python3
"""Nothing of a lab outlives it: after `down`, after a failure half-way through `up`, after
Ctrl-C during `up`, and after `up` itself was killed, no namespace, process, bus socket or run
dir of that lab remains (checked by name and by recorded pid)."""

import os
import select
import signal
import subprocess
import time
import unittest
from pathlib import Path

import lab_support
from lab_support import (BUILD_DIR, UPLINK_LAB, Lab, namespaces, new_lab_id, process_alive,
                         processes_mentioning, read_state, run_lab)

ROLES = ["gw", "carrier1", "carrier2", "cloud", "lan", "corp", "isp"]
MOCK_BUILT = (Path(BUILD_DIR) / "tests/lab/mockmm/uplinkd-mock-mm").is_file()


class TeardownTest(unittest.TestCase):
    def setUp(self):
        self.lab_id = new_lab_id()
        # Whatever a test does, the lab goes (a no-op when the test already removed it).
        self.addCleanup(run_lab, "down", "--id", self.lab_id, check=False)

    @staticmethod
    def lab_args():
        """The mock ModemManager joins in once it is built; uplinkd has its own lab test."""
        return ["--no-uplinkd"] + ([] if MOCK_BUILT else ["--no-modems"])

    def up_args(self):
        return self.lab_args() + ["--build-dir", BUILD_DIR]

    def assert_nothing_left(self, recorded_pids=()):
        lab_id = self.lab_id
        left = {f"ul{lab_id}-{r}" for r in ROLES} & namespaces()
        self.assertEqual(left, set(), "namespaces left behind")
        for name, pid, start in recorded_pids:
            self.assertFalse(process_alive(pid, start), f"{name} (pid {pid}) still runs")
        run_dir = f"/run/uplinkd-lab/{lab_id}"
        self.assertFalse(os.path.exists(f"{run_dir}/bus.sock"), "bus socket left behind")
        self.assertFalse(os.path.exists(run_dir), "run dir left behind")
        self.assertEqual(processes_mentioning(run_dir + "/"), [], "processes of the lab remain")

    @staticmethod
    def recorded(state):
        return [(n, p["pid"], p["start_time"]) for n, p in state["processes"].items()]

    def start_paused_up(self, stage: str) -> subprocess.Popen:
        """Starts `up` that stops after `stage`, and waits for it to say so (bounded)."""
        env = dict(os.environ, UPLINK_LAB_TEST_PAUSE_AT=stage)
        proc = subprocess.Popen([str(UPLINK_LAB), "up", "--id", self.lab_id, *self.up_args()],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        def reap():
            if proc.poll() is None:
                proc.kill()
            proc.communicate(timeout=10)
        self.addCleanup(reap)
        deadline = time.monotonic() + 30
        seen = ""
        while f"PAUSED {stage}" not in seen:
            remaining = deadline - time.monotonic()
            self.assertGreater(remaining, 0, f"up never paused at {stage}: {seen}")
            ready, _, _ = select.select([proc.stderr], [], [], remaining)
            if ready:
                line = proc.stderr.readline()
                if not line:
                    self.fail(f"up exited early ({proc.wait(timeout=10)}): {seen}")
                seen += line
        return proc

    def read_state(self):
        return read_state(self.lab_id)

    def test_down_removes_everything(self):
        lab = Lab(*self.lab_args(), "--isp", lab_id=self.lab_id).up()
        recorded = self.recorded(lab.state)
        self.assertGreaterEqual(len(recorded), 3)
        self.assertTrue(all(process_alive(pid, st) for _, pid, st in recorded))
        # A process a test left running inside a lab namespace goes too.
        stray = subprocess.Popen([str(UPLINK_LAB), "exec", "--id", self.lab_id, "cloud", "--",
                                  "sleep", "300"])
        self.addCleanup(lambda: stray.poll() is None and stray.kill())
        lab.lab("impair", "carrier1", "rate", "500")
        down = lab.down()
        self.assertEqual(down.returncode, 0, down.stderr)
        self.assertEqual(stray.wait(timeout=10), -signal.SIGTERM)
        self.assert_nothing_left(recorded)
        again = lab.down()
        self.assertEqual(again.returncode, 0, "down is idempotent: " + again.stderr)

    def test_failure_half_way_removes_what_was_made(self):
        env = dict(os.environ, UPLINK_LAB_TEST_FAIL_AT="udp-echo")
        proc = run_lab("up", "--id", self.lab_id, *self.up_args(), check=False, env=env)
        self.assertEqual(proc.returncode, 1)
        self.assertIn("failing at stage udp-echo", proc.stderr)
        self.assertIn(f"lab {self.lab_id} is down", proc.stderr)
        self.assert_nothing_left()

    def test_missing_binary_fails_before_making_anything(self):
        proc = run_lab("up", "--id", self.lab_id, "--build-dir", "/nonexistent", check=False)
        self.assertEqual(proc.returncode, 1)
        self.assertIn("not built", proc.stderr)
        self.assert_nothing_left()

    def test_ctrl_c_during_up_tears_down(self):
        proc = self.start_paused_up("bus")
        recorded = self.recorded(self.read_state())
        self.assertEqual([r[0] for r in recorded], ["dbus"])
        proc.send_signal(signal.SIGINT)
        self.assertEqual(proc.wait(timeout=30), 130)
        self.assert_nothing_left(recorded)

    def test_down_after_up_was_killed(self):
        proc = self.start_paused_up("udp-echo")
        recorded = self.recorded(self.read_state())
        proc.kill()
        proc.wait(timeout=10)
        # The crashed lab still runs and still lists: down finds it from state.json.
        self.assertIn(self.lab_id, run_lab("list").stdout)
        self.assertTrue(all(process_alive(pid, st) for _, pid, st in recorded))
        down = run_lab("down", "--id", self.lab_id, check=False)
        self.assertEqual(down.returncode, 0, down.stderr)
        self.assert_nothing_left(recorded)

    def test_down_without_state_removes_namespaces(self):
        proc = self.start_paused_up("links")
        proc.kill()
        proc.wait(timeout=10)
        os.remove(f"/run/uplinkd-lab/{self.lab_id}/state.json")
        self.assertIn("orphan", run_lab("list").stdout)
        down = run_lab("down", "--id", self.lab_id, check=False)
        self.assertEqual(down.returncode, 0, down.stderr)
        self.assert_nothing_left()

    def test_existing_id_is_refused(self):
        lab = Lab("--no-uplinkd", "--no-modems", lab_id=self.lab_id).up()
        proc = run_lab("up", "--id", self.lab_id, "--no-uplinkd", "--no-modems", check=False)
        self.assertEqual(proc.returncode, 1)
        self.assertIn("already exists", proc.stderr)
        self.assertTrue(process_alive(*self.recorded(lab.state)[0][1:]), "first lab untouched")


if __name__ == "__main__":
    lab_support.main()
