#!/usr/bin/python3
"""uplinkd runs with exactly the capability set of systemd/uplinkd.service.in and no_new_privs
(applied with setpriv, since no systemd runs here): it owns its bus name, connects both lab
modems and configures their interfaces, then stops cleanly on SIGTERM. The control: without
CAP_NET_ADMIN from that set it cannot configure an interface, so the set is what makes it work."""

import json
import re
import subprocess
import sys
import tempfile
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


class ServiceSandboxLabTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.lab = lab_support.Lab("--no-uplinkd", "--gw-links", "bare")
        cls.addClassCleanup(cls.lab.down)
        cls.lab.up()
        cls.bus = cls.lab.lab("bus").stdout.strip()
        cls.tmp = tempfile.TemporaryDirectory(prefix="uplinkd-sandbox-")
        cls.addClassCleanup(cls.tmp.cleanup)

    def start_uplinkd(self, capabilities: list[str], tag: str) -> subprocess.Popen:
        work = Path(self.tmp.name) / tag
        work.mkdir()
        bounding = ",".join(["-all"] + ["+" + c.removeprefix("CAP_").lower() for c in capabilities])
        log = open(work / "uplinkd.log", "w")
        self.addCleanup(log.close)
        # `ip netns exec` and setpriv exec in place: the pid is uplinkd's.
        proc = subprocess.Popen(["ip", "netns", "exec", self.lab.ns("gw"), "setpriv", f"--bounding-set={bounding}",
                                 "--inh-caps=-all", "--ambient-caps=-all", "--no-new-privs", "--",
                                 support.UPLINKD, "--config", str(lab_support.LAB_DIR / "uplinkd-lab.toml"),
                                 "--bus", self.bus, "--state-dir", str(work / "state"),
                                 "--runtime-dir", str(work / "run")],
                                stdout=log, stderr=subprocess.STDOUT)
        self.addCleanup(lambda: proc.poll() is None and (proc.kill(), proc.wait()))
        self.log_path = work / "uplinkd.log"
        return proc

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
        proc = self.start_uplinkd(capabilities, "full")
        self.wait_for_name()
        for field in ("CapEff", "CapPrm", "CapBnd"):
            self.assertEqual(int(status_field(proc.pid, field), 16), mask, field)
        self.assertEqual(int(status_field(proc.pid, "CapAmb"), 16), 0)
        self.assertEqual(status_field(proc.pid, "NoNewPrivs"), "1")

        for name, interface, address in (("modem1", "wwan0", "100.64.1.2/30"), ("modem2", "wwan1", "100.64.2.2/30")):
            path = f"{ROOT}/Modem/{name}"
            if not support.get_all(self.bus, path, MODEM)["WanUp"]:
                watcher.wait_for(lambda e, p=path: e["path"] == p and
                                 e.get("properties", {}).get("WanUp") is True, 30)
            self.assertEqual(self.wwan_addresses(interface), {address})

        proc.terminate()
        self.assertEqual(proc.wait(15), 0, self.log_path.read_text())
        # On stop it removed what it configured.
        self.assertEqual(self.wwan_addresses("wwan0"), set())

    def test_b_without_net_admin_it_cannot_configure_an_interface(self):
        capabilities = [c for c in unit_capabilities() if c != "CAP_NET_ADMIN"]
        watcher = support.SignalWatcher(self.bus)
        self.addCleanup(watcher.close)
        proc = self.start_uplinkd(capabilities, "no-net-admin")
        self.wait_for_name()
        path = f"{ROOT}/Modem/modem1"
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


if __name__ == "__main__":
    lab_support.main()
