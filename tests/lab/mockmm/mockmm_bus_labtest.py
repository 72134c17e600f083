#!/usr/bin/env python3
"""mockmm_bus_labtest: uplinkd-mock-mm on a private dbus-daemon, checked from the outside.

Starts a private dbus-daemon and the mock in a temporary directory, then drives and inspects the
mock only through busctl (a real D-Bus client, not our code): the ObjectManager lists two modems
with ModemManager's interfaces, Enable and Simple.Connect lead to a connected bearer whose
Ip4Config is the configured one, each lab control method has its effect, and every change arrives
as a signal (a `busctl monitor` runs throughout and the test waits on what it reports).
Everything it starts is stopped by PID, and the directory is removed, also on failure.

usage: mockmm_bus_labtest.py PATH/TO/uplinkd-mock-mm
"""
import ctypes
import json
import os
import queue
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

MM = "org.freedesktop.ModemManager1"
MM_PATH = "/org/freedesktop/ModemManager1"
LAB_PATH = "/org/uplinkd/Lab/MockModemManager"
LAB = "org.uplinkd.Lab.MockModemManager1"
MODEM = MM + ".Modem"
WAIT = 10.0  # seconds for any single expected event

# ModemManager 1.20 enum values (ModemManager-enums.h), spelled out so the test does not share
# the mock's source of truth.
INITIALIZING, LOCKED, DISABLED, ENABLING, ENABLED, SEARCHING, REGISTERED = 1, 2, 3, 5, 6, 7, 8
DISCONNECTING, CONNECTING, CONNECTED = 9, 10, 11
REASON_UNKNOWN, REASON_USER = 0, 1
REG_HOME, REG_SEARCHING = 1, 2
LOCK_NONE, LOCK_SIM_PIN = 1, 2

CONFIG = {
    "modems": [
        {
            "id": "modem1", "equipment_identifier": "860000000000011",
            "device": "/sys/devices/lab/usb1/1-1",
            "manufacturer": "uplinkd-lab", "model": "EMU-LTE", "revision": "1.0",
            "sim": {"iccid": "8901000000000000011", "imsi": "001010000000011",
                    "operator_name": "Lab Carrier One"},
            "operator": {"code": "00101", "name": "Lab Carrier One"},
            "access_technology": "lte", "signal_quality": 80,
            "allowed_apns": ["internet"],
            "bearer": {
                "interface": "wwan0",
                "ipv4": {"address": "100.64.1.2", "prefix": 30, "gateway": "100.64.1.1",
                         "dns": ["100.64.1.1", "100.64.1.5"], "mtu": 1500},
                "ipv6": {"address": "2001:db8:1::2", "prefix": 64, "gateway": "2001:db8:1::1",
                         "dns": [], "mtu": 1500},
            },
        },
        {
            "id": "modem2", "equipment_identifier": "860000000000022",
            "device": "/sys/devices/lab/usb1/1-2",
            "manufacturer": "uplinkd-lab", "model": "EMU-5G", "revision": "2.0",
            "sim": {"iccid": "8901000000000000022", "imsi": "001020000000022",
                    "operator_name": "Lab Carrier Two", "pin": "1234", "puk": "12345678"},
            "operator": {"code": "00102", "name": "Lab Carrier Two"},
            "access_technology": "5gnr", "signal_quality": 60,
            "allowed_apns": ["internet", "private.lab"],
            "bearer": {
                "interface": "wwan1",
                "ipv4": {"address": "100.64.2.2", "prefix": 30, "gateway": "100.64.2.1",
                         "dns": ["100.64.2.1"], "mtu": 1400},
            },
        },
    ]
}

BUS_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
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


class Failure(Exception):
    pass


def check(condition, what):
    if not condition:
        raise Failure(what)
    print(f"ok: {what}", flush=True)


def die_with_parent():
    # Children get SIGTERM if this process dies, even by SIGKILL (a ctest timeout).
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def read_line(stream, timeout):
    ready, _, _ = select.select([stream], [], [], timeout)
    if not ready:
        return None
    return stream.readline()


# --- busctl's --verbose message format -------------------------------------------------------

