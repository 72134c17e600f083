#!/usr/bin/python3
"""The lab's mock ModemManager on the lab bus: both modems visible with busctl --address, the
bus reachable from inside gw, and `uplink-lab modem` faults reaching the mock."""

import json
import re
import subprocess

import lab_support
from lab_support import LabTestCase

MM = "org.freedesktop.ModemManager1"
MM_PATH = "/org/freedesktop/ModemManager1"
MODEM_IFACE = "org.freedesktop.ModemManager1.Modem"


class ModemsOnBusTest(LabTestCase):
    up_args = ("--no-uplinkd",)

    def busctl(self, *args, json_reply: bool = True):
        argv = ["busctl", f"--address={self.lab.state['bus_address']}"]
        argv += ["--json=short"] if json_reply else []
        proc = subprocess.run(argv + ["--", *args], capture_output=True, text=True, timeout=10)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        return json.loads(proc.stdout) if json_reply else proc.stdout

    def modems(self) -> dict:
        """Object path -> IMEI of every modem the ObjectManager reports."""
        # busctl 252 cannot print this reply as JSON (it gives up silently), so read its text:
        # each object is `"PATH" N "IFACE" M "PROP" SIG VALUE ...`.
        text = self.busctl("call", MM, MM_PATH, "org.freedesktop.DBus.ObjectManager",
                           "GetManagedObjects", json_reply=False)
        found = {}
        for chunk in re.split(r'(?="/org/freedesktop/ModemManager1/)', text):
            m = re.match(r'"(/org/freedesktop/ModemManager1/Modem/\d+)"', chunk)
            imei = re.search(r'"EquipmentIdentifier" s "(\d+)"', chunk)
            if m and imei:
                found[m.group(1)] = imei.group(1)
        return found

    def listed(self) -> dict:
        out = self.lab.lab("modem", "list").stdout
        return {line.split()[0]: line.split()[1:] for line in out.splitlines()}

    def test_both_modems_visible_with_busctl_address(self):
        self.assertEqual(sorted(self.modems().values()), ["860000000000011", "860000000000022"])
        rows = self.listed()
        self.assertEqual(set(rows), {"modem1", "modem2"})
        for modem_id, (path, _state) in rows.items():
            self.assertIn(path, self.modems())

    def test_bearer_interfaces_match_the_lab_links(self):
        ports = {}
        for path in self.modems():
            reply = self.busctl("get-property", MM, path, MODEM_IFACE, "Ports")
            ports[path] = {name for name, _kind in reply["data"]}
        self.assertTrue(any("wwan0" in p for p in ports.values()), ports)
        self.assertTrue(any("wwan1" in p for p in ports.values()), ports)

    def test_bus_reachable_from_gw_as_the_system_bus(self):
        # `exec` sets DBUS_SYSTEM_BUS_ADDRESS, so a program in gw finds the lab bus as uplinkd will.
        out = self.lab.lab("exec", "gw", "--", "busctl", "--system", "--list", "--no-pager").stdout
        self.assertIn(MM, out)

    def test_remove_and_add_come_back_at_a_new_path(self):
        before = self.listed()["modem1"][0]
        self.lab.lab("modem", "remove", "modem1")
        self.assertEqual(self.listed()["modem1"][0], "/")
        self.assertNotIn(before, self.modems())
        self.lab.lab("modem", "add", "modem1")
        after = self.listed()["modem1"][0]
        self.assertNotIn(after, ("/", before))
        self.assertEqual(self.modems()[after], "860000000000011")

    def enable(self, modem_id: str) -> str:
        path = self.listed()[modem_id][0]
        self.busctl("call", MM, path, MODEM_IFACE, "Enable", "b", "true", json_reply=False)
        return path

    def test_signal_with_negative_figures_reaches_the_mock(self):
        # A modem reports signal once enabled, as ModemManager does.
        path = self.enable("modem2")
        self.lab.lab("modem", "signal", "modem2", "42", "-101.5", "-13", "-75", "-2.5")
        quality = self.busctl("get-property", MM, path, MODEM_IFACE, "SignalQuality")["data"]
        self.assertEqual(quality[0], 42)
        self.lab.lab("modem", "signal", "modem2", "77")
        quality = self.busctl("get-property", MM, path, MODEM_IFACE, "SignalQuality")["data"]
        self.assertEqual(quality[0], 77)

    def test_require_pin_locks_the_modem(self):
        self.lab.lab("modem", "require-pin", "modem1", "4321")
        self.assertEqual(self.listed()["modem1"][1], "locked")

    def test_unknown_modem_is_an_error(self):
        proc = self.lab.lab("modem", "deregister", "modem9", check=False)
        self.assertEqual(proc.returncode, 1)
        self.assertIn("modem9", proc.stderr)
        proc = self.lab.lab("modem", "register", "modem1", check=False)
        self.assertEqual(proc.returncode, 1)
        self.assertIn("usage", proc.stderr)


if __name__ == "__main__":
    lab_support.main()
