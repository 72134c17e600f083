#!/usr/bin/python3
"""org.uplinkd1.AlertRelay in the lab: uplinkd with [alerts] delivering to a broker in the cloud;
Submit over D-Bus (busctl/gdbus) queues an alert that the broker acknowledges, announced with
PropertiesChanged (Delivered, LastDelivery); a malformed submission is InvalidArgument and queues
nothing; an unprivileged caller is refused; uplinkctl alerts shows the relay."""

import json
import subprocess
import sys
import tempfile
import time
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import dbus_lab_support as support  # noqa: E402
import lab_support  # noqa: E402
from dbus_lab_support import ROOT  # noqa: E402

RELAY = "org.uplinkd1.AlertRelay"
RELAY_PATH = f"{ROOT}/AlertRelay"
BROKER = "203.0.113.10"


def submission(ref: str) -> str:
    return json.dumps({"id": ref, "time": "2026-01-01T00:00:00.000Z", "source": "dbus-labtest",
                       "severity": "major", "payload": {"kind": "test", "ref": ref}})


class AlertRelayDbusLabTest(unittest.TestCase):
    def test_submit_queue_deliver_and_refuse(self):
        tmp = tempfile.TemporaryDirectory(prefix="uplinkd-dbus-relay-")
        self.addCleanup(tmp.cleanup)
        work = Path(tmp.name)
        work.chmod(0o755)
        config = work / "uplinkd.toml"
        config.write_text((lab_support.LAB_DIR / "uplinkd-lab.toml").read_text() +
                          f'\n[alerts]\nenabled = true\nbroker_host = "{BROKER}"\nbroker_port = 1883\n')
        config.chmod(0o644)
        broker_conf = work / "mosquitto.conf"
        broker_conf.write_text(f"persistence false\nlistener 1883 {BROKER}\nallow_anonymous true\n")
        broker_conf.chmod(0o644)

        lab = lab_support.Lab("--config", str(config), "--gw-links", "bare")
        self.addCleanup(lab.down)
        lab.up()
        bus = lab.lab("bus").stdout.strip()
        watcher = support.SignalWatcher(bus)
        self.addCleanup(watcher.close)
        mark = watcher.mark()
        broker_log = open(work / "mosquitto.log", "w")
        self.addCleanup(broker_log.close)
        broker = subprocess.Popen(["ip", "netns", "exec", lab.ns("cloud"), "mosquitto", "-c", str(broker_conf)],
                                  stdout=broker_log, stderr=subprocess.STDOUT)
        self.addCleanup(lambda: (broker.terminate(), broker.wait(10)))

        objects = support.managed_objects(bus)
        self.assertIn(RELAY_PATH, objects, "uplinkd with [alerts] publishes its relay")
        if support.get_all(bus, RELAY_PATH, RELAY)["BrokerState"] != "connected":
            watcher.wait_for(lambda e: e["path"] == RELAY_PATH and
                             e.get("properties", {}).get("BrokerState") == "connected", 60, since=mark)
        before = support.get_all(bus, RELAY_PATH, RELAY)

        mark = watcher.mark()
        started = time.monotonic()
        reply = support.busctl(bus, "--json=short", "call", support.BUS_NAME, RELAY_PATH, RELAY, "Submit", "s",
                               submission("dbus-1")).stdout
        answer = json.loads(json.loads(reply)["data"][0])
        self.assertTrue(answer["ok"], answer)
        self.assertEqual(answer["ref"], "dbus-1")
        delivered = watcher.wait_for(lambda e: e["path"] == RELAY_PATH and
                                     e.get("properties", {}).get("Delivered", 0) > before["Delivered"], 20, since=mark)
        after = support.get_all(bus, RELAY_PATH, RELAY)
        self.assertGreaterEqual(after["LastDelivery"], int((time.time() - 60) * 1000))
        self.assertEqual(after["Counters"]["accepted"], before["Counters"]["accepted"] + 1)
        print(f"\nbusctl Submit started -> PropertiesChanged(Delivered) after "
              f"{(delivered['at'] - started) * 1000:.1f} ms (includes busctl's own start)", file=sys.stderr)

        bad = subprocess.run(["gdbus", "call", "--address", bus, "--dest", support.BUS_NAME, "--object-path",
                              RELAY_PATH, "--method", f"{RELAY}.Submit", '{"severity": "major"}'],
                             capture_output=True, text=True, timeout=15)
        self.assertIn("org.uplinkd1.Error.InvalidArgument", bad.stderr)
        refused = subprocess.run([*support.NOBODY, "gdbus", "call", "--address", bus, "--dest", support.BUS_NAME,
                                  "--object-path", RELAY_PATH, "--method", f"{RELAY}.Submit", submission("dbus-2")],
                                 capture_output=True, text=True, timeout=15)
        self.assertIn("org.uplinkd1.Error.PermissionDenied", refused.stderr)
        final = support.get_all(bus, RELAY_PATH, RELAY)
        self.assertEqual(final["OutboxStored"], after["OutboxStored"], "nothing queued by the refused calls")
        self.assertEqual(final["Counters"]["accepted"], after["Counters"]["accepted"])

        ctl = support.uplinkctl(bus, "alerts", "--json")
        self.assertEqual(ctl.returncode, 0, ctl.stderr)
        self.assertEqual(json.loads(ctl.stdout)["Delivered"], final["Delivered"])


if __name__ == "__main__":
    lab_support.main()
