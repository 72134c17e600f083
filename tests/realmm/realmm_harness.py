#!/usr/bin/python3
"""Runs the real ModemManager on a private D-Bus with one emulated AT modem.

Library use (the Python contract tests):
    with RealModemManager(workdir_parent) as mm:
        modem = mm.modem_path  ... mm.call(...), mm.wait_for(...), mm.emulator("register", ...)

Command-line use (the C++ contract test and people debugging):
    realmm_harness.py serve [--keep] [--state JSON]
prints `BUS=<address>`, `CONTROL=<emulator control socket>`, `MODEM=<object path>`,
`WORKDIR=<dir>` and `READY`, one per line, then runs until stdin closes or SIGTERM/SIGINT,
and then stops everything it started.

Every process it starts is remembered by PID and only those are stopped; the temporary
directory is removed even on failure (unless --keep / UPLINKD_REALMM_KEEP=1).
"""

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

import dbus
import dbus.mainloop.glib
from gi.repository import GLib

HERE = os.path.dirname(os.path.abspath(__file__))
PYTHON = "/usr/bin/python3"  # Debian's python: the one that has dbusmock and dbus-python
MM_BINARY = os.environ.get("UPLINKD_MM_BINARY", "/usr/sbin/ModemManager")
SUPPORTED_MM = re.compile(r"^1\.20\.\d+")

MM_SERVICE = "org.freedesktop.ModemManager1"
MM_PATH = "/org/freedesktop/ModemManager1"
MM_IFACE = "org.freedesktop.ModemManager1"
MODEM_IFACE = MM_IFACE + ".Modem"
PROPS_IFACE = "org.freedesktop.DBus.Properties"
OM_IFACE = "org.freedesktop.DBus.ObjectManager"

DBUS_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>custom</type>
  <listen>unix:path={socket}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_destination="*" eavesdrop="true"/>
    <allow receive_sender="*"/>
    <allow eavesdrop="true"/>
  </policy>