LEAF = re.compile(r'^\s*([A-Z0-9_]+) (.*);$')
OPEN = re.compile(r'^\s*([A-Z0-9_]+) "([^"]*)" \{$')


def parse_leaf(kind, text):
    if kind in ("STRING", "OBJECT_PATH", "SIGNATURE"):
        return json.loads(text)  # busctl quotes like C; the lab's strings are plain ASCII
    if kind == "BOOLEAN":
        return text == "true"
    if kind == "DOUBLE":
        return float(text)
    return int(text)


def parse_tree(lines):
    """Parses the body busctl --verbose prints (MESSAGE "sig" { ... };) into Python values:
    arrays of dict entries become dicts, other arrays lists, structs tuples, variants their value."""
    stack = [("ROOT", "", [])]
    for line in lines:
        line = line.rstrip()
        if not line.strip():
            continue
        opened = OPEN.match(line)
        if opened:
            stack.append((opened.group(1), opened.group(2), []))
            continue
        if line.strip() == "};":
            kind, signature, items = stack.pop()
            if kind == "ARRAY" and signature.startswith("{"):
                value = dict(items)
            elif kind == "DICT_ENTRY" or kind == "STRUCT":
                value = tuple(items)
            elif kind == "VARIANT":
                value = items[0]
            else:
                value = items
            stack[-1][2].append(value)
            continue
        leaf = LEAF.match(line)
        if leaf:
            stack[-1][2].append(parse_leaf(leaf.group(1), leaf.group(2)))
    return stack[0][2][0] if stack[0][2] else []


def body_lines(text):
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if line.strip().startswith("MESSAGE "):
            return lines[i:]
    return []


# --- the bus and what is on it ---------------------------------------------------------------

class Bus:
    def __init__(self, address):
        self.address = address

    def run(self, *args, check_rc=True):
        result = subprocess.run(["busctl", f"--address={self.address}", "--verbose", "--timeout=20", *args],
                                capture_output=True, text=True, timeout=30)
        if check_rc and result.returncode != 0:
            raise Failure(f"busctl {' '.join(args)}: {result.stderr.strip()}")
        return result

    def call(self, path, interface, method, signature=None, *values):
        args = ["call", MM, path, interface, method]
        if signature:
            args += [signature, "--", *[str(v) for v in values]]
        return parse_tree(body_lines(self.run(*args).stdout))

    def call_fails(self, path, interface, method, signature=None, *values):
        args = ["call", MM, path, interface, method]
        if signature:
            args += [signature, "--", *[str(v) for v in values]]
        result = self.run(*args, check_rc=False)
        return result.returncode != 0, result.stderr.strip()

    def get(self, path, interface, prop):
        return self.call(path, "org.freedesktop.DBus.Properties", "Get", "ss", interface, prop)[0]

    def lab(self, method, signature=None, *values):
        return self.call(LAB_PATH, LAB, method, signature, *values)

    def introspected_properties(self, path, interface):
        result = subprocess.run(["busctl", f"--address={self.address}", "introspect", "--xml-interface", MM, path],
                                capture_output=True, text=True, timeout=30, check=True)
        section = result.stdout.split(f'<interface name="{interface}">', 1)[1].split("</interface>", 1)[0]
        return set(re.findall(r'<property name="([^"]+)"', section))


