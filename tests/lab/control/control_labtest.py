#!/usr/bin/python3
"""The command layer in the lab (docs/control.md), driven through the real D-Bus API with uplinkctl:
a modem stopped for an operator by a refused PIN is resumed; a Wan taken down administratively
moves every class to the other Wan in one policy decision and comes back; a pin of a class to a Wan
ends by itself; reconnect and reset bring the modem back; a caller without the group is refused
every command, nothing changes, and the audit log shows every attempt, permitted and refused.
Every wait is on a D-Bus signal (PropertiesChanged), never a sleep."""

import json
import os
import sys
import tempfile
import time
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "dbus"))

import dbus_lab_support as support  # noqa: E402
import lab_support  # noqa: E402
from dbus_lab_support import MANAGER, MODEM, ROOT, WAN  # noqa: E402

STAFF_GID = 50  # Debian's "staff" group: this config's access_group
LAB_CONFIG = Path(lab_support.LAB_DIR) / "uplinkd-lab.toml"
CLASSES = ("alert", "management", "telemetry", "bulk")
MODEM1 = f"{ROOT}/Modem/modem1"
MODEM2 = f"{ROOT}/Modem/modem2"
CELL1 = f"{ROOT}/Wan/cell1"


def changed(path: str, name: str, predicate=lambda value: True):
    """A predicate on watcher events: PropertiesChanged of `name` on `path` whose value passes."""
    return lambda e: (e["path"] == path and e["kind"] == "changed" and name in e.get("properties", {})
                      and predicate(e["properties"][name]))


class ControlLabTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="uplinkd-control-lab-")
        cls.addClassCleanup(cls.tmp.cleanup)
        os.chmod(cls.tmp.name, 0o755)
        cls.pin_file = Path(cls.tmp.name) / "modem1.pin"
        cls.write_pin("0000")  # wrong: the mock's SIM will want 1234
        text = LAB_CONFIG.read_text().replace("[daemon]", '[dbus]\naccess_group = "staff"\n\n[daemon]', 1)
        text = text.replace('match = { imei = "860000000000011" }',
                            f'match = {{ imei = "860000000000011" }}\npin_file = "{cls.pin_file}"', 1)
        cls.config = Path(cls.tmp.name) / "uplinkd.toml"
        cls.config.write_text(text)
        cls.lab = lab_support.Lab("--config", str(cls.config), "--gw-links", "bare")
        cls.addClassCleanup(cls.lab.down)
        cls.lab.up()
        cls.bus = cls.lab.lab("bus").stdout.strip()
        cls.watcher = support.SignalWatcher(cls.bus)
        cls.addClassCleanup(cls.watcher.close)
        cls.wait_online(cls.watcher.mark(), 60)

    @classmethod
    def write_pin(cls, pin: str) -> None:
        cls.pin_file.write_text(pin + "\n")
        os.chmod(cls.pin_file, 0o600)

    @classmethod
    def wait_online(cls, since: int, timeout: float = 30) -> None:
        if support.get_all(cls.bus, ROOT, MANAGER)["State"] != "online":
            cls.watcher.wait_for(changed(ROOT, "State", lambda s: s == "online"), timeout, since=since)

    def ctl(self, *args, prefix=None):
        return support.uplinkctl(self.bus, *args, prefix=prefix, timeout=20)

    def ok(self, *args):
        run = self.ctl(*args)
        self.assertEqual(run.returncode, 0, f"uplinkctl {' '.join(args)}: {run.stderr}")
        return run

    def paths(self) -> dict:
        return support.get_all(self.bus, ROOT, MANAGER)["Paths"]

    def wait_paths(self, since: int, want: dict, timeout: float) -> dict:
        """The first Paths announcement from `since` on that has every class of `want` as wanted."""
        return self.watcher.wait_for(changed(ROOT, "Paths", lambda p: all(p.get(c) == w for c, w in want.items())),
                                     timeout, since=since)

    def wait_preferred(self) -> dict:
        """Every unpinned class back on cell1 (after a failover the policy returns once the hold
        time has passed), and the paths then."""
        home = {"alert": "cell1", "telemetry": "cell1", "bulk": "cell1"}
        mark = self.watcher.mark()
        if any(self.paths().get(c) != w for c, w in home.items()):
            self.wait_paths(mark, home, 15)
        return self.paths()

    def wait_modem_up(self, path: str, since: int, timeout: float = 30) -> None:
        if not support.get_all(self.bus, path, MODEM)["WanUp"]:
            self.watcher.wait_for(changed(path, "WanUp", lambda up: up is True), timeout, since=since)

    def test_a_a_modem_held_for_the_operator_is_resumed(self):
        started = time.monotonic()
        mark = self.watcher.mark()
        self.lab.lab("modem", "require-pin", "modem1", "1234")
        held = self.watcher.wait_for(changed(MODEM1, "Phase", lambda p: p == "needs-operator"), 30, since=mark)
        self.addCleanup(lambda: self.ok("modem", "resume", "modem1")
                        if support.get_all(self.bus, MODEM1, MODEM)["Phase"] == "needs-operator" else None)
        modem = support.get_all(self.bus, MODEM1, MODEM)
        self.assertFalse(modem["WanUp"])
        self.assertIn("rejected the PIN", modem["LastError"])

        # The PIN file still holds the rejected PIN: resume is refused and nothing changes.
        refused = self.ctl("modem", "resume", "modem1")
        self.assertEqual(refused.returncode, 1, refused.stderr)
        self.assertIn("org.uplinkd1.Error.Failed", refused.stderr)
        self.assertEqual(support.get_all(self.bus, MODEM1, MODEM)["Phase"], "needs-operator")
        self.assertEqual(support.get_all(self.bus, MODEM1, MODEM)["SimPinRetries"], modem["SimPinRetries"])

        self.write_pin("1234")
        mark = self.watcher.mark()
        resumed = self.ok("modem", "resume", "modem1", "--json")
        self.assertEqual(json.loads(resumed.stdout), {"ok": True})
        self.wait_modem_up(MODEM1, mark)
        self.assertEqual(support.get_all(self.bus, MODEM1, MODEM)["Phase"], "connected")
        self.wait_online(mark)
        print(f"\n  resumed: needs-operator after {held['at'] - started:.2f} s; "
              f"online again {time.monotonic() - started:.2f} s after the PIN was refused", file=sys.stderr)

    def test_b_wan_down_moves_every_class_at_once_and_up_brings_it_back(self):
        self.wait_online(self.watcher.mark())
        before = self.wait_preferred()
        mark = self.watcher.mark()
        self.addCleanup(lambda: self.ctl("wan", "up", "cell1"))
        sent = time.monotonic()
        self.ok("wan", "down", "cell1")
        # One policy decision: the first announcement of Paths after the command has every class
        # on cell2 (no class moves in a later turn).
        first = self.watcher.wait_for(changed(ROOT, "Paths"), 5, since=mark)
        self.assertEqual(first["properties"]["Paths"], {c: "cell2" for c in CLASSES}, first)
        wan = support.get_all(self.bus, CELL1, WAN)
        self.assertFalse(wan["Usable"])
        self.assertIn("administratively down", wan["Reason"])
        down_s = first["at"] - sent

        mark = self.watcher.mark()
        sent = time.monotonic()
        self.ok("wan", "up", "cell1")
        back = self.wait_paths(mark, before, 15)
        up_s = back["at"] - sent
        self.assertTrue(support.get_all(self.bus, CELL1, WAN)["Usable"])
        print(f"\n  wan down: every class on cell2 {down_s * 1000:.0f} ms after the call; "
              f"wan up: back as before in {up_s:.2f} s", file=sys.stderr)

    def test_c_a_pinned_class_returns_by_itself(self):
        self.wait_online(self.watcher.mark())
        self.wait_preferred()
        mark = self.watcher.mark()
        self.addCleanup(lambda: self.ctl("unpin", "bulk"))
        sent = time.monotonic()
        self.ok("pin", "bulk", "cell2", "--for", "5s")
        pinned = self.wait_paths(mark, {"bulk": "cell2"}, 5)
        self.assertEqual(pinned["properties"]["Paths"]["alert"], "cell1")  # only the pinned class moved
        returned = self.wait_paths(self.watcher.events.index(pinned) + 1, {"bulk": "cell1"}, 15)
        held = returned["at"] - sent
        self.assertGreaterEqual(held, 4.5)
        self.assertLess(held, 8.0)
        print(f"\n  pin bulk -> cell2 for 5 s: back on cell1 after {held:.2f} s", file=sys.stderr)

        # Bad arguments are named errors (exit 7) and change nothing.
        for args in (("pin", "video", "cell2", "--for", "5s"), ("pin", "bulk", "cell2", "--for", "25h"),
                     ("unpin", "Bulk")):
            with self.subTest(args=args):
                run = self.ctl(*args)
                self.assertEqual(run.returncode, 7, run.stderr)
        nowhere = self.ctl("pin", "bulk", "cell9", "--for", "5s")
        self.assertNotEqual(nowhere.returncode, 0)
        self.assertEqual(self.paths()["bulk"], "cell1")

    def test_d_reconnect_and_reset_bring_the_modem_back(self):
        self.wait_online(self.watcher.mark())
        for verb in ("reconnect", "reset"):
            with self.subTest(verb=verb):
                counter = {"reconnect": "reconnects", "reset": "resets"}[verb]
                mark = self.watcher.mark()
                before = support.get_all(self.bus, MODEM2, MODEM)["Counters"].get(counter, 0)
                sent = time.monotonic()
                self.ok("modem", verb, "modem2")
                # The modem's down moment may be shorter than one loop turn, which the state store
                # publishes as one change: then only its counter shows that it happened.
                went_down = changed(MODEM2, "WanUp", lambda up: up is False)
                counted = changed(MODEM2, "Counters", lambda counters: counters.get(counter, 0) > before)
                self.watcher.wait_for(lambda e: went_down(e) or counted(e), 10, since=mark)
                self.wait_modem_up(MODEM2, mark, 60)
                print(f"\n  modem {verb}: modem2 up again after {time.monotonic() - sent:.2f} s", file=sys.stderr)
                self.wait_online(mark)
        missing = self.ctl("modem", "reset", "modem9")
        self.assertEqual(missing.returncode, 5, missing.stderr)

    def test_e_an_outsider_is_refused_every_command_and_the_audit_shows_every_attempt(self):
        self.wait_online(self.watcher.mark())
        before = support.get_all(self.bus, ROOT, MANAGER)
        commands = [("modem", "resume", "modem1"), ("modem", "reconnect", "modem1"), ("modem", "reset", "modem1"),
                    ("wan", "down", "cell1"), ("wan", "up", "cell1"), ("pin", "bulk", "cell2", "--for", "5s"),
                    ("unpin", "bulk"), ("reload",), ("log-level", "debug"), ("audit",)]
        mark = self.watcher.mark()
        for args in commands:
            with self.subTest(args=args):
                run = self.ctl(*args, prefix=support.NOBODY)
                self.assertEqual(run.returncode, 4, run.stderr)
                self.assertIn("uid:65534 may not", run.stderr)
        after = support.get_all(self.bus, ROOT, MANAGER)
        for key in ("Paths", "ConfigGeneration", "LogLevel", "State"):
            self.assertEqual(after[key], before[key], key)
        self.assertEqual([e for e in self.watcher.events[mark:] if e["path"] in (MODEM1, CELL1)
                          and e["kind"] == "changed" and ("Phase" in e["properties"] or "Usable" in e["properties"])],
                         [])

        # A member of the access group may operate.
        member = support.as_user(65534, 65534, [STAFF_GID])
        self.assertEqual(self.ctl("log-level", "debug", prefix=member).returncode, 0)
        self.ok("log-level", "info")

        audit = json.loads(self.ok("audit", "--json", "--limit", "1000").stdout)
        refused = [(r["command"], r["arguments"]) for r in audit if r["principal"] == "uid:65534" and not r["permitted"]]
        self.assertEqual(refused, [
            ("modem-resume", "modem=modem1"), ("modem-reconnect", "modem=modem1"), ("modem-reset", "modem=modem1"),
            ("wan-administrative-state", "wan=cell1 state=down"), ("wan-administrative-state", "wan=cell1 state=up"),
            ("pin-class", "class=bulk wan=cell2 seconds=5"), ("unpin-class", "class=bulk"), ("reload", ""),
            ("set-log-level", "level=debug"), ("read-audit", "limit=0")])
        for row in audit:
            if not row["permitted"]:
                self.assertEqual(row["outcome"], "permission-denied", row)
        permitted = [(r["principal"], r["command"], r["outcome"]) for r in audit if r["permitted"]]
        # What the earlier tests did as root, and the member's change.
        for expected in [("uid:0", "modem-resume", "rejected"), ("uid:0", "modem-resume", "ok"),
                         ("uid:0", "wan-administrative-state", "ok"), ("uid:0", "pin-class", "ok"),
                         ("uid:0", "pin-class", "invalid-argument"), ("uid:0", "modem-reconnect", "ok"),
                         ("uid:0", "modem-reset", "ok"), ("uid:65534", "set-log-level", "ok")]:
            self.assertIn(expected, permitted)
        self.assertTrue(all(r["via"].startswith("dbus :") for r in audit))
        self.assertEqual([r["seq"] for r in audit], sorted(r["seq"] for r in audit))
        human = self.ok("audit", "--limit", "5").stdout
        self.assertIn("PRINCIPAL", human)
        self.assertTrue((Path(self.lab.state["run_dir"]) / "state" / "audit.sqlite").exists())


if __name__ == "__main__":
    lab_support.main()
