#!/usr/bin/python3
"""uplinkd runs with exactly the capability set of systemd/uplinkd.service.in and no_new_privs
(applied with setpriv, since no systemd runs here): it owns its bus name, connects both lab
modems, configures their interfaces and runs its multi-WAN policy, starts the inference worker as
an unprivileged user (nobody), and stops cleanly on SIGTERM. The controls: without CAP_NET_ADMIN it
cannot configure an interface, without CAP_SETUID/CAP_SETGID the worker never runs, without
CAP_KILL it cannot signal the worker — so every capability in the set is needed."""

import json
import os
import re
import select
import subprocess
import sys
import tempfile
import time
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import dbus_lab_support as support  # noqa: E402
import lab_support  # noqa: E402
from dbus_lab_support import BUS_NAME, MODEM, ROOT  # noqa: E402

# linux/capability.h
CAPABILITY_BITS = {"CAP_CHOWN": 0, "CAP_DAC_OVERRIDE": 1, "CAP_DAC_READ_SEARCH": 2, "CAP_FOWNER": 3,
                   "CAP_FSETID": 4, "CAP_KILL": 5, "CAP_SETGID": 6, "CAP_SETUID": 7, "CAP_SETPCAP": 8,
                   "CAP_NET_BIND_SERVICE": 10, "CAP_NET_BROADCAST": 11, "CAP_NET_ADMIN": 12, "CAP_NET_RAW": 13,
                   "CAP_IPC_LOCK": 14, "CAP_SYS_MODULE": 16, "CAP_SYS_PTRACE": 19, "CAP_SYS_ADMIN": 21,
                   "CAP_SYS_NICE": 23, "CAP_SYS_RESOURCE": 24}


def unit_capabilities() -> list[str]:
    unit = (support.SYSTEMD_DIR / "uplinkd.service.in").read_text()
    values = re.findall(r"^CapabilityBoundingSet=(.*)$", unit, re.M)
    assert len(values) == 1, values
    assert re.search(r"^NoNewPrivileges=yes$", unit, re.M), "the unit must set NoNewPrivileges=yes"
    return values[0].split()


def status_field(pid: int, field: str) -> str:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return line.split(":", 1)[1].strip()
    raise AssertionError(f"no {field} in /proc/{pid}/status")


# Dropped from the lab's Wan health targets so that only ICMP probes (raw sockets) remain.
UDP_TARGET = '  { kind = "udp-echo", address = "203.0.113.11", port = 7 },\n'


class ServiceSandboxLabTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.lab = lab_support.Lab("--no-uplinkd", "--gw-links", "bare")
        cls.addClassCleanup(cls.lab.down)
        cls.lab.up()
        cls.bus = cls.lab.lab("bus").stdout.strip()
        cls.tmp = tempfile.TemporaryDirectory(prefix="uplinkd-sandbox-")
        cls.addClassCleanup(cls.tmp.cleanup)
        Path(cls.tmp.name).chmod(0o755)
        cls.worker = Path(os.environ.get("UPLINKD_INFER", Path(support.UPLINKD).parent.parent / "inference" /
                                         "uplinkd-infer")).resolve()

    def start_uplinkd(self, capabilities: list[str], tag: str, drop_config_text: str = "") -> subprocess.Popen:
        # Each case starts from bare modem interfaces, even when an earlier case failed half-way.
        for interface in ("wwan0", "wwan1"):
            self.lab.sh("gw", "ip", "addr", "flush", "dev", interface)
        work = Path(self.tmp.name) / tag
        work.mkdir()
        work.chmod(0o755)
        # The lab's configuration, plus the inference worker run as nobody (as uplinkd-infer would).
        (work / "infer.toml").write_text(f'[ingest]\nudp = "127.0.0.1:5600"\n\n[alerts]\n'
                                         f'relay_socket = "{work}/alerts.sock"\n\n[[stream]]\nid = 1\nname = "pump1"\n')
        config = work / "uplinkd.toml"
        lab_config = (lab_support.LAB_DIR / "uplinkd-lab.toml").read_text()
        if drop_config_text:
            self.assertIn(drop_config_text, lab_config, "the lab configuration changed: adapt this test")
            lab_config = lab_config.replace(drop_config_text, "")
        config.write_text(lab_config +
                          f'\n[inference]\nenabled = true\nworker = "{self.worker}"\nconfig = "{work}/infer.toml"\n'
                          'user = "nobody"\ngroup = "nogroup"\n')
        for path in work.iterdir():
            path.chmod(0o644)
        bounding = ",".join(["-all"] + ["+" + c.removeprefix("CAP_").lower() for c in capabilities])
        log = open(work / "uplinkd.log", "w")
        self.addCleanup(log.close)
        # `ip netns exec` and setpriv exec in place: the pid is uplinkd's.
        proc = subprocess.Popen(["ip", "netns", "exec", self.lab.ns("gw"), "setpriv", f"--bounding-set={bounding}",
                                 "--inh-caps=-all", "--ambient-caps=-all", "--no-new-privs", "--",
                                 support.UPLINKD, "--config", str(config),
                                 "--bus", self.bus, "--state-dir", str(work / "state"),
                                 "--runtime-dir", str(work / "run")],
                                stdout=log, stderr=subprocess.STDOUT)
        self.addCleanup(self.stop, proc)
        self.log_path = work / "uplinkd.log"
        self.status_path = work / "run" / "status.json"
        return proc

    @staticmethod
    def stop(proc: subprocess.Popen) -> None:
        """SIGTERM first so uplinkd removes what it configured; SIGKILL only if it hangs."""
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    def wait_for_object(self, watcher: "support.SignalWatcher", path: str) -> None:
        """Modem and Wan objects appear once uplinkd has its first link snapshot (InterfacesAdded)."""
        if path not in support.managed_objects(self.bus):
            watcher.wait_for(lambda e: e["kind"] == "added" and e["path"] == path, 20)

    def inference_status(self, predicate, timeout: float) -> dict:
        """Polls status.json (a local file uplinkd rewrites on every change) for the inference state."""
        deadline = time.monotonic() + timeout
        seen = None
        while time.monotonic() < deadline:
            try:
                seen = json.loads(self.status_path.read_text())["inference"]
            except (OSError, ValueError, KeyError):
                seen = None
            if seen is not None and predicate(seen):
                return seen
            time.sleep(0.05)
        raise AssertionError(f"inference status never matched in {timeout} s; last {seen}\n{self.log_path.read_text()}")

    def wait_for_name(self) -> None:
        waited = subprocess.run(["gdbus", "wait", "--address", self.bus, "--timeout", "20", BUS_NAME],
                                capture_output=True, text=True, timeout=30)
        self.assertEqual(waited.returncode, 0, self.log_path.read_text())

    def wwan_addresses(self, interface: str) -> set[str]:
        out = self.lab.sh("gw", "ip", "-j", "-4", "addr", "show", "dev", interface).stdout
        links = json.loads(out)  # empty when the link has no IPv4 address at all
        return {f"{a['local']}/{a['prefixlen']}" for link in links for a in link["addr_info"]}

    def test_a_runs_with_exactly_the_units_capabilities(self):
        capabilities = unit_capabilities()
        mask = sum(1 << CAPABILITY_BITS[c] for c in capabilities)
        watcher = support.SignalWatcher(self.bus)
        self.addCleanup(watcher.close)
        proc = self.start_uplinkd(capabilities, "full", drop_config_text=UDP_TARGET)
        self.wait_for_name()
        for field in ("CapEff", "CapPrm", "CapBnd"):
            self.assertEqual(int(status_field(proc.pid, field), 16), mask, field)
        self.assertEqual(int(status_field(proc.pid, "CapAmb"), 16), 0)
        self.assertEqual(status_field(proc.pid, "NoNewPrivs"), "1")

        for name, interface, address in (("modem1", "wwan0", "100.64.1.2/30"), ("modem2", "wwan1", "100.64.2.2/30")):
            path = f"{ROOT}/Modem/{name}"
            self.wait_for_object(watcher, path)
            if not support.get_all(self.bus, path, MODEM)["WanUp"]:
                watcher.wait_for(lambda e, p=path: e["path"] == p and
                                 e.get("properties", {}).get("WanUp") is True, 30)
            self.assertEqual(self.wwan_addresses(interface), {address})

        # Its ICMP probes (raw sockets: CAP_NET_RAW) confirm both Wans.
        for wan in ("cell1", "cell2"):
            path = f"{ROOT}/Wan/{wan}"
            self.wait_for_object(watcher, path)
            if not support.get_all(self.bus, path, support.WAN)["Usable"]:
                watcher.wait_for(lambda e, p=path: e["path"] == p and e.get("properties", {}).get("Usable") is True, 30)
        # The inference worker runs as nobody: uplinkd used CAP_SETUID and CAP_SETGID.
        inference = self.inference_status(lambda s: s.get("state") == "running" and s.get("pid", 0) > 0, 20)
        worker_uid = status_field(inference["pid"], "Uid").split()
        self.assertEqual(worker_uid, ["65534"] * 4)
        self.assertEqual(int(status_field(inference["pid"], "CapEff"), 16), 0)

        worker_exit = os.pidfd_open(inference["pid"])
        self.addCleanup(os.close, worker_exit)
        mark = watcher.mark()
        proc.terminate()
        self.assertEqual(proc.wait(15), 0, self.log_path.read_text())
        # Clients saw it go: the manager's last state, then its objects.
        watcher.wait_for(lambda e: e["path"] == ROOT and e.get("properties", {}).get("State") == "stopping", 5,
                         since=mark)
        watcher.wait_for(lambda e: e["kind"] == "removed" and e["path"] == f"{ROOT}/Modem/modem1", 5, since=mark)
        # It stopped the worker itself (CAP_KILL) and removed what it configured.
        self.assertNotIn("Operation not permitted", self.log_path.read_text())
        ended, _, _ = select.select([worker_exit], [], [], 5)  # a pidfd is readable once the process ended
        self.assertTrue(ended, "the inference worker outlived uplinkd")
        self.assertEqual(self.wwan_addresses("wwan0"), set())

    def test_b_without_net_admin_it_cannot_configure_an_interface(self):
        capabilities = [c for c in unit_capabilities() if c != "CAP_NET_ADMIN"]
        watcher = support.SignalWatcher(self.bus)
        self.addCleanup(watcher.close)
        proc = self.start_uplinkd(capabilities, "no-net-admin")
        self.wait_for_name()
        path = f"{ROOT}/Modem/modem1"
        self.wait_for_object(watcher, path)
        # The supervisor reports the failure to apply the bearer's configuration.
        if not support.get_all(self.bus, path, MODEM)["LastError"]:
            watcher.wait_for(lambda e: e["path"] == path and e.get("properties", {}).get("LastError"), 30)
        modem = support.get_all(self.bus, path, MODEM)
        self.assertFalse(modem["WanUp"], modem)
        self.assertFalse(any(e.get("properties", {}).get("WanUp") is True for e in watcher.events))
        self.assertEqual(self.wwan_addresses("wwan0"), set())
        print(f"\nwithout CAP_NET_ADMIN: LastError={modem['LastError']!r}", file=sys.stderr)
        proc.terminate()
        proc.wait(15)

    def test_c_without_setuid_and_setgid_the_worker_never_runs(self):
        capabilities = [c for c in unit_capabilities() if c not in ("CAP_SETUID", "CAP_SETGID")]
        proc = self.start_uplinkd(capabilities, "no-setuid")
        self.wait_for_name()
        inference = self.inference_status(lambda s: s.get("exits", 0) >= 1, 20)
        self.assertNotEqual(inference.get("state"), "running", inference)
        print(f"\nwithout CAP_SETUID/CAP_SETGID: inference {inference}", file=sys.stderr)
        proc.terminate()
        proc.wait(15)

    def test_d_without_kill_it_cannot_stop_the_worker(self):
        capabilities = [c for c in unit_capabilities() if c != "CAP_KILL"]
        proc = self.start_uplinkd(capabilities, "no-kill")
        self.wait_for_name()
        self.inference_status(lambda s: s.get("state") == "running", 20)
        proc.terminate()
        proc.wait(15)
        log = self.log_path.read_text()
        self.assertRegex(log, r"signal 15 to inference worker \d+: Operation not permitted")

    def test_e_without_net_raw_icmp_probes_fail(self):
        # Only the ICMP targets: a raw ICMP socket is what CAP_NET_RAW is for.
        capabilities = [c for c in unit_capabilities() if c != "CAP_NET_RAW"]
        watcher = support.SignalWatcher(self.bus)
        self.addCleanup(watcher.close)
        proc = self.start_uplinkd(capabilities, "no-net-raw", drop_config_text=UDP_TARGET)
        self.wait_for_name()
        path = f"{ROOT}/Wan/cell1"
        self.wait_for_object(watcher, path)
        watcher.wait_for(lambda e: e["path"] == path and
                         e.get("properties", {}).get("Counters", {}).get("probes_lost", 0) >= 5, 30)
        wan = support.get_all(self.bus, path, support.WAN)
        print(f"\nwithout CAP_NET_RAW: cell1 {wan['State']}, {wan['Counters']}, {wan['Reason']!r}", file=sys.stderr)
        self.assertNotEqual(wan["State"], "up")
        # Never confirmed up. (Usable may flicker true: an unproven Wan with its link up is usable
        # until its first probes fail, by design of the policy engine.)
        self.assertFalse(any(e["path"] == path and e.get("properties", {}).get("State") == "up" for e in watcher.events))
        proc.terminate()
        proc.wait(15)

if __name__ == "__main__":
    lab_support.main()
