#!/usr/bin/python3
"""uplinkd's D-Bus API in the lab, through real clients (busctl, gdbus, dbus-python) and through
uplinkctl: the objects say what the lab really is, a bearer drop is announced within 100 ms, an
unprivileged caller may read but not change, and malformed calls get named errors and change
nothing. docs/dbus-api.md describes the API."""

import json
import os
import select
import statistics
import subprocess
import sys
import tempfile
import time
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import dbus_lab_support as support  # noqa: E402
import lab_support  # noqa: E402
from dbus_lab_support import BUS_NAME, MANAGER, MODEM, ROOT  # noqa: E402

STAFF_GID = 50  # Debian's "staff" group: the lab config's access_group
LAB_CONFIG = Path(lab_support.LAB_DIR) / "uplinkd-lab.toml"


def modem_path(name: str) -> str:
    return f"{ROOT}/Modem/{name}"


def gdbus_call(address: str, method: str, *args, prefix=None) -> subprocess.CompletedProcess:
    return subprocess.run([*(prefix or []), "gdbus", "call", "--address", address, "--dest", BUS_NAME,
                           "--object-path", ROOT, "--method", method, *args],
                          capture_output=True, text=True, timeout=15)


class DbusApiLabTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="uplinkd-dbus-lab-")
        cls.addClassCleanup(cls.tmp.cleanup)
        cls.config_text = LAB_CONFIG.read_text().replace(
            "[daemon]", '[dbus]\naccess_group = "staff"\n\n[daemon]', 1)
        cls.config = Path(cls.tmp.name) / "uplinkd.toml"
        cls.config.write_text(cls.config_text)
        os.chmod(cls.tmp.name, 0o755)
        cls.lab = lab_support.Lab("--config", str(cls.config), "--gw-links", "bare")
        cls.addClassCleanup(cls.lab.down)
        cls.lab.up()
        cls.bus = cls.lab.lab("bus").stdout.strip()
        cls.watcher = support.SignalWatcher(cls.bus)
        cls.addClassCleanup(cls.watcher.close)
        mark = cls.watcher.mark()
        for name in ("modem1", "modem2"):
            if not support.get_all(cls.bus, modem_path(name), MODEM)["WanUp"]:
                cls.watcher.wait_for(lambda e, n=name: e["path"] == modem_path(n) and
                                     e.get("properties", {}).get("WanUp") is True, 30, since=mark)
        cls.wait_online(mark)

    @classmethod
    def wait_online(cls, since: int) -> None:
        """Every uplink usable (with a policy, its health checks confirm the Wans first)."""
        if support.get_all(cls.bus, ROOT, MANAGER)["State"] != "online":
            cls.watcher.wait_for(lambda e: e["path"] == ROOT and
                                 e.get("properties", {}).get("State") == "online", 30, since=since)

    def uplinkd_log(self) -> str:
        return self.lab.lab("log", "uplinkd").stdout

    def wait_modem_up(self, name: str, since: int) -> None:
        if support.get_all(self.bus, modem_path(name), MODEM)["WanUp"]:
            return
        self.watcher.wait_for(lambda e: e["path"] == modem_path(name) and
                              e.get("properties", {}).get("WanUp") is True, 30, since=since)

    def test_a_objects_and_properties_match_the_lab(self):
        self.wait_online(self.watcher.mark())
        owner = support.busctl(self.bus, "call", "org.freedesktop.DBus", "/org/freedesktop/DBus",
                               "org.freedesktop.DBus", "GetNameOwner", "s", BUS_NAME).stdout
        self.assertTrue(owner.startswith('s ":'), owner)
        tree = support.busctl(self.bus, "--list", "tree", BUS_NAME).stdout.split()
        self.assertIn(modem_path("modem1"), tree)
        self.assertIn(modem_path("modem2"), tree)

        status = json.loads((Path(self.lab.state["run_dir"]) / "run" / "status.json").read_text())
        manager = support.get_all(self.bus, ROOT, MANAGER)
        self.assertEqual(manager["Version"], status["version"])
        self.assertEqual(manager["State"], "online")
        self.assertEqual((manager["UplinksUp"], manager["UplinksConfigured"]), (2, 2))
        self.assertEqual(manager["ConfigPath"], str(self.config))
        self.assertEqual(manager["LogLevel"], "info")
        self.assertAlmostEqual(manager["StartTime"], time.time(), delta=300)

        mock = json.loads((Path(self.lab.state["run_dir"]) / "mockmm.json").read_text())
        objects = support.managed_objects(self.bus)
        for index, name in enumerate(("modem1", "modem2")):
            modem = objects[modem_path(name)][MODEM]
            expected = mock["modems"][index]
            self.assertEqual(modem["Name"], name)
            self.assertEqual(modem["Imei"], expected["equipment_identifier"])
            self.assertEqual(modem["OperatorCode"], expected["operator"]["code"])
            self.assertEqual(modem["OperatorName"], expected["operator"]["name"])
            self.assertEqual(modem["Iccid"], expected["sim"]["iccid"])
            self.assertEqual(modem["Phase"], "connected")
            self.assertTrue(modem["BearerConnected"])
            self.assertEqual(modem["Registration"], "home")
            # The address uplinkd reports is the one the gw's interface really has.
            interface = modem["Interface"]
            self.assertEqual(interface, f"wwan{index}")
            addresses = json.loads(self.lab.sh("gw", "ip", "-j", "-4", "addr", "show", "dev", interface).stdout)
            real = {f"{a['local']}/{a['prefixlen']}" for a in addresses[0]["addr_info"]}
            self.assertEqual({modem["Ipv4Address"]}, real)
            # ... and what status.json says.
            from_status = next(m for m in status["modems"] if m["name"] == name)
            self.assertEqual(modem["Imei"], from_status["imei"])
            self.assertEqual(modem["SignalQuality"], from_status["signal_quality"])

    def wan_of_modem(self, modem: str):
        """The Wan object on the modem's interface, when uplinkd publishes Wans (a policy runs)."""
        objects = support.managed_objects(self.bus)
        interface = objects[modem_path(modem)][MODEM]["Interface"]
        for path, interfaces in objects.items():
            wan = interfaces.get(support.WAN)
            if wan and wan["Interface"] == interface:
                return path
        return None

    def test_b_properties_changed_within_100_ms_of_a_bearer_drop(self):
        modem_ms, wan_ms = [], []
        for trial in range(6):
            name = ("modem1", "modem2")[trial % 2]
            wan = self.wan_of_modem(name)
            if wan and not support.get_all(self.bus, wan, support.WAN)["Usable"]:
                mark = self.watcher.mark()
                self.watcher.wait_for(lambda e: e["path"] == wan and
                                      e.get("properties", {}).get("Usable") is True, 30, since=mark)
            mark = self.watcher.mark()
            injected = support.inject(self.bus, "DropBearer", "sss", name, "", "")
            down = self.watcher.wait_for(lambda e: e["path"] == modem_path(name) and
                                         e.get("properties", {}).get("WanUp") is False, 5, since=mark)
            modem_ms.append((down["at"] - injected) * 1000)
            if wan:
                unusable = self.watcher.wait_for(lambda e: e["path"] == wan and
                                                 e.get("properties", {}).get("Usable") is False, 5, since=mark)
                wan_ms.append((unusable["at"] - injected) * 1000)
            self.wait_modem_up(name, mark)
        for what, values in (("Modem WanUp=false", modem_ms), ("Wan Usable=false", wan_ms)):
            if values:
                print(f"\nPropertiesChanged({what}) after DropBearer, ms: "
                      f"{', '.join(f'{v:.1f}' for v in values)} (median {statistics.median(values):.1f}, "
                      f"max {max(values):.1f})", file=sys.stderr)
        self.assertLess(max(modem_ms + wan_ms), 100.0)

    def test_c_uplinkctl_reads_what_busctl_reads(self):
        self.wait_online(self.watcher.mark())
        run = support.uplinkctl(self.bus, "status", "--json")
        self.assertEqual(run.returncode, 0, run.stderr)
        snapshot = json.loads(run.stdout)
        manager = support.get_all(self.bus, ROOT, MANAGER)
        for key in ("Version", "State", "ConfigGeneration", "ConfigPath", "UplinksUp"):
            self.assertEqual(snapshot["manager"][key], manager[key], key)
        self.assertEqual([m["Name"] for m in snapshot["modems"]], ["modem1", "modem2"])
        objects = support.managed_objects(self.bus)
        self.assertEqual(snapshot["modems"][0]["Imei"], objects[modem_path("modem1")][MODEM]["Imei"])

        human = support.uplinkctl(self.bus, "status")
        self.assertEqual(human.returncode, 0, human.stderr)
        self.assertNotIn("\033[", human.stdout, "no colour when stdout is not a terminal")
        self.assertTrue(human.stdout.startswith(f"uplinkd {manager['Version']} online"), human.stdout)
        table = support.uplinkctl(self.bus, "modem").stdout.splitlines()
        self.assertEqual(table[0].split()[:3], ["MODEM", "PHASE", "WAN"])
        self.assertEqual(table[1].split()[:3], ["modem1", "connected", "up"])
        one = support.uplinkctl(self.bus, "modem", "modem2", "--json")
        self.assertEqual(json.loads(one.stdout)["Interface"], "wwan1")

        self.assertEqual(support.uplinkctl(self.bus, "modem", "modem9").returncode, 5)
        has_relay = any("org.uplinkd1.AlertRelay" in i for i in objects.values())
        self.assertEqual(support.uplinkctl(self.bus, "alerts").returncode, 0 if has_relay else 5)
        gone = subprocess.run([support.UPLINKCTL, "--bus", "unix:path=/nonexistent/bus.sock", "status"],
                              capture_output=True, text=True, timeout=15)
        self.assertEqual(gone.returncode, 3, gone.stderr)
        self.assertEqual(support.uplinkctl(self.bus, "frobnicate").returncode, 2)
        # The standard variable works like --bus.
        env = dict(os.environ, DBUS_SYSTEM_BUS_ADDRESS=self.bus)
        via_env = subprocess.run([support.UPLINKCTL, "status", "--json"], capture_output=True, text=True,
                                 timeout=15, env=env)
        self.assertEqual(via_env.returncode, 0, via_env.stderr)

    def read_monitor_until(self, monitor, predicate, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        seen = []
        while time.monotonic() < deadline:
            ready, _, _ = select.select([monitor.stdout], [], [], deadline - time.monotonic())
            if not ready:
                break
            line = monitor.stdout.readline()
            if not line:
                break
            seen.append(line)
            if predicate(line):
                return line
        raise AssertionError(f"uplinkctl monitor did not show it within {timeout} s; saw {seen}")

    def start_monitor(self, *args):
        monitor = subprocess.Popen([support.UPLINKCTL, "--bus", self.bus, "monitor", *args],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.addCleanup(lambda: (monitor.kill(), monitor.communicate()))
        ready, _, _ = select.select([monitor.stderr], [], [], 10)
        self.assertTrue(ready, "uplinkctl monitor never said it was monitoring")
        self.assertIn("monitoring", monitor.stderr.readline())
        return monitor

    def test_d_uplinkctl_monitor_shows_changes_live(self):
        monitor = self.start_monitor("--json")
        support.inject(self.bus, "SetSignal", "sudddd", "modem2", 37, -100.0, -12.0, -80.0, 5.0)
        line = self.read_monitor_until(
            monitor, lambda l: json.loads(l).get("properties", {}).get("SignalQuality") == 37, 10)
        event = json.loads(line)
        self.assertEqual(event["object"], "Modem/modem2")
        self.assertEqual(event["event"], "changed")
        self.assertEqual(event["interface"], MODEM)

        human = self.start_monitor()
        support.inject(self.bus, "SetSignal", "sudddd", "modem2", 41, -98.0, -11.0, -79.0, 6.0)
        line = self.read_monitor_until(human, lambda l: "SignalQuality=41" in l, 10)
        self.assertIn("Modem/modem2  changed", line)

        # --count with --timeout: too few events is exit 6, and it does end.
        quiet = subprocess.run([support.UPLINKCTL, "--bus", self.bus, "monitor", "--count", "1000",
                                "--timeout", "0.5"], capture_output=True, text=True, timeout=10)
        self.assertEqual(quiet.returncode, 6, quiet.stderr)

    def test_e_an_unprivileged_caller_reads_but_cannot_change(self):
        before = support.get_all(self.bus, ROOT, MANAGER)
        as_nobody = support.get_all(self.bus, ROOT, MANAGER, prefix=support.NOBODY)
        self.assertEqual(as_nobody["ConfigGeneration"], before["ConfigGeneration"])
        self.assertEqual(support.uplinkctl(self.bus, "modem", prefix=support.NOBODY).returncode, 0)

        refused = gdbus_call(self.bus, f"{MANAGER}.Reload", prefix=support.NOBODY)
        self.assertNotEqual(refused.returncode, 0)
        self.assertIn("org.uplinkd1.Error.PermissionDenied", refused.stderr)
        self.assertIn("uid:65534 may not reload (needs configure; holds read)", refused.stderr)
        refused = gdbus_call(self.bus, f"{MANAGER}.SetLogLevel", "debug", prefix=support.NOBODY)
        self.assertIn("org.uplinkd1.Error.PermissionDenied", refused.stderr)
        ctl = support.uplinkctl(self.bus, "reload", prefix=support.NOBODY)
        self.assertEqual(ctl.returncode, 4, ctl.stderr)
        after = support.get_all(self.bus, ROOT, MANAGER)
        self.assertEqual(after["ConfigGeneration"], before["ConfigGeneration"])
        self.assertEqual(after["LogLevel"], before["LogLevel"])
        self.assertIn("refused reload by uid:65534 (dbus :", self.uplinkd_log())

        # A member of the access group may.
        member = support.as_user(65534, 65534, [STAFF_GID])
        allowed = gdbus_call(self.bus, f"{MANAGER}.SetLogLevel", "debug", prefix=member)
        self.assertEqual(allowed.returncode, 0, allowed.stderr)
        self.assertEqual(support.get_all(self.bus, ROOT, MANAGER)["LogLevel"], "debug")
        self.assertIn("set-log-level level=debug by uid:65534 (dbus :", self.uplinkd_log())
        self.assertEqual(support.uplinkctl(self.bus, "log-level", "info").returncode, 0)
        self.assertEqual(support.get_all(self.bus, ROOT, MANAGER)["LogLevel"], "info")

    def test_f_malformed_calls_get_named_errors_and_change_nothing(self):
        before = support.get_all(self.bus, ROOT, MANAGER)
        cases = [
            ((f"{MANAGER}.SetLogLevel", "verbose"), "org.uplinkd1.Error.InvalidArgument"),
            ((f"{MANAGER}.SetLogLevel",), "org.freedesktop.DBus.Error.InvalidArgs"),
            ((f"{MANAGER}.Reload", "'now'"), "org.freedesktop.DBus.Error.InvalidArgs"),
            ((f"{MANAGER}.Frobnicate",), "org.freedesktop.DBus.Error.UnknownMethod"),
        ]
        for args, error in cases:
            with self.subTest(args=args):
                run = gdbus_call(self.bus, *args)
                self.assertNotEqual(run.returncode, 0)
                self.assertIn(error, run.stderr)
        # A wrong type never reaches uplinkd's code (gdbus would convert it, so dbus-python sends it).
        import dbus
        with self.assertRaises(dbus.exceptions.DBusException) as wrong_type:
            support.call_method(self.bus, BUS_NAME, ROOT, MANAGER, "SetLogLevel", "u", 5)
        self.assertEqual(wrong_type.exception.get_dbus_name(), "org.freedesktop.DBus.Error.InvalidArgs")
        self.assertIn("unknown log level \"verbose\"", gdbus_call(self.bus, f"{MANAGER}.SetLogLevel", "verbose").stderr)
        self.assertEqual(support.get_all(self.bus, ROOT, MANAGER), before)

        # A configuration with a mistake is refused as a whole; the running one stays.
        self.config.write_text(self.config_text + "\n[dbus]\nfrobnicate = 1\n")
        try:
            rejected = gdbus_call(self.bus, f"{MANAGER}.Reload")
            self.assertIn("org.uplinkd1.Error.ConfigInvalid", rejected.stderr)
            after = support.get_all(self.bus, ROOT, MANAGER)
            self.assertEqual(after["ConfigGeneration"], before["ConfigGeneration"])
            self.assertTrue(after["LastReload"].startswith("rejected"), after["LastReload"])
            self.assertEqual(support.uplinkctl(self.bus, "reload").returncode, 1)
        finally:
            self.config.write_text(self.config_text)
        mark = self.watcher.mark()
        applied = support.uplinkctl(self.bus, "reload")
        self.assertEqual(applied.returncode, 0, applied.stderr)
        generation = before["ConfigGeneration"] + 1
        self.assertEqual(applied.stdout.strip(), f"configuration generation {generation} running")
        self.watcher.wait_for(lambda e: e["path"] == ROOT and
                              e.get("properties", {}).get("ConfigGeneration") == generation, 5, since=mark)


if __name__ == "__main__":
    lab_support.main()