</busconfig>
"""


class HarnessError(RuntimeError):
    pass


def modemmanager_version():
    out = subprocess.run([MM_BINARY, "--version"], capture_output=True, text=True, timeout=10)
    first = (out.stdout or out.stderr).splitlines()[0] if (out.stdout or out.stderr) else ""
    m = re.match(r"ModemManager\s+(\S+)", first)
    return m.group(1) if m else first


def check_modemmanager_version():
    version = modemmanager_version()
    if not SUPPORTED_MM.match(version):
        raise HarnessError(
            "ModemManager %s found, but these contract tests are pinned to 1.20.x: the Test "
            "interface and the AT dialogue of the generic plugin are ModemManager internals. "
            "Re-check the emulator against the new version (see docs/realmm.md) and update "
            "SUPPORTED_MM in tests/realmm/realmm_harness.py." % version)
    return version


def unwrap(value):
    """dbus-python values to plain Python, keeping the D-Bus type name for the record."""
    if isinstance(value, dbus.Boolean):
        return bool(value)
    if isinstance(value, (dbus.Byte, dbus.Int16, dbus.UInt16, dbus.Int32, dbus.UInt32,
                          dbus.Int64, dbus.UInt64)):
        return int(value)
    if isinstance(value, dbus.Double):
        return float(value)
    if isinstance(value, (dbus.String, dbus.ObjectPath)):
        return str(value)
    if isinstance(value, dbus.Struct):
        return tuple(unwrap(v) for v in value)
    if isinstance(value, dbus.Array):
        return [unwrap(v) for v in value]
    if isinstance(value, dbus.Dictionary):
        return {unwrap(k): unwrap(v) for k, v in value.items()}
    return value


def dbus_signature(value):
    """The D-Bus type signature of a dbus-python value (for recording property types)."""
    simple = {dbus.Boolean: "b", dbus.Byte: "y", dbus.Int16: "n", dbus.UInt16: "q",
              dbus.Int32: "i", dbus.UInt32: "u", dbus.Int64: "x", dbus.UInt64: "t",
              dbus.Double: "d", dbus.String: "s", dbus.ObjectPath: "o", dbus.Signature: "g"}
    for cls, sig in simple.items():
        if type(value) is cls:
            return sig
    if isinstance(value, dbus.Array):
        if value.signature:
            return "a" + value.signature
        return "a" + (dbus_signature(value[0]) if len(value) else "?")
    if isinstance(value, dbus.Dictionary):
        return "a{%s}" % (value.signature or "??")
    if isinstance(value, dbus.Struct):
        return "(" + "".join(dbus_signature(v) for v in value) + ")"
    return "?"


class Process:
    """A child we started; stopped by its own PID only."""

    def __init__(self, name, argv, env, log_path, stdout_pipe=False):
        self.name = name
        self.log_path = log_path
        self.log = open(log_path, "wb")
        self.popen = subprocess.Popen(
            argv, env=env, stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE if stdout_pipe else self.log, stderr=self.log,
            start_new_session=True)

    @property
    def pid(self):
        return self.popen.pid

    def read_line(self, timeout):
        """One stdout line, waiting at most `timeout` seconds (bounded, event driven)."""
        import selectors
        sel = selectors.DefaultSelector()
        sel.register(self.popen.stdout, selectors.EVENT_READ)
        deadline = time.monotonic() + timeout
        buf = b""
        fd = self.popen.stdout.fileno()
        while not buf.endswith(b"\n"):
            left = deadline - time.monotonic()
            if left <= 0 or not sel.select(left):
                raise HarnessError("%s printed no line within %.1f s (log %s)" %
                                   (self.name, timeout, self.log_path))
            chunk = os.read(fd, 1)
            if not chunk:
                raise HarnessError("%s exited early (status %s, log %s)" %
                                   (self.name, self.popen.poll(), self.log_path))
            buf += chunk
        return buf.decode().strip()

    def stop(self, grace=5.0):
        if self.popen.poll() is None:
            try:
                os.kill(self.popen.pid, signal.SIGTERM)
                self.popen.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                os.kill(self.popen.pid, signal.SIGKILL)
                self.popen.wait(timeout=grace)
            except ProcessLookupError:
                pass
        if self.popen.stdout:
            self.popen.stdout.close()
        self.log.close()


class PrivateBusModemManager:
    """A private dbus-daemon with a ModemManager service on it and the client side of the tests:
    every signal recorded in order, bounded waits on them, non-blocking calls. Subclasses start
    the service (the real daemon or our mock) and translate fault injection."""

    backend = None
    log_names = ()

    def __init__(self, keep=False, emulator_state=None, profile_id="emu0", timeout=15.0):
        self.keep = keep or os.environ.get("UPLINKD_REALMM_KEEP") == "1"
        self.emulator_state = emulator_state or {}
        self.profile_id = profile_id
        self.timeout = timeout
        self.procs = []
        self.workdir = None
        self.bus = None
        self.events = []  # (monotonic time, kind, path, interface, payload)
        self.modem_path = None
        self.mm_version = None
        self.started_at = None

    # ---- lifecycle --------------------------------------------------------------------------
    def __enter__(self):
        try:
            self.start()
        except BaseException:
            self.stop(failed=True)
            raise
        return self

    def __exit__(self, exc_type, exc, tb):
        self.stop(failed=exc_type is not None)
        return False

    def start(self):
        self.started_at = time.monotonic()
        self._check_version()
        self.workdir = tempfile.mkdtemp(prefix="uplinkd-%s-" % self.backend)
        bus_socket = os.path.join(self.workdir, "bus.sock")
        config = os.path.join(self.workdir, "bus.conf")
        with open(config, "w") as f:
            f.write(DBUS_CONFIG.format(socket=bus_socket))
        daemon = self._spawn("dbus-daemon", ["dbus-daemon", "--config-file=" + config,
                                             "--nofork", "--nopidfile", "--print-address=1"],
                             dict(os.environ), stdout_pipe=True)
        self.address = daemon.read_line(self.timeout)
        env = dict(os.environ)
        env["DBUS_SESSION_BUS_ADDRESS"] = self.address
        env["DBUS_SYSTEM_BUS_ADDRESS"] = self.address
        self.env = env

        dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)
        self.bus = dbus.bus.BusConnection(self.address)
        self.bus.add_signal_receiver(self._on_name_owner_changed, "NameOwnerChanged",
                                     "org.freedesktop.DBus", "org.freedesktop.DBus")
        self.bus.add_signal_receiver(self._on_interfaces_added, "InterfacesAdded", OM_IFACE,
                                     None, MM_PATH)
        self.bus.add_signal_receiver(self._on_interfaces_removed, "InterfacesRemoved", OM_IFACE,
                                     None, MM_PATH)
        self.bus.add_signal_receiver(self._on_properties_changed, "PropertiesChanged",
                                     PROPS_IFACE, None, None, path_keyword="path")
        self.bus.add_signal_receiver(self._on_state_changed, "StateChanged", MODEM_IFACE,
                                     None, None, path_keyword="path")

        self._start_service(env)
        self.wait_for(lambda: self._modem_from_events() is not None,
                      "InterfacesAdded with a Modem")
        self.modem_path = self._modem_from_events()

    def stop(self, failed=False):
        for proc in reversed(self.procs):
            try:
                proc.stop()
            except Exception as e:  # keep stopping the others
                sys.stderr.write("realmm: stopping %s (pid %d): %s\n" % (proc.name, proc.pid, e))
        self.procs = []
        if self.bus is not None:
            self.bus.close()
            self.bus = None
        if self.workdir and os.path.isdir(self.workdir):
            if failed:
                self._dump_logs()
            if self.keep:
                sys.stderr.write("realmm: kept %s\n" % self.workdir)
            else:
                shutil.rmtree(self.workdir, ignore_errors=True)

    def _dump_logs(self):
        for name in self.log_names:
            path = os.path.join(self.workdir, name)
            if os.path.exists(path):
                with open(path, errors="replace") as f:
                    tail = f.readlines()[-60:]
                sys.stderr.write("---- last lines of %s ----\n%s" % (name, "".join(tail)))

    def _spawn(self, name, argv, env, stdout_pipe=False, log_name=None):
        log = os.path.join(self.workdir, log_name or (name + ".log"))
        proc = Process(name, argv, env, log, stdout_pipe)
        self.procs.append(proc)
        return proc

    # ---- events -----------------------------------------------------------------------------
    def _record(self, kind, path, interface, payload):
        self.events.append((time.monotonic(), kind, str(path) if path else None,
                            str(interface) if interface else None, payload))

    def _on_name_owner_changed(self, name, old, new):
        self._record("NameOwnerChanged", None, None, (str(name), str(old), str(new)))

    def _on_interfaces_added(self, path, interfaces):
        self._record("InterfacesAdded", path, None,
                     {str(i): {str(k): v for k, v in props.items()}
                      for i, props in interfaces.items()})

    def _on_interfaces_removed(self, path, interfaces):
        self._record("InterfacesRemoved", path, None, [str(i) for i in interfaces])

    def _on_properties_changed(self, interface, changed, invalidated, path=None):
        self._record("PropertiesChanged", path, interface, {str(k): v for k, v in changed.items()})

    def _on_state_changed(self, old, new, reason, path=None):
        self._record("StateChanged", path, MODEM_IFACE, (int(old), int(new), int(reason)))

    def _modem_from_events(self):
        for _, kind, path, _, payload in self.events:
            if kind == "InterfacesAdded" and MODEM_IFACE in payload:
                return path
        return None

    def mark(self):
        """An index into the event list; later waits and queries look only after it."""
        return len(self.events)

    def wait_for(self, predicate, what, timeout=None):
        """Runs the D-Bus event loop until predicate() is true; fails after `timeout` seconds."""
        timeout = self.timeout if timeout is None else timeout
        ctx = GLib.MainContext.default()
        deadline = time.monotonic() + timeout
        expired = []
        while not predicate():
            left = deadline - time.monotonic()
            if left <= 0:
                raise HarnessError("timed out after %.1f s waiting for %s" % (timeout, what))
            # A timer source wakes the blocking iteration at the deadline at the latest.
            source = GLib.timeout_add(max(1, int(min(left, 3600.0) * 1000)), lambda: expired.append(1) or False)
            ctx.iteration(True)
            GLib.source_remove(source) if not expired else None
            expired.clear()
        return True

    def pump(self):
        """Dispatches whatever is already pending without blocking."""
        ctx = GLib.MainContext.default()
        while ctx.iteration(False):
            pass

    def events_since(self, mark, kind=None, path=None, interface=None):
        return [e for e in self.events[mark:]
                if (kind is None or e[1] == kind) and (path is None or e[2] == path)
                and (interface is None or e[3] == interface)]

    def wait_property(self, path, interface, name, predicate, mark, what=None, timeout=None):
        """Waits for a PropertiesChanged of `name` satisfying predicate after `mark`; returns it."""
        found = []

        def seen():
            for e in self.events_since(mark, "PropertiesChanged", path, interface):
                if name in e[4] and predicate(e[4][name]):
                    found.append(e)
                    return True
            return False
        self.wait_for(seen, what or "%s.%s on %s" % (interface, name, path), timeout)
        return found[0]

    # ---- D-Bus helpers ----------------------------------------------------------------------
    def obj(self, path):
        return self.bus.get_object(MM_SERVICE, path, introspect=False)

    def get(self, path, interface, name):
        return self.obj(path).Get(interface, name, dbus_interface=PROPS_IFACE)

    def get_all(self, path, interface):
        return self.obj(path).GetAll(interface, dbus_interface=PROPS_IFACE)

    def call(self, path, interface, method, *args, timeout=None):
        """Calls a method without blocking the event loop: signals keep being recorded."""
        result = {}
        self.obj(path).get_dbus_method(method, interface)(
            *args, reply_handler=lambda *r: result.setdefault("reply", r),
            error_handler=lambda e: result.setdefault("error", e),
            timeout=timeout or self.timeout)
        self.wait_for(lambda: result, "reply to %s.%s" % (interface, method),
                      (timeout or self.timeout) + 1)
        if "error" in result:
            raise result["error"]
        reply = result["reply"]
        return reply[0] if len(reply) == 1 else (reply if reply else None)

    def emulator(self, cmd, **kwargs):
        raise NotImplementedError


class RealModemManager(PrivateBusModemManager):
    """Private bus + polkit mock + AT emulator + the real ModemManager + one virtual modem."""

    backend = "realmm"
    log_names = ("at-dialogue.log", "modemmanager.log")

    def _check_version(self):
        self.mm_version = check_modemmanager_version()

    def _start_service(self, env):
        self._spawn("polkitd-mock", [PYTHON, "-m", "dbusmock", "--system", "--template",
                                     "polkitd"], env)
        self.wait_for(lambda: self.bus.name_has_owner("org.freedesktop.PolicyKit1"),
                      "polkit mock on the bus")
        self.bus.get_object("org.freedesktop.PolicyKit1", "/org/freedesktop/PolicyKit1/Authority") \
            .AllowUnknown(True, dbus_interface="org.freedesktop.DBus.Mock")

        self.port_paths = [os.path.join(self.workdir, "at%d.sock" % i) for i in range(2)]
        self.control_path = os.path.join(self.workdir, "emu-control.sock")
        self.at_log = os.path.join(self.workdir, "at-dialogue.log")
        emu_argv = [PYTHON, os.path.join(HERE, "at_modem_emulator.py"),
                    "--control", self.control_path, "--log", self.at_log]
        for p in self.port_paths:
            emu_argv += ["--port", p]
        if self.emulator_state:
            emu_argv += ["--state", json.dumps(self.emulator_state)]
        emu = self._spawn("at-emulator", emu_argv, env, stdout_pipe=True)
        if emu.read_line(self.timeout) != "READY":
            raise HarnessError("AT emulator did not print READY")

        self.mm_log = os.path.join(self.workdir, "modemmanager.log")
        self._spawn("ModemManager", [MM_BINARY, "--test-session", "--test-no-udev",
                                     "--no-auto-scan", "--test-enable", "--debug"], env,
                    log_name="modemmanager.log")
        self.wait_for(lambda: self.bus.name_has_owner(MM_SERVICE), "ModemManager on the bus")
        mm = self.bus.get_object(MM_SERVICE, MM_PATH)
        mm.SetProfile(self.profile_id, "generic", dbus.Array(self.port_paths, signature="s"),
                      dbus_interface=MM_IFACE + ".Test")

    def emulator(self, cmd, **kwargs):
        """Sends one command to the AT emulator's control channel (see at_modem_emulator.py)."""
        kwargs["cmd"] = cmd
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(5)
            s.connect(self.control_path)
            s.sendall((json.dumps(kwargs) + "\n").encode())
            buf = b""
            while not buf.endswith(b"\n"):
                chunk = s.recv(65536)
                if not chunk:
                    break
                buf += chunk
        reply = json.loads(buf)
        if not reply.get("ok"):
            raise HarnessError("emulator %s failed: %s" % (cmd, reply.get("error")))
        return reply


