"""Helpers for the D-Bus lab tests: busctl (a real client, not ours) with the lab's bus, the same
as an unprivileged user, uplinkctl, and a signal watcher that records when each signal arrived.

The watcher uses dbus-python on a GLib main loop in a thread: also a client that is not ours.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import lab_support  # noqa: E402

BUS_NAME = "org.uplinkd1"
ROOT = "/org/uplinkd1"
MANAGER = "org.uplinkd1.Manager"
MODEM = "org.uplinkd1.Modem"
WAN = "org.uplinkd1.Wan"
UPLINKCTL = os.environ.get("UPLINKCTL", str(Path(lab_support.BUILD_DIR) / "dbus/uplinkctl/uplinkctl"))
UPLINKD = os.environ.get("UPLINKD", str(Path(lab_support.BUILD_DIR) / "daemon/uplinkd"))
SYSTEMD_DIR = Path(__file__).resolve().parents[3] / "systemd"
NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"]


def as_user(uid: int, gid: int, groups: list[int] | None = None) -> list[str]:
    group_args = ["--groups=" + ",".join(map(str, groups))] if groups else ["--clear-groups"]
    return ["setpriv", f"--reuid={uid}", f"--regid={gid}", *group_args, "--"]


def busctl(address: str, *args, prefix: list[str] | None = None, check: bool = True,
           timeout: float = 10) -> subprocess.CompletedProcess:
    cmd = [*(prefix or []), "busctl", f"--address={address}", *map(str, args)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)} exited {proc.returncode}: {proc.stderr.strip()}")
    return proc


def get_all(address: str, path: str, interface: str, prefix: list[str] | None = None) -> dict:
    """Properties.GetAll through busctl, as plain Python values."""
    out = busctl(address, "--json=short", "call", BUS_NAME, path, "org.freedesktop.DBus.Properties",
                 "GetAll", "s", interface, prefix=prefix).stdout
    return {name: value["data"] for name, value in json.loads(out)["data"][0].items()}


def managed_objects(address: str) -> dict:
    out = busctl(address, "--json=short", "call", BUS_NAME, ROOT, "org.freedesktop.DBus.ObjectManager",
                 "GetManagedObjects").stdout
    objects = {}
    for path, interfaces in json.loads(out)["data"][0].items():
        objects[path] = {iface: {k: v["data"] for k, v in props.items()} for iface, props in interfaces.items()}
    return objects


def uplinkctl(address: str, *args, prefix: list[str] | None = None, timeout: float = 15) -> subprocess.CompletedProcess:
    return subprocess.run([*(prefix or []), UPLINKCTL, "--bus", address, *map(str, args)], capture_output=True,
                          text=True, timeout=timeout)


class SignalWatcher:
    """Records every PropertiesChanged, InterfacesAdded and InterfacesRemoved uplinkd sends, with
    the time.monotonic() at which it arrived here."""

    def __init__(self, address: str):
        import dbus
        import dbus.mainloop.glib
        from gi.repository import GLib

        dbus.mainloop.glib.threads_init()
        # dbus-python dispatches on GLib's default main context: the loop runs that one, in a
        # thread of its own (one watcher at a time per process).
        self._loop = GLib.MainLoop()
        self._dbus = dbus
        self._address = address
        self.events: list[dict] = []
        self._cond = threading.Condition()
        ready = threading.Event()
        self._error = None

        def run():
            try:
                main_loop = dbus.mainloop.glib.DBusGMainLoop()
                self._bus = dbus.bus.BusConnection(address, mainloop=main_loop)
                self._bus.add_signal_receiver(self._on_properties, signal_name="PropertiesChanged",
                                              dbus_interface="org.freedesktop.DBus.Properties",
                                              bus_name=BUS_NAME, path_keyword="path")
                self._bus.add_signal_receiver(self._on_added, signal_name="InterfacesAdded",
                                              dbus_interface="org.freedesktop.DBus.ObjectManager",
                                              bus_name=BUS_NAME)
                self._bus.add_signal_receiver(self._on_removed, signal_name="InterfacesRemoved",
                                              dbus_interface="org.freedesktop.DBus.ObjectManager",
                                              bus_name=BUS_NAME)
                # A round trip to the bus: every AddMatch above is in place once it returns.
                self._bus.get_object("org.freedesktop.DBus", "/org/freedesktop/DBus").GetId(
                    dbus_interface="org.freedesktop.DBus")
            except Exception as error:  # noqa: BLE001 - reported to the test below
                self._error = error
            ready.set()
            if self._error is None:
                self._loop.run()

        self._thread = threading.Thread(target=run, daemon=True)
        self._thread.start()
        ready.wait(10)
        if self._error:
            raise self._error

    def _record(self, event: dict) -> None:
        event["at"] = time.monotonic()
        with self._cond:
            self.events.append(event)
            self._cond.notify_all()

    def _on_properties(self, interface, changed, invalidated, path=None):
        self._record({"kind": "changed", "path": str(path), "interface": str(interface),
                      "properties": {str(k): _plain(v) for k, v in changed.items()}})

    def _on_added(self, path, interfaces):
        self._record({"kind": "added", "path": str(path),
                      "interfaces": {str(i): {str(k): _plain(v) for k, v in p.items()} for i, p in interfaces.items()}})

    def _on_removed(self, path, interfaces):
        self._record({"kind": "removed", "path": str(path), "interfaces": [str(i) for i in interfaces]})

    def wait_for(self, predicate, timeout: float, since: int = 0) -> dict:
        """The first event from index `since` on that satisfies predicate; waits on arrivals."""
        deadline = time.monotonic() + timeout
        with self._cond:
            index = since
            while True:
                while index < len(self.events):
                    if predicate(self.events[index]):
                        return self.events[index]
                    index += 1
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no matching signal within {timeout} s; saw {self.events[since:]}")
                self._cond.wait(left)

    def mark(self) -> int:
        with self._cond:
            return len(self.events)

    def close(self) -> None:
        self._loop.quit()
        self._thread.join(5)
        self._bus.close()


_CALLERS: dict = {}


def call_method(address: str, bus_name: str, path: str, interface: str, method: str, signature: str, *args):
    """A blocking method call on a connection of its own (no main loop); returns when answered."""
    import dbus
    if address not in _CALLERS:
        _CALLERS[address] = dbus.bus.BusConnection(address)
    obj = _CALLERS[address].get_object(bus_name, path, introspect=False)
    return obj.get_dbus_method(method, interface)(*args, signature=signature)


def inject(address: str, method: str, signature: str, *args) -> float:
    """Calls the mock ModemManager's lab control; returns time.monotonic() just before the call."""
    start = time.monotonic()
    call_method(address, "org.freedesktop.ModemManager1", "/org/uplinkd/Lab/MockModemManager",
                "org.uplinkd.Lab.MockModemManager1", method, signature, *args)
    return start


def _plain(value):
    import dbus
    if isinstance(value, dbus.Boolean):
        return bool(value)
    if isinstance(value, (dbus.String, dbus.ObjectPath)):
        return str(value)
    if isinstance(value, dbus.Double):
        return float(value)
    if isinstance(value, (dbus.Byte, dbus.Int16, dbus.UInt16, dbus.Int32, dbus.UInt32, dbus.Int64, dbus.UInt64)):
        return int(value)
    if isinstance(value, dbus.Array):
        return [_plain(v) for v in value]
    if isinstance(value, dbus.Dictionary):
        return {_plain(k): _plain(v) for k, v in value.items()}
    return value