class Monitor:
    """busctl monitor in the background; messages arrive in a queue the test waits on."""

    def __init__(self, address, processes):
        # Line-buffered: a pipe would otherwise hold events back. busctl announces on stderr
        # that it has become a monitor; both streams share the pipe.
        self.process = subprocess.Popen(
            ["stdbuf", "-oL", "busctl", f"--address={address}", "monitor",
             "--match", "type='signal'", "--match", "type='error'"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, preexec_fn=die_with_parent)
        processes.append(self.process)
        self.messages = queue.Queue()
        self.seen = []
        first = read_line(self.process.stdout, WAIT)
        if not first or "Monitoring" not in first:
            raise Failure(f"busctl monitor did not start: {first!r}")
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        block = []
        for line in self.process.stdout:
            if line.startswith("‣") and block:
                self.messages.put(self._parse(block))
                block = []
            block.append(line)
            if line.startswith("  };"):
                self.messages.put(self._parse(block))
                block = []

    @staticmethod
    def _parse(block):
        header = " ".join(block[:4])
        field = lambda name: (re.search(name + r'=("[^"]*"|\S+)', header) or [None, None])[1]
        message = {"type": field("Type"), "path": field("Path"), "interface": field("Interface"),
                   "member": field("Member"), "error": field("ErrorName")}
        message["args"] = parse_tree(body_lines("".join(block)))
        return message

    def next(self, deadline):
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            try:
                message = self.messages.get(timeout=remaining)
            except queue.Empty:
                return None
            self.seen.append(message)
            return message

    def wait_for(self, what, predicate, timeout=WAIT):
        """Returns the first message (from now on) the predicate accepts."""
        deadline = time.monotonic() + timeout
        while True:
            message = self.next(deadline)
            if message is None:
                raise Failure(f"timed out waiting for {what}")
            if predicate(message):
                return message

    def collect_until(self, what, predicate, timeout=WAIT):
        """All messages up to and including the first one the predicate accepts."""
        collected = []
        deadline = time.monotonic() + timeout
        while True:
            message = self.next(deadline)
            if message is None:
                raise Failure(f"timed out waiting for {what}")
            collected.append(message)
            if predicate(message):
                return collected

    def drain(self):
        while not self.messages.empty():
            self.seen.append(self.messages.get_nowait())


def is_signal(message, path, member, interface=None):
    return (message["type"] == "signal" and message["path"] == path and message["member"] == member and
            (interface is None or message["interface"] == interface))


def state_changes(messages, path):
    return [tuple(m["args"]) for m in messages if is_signal(m, path, "StateChanged", MODEM)]


def changed(message, path, interface, prop):
    return (is_signal(message, path, "PropertiesChanged") and message["args"][0] == interface and
            prop in message["args"][1])


# --- the scenario ----------------------------------------------------------------------------

def scenario(bus, monitor, mock):
    managed = bus.call(MM_PATH, "org.freedesktop.DBus.ObjectManager", "GetManagedObjects")[0]
    modems = {path: ifaces for path, ifaces in managed.items() if MODEM in ifaces}
    check(sorted(modems) == [MM_PATH + "/Modem/0", MM_PATH + "/Modem/1"],
          f"ObjectManager lists two modems: {sorted(modems)}")
    m1, m2 = MM_PATH + "/Modem/0", MM_PATH + "/Modem/1"
    full = {MODEM, MODEM + ".Simple", MODEM + ".Modem3gpp", MODEM + ".Signal", MODEM + ".Messaging"}
    mm_ifaces = lambda ifaces: {i for i in ifaces if i.startswith(MM)}
    check(mm_ifaces(modems[m1]) == full, "unlocked modem carries Modem, Simple, Modem3gpp, Signal, Messaging")
    check(mm_ifaces(modems[m2]) == {MODEM, MODEM + ".Simple", MODEM + ".Modem3gpp"},
          "SIM-locked modem carries Modem, Simple and Modem3gpp (ModemManager stops initializing there)")
    for iface in full:
        expected = bus.introspected_properties(m1, iface)
        check(set(modems[m1][iface]) == expected, f"{iface}: ObjectManager has every introspected property")
    p1 = modems[m1][MODEM]
    check(p1["State"] == DISABLED and p1["UnlockRequired"] == LOCK_NONE, "modem1 starts DISABLED, unlocked")
    check(p1["EquipmentIdentifier"] == "860000000000011" and p1["Manufacturer"] == "uplinkd-lab" and
          p1["Device"] == "/sys/devices/lab/usb1/1-1", "modem1 identity from the config")
    check(p1["Sim"] == MM_PATH + "/SIM/0" and p1["Bearers"] == [], "modem1 has SIM/0 and no bearer yet")
    p2 = modems[m2][MODEM]
    check(p2["State"] == LOCKED and p2["UnlockRequired"] == LOCK_SIM_PIN and p2["UnlockRetries"][LOCK_SIM_PIN] == 3,
          "modem2 starts LOCKED, sim-pin, 3 retries")
    sim0 = bus.call(MM_PATH + "/SIM/0", "org.freedesktop.DBus.Properties", "GetAll", "s", MM + ".Sim")[0]
    check(sim0["SimIdentifier"] == "8901000000000000011" and sim0["Imsi"] == "001010000000011",
          "SIM/0 has ICCID and IMSI")
    sim1 = bus.call(MM_PATH + "/SIM/1", "org.freedesktop.DBus.Properties", "GetAll", "s", MM + ".Sim")[0]
    check(sim1["SimIdentifier"] == "8901000000000000022" and sim1["Imsi"] == "",
          "SIM/1 (locked) shows its ICCID, not yet its IMSI")
    monitor.drain()
    added = [m["args"][0] for m in monitor.seen if m["member"] == "InterfacesAdded"]
    check(sorted(added) == [m1, m2], f"InterfacesAdded for the two modems and nothing else: {added}")

    # Enable: DISABLED -> ENABLING -> ENABLED -> REGISTERED, each step a StateChanged.
    bus.call(m1, MODEM, "Enable", "b", "true")
    seen = monitor.collect_until("modem1 registered", lambda m: is_signal(m, m1, "StateChanged") and
                                 m["args"][1] == REGISTERED)
    check(state_changes(seen, m1) == [(DISABLED, ENABLING, REASON_USER), (ENABLING, ENABLED, REASON_USER),
                                      (ENABLED, REGISTERED, REASON_UNKNOWN)],
          "Enable(true): StateChanged disabled->enabling->enabled->registered")
    monitor.wait_for("State=REGISTERED in PropertiesChanged",
                     lambda m: changed(m, m1, MODEM, "State") and m["args"][1]["State"] == REGISTERED)
    check(bus.get(m1, MODEM + ".Modem3gpp", "RegistrationState") == REG_HOME, "registered home")
    check(bus.get(m1, MODEM + ".Modem3gpp", "OperatorCode") == "00101", "operator code from the config")

    # Simple.Connect: a bearer with the configured static IP settings.
    bearer = bus.call(m1, MODEM + ".Simple", "Connect", "a{sv}", 1, "apn", "s", "internet")[0]
    check(bearer == MM_PATH + "/Bearer/0", f"Simple.Connect returned {bearer}")
    seen = monitor.collect_until("modem1 connected", lambda m: is_signal(m, m1, "StateChanged") and
                                 m["args"][1] == CONNECTED)
    check(state_changes(seen, m1) == [(REGISTERED, CONNECTING, REASON_USER), (CONNECTING, CONNECTED, REASON_USER)],
          "Connect: registered->connecting->connected")
    props = bus.call(bearer, "org.freedesktop.DBus.Properties", "GetAll", "s", MM + ".Bearer")[0]
    check(props["Connected"] is True and props["Interface"] == "wwan0", "bearer connected on wwan0")
    check(props["Ip4Config"] == {"method": 2, "address": "100.64.1.2", "prefix": 30, "gateway": "100.64.1.1",
                                 "dns1": "100.64.1.1", "dns2": "100.64.1.5", "mtu": 1500},
          f"Ip4Config is the configured one: {props['Ip4Config']}")
    check(props["Ip6Config"] == {"method": 2, "address": "2001:db8:1::2", "prefix": 64,
                                 "gateway": "2001:db8:1::1", "mtu": 1500}, "Ip6Config is the configured one")
    check(props["Properties"]["apn"] == "internet", "bearer Properties carry the apn")
    check(bus.get(m1, MODEM, "Bearers") == [bearer], "modem Bearers lists it")

    # Deregister: the bearer drops, registration searching, state SEARCHING.
    bus.lab("Deregister", "s", "modem1")
    monitor.wait_for("bearer Connected=false", lambda m: changed(m, bearer, MM + ".Bearer", "Connected") and
                     m["args"][1]["Connected"] is False)
    check(bus.get(m1, MODEM, "State") == SEARCHING, "Deregister: state SEARCHING")
    check(bus.get(m1, MODEM + ".Modem3gpp", "RegistrationState") == REG_SEARCHING, "Deregister: registration searching")
    check(bus.get(bearer, MM + ".Bearer", "Ip4Config") == {"method": 0}, "a disconnected bearer reports method unknown")

    # Register home: REGISTERED again; connect again.
    bus.lab("Register", "ss", "modem1", "home")
    monitor.wait_for("modem1 registered again", lambda m: is_signal(m, m1, "StateChanged") and
                     m["args"][1] == REGISTERED)
    check(bus.call(m1, MODEM + ".Simple", "Connect", "a{sv}", 1, "apn", "s", "internet")[0] == bearer,
          "a second Connect with the same settings reuses Bearer/0")

    # DropBearer: ConnectionError set, state back to REGISTERED.
    bus.lab("DropBearer", "sss", "modem1", "org.freedesktop.ModemManager1.Error.Connection.NoCarrier", "carrier lost")
    monitor.wait_for("modem1 back to registered", lambda m: is_signal(m, m1, "StateChanged") and
                     m["args"][1] == REGISTERED)
    check(bus.get(bearer, MM + ".Bearer", "ConnectionError") ==
          ("org.freedesktop.ModemManager1.Error.Connection.NoCarrier", "carrier lost"), "DropBearer sets ConnectionError")
    check(bus.get(bearer, MM + ".Bearer", "Connected") is False, "DropBearer: Connected=false")

    # An APN outside the subscription fails like a network would refuse it.
    failed, message = bus.call_fails(m1, MODEM + ".Simple", "Connect", "a{sv}", 1, "apn", "s", "elsewhere")
    error = monitor.wait_for("the error reply", lambda m: m["type"] == "error")
    check(failed and error["error"] == "org.freedesktop.ModemManager1.Error.MobileEquipment.ServiceOptionNotSubscribed",
          f"unknown APN: {error['error']}")

    # RefuseConnect: every connect fails with that error until cleared.
    refusal = "org.freedesktop.ModemManager1.Error.MobileEquipment.GprsUserAuthenticationFailed"
    bus.lab("RefuseConnect", "sss", "modem1", refusal, "authentication failed")
    for attempt in (1, 2):
        failed, _ = bus.call_fails(m1, MODEM + ".Simple", "Connect", "a{sv}", 1, "apn", "s", "internet")
        error = monitor.wait_for("the error reply", lambda m: m["type"] == "error")
        check(failed and error["error"] == refusal, f"RefuseConnect: attempt {attempt} fails with {error['error']}")
    check(bus.get(bearer, MM + ".Bearer", "ConnectionError") == (refusal, "authentication failed"),
          "the refusal is the bearer's ConnectionError")
    bus.lab("RefuseConnect", "sss", "modem1", "", "")
    bus.call(m1, MODEM + ".Simple", "Connect", "a{sv}", 1, "apn", "s", "internet")
    check(bus.get(m1, MODEM, "State") == CONNECTED, "RefuseConnect '': connecting works again")
    bus.call(m1, MODEM + ".Simple", "Disconnect", "o", "/")
    check(bus.get(m1, MODEM, "State") == REGISTERED, "Simple.Disconnect('/') returns to REGISTERED")

    # modem2: wrong PIN, Enable while locked, right PIN.
    sim1 = MM_PATH + "/SIM/1"
    failed, _ = bus.call_fails(sim1, MM + ".Sim", "SendPin", "s", "0000")
    error = monitor.wait_for("the error reply", lambda m: m["type"] == "error")
    check(failed and error["error"] == "org.freedesktop.ModemManager1.Error.MobileEquipment.IncorrectPassword",
          "wrong PIN: IncorrectPassword")
    check(bus.get(m2, MODEM, "UnlockRetries")[LOCK_SIM_PIN] == 2, "wrong PIN: UnlockRetries sim-pin 3 -> 2")
    failed, _ = bus.call_fails(m2, MODEM, "Enable", "b", "true")
    error = monitor.wait_for("the error reply", lambda m: m["type"] == "error")
    check(failed and error["error"] == "org.freedesktop.ModemManager1.Error.Core.WrongState",
          "Enable while LOCKED: Core.WrongState")
    bus.call(sim1, MM + ".Sim", "SendPin", "s", "1234")
    seen = monitor.collect_until("modem2 disabled", lambda m: is_signal(m, m2, "StateChanged") and
                                 m["args"][1] == DISABLED)
    check(state_changes(seen, m2) == [(LOCKED, INITIALIZING, REASON_UNKNOWN),
                                      (INITIALIZING, DISABLED, REASON_UNKNOWN)],
          "right PIN: locked->initializing->disabled, as ModemManager re-initializes")
    removed = [m["args"][1] for m in seen if m["member"] == "InterfacesRemoved" and m["args"][0] == m2]
    added = [m["args"][1] for m in seen if m["member"] == "InterfacesAdded" and m["args"][0] == m2]
    check(removed == [[MODEM + ".Modem3gpp"]] and len(added) == 1 and
          set(added[0]) == {MODEM + ".Modem3gpp", MODEM + ".Signal", MODEM + ".Messaging"},
          "unlocking withdraws Modem3gpp, then adds Modem3gpp, Signal, Messaging")
    check(bus.get(m2, MODEM, "UnlockRequired") == LOCK_NONE, "right PIN: unlocked")
    check(bus.get(sim1, MM + ".Sim", "Imsi") == "001020000000022", "right PIN: the IMSI is loaded")

    # SetConnectDelay: modem1's connect waits; modem2 answers meanwhile.
    delay_ms = 3000  # long enough that a loaded machine still answers modem2 first
    bus.lab("SetConnectDelay", "su", "modem1", delay_ms)
    started = time.monotonic()
    slow = subprocess.Popen(["busctl", f"--address={bus.address}", "--timeout=20", "call", MM, m1, MODEM + ".Simple",
                             "Connect", "a{sv}", "1", "apn", "s", "internet"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=die_with_parent)
    mock.processes.append(slow)
    monitor.wait_for("modem1 connecting", lambda m: is_signal(m, m1, "StateChanged") and m["args"][1] == CONNECTING)
    before = time.monotonic()
    bus.call(m2, MODEM, "Enable", "b", "true")
    enable_time = time.monotonic() - before
    check(slow.poll() is None and enable_time < delay_ms / 2000,
          f"modem2 Enable answered in {enable_time * 1000:.0f} ms while modem1's connect is pending")
    out, err = slow.communicate(timeout=WAIT)
    connect_time = time.monotonic() - started
    check(slow.returncode == 0 and "Bearer/0" in out and connect_time >= delay_ms / 1000,
          f"delayed Connect answered after {connect_time * 1000:.0f} ms (delay {delay_ms} ms)")
    bus.lab("SetConnectDelay", "su", "modem1", 0)

    # SetSignal: SignalQuality and Modem.Signal.Lte follow.
    bus.call(m1, MODEM + ".Signal", "Setup", "u", 5)
    bus.lab("SetSignal", "sudddd", "modem1", 42, -101.5, -13.0, -77.0, 4.5)
    monitor.wait_for("SignalQuality change", lambda m: changed(m, m1, MODEM, "SignalQuality"))
    check(bus.get(m1, MODEM, "SignalQuality") == (42, True), "SetSignal: SignalQuality (42, true)")
    check(bus.get(m1, MODEM + ".Signal", "Lte") == {"rsrp": -101.5, "rsrq": -13.0, "rssi": -77.0, "snr": 4.5},
          "SetSignal: Modem.Signal.Lte carries the values")

    # ReceiveSms: an SMS object and Messaging.Added(path, true).
    bus.lab("ReceiveSms", "sss", "modem1", "+15550100", "pump 3 pressure high")
    added = monitor.wait_for("Messaging.Added", lambda m: is_signal(m, m1, "Added", MODEM + ".Messaging"))
    sms = added["args"][0]
    check(added["args"][1] is True, f"Messaging.Added({sms}, true)")
    check(bus.get(sms, MM + ".Sms", "Number") == "+15550100" and
          bus.get(sms, MM + ".Sms", "Text") == "pump 3 pressure high" and bus.get(sms, MM + ".Sms", "State") == 3,
          "the SMS has number, text and state RECEIVED")
    check(bus.get(m1, MODEM + ".Messaging", "Messages") == [sms], "Messaging.Messages lists it")

    # RemoveModem / AddModem: gone with InterfacesRemoved, back at a new path.
    bus.lab("RemoveModem", "s", "modem1")
    removed = monitor.wait_for("modem1 removed", lambda m: m["member"] == "InterfacesRemoved" and m["args"][0] == m1)
    check(MODEM in removed["args"][1], "RemoveModem: InterfacesRemoved for the modem")
    for path, iface in ((bearer, MM + ".Bearer"), (sms, MM + ".Sms"), (MM_PATH + "/SIM/0", MM + ".Sim")):
        failed, _ = bus.call_fails(path, "org.freedesktop.DBus.Properties", "GetAll", "s", iface)
        monitor.wait_for("the error reply", lambda m: m["type"] == "error")
        check(failed, f"RemoveModem: {path} is gone with it")
    listed = {entry[0]: entry for entry in bus.lab("ListModems")[0]}
    check(listed["modem1"][1] == "/" and listed["modem1"][2] == "removed", "ListModems: modem1 at '/'")
    bus.lab("AddModem", "s", "modem1")
    added = monitor.wait_for("modem1 back", lambda m: m["member"] == "InterfacesAdded" and
                             m["args"][0].startswith(MM_PATH + "/Modem/"))
    new_path = added["args"][0]
    check(new_path == MM_PATH + "/Modem/2", f"AddModem: back at a new path {new_path}")
    check(bus.get(new_path, MODEM, "State") == DISABLED, "AddModem: DISABLED")

    # RequirePin: LOCKED, sim-pin.
    bus.lab("RequirePin", "ss", "modem1", "4321")
    monitor.wait_for("modem1 locked", lambda m: is_signal(m, new_path, "StateChanged") and m["args"][1] == LOCKED)
    check(bus.get(new_path, MODEM, "UnlockRequired") == LOCK_SIM_PIN, "RequirePin: UnlockRequired sim-pin")

    # Unknown lab id.
    failed, _ = bus.call_fails(LAB_PATH, LAB, "Deregister", "s", "modem9")
    error = monitor.wait_for("the error reply", lambda m: m["type"] == "error")
    check(failed and error["error"] == "org.uplinkd.Lab.Error.UnknownModem", "unknown id: UnknownModem")


class Processes:
    def __init__(self):
        self.processes = []


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    mock_binary = os.path.abspath(sys.argv[1])
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # run the clean-up on a ctest timeout too
    workdir = tempfile.mkdtemp(prefix="mockmm-labtest-")
    started = Processes()
    mock = None
    ok = False
    try:
        socket = os.path.join(workdir, "bus.sock")
        with open(os.path.join(workdir, "bus.conf"), "w") as f:
            f.write(BUS_CONFIG.format(socket=socket))
        with open(os.path.join(workdir, "modems.json"), "w") as f:
            json.dump(CONFIG, f)
        daemon = subprocess.Popen(["dbus-daemon", f"--config-file={workdir}/bus.conf", "--nofork", "--print-address=1"],
                                  stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                                  preexec_fn=die_with_parent)
        started.processes.append(daemon)
        address = read_line(daemon.stdout, WAIT)
        if not address:
            raise Failure("dbus-daemon did not print its address")
        address = address.strip()
        bus = Bus(address)
        monitor = Monitor(address, started.processes)

        mock_log = open(os.path.join(workdir, "mock.log"), "w")
        mock = subprocess.Popen([mock_binary, "--bus", address, "--config", f"{workdir}/modems.json",
                                 "--log-level", "debug"],
                                stdout=subprocess.PIPE, stderr=mock_log, text=True, preexec_fn=die_with_parent)
        started.processes.append(mock)
        ready = read_line(mock.stdout, WAIT)
        check(ready == "READY\n", "the mock printed READY")

        scenario(bus, monitor, started)

        mock.send_signal(signal.SIGTERM)
        check(mock.wait(timeout=WAIT) == 0, "the mock exits 0 on SIGTERM")
        ok = True
    except Failure as failure:
        print(f"FAIL: {failure}", file=sys.stderr)
    finally:
        for process in reversed(started.processes):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
        if not ok:
            log = os.path.join(workdir, "mock.log")
            if os.path.exists(log):
                print("--- mock log (last 40 lines)", file=sys.stderr)
                with open(log) as f:
                    sys.stderr.writelines(f.readlines()[-40:])
        shutil.rmtree(workdir, ignore_errors=True)
    print("PASS" if ok else "FAILED", flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