# What the real daemon turned each dial result of the emulator into (recorded by
# test_connect_refused); the mock is told to refuse with the same error.
REAL_DIAL_ERRORS = {
    "NO CARRIER": ("Connection.NoCarrier", "No carrier"),
    "BUSY": ("Connection.NoCarrier", "No carrier"),
    "NO DIALTONE": ("Connection.NoCarrier", "No carrier"),
    "ERROR": ("MobileEquipment.Unknown", "Unknown error"),
    "+CME ERROR: 30": ("MobileEquipment.NoNetwork", "No network service"),
    "+CME ERROR: 132": ("MobileEquipment.ServiceOptionNotSupported", "Service option not supported"),
    "+CME ERROR: 133": ("MobileEquipment.ServiceOptionNotSubscribed",
                        "Requested service option not subscribed"),
    "+CME ERROR: 148": ("MobileEquipment.GprsUnknown", "Unspecified GPRS error"),
    "+CME ERROR: 533": ("MobileEquipment.Unknown", "Unknown mobile equipment error: 533"),
}


class MockModemManager(PrivateBusModemManager):
    """Private bus + the lab's mock ModemManager (uplinkd-mock-mm) configured like the emulated
    modem, so the same scenarios run against both and their records can be compared."""

    backend = "mockmm"
    log_names = ("uplinkd-mock-mm.log",)
    lab_id = "modem1"
    lab_path = "/org/uplinkd/Lab/MockModemManager"
    lab_iface = "org.uplinkd.Lab.MockModemManager1"

    def _check_version(self):
        self.binary = os.environ.get("UPLINKD_MOCKMM_BINARY", "")
        if not self.binary or not os.access(self.binary, os.X_OK):
            raise HarnessError("UPLINKD_MOCKMM_BINARY (%r) is not the built uplinkd-mock-mm"
                               % self.binary)
        self.mm_version = "mock"

    def _start_service(self, env):
        sim = {"iccid": "8901000000000000011", "imsi": "001010000000011",
               "operator_name": "LabOne"}
        if self.emulator_state.get("sim_pin"):
            sim["pin"] = self.emulator_state["sim_pin"]
        config = {"modems": [{
            "id": self.lab_id, "equipment_identifier": "860000000000011",
            "device": "/virtual/emu0", "manufacturer": "uplinkd-lab", "model": "EMU-LTE",
            "revision": "EMU-1.0", "sim": sim,
            "operator": {"code": "00101", "name": "Lab Carrier One"},
            "access_technology": "lte", "signal_quality": 60, "allowed_apns": ["internet"],
            "bearer": {"interface": "wwan0",
                       "ipv4": {"address": "100.64.1.2", "prefix": 30, "gateway": "100.64.1.1",
                                "dns": ["100.64.1.1"], "mtu": 1500}}}]}
        path = os.path.join(self.workdir, "mockmm.json")
        with open(path, "w") as f:
            json.dump(config, f)
        mock = self._spawn("uplinkd-mock-mm", [self.binary, "--bus", self.address, "--config",
                                               path, "--log-level", "debug"], env,
                           stdout_pipe=True)
        if mock.read_line(self.timeout) != "READY":
            raise HarnessError("uplinkd-mock-mm did not print READY")
        self.port_paths = []
        self.mm_log = None

    def _lab(self, method, *args):
        return self.call(self.lab_path, self.lab_iface, method, self.lab_id, *args)

    def emulator(self, cmd, **kwargs):
        """The AT emulator's commands, as the equivalent fault injection of the mock."""
        if cmd == "register":
            self._lab("Register", kwargs["state"])
        elif cmd == "require_pin":
            self._lab("RequirePin", kwargs["pin"])
        elif cmd == "refuse_connect":
            result = kwargs.get("result", "")
            name, message = REAL_DIAL_ERRORS[result] if result else ("", "")
            self._lab("RefuseConnect", MM_IFACE + ".Error." + name if name else "", message)
        elif cmd == "signal":
            # What the real daemon reports for the emulator's +CSQ: +CIND signal 0..5 as a
            # percentage, +CESQ rsrp index min(97, 3 csq) (-141 dBm offset) and rsrq -10 dB.
            csq = int(kwargs["csq"])
            quality = min(5, csq * 6 // 32) * 20
            rsrp = float(min(97, csq * 3) - 141)
            self._lab("SetSignal", dbus.UInt32(quality), rsrp, -10.0, -51.0 - 2 * (31 - csq),
                      10.0)
        elif cmd == "sms":
            self._lab("ReceiveSms", kwargs["number"], kwargs["text"])
        elif cmd == "drop_call":
            self._lab("DropBearer", "", "")
            return {"ok": True, "dropped": 1}
        elif cmd == "commands":
            return {"ok": True, "commands": []}  # no AT dialogue on the mock
        else:
            raise HarnessError("no mock equivalent for emulator command %r" % cmd)
        return {"ok": True}


def serve(argv):
    keep = "--keep" in argv
    state = {}
    if "--state" in argv:
        state = json.loads(argv[argv.index("--state") + 1])
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    signal.signal(signal.SIGINT, lambda *_: stop.append(1))
    with RealModemManager(keep=keep, emulator_state=state) as mm:
        print("BUS=%s" % mm.address)
        print("CONTROL=%s" % mm.control_path)
        print("MODEM=%s" % mm.modem_path)
        print("WORKDIR=%s" % mm.workdir)
        print("MM_VERSION=%s" % mm.mm_version)
        print("READY", flush=True)
        # Leave when stdin closes (the parent test ended, even by crashing) or on a signal.
        GLib.io_add_watch(sys.stdin.fileno(), GLib.IO_IN | GLib.IO_HUP,
                          lambda fd, cond: (os.read(fd, 4096) != b"") or stop.append(1))
        mm.timeout = 1e9
        try:
            mm.wait_for(lambda: stop, "the end", timeout=1e9)
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    if len(sys.argv) >= 2 and sys.argv[1] == "serve":
        sys.exit(serve(sys.argv[2:]))
    if len(sys.argv) >= 2 and sys.argv[1] == "version":
        print(check_modemmanager_version())
        sys.exit(0)
    sys.exit("usage: realmm_harness.py serve [--keep] [--state JSON] | version")
