#!/usr/bin/python3
"""The shipped D-Bus policy (systemd/org.uplinkd1.conf) on a bus with the system bus's own
deny-by-default rules (the default context of /usr/share/dbus-1/system.conf, copied at run time):
root owns org.uplinkd1 and may call everything, another user may read but the bus itself refuses
its mutating calls and its attempt to own the name. uplinkd runs in the lab's gw namespace."""

import re
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import dbus_lab_support as support  # noqa: E402
import lab_support  # noqa: E402
from dbus_lab_support import BUS_NAME, MANAGER, ROOT  # noqa: E402

SYSTEM_CONF = Path("/usr/share/dbus-1/system.conf")


def strict_bus_config(socket: Path) -> str:
    text = SYSTEM_CONF.read_text()
    default = re.search(r'<policy context="default">.*?</policy>', text, re.S)
    if not default:
        raise AssertionError(f"{SYSTEM_CONF} has no default policy to copy")
    return f"""<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path={socket}</listen>
  <auth>EXTERNAL</auth>
  {default.group(0)}
  <include>{support.SYSTEMD_DIR / "org.uplinkd1.conf"}</include>
</busconfig>
"""


class DbusPolicyLabTest(unittest.TestCase):
    def test_the_shipped_policy_lets_everybody_read_and_only_root_change(self):
        lab = lab_support.Lab("--no-uplinkd", "--no-modems")
        self.addCleanup(lab.down)
        lab.up()
        tmp = tempfile.TemporaryDirectory(prefix="uplinkd-policy-")
        self.addCleanup(tmp.cleanup)
        work = Path(tmp.name)
        work.chmod(0o755)
        socket = work / "bus.sock"
        (work / "bus.conf").write_text(strict_bus_config(socket))
        address = f"unix:path={socket}"

        bus_log = open(work / "dbus.log", "w")
        self.addCleanup(bus_log.close)
        bus = subprocess.Popen(["ip", "netns", "exec", lab.ns("gw"), "dbus-daemon",
                                f"--config-file={work / 'bus.conf'}", "--nofork", "--nopidfile", "--print-address"],
                               stdout=subprocess.PIPE, stderr=bus_log, text=True)
        self.addCleanup(lambda: (bus.terminate(), bus.wait(10)))
        self.assertTrue(bus.stdout.readline().startswith("unix:"), (work / "dbus.log").read_text())

        config = work / "uplinkd.toml"
        config.write_text('[daemon]\nlog_level = "info"\n')
        uplinkd_log = open(work / "uplinkd.log", "w")
        self.addCleanup(uplinkd_log.close)
        uplinkd = subprocess.Popen(["ip", "netns", "exec", lab.ns("gw"), support.UPLINKD, "--config", str(config),
                                    "--bus", address, "--state-dir", str(work / "state"),
                                    "--runtime-dir", str(work / "run")],
                                   stdout=uplinkd_log, stderr=subprocess.STDOUT)
        self.addCleanup(lambda: (uplinkd.terminate(), uplinkd.wait(10)))
        waited = subprocess.run(["gdbus", "wait", "--address", address, "--timeout", "20", BUS_NAME],
                                capture_output=True, text=True, timeout=30)
        self.assertEqual(waited.returncode, 0, (work / "uplinkd.log").read_text())

        # Everybody reads.
        as_root = support.get_all(address, ROOT, MANAGER)
        as_nobody = support.get_all(address, ROOT, MANAGER, prefix=support.NOBODY)
        self.assertEqual(as_nobody["ConfigGeneration"], as_root["ConfigGeneration"])
        objects = support.busctl(address, "call", BUS_NAME, ROOT, "org.freedesktop.DBus.ObjectManager",
                                 "GetManagedObjects", prefix=support.NOBODY)
        self.assertTrue(objects.stdout.startswith("a{oa{sa{sv}}}"), objects.stdout)
        introspect = support.busctl(address, "introspect", BUS_NAME, ROOT, prefix=support.NOBODY)
        self.assertIn(".Reload", introspect.stdout)

        # The bus refuses another user's mutating call before uplinkd sees it.
        refused = subprocess.run([*support.NOBODY, "gdbus", "call", "--address", address, "--dest", BUS_NAME,
                                  "--object-path", ROOT, "--method", f"{MANAGER}.Reload"],
                                 capture_output=True, text=True, timeout=15)
        self.assertIn("org.freedesktop.DBus.Error.AccessDenied", refused.stderr)
        self.assertNotIn("refused Manager.Reload", (work / "uplinkd.log").read_text())
        self.assertEqual(support.uplinkctl(address, "reload", prefix=support.NOBODY).returncode, 4)
        # ... and its attempt to take the name.
        squat = subprocess.run([*support.NOBODY, "/usr/bin/python3", "-c",
                                "import dbus, sys; dbus.bus.BusConnection(sys.argv[1]).request_name(sys.argv[2])",
                                address, BUS_NAME], capture_output=True, text=True, timeout=15)
        self.assertIn("AccessDenied", squat.stderr)

        # Root may.
        reload = support.uplinkctl(address, "reload")
        self.assertEqual(reload.returncode, 0, reload.stderr)
        self.assertEqual(support.get_all(address, ROOT, MANAGER)["ConfigGeneration"],
                         as_root["ConfigGeneration"] + 1)


if __name__ == "__main__":
    lab_support.main()
