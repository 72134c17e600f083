#!/usr/bin/python3
"""Contract scenarios against the real ModemManager 1.20 (ctest label `realmm`).

Each test starts its own private bus, polkit mock, AT emulator and ModemManager (realmm_harness),
drives the modem with plain D-Bus calls, asserts what the real daemon does and RECORDS it
(states in order, property values and types, D-Bus error names) as JSON in
$UPLINKD_REALMM_RECORD_DIR (one file per scenario). docs/realmm.md compares those records with
the mock ModemManager's contract.

Run one scenario: test_realmm_contract.py RealModemManagerContract.test_enable

UPLINKD_REALMM_BACKEND=mockmm runs the same scenarios against the lab's mock ModemManager
(UPLINKD_MOCKMM_BINARY) configured like the emulated modem; facts that hold only for the real
daemon's AT/PPP modem are checked only there (`self.real`), and everything else must hold on both.
Records go to $UPLINKD_REALMM_RECORD_DIR/<backend>/.
"""

import json
import os
import re
import sys
import time
import unittest

import dbus

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import realmm_harness as h  # noqa: E402

MODEM = h.MODEM_IFACE
MODEM3GPP = h.MM_IFACE + ".Modem.Modem3gpp"
SIMPLE = h.MM_IFACE + ".Modem.Simple"
SIGNAL = h.MM_IFACE + ".Modem.Signal"
BEARER = h.MM_IFACE + ".Bearer"
SIM = h.MM_IFACE + ".Sim"

# ModemManager enums (ModemManager-enums.h), named here so the assertions read.
STATE = {-1: "failed", 0: "unknown", 1: "initializing", 2: "locked", 3: "disabled",
         4: "disabling", 5: "enabling", 6: "enabled", 7: "searching", 8: "registered",
         9: "disconnecting", 10: "connecting", 11: "connected"}
LOCKED, DISABLED, ENABLING, ENABLED, SEARCHING, REGISTERED, CONNECTED = 2, 3, 5, 6, 7, 8, 11
REG = {0: "idle", 1: "home", 2: "searching", 3: "denied", 4: "unknown", 5: "roaming"}
REG_HOME, REG_SEARCHING, REG_DENIED, REG_ROAMING = 1, 2, 3, 5
LOCK_NONE, LOCK_SIM_PIN, LOCK_SIM_PUK = 1, 2, 4
ACCESS_TECH_LTE = 1 << 14
IP_FAMILY_IPV4 = 1
IP_METHOD_PPP = 1
APN = "internet"


def error_name(exc):
    return exc.get_dbus_name() if isinstance(exc, dbus.DBusException) else type(exc).__name__


class RealModemManagerContract(unittest.TestCase):
    emulator_state = {}

    def setUp(self):
        self.backend = os.environ.get("UPLINKD_REALMM_BACKEND", "realmm")
        self.real = self.backend == "realmm"
        backend_class = h.RealModemManager if self.real else h.MockModemManager
        self.mm = backend_class(emulator_state=self._emulator_state_for_test())
        self.record = {"scenario": self._testMethodName, "backend": self.backend}
        self.mm.__enter__()
        self.modem = self.mm.modem_path
        self.record["modemmanager"] = self.mm.mm_version
        self.record["startup_seconds"] = round(time.monotonic() - self.mm.started_at, 3)

    def _emulator_state_for_test(self):
        if self._testMethodName in ("test_pin_required", "test_pin_exhausted"):
            return {"sim_pin": "1234"}
        return {}

    def tearDown(self):
        # The result already holds this test's failure or error when the body raised.
        result = self._outcome.result
        failed = any(test is self for test, _ in result.failures + result.errors)
        self.mm.__exit__(Exception if failed else None, None, None)
        out_dir = os.environ.get("UPLINKD_REALMM_RECORD_DIR")
        if out_dir:
            out_dir = os.path.join(out_dir, self.backend)
            os.makedirs(out_dir, exist_ok=True)
            with open(os.path.join(out_dir, self._testMethodName + ".json"), "w") as f:
                json.dump(self.record, f, indent=2, sort_keys=True, default=str)

    # ---- helpers ------------------------------------------------------------------------------
    def state(self):
        return int(self.mm.get(self.modem, MODEM, "State"))

    def state_changes(self, mark):
        """Modem StateChanged signals after `mark` as [(old, new, reason)] with names."""
        return [(STATE[e[4][0]], STATE[e[4][1]], e[4][2])
                for e in self.mm.events_since(mark, "StateChanged", self.modem)]

    def wait_state(self, wanted, mark, timeout=None):
        self.mm.wait_for(lambda: any(e[4][1] == wanted for e in
                                     self.mm.events_since(mark, "StateChanged", self.modem)),
                         "modem state %s" % STATE[wanted], timeout)

    def enable_and_register(self):
        mark = self.mm.mark()
        self.mm.call(self.modem, MODEM, "Enable", True)
        # Wait for the signal, not the property: StateChanged can trail the property value.
        self.wait_state(REGISTERED, mark)
        return mark

    def connect(self, timeout=30, **extra):
        props = {"apn": APN, "ip-type": dbus.UInt32(IP_FAMILY_IPV4)}
        props.update(extra)
        return str(self.mm.call(self.modem, SIMPLE, "Connect",
                                dbus.Dictionary(props, signature="sv"), timeout=timeout))

    def types_of(self, path, interface):
        return {str(k): h.dbus_signature(v) for k, v in self.mm.get_all(path, interface).items()}

    def wait_mm_log(self, pattern, timeout, start_offset=0):
        """Waits (bounded) for a line in ModemManager's debug log; returns (line, when)."""
        regex = re.compile(pattern)
        found = []

        def seen():
            with open(self.mm.mm_log, errors="replace") as f:
                f.seek(start_offset)
                for line in f:
                    if regex.search(line):
                        found.append(line.strip())
                        return True
            return False
        # The log is a file, so there is no D-Bus event to wake on: re-check every 50 ms.
        from gi.repository import GLib
        ticker = GLib.timeout_add(50, lambda: True)
        try:
            self.mm.wait_for(seen, "ModemManager log line /%s/" % pattern, timeout)
        finally:
            GLib.source_remove(ticker)
        return found[0], time.monotonic()

    def mm_log_size(self):
        return os.path.getsize(self.mm.mm_log)

    def expect_dbus_error(self, fn):
        with self.assertRaises(dbus.DBusException) as ctx:
            fn()
        return ctx.exception.get_dbus_name(), ctx.exception.get_dbus_message()

    def at_commands_since(self, index):
        return [c for _, _, c in self.mm.emulator("commands", since=index)["commands"]]

    # ---- scenarios ----------------------------------------------------------------------------
    def test_enable(self):
        self.assertEqual(self.state(), DISABLED)
        props = self.mm.get_all(self.modem, MODEM)
        self.record["modem_properties_at_start"] = {
            k: h.unwrap(props[k]) for k in ("Device", "Drivers", "Plugin", "EquipmentIdentifier",
                                            "Manufacturer", "Model", "Revision", "PrimaryPort",
                                            "UnlockRequired", "State", "PowerState", "Sim")}
        self.record["modem_property_types"] = self.types_of(self.modem, MODEM)
        self.record["registration_state_while_disabled"] = REG[int(
            self.mm.get(self.modem, MODEM3GPP, "RegistrationState"))]
        if self.real:
            self.assertEqual(h.unwrap(props["Device"]), "/virtual/emu0")
        self.assertEqual(h.unwrap(props["EquipmentIdentifier"]), "860000000000011")
        sim = str(props["Sim"])
        self.record["sim_properties"] = {k: h.unwrap(v) for k, v in
                                         self.mm.get_all(sim, SIM).items()
                                         if k in ("SimIdentifier", "Imsi", "OperatorIdentifier",
                                                  "OperatorName", "Active")}
        self.assertEqual(self.record["sim_properties"]["SimIdentifier"], "8901000000000000011")

        t0 = time.monotonic()
        mark = self.enable_and_register()
        self.record["enable_to_registered_seconds"] = round(time.monotonic() - t0, 3)
        changes = self.state_changes(mark)
        self.record["enable_state_sequence"] = changes
        # Reasons: 1 user-requested, 0 unknown (registration is the network's doing).
        self.assertEqual(changes, [("disabled", "enabling", 1), ("enabling", "enabled", 1),
                                   ("enabled", "registered", 0)])

        # A second Enable(true) on an enabled modem is accepted without a state change.
        mark = self.mm.mark()
        self.mm.call(self.modem, MODEM, "Enable", True)
        self.assertEqual(self.state(), REGISTERED)
        self.record["enable_again_state_changes"] = self.state_changes(mark)
        self.assertEqual(self.record["enable_again_state_changes"], [])

        mark = self.mm.mark()
        self.mm.call(self.modem, MODEM, "Enable", False)
        self.wait_state(DISABLED, mark)
        self.record["disable_state_sequence"] = self.state_changes(mark)
        self.record["after_disable"] = {
            "registration": REG[int(self.mm.get(self.modem, MODEM3GPP, "RegistrationState"))],
            "operator_code": str(self.mm.get(self.modem, MODEM3GPP, "OperatorCode")),
            "signal_quality": h.unwrap(self.mm.get(self.modem, MODEM, "SignalQuality")),
            "access_technologies": int(self.mm.get(self.modem, MODEM, "AccessTechnologies")),
            "power_state": int(self.mm.get(self.modem, MODEM, "PowerState"))}
        self.assertEqual(self.state_changes(mark), [("registered", "disabling", 1),
                                                    ("disabling", "disabled", 1)])

    def test_register(self):
        self.enable_and_register()
        p3 = self.mm.get_all(self.modem, MODEM3GPP)
        self.record["modem3gpp_properties"] = {
            k: h.unwrap(p3[k]) for k in ("RegistrationState", "OperatorCode", "OperatorName",
                                         "Imei", "EnabledFacilityLocks", "PacketServiceState")
            if k in p3}
        self.record["modem3gpp_property_types"] = self.types_of(self.modem, MODEM3GPP)
        self.assertEqual(int(p3["RegistrationState"]), REG_HOME)
        self.assertEqual(str(p3["OperatorCode"]), "00101")
        self.assertEqual(str(p3["OperatorName"]), "Lab Carrier One")
        access = int(self.mm.get(self.modem, MODEM, "AccessTechnologies"))
        # SignalQuality is still (0, true) when the state says registered; it follows shortly.
        self.record["signal_quality_when_registered"] = h.unwrap(
            self.mm.get(self.modem, MODEM, "SignalQuality"))
        t0 = time.monotonic()
        self.mm.wait_for(lambda: h.unwrap(self.mm.get(self.modem, MODEM, "SignalQuality"))[0],
                         "a non-zero SignalQuality")
        self.record["signal_quality_after_registered_seconds"] = round(time.monotonic() - t0, 3)
        quality = h.unwrap(self.mm.get(self.modem, MODEM, "SignalQuality"))
        self.record["access_technologies"] = access
        self.record["signal_quality"] = quality
        self.assertEqual(access, ACCESS_TECH_LTE)
        # +CIND "signal" 3 of 0..5 (what the emulator reports for +CSQ 20) is 60 %.
        self.assertEqual(quality, (60, True))

        # Registration lost while NOT connected: the modem state follows the registration.
        mark = self.mm.mark()
        self.mm.emulator("register", state="searching")
        self.wait_state(SEARCHING, mark)
        self.record["registration_lost_idle"] = {
            "state_sequence": self.state_changes(mark),
            "registration": REG[int(self.mm.get(self.modem, MODEM3GPP, "RegistrationState"))],
            "operator_code": str(self.mm.get(self.modem, MODEM3GPP, "OperatorCode")),
            "access_technologies": int(self.mm.get(self.modem, MODEM, "AccessTechnologies"))}
        mark = self.mm.mark()
        self.mm.emulator("register", state="home")
        self.wait_state(REGISTERED, mark)
        self.record["registration_regained_state_sequence"] = self.state_changes(mark)
        self.assertEqual(self.record["registration_lost_idle"]["state_sequence"],
                         [("registered", "searching", 0)])
        self.assertEqual(self.record["registration_lost_idle"]["operator_code"], "")
        self.assertEqual(self.record["registration_lost_idle"]["access_technologies"], 0)
        self.assertEqual(self.record["registration_regained_state_sequence"],
                         [("searching", "registered", 0)])

        # Roaming is a registered state too, RegistrationState says roaming.
        mark = self.mm.mark()
        self.mm.emulator("register", state="roaming")
        self.mm.wait_property(self.modem, MODEM3GPP, "RegistrationState",
                              lambda v: int(v) == REG_ROAMING, mark)
        self.record["roaming"] = {"state": STATE[self.state()],
                                  "state_changes": self.state_changes(mark)}
        self.assertEqual(self.state(), REGISTERED)
        self.assertEqual(self.record["roaming"]["state_changes"], [])

        # Denied: not registered; which modem state is that?
        mark = self.mm.mark()
        self.mm.emulator("register", state="denied")
        self.mm.wait_property(self.modem, MODEM3GPP, "RegistrationState",
                              lambda v: int(v) == REG_DENIED, mark)
        self.wait_state(ENABLED, mark)  # denied is not "searching": the modem is just enabled
        self.record["denied"] = {"state": STATE[self.state()],
                                 "state_changes": self.state_changes(mark)}
        self.assertEqual(self.record["denied"]["state_changes"], [("registered", "enabled", 0)])

    def test_connect_disconnect(self):
        self.enable_and_register()
        cmd_index = len(self.mm.emulator("commands")["commands"])
        mark = self.mm.mark()
        t0 = time.monotonic()
        bearer = self.connect()
        self.record["simple_connect_seconds"] = round(time.monotonic() - t0, 3)
        self.assertEqual(self.state(), CONNECTED)
        self.wait_state(CONNECTED, mark)
        self.record["connect_state_sequence"] = self.state_changes(mark)
        self.assertEqual(self.state_changes(mark), [("registered", "connecting", 1),
                                                    ("connecting", "connected", 1)])
        self.record["bearer_added_by"] = [e[1] for e in self.mm.events_since(mark)
                                          if e[2] == bearer and e[1] == "InterfacesAdded"] or \
            "no InterfacesAdded (bearers are listed in Modem.Bearers)"
        self.record["modem_bearers"] = h.unwrap(self.mm.get(self.modem, MODEM, "Bearers"))
        self.assertIn(bearer, self.record["modem_bearers"])
        bp = self.mm.get_all(bearer, BEARER)
        self.record["bearer_properties"] = {
            k: h.unwrap(bp[k]) for k in ("Connected", "Interface", "Ip4Config", "Ip6Config",
                                         "Properties", "IpTimeout", "BearerType",
                                         "ConnectionError", "Suspended") if k in bp}
        self.record["bearer_property_types"] = self.types_of(bearer, BEARER)
        self.assertTrue(bool(bp["Connected"]))
        if self.real:
            # The generic plugin dials PPP on the primary AT port, which is the Interface (which
            # of the two ports wins the probe varies per run). The mock is a QMI-style modem
            # with a STATIC bearer on a network interface: a difference by design.
            primary = str(self.mm.get(self.modem, MODEM, "PrimaryPort"))
            self.assertEqual(str(bp["Interface"]), primary)
            self.assertIn(primary, self.mm.port_paths)
            self.assertEqual(int(bp["Ip4Config"]["method"]), IP_METHOD_PPP)
        self.assertEqual(str(bp["Properties"]["apn"]), APN)
        self.assertEqual(int(bp["Properties"]["ip-type"]), IP_FAMILY_IPV4)
        self.record["connect_bearer_signals"] = [
            (e[1], e[3], {k: h.unwrap(v) for k, v in e[4].items()} if isinstance(e[4], dict)
             else e[4]) for e in self.mm.events_since(mark, path=bearer)]
        if self.real:
            at = self.at_commands_since(cmd_index)
            self.record["connect_at_commands"] = at
            self.assertIn('AT+CGDCONT=1,"IP","%s"' % APN, at)
            self.assertIn("ATD*99***1#", at)
        self.assertEqual(h.unwrap(bp["ConnectionError"]), ("", ""))

        # Connect again while connected: does Simple.Connect reuse the bearer?
        again = self.connect()
        self.record["connect_while_connected_returns_same_bearer"] = again == bearer
        self.assertEqual(again, bearer)

        cmd_index = len(self.mm.emulator("commands")["commands"])
        mark = self.mm.mark()
        t0 = time.monotonic()
        self.mm.call(self.modem, SIMPLE, "Disconnect", dbus.ObjectPath(bearer))
        self.record["simple_disconnect_seconds"] = round(time.monotonic() - t0, 3)
        self.wait_state(REGISTERED, mark)
        self.record["disconnect_state_sequence"] = self.state_changes(mark)
        self.assertEqual(self.state_changes(mark), [("connected", "disconnecting", 1),
                                                    ("disconnecting", "registered", 1)])
        self.assertFalse(bool(self.mm.get(bearer, BEARER, "Connected")))
        self.record["bearer_after_disconnect"] = {
            k: h.unwrap(v) for k, v in self.mm.get_all(bearer, BEARER).items()
            if k in ("Connected", "Interface", "Ip4Config", "ConnectionError")}
        self.assertEqual(self.record["bearer_after_disconnect"]["Interface"], "")
        self.assertEqual(self.record["bearer_after_disconnect"]["Ip4Config"], {"method": 0})
        if self.real:
            self.record["disconnect_at_commands"] = self.at_commands_since(cmd_index)
            self.assertIn("AT+CGACT=0,1", self.record["disconnect_at_commands"])
        self.record["bearer_still_listed_after_disconnect"] = bearer in h.unwrap(
            self.mm.get(self.modem, MODEM, "Bearers"))
        self.assertTrue(self.record["bearer_still_listed_after_disconnect"])

        # Disconnect again (nothing connected): accepted or an error?
        try:
            self.mm.call(self.modem, SIMPLE, "Disconnect", dbus.ObjectPath("/"))
            self.record["disconnect_when_disconnected"] = "ok"
        except dbus.DBusException as e:
            self.record["disconnect_when_disconnected"] = [e.get_dbus_name(), e.get_dbus_message()]
        self.assertEqual(self.record["disconnect_when_disconnected"], "ok")

        # Reconnect on the same modem works (a second connection on the same data port).
        mark = self.mm.mark()
        bearer2 = self.connect()
        self.assertEqual(self.state(), CONNECTED)
        self.record["reconnect_reuses_bearer"] = bearer2 == bearer
        self.assertEqual(bearer2, bearer)
        mark = self.mm.mark()
        self.mm.call(self.modem, MODEM, "Enable", False)
        self.wait_state(DISABLED, mark)
        self.record["disable_while_connected_state_sequence"] = self.state_changes(mark)
        self.record["bearer_connected_after_disable"] = bool(
            self.mm.get(bearer2, BEARER, "Connected"))
        self.assertEqual(self.record["disable_while_connected_state_sequence"],
                         [("connected", "disabling", 1), ("disabling", "disabled", 1)])
        self.assertFalse(self.record["bearer_connected_after_disable"])

    def test_registration_lost_while_connected(self):
        self.enable_and_register()
        bearer = self.connect()
        mark = self.mm.mark()
        t0 = time.monotonic()
        self.mm.emulator("register", state="searching")
        self.mm.wait_property(self.modem, MODEM3GPP, "RegistrationState",
                              lambda v: int(v) == REG_SEARCHING, mark)
        self.record["searching_registration_signal_ms"] = round((time.monotonic() - t0) * 1000, 1)
        # A later event through the same channel (a signal indicator) orders the check: anything
        # ModemManager does at once about the registration loss has happened by then.
        self.mm.emulator("signal", csq=31)
        self.mm.wait_property(self.modem, MODEM, "SignalQuality", lambda v: int(v[0]) == 100,
                              mark)
        searching = {"state": STATE[self.state()],
                     "state_changes": self.state_changes(mark),
                     "bearer_connected": bool(self.mm.get(bearer, BEARER, "Connected")),
                     "access_technologies": int(self.mm.get(self.modem, MODEM,
                                                            "AccessTechnologies")),
                     "signal_quality": h.unwrap(self.mm.get(self.modem, MODEM, "SignalQuality"))}
        self.record["searching_while_connected"] = searching
        self.assertEqual(searching["state"], "connected")
        self.assertTrue(searching["bearer_connected"])

        # Denied: ModemManager schedules a forced disconnection 15 s later. A PPP bearer (the
        # real daemon's AT modem here) ignores it; a STATIC/DHCP bearer (the mock's QMI-style
        # modem, and QMI/MBIM modems on the real daemon, per its mm-base-bearer.c) drops then.
        mark = self.mm.mark()
        log_offset = self.mm_log_size() if self.real else 0
        t0 = time.monotonic()
        self.mm.emulator("register", state="denied")
        self.mm.wait_property(self.modem, MODEM3GPP, "RegistrationState",
                              lambda v: int(v) == REG_DENIED, mark)
        denied = {"state_right_after": STATE[self.state()]}
        if self.real:
            line, when = self.wait_mm_log(r"forcing bearer disconnection", 25, log_offset)
            ignored, _ = self.wait_mm_log(r"disconnection should be forced but it's explicitly "
                                          r"ignored", 5, log_offset)
            denied["log"] = [line.split("] ", 2)[-1], ignored.split("] ", 2)[-1]]
        else:
            found = self.mm.wait_property(bearer, BEARER, "Connected", lambda v: not bool(v),
                                          mark, timeout=25)
            when = found[0]
        delay = when - t0
        denied.update({"forced_disconnection_after_seconds": round(delay, 2),
                       "state": STATE[self.state()],
                       "state_changes": self.state_changes(mark),
                       "bearer_connected": bool(self.mm.get(bearer, BEARER, "Connected")),
                       "bearer_connection_error": h.unwrap(self.mm.get(bearer, BEARER,
                                                                       "ConnectionError"))})
        self.record["denied_while_connected"] = denied
        self.assertEqual(denied["state_right_after"], "connected")
        # A 15 s g_timeout_add_seconds(): up to a second late by design.
        self.assertGreater(delay, 14.5)
        self.assertLess(delay, 17.5)
        if self.real:
            self.assertTrue(denied["bearer_connected"])
            # The client that owns the PPP session disconnects: the documented PPP contract.
            mark = self.mm.mark()
            self.mm.call(self.modem, SIMPLE, "Disconnect", dbus.ObjectPath(bearer))
            self.wait_state(ENABLED, mark)
            self.record["client_disconnect_when_denied_state_sequence"] = self.state_changes(mark)
            self.assertFalse(bool(self.mm.get(bearer, BEARER, "Connected")))

    def test_call_dropped_by_network(self):
        self.enable_and_register()
        bearer = self.connect()
        mark = self.mm.mark()
        dropped = self.mm.emulator("drop_call")["dropped"]
        self.assertEqual(dropped, 1)
        # ModemManager handed the data port to the PPP client, so it does not read the
        # NO CARRIER; the signal marker orders the check after anything it might do at once.
        self.mm.emulator("signal", csq=31)
        self.mm.wait_property(self.modem, MODEM, "SignalQuality", lambda v: int(v[0]) == 100,
                              mark)
        self.record["network_dropped_ppp_call"] = {
            "state": STATE[self.state()], "state_changes": self.state_changes(mark),
            "bearer_connected": bool(self.mm.get(bearer, BEARER, "Connected")),
            "bearer_connection_error": h.unwrap(self.mm.get(bearer, BEARER, "ConnectionError"))}
        if self.real:
            self.assertEqual(self.state(), CONNECTED)
            self.assertTrue(self.record["network_dropped_ppp_call"]["bearer_connected"])
            # The client (pppd's owner) disconnects, then a new connect works.
            self.mm.call(self.modem, SIMPLE, "Disconnect", dbus.ObjectPath(bearer))
        else:
            # The mock's STATIC bearer is dropped by the network (DropBearer): down at once.
            self.assertEqual(self.state(), REGISTERED)
            self.assertFalse(self.record["network_dropped_ppp_call"]["bearer_connected"])
        self.connect()
        self.assertEqual(self.state(), CONNECTED)

    def test_roaming_not_allowed_while_connected(self):
        self.enable_and_register()
        bearer = self.connect(**{"allow-roaming": dbus.Boolean(False)})
        mark = self.mm.mark()
        log_offset = self.mm_log_size() if self.real else 0
        self.mm.emulator("register", state="roaming")
        self.mm.wait_property(self.modem, MODEM3GPP, "RegistrationState",
                              lambda v: int(v) == REG_ROAMING, mark)
        line = "(mock)"
        if self.real:
            line, _ = self.wait_mm_log(r"registered in roaming 3GPP network|disconnection should "
                                       r"be forced", 5, log_offset)
        self.mm.emulator("signal", csq=31)
        self.mm.wait_property(self.modem, MODEM, "SignalQuality", lambda v: int(v[0]) == 100,
                              mark)
        self.record["roaming_not_allowed_while_connected"] = {
            "log": line.split("] ", 2)[-1], "state": STATE[self.state()],
            "bearer_connected": bool(self.mm.get(bearer, BEARER, "Connected")),
            "state_changes": self.state_changes(mark)}
        # The real daemon forces the disconnection at once; a PPP bearer ignores it, a STATIC
        # one (the mock) drops.
        self.assertEqual(self.record["roaming_not_allowed_while_connected"]["bearer_connected"],
                         self.real)
        # A new connection attempt while roaming with roaming forbidden is refused.
        self.mm.call(self.modem, SIMPLE, "Disconnect", dbus.ObjectPath(bearer))
        name, message = self.expect_dbus_error(
            lambda: self.connect(**{"allow-roaming": dbus.Boolean(False)}))
        self.record["connect_roaming_not_allowed_error"] = [name, message]
        self.assertEqual(name, "org.freedesktop.ModemManager1.Error.Core.Unauthorized")
        self.assertEqual(message, "Not allowed to connect bearer in 3GPP network: 'Registered in "
                                  "roaming network, and roaming not allowed'")

    def test_pin_required(self):
        self.assertEqual(self.state(), LOCKED)
        props = self.mm.get_all(self.modem, MODEM)
        retries = {int(k): int(v) for k, v in props["UnlockRetries"].items()}
        self.record["locked"] = {"UnlockRequired": int(props["UnlockRequired"]),
                                 "UnlockRetries": retries, "Sim": str(props["Sim"]),
                                 "interfaces_exported": None}
        self.assertEqual(int(props["UnlockRequired"]), LOCK_SIM_PIN)
        self.assertEqual(retries.get(LOCK_SIM_PIN), 3)
        sim = str(props["Sim"])
        # While locked, which interfaces does the modem object carry?
        self.record["locked"]["interfaces_exported"] = sorted(
            i for e in self.mm.events_since(0, "InterfacesAdded", self.modem) for i in e[4])

        # Enable while locked: the wrong-state error.
        self.record["enable_while_locked_error"] = list(self.expect_dbus_error(
            lambda: self.mm.call(self.modem, MODEM, "Enable", True)))
        # Connect while locked.
        self.record["connect_while_locked_error"] = list(self.expect_dbus_error(self.connect))
        self.assertEqual(self.record["enable_while_locked_error"],
                         ["org.freedesktop.ModemManager1.Error.Core.WrongState",
                          "Cannot enable modem: device locked"])
        self.assertEqual(self.record["connect_while_locked_error"],
                         ["org.freedesktop.ModemManager1.Error.Core.Unauthorized",
                          "Modem is locked with 'sim-pin' code; cannot unlock it"])

        mark = self.mm.mark()
        name, message = self.expect_dbus_error(lambda: self.mm.call(sim, SIM, "SendPin", "0000"))
        self.record["wrong_pin_error"] = [name, message]
        self.assertEqual(name, "org.freedesktop.ModemManager1.Error.MobileEquipment."
                               "IncorrectPassword")
        self.mm.wait_for(lambda: {int(k): int(v) for k, v in self.mm.get(
            self.modem, MODEM, "UnlockRetries").items()}.get(LOCK_SIM_PIN) == 2,
            "UnlockRetries sim-pin 2")
        self.record["after_wrong_pin"] = {
            "state": STATE[self.state()],
            "UnlockRequired": int(self.mm.get(self.modem, MODEM, "UnlockRequired")),
            "UnlockRetries": {int(k): int(v) for k, v in
                              self.mm.get(self.modem, MODEM, "UnlockRetries").items()},
            "state_changes": self.state_changes(mark)}
        self.assertEqual(self.state(), LOCKED)

        mark = self.mm.mark()
        self.mm.call(sim, SIM, "SendPin", "1234")
        self.wait_state(DISABLED, mark)
        self.record["after_right_pin"] = {
            "state_changes": self.state_changes(mark),
            "UnlockRequired": int(self.mm.get(self.modem, MODEM, "UnlockRequired")),
            "UnlockRetries": {int(k): int(v) for k, v in
                              self.mm.get(self.modem, MODEM, "UnlockRetries").items()},
            "modem_path_unchanged": self.mm.modem_path == self.modem,
            "interfaces_added_after_unlock": sorted(
                i for e in self.mm.events_since(mark, "InterfacesAdded", self.modem)
                for i in e[4]),
            "interfaces_removed_after_unlock": sorted(
                i for e in self.mm.events_since(mark, "InterfacesRemoved", self.modem)
                for i in e[4])}
        self.assertEqual(int(self.mm.get(self.modem, MODEM, "UnlockRequired")), LOCK_NONE)
        self.assertIn(MODEM3GPP, self.record["after_right_pin"]["interfaces_added_after_unlock"])
        self.enable_and_register()

        # SendPin on an unlocked SIM.
        try:
            self.mm.call(sim, SIM, "SendPin", "1234")
            self.record["send_pin_when_unlocked"] = "ok"
        except dbus.DBusException as e:
            self.record["send_pin_when_unlocked"] = [e.get_dbus_name(), e.get_dbus_message()]
        self.assertEqual(self.record["send_pin_when_unlocked"],
                         ["org.freedesktop.ModemManager1.Error.Core.WrongState",
                          "Cannot send PIN: device is not SIM-PIN locked"])
        # ModemManager re-runs its initialization after the unlock, on the same object path.
        self.assertEqual(self.record["after_right_pin"]["state_changes"],
                         [("locked", "initializing", 0), ("initializing", "disabled", 0)])

    def test_pin_exhausted(self):
        """Three wrong PINs: what the modem layer sees when the SIM falls to its PUK."""
        self.assertEqual(self.state(), LOCKED)
        sim = str(self.mm.get(self.modem, MODEM, "Sim"))
        attempts = []
        for attempt in range(3):
            mark = self.mm.mark()
            modem_before = self.modem
            try:
                self.mm.call(sim, SIM, "SendPin", "0000")
                attempts.append("accepted")
                continue
            except dbus.DBusException as e:
                entry = {"error": e.get_dbus_name(), "message": e.get_dbus_message()}
            if attempt < 2:
                want = 2 - attempt
                self.mm.wait_for(lambda w=want: {int(k): int(v) for k, v in self.mm.get(
                    self.modem, MODEM, "UnlockRetries").items()}.get(LOCK_SIM_PIN) == w,
                    "UnlockRetries sim-pin %d" % want)
            entry["modem_path_same"] = self.modem == modem_before
            attempts.append(entry)
        self.assertEqual(attempts[0]["error"], "org.freedesktop.ModemManager1.Error."
                                               "MobileEquipment.IncorrectPassword")
        # After the last wrong PIN: does the modem object stay, and what lock does it report?
        self.mm.wait_for(lambda: self._current_lock() != LOCK_SIM_PIN,
                         "UnlockRequired to leave sim-pin", 20)
        self.record["pin_attempts"] = attempts
        self.record["after_pin_exhausted"] = {
            "modem_objects_removed": [e[2] for e in self.mm.events_since(0, "InterfacesRemoved")],
            "modem_objects_added_after_start": [e[2] for e in self.mm.events_since(0,
                                                "InterfacesAdded") if e[2] != self.modem],
            "modem_path": self.modem_now(),
            "UnlockRequired": self._current_lock(),
            "UnlockRetries": {int(k): int(v) for k, v in self.mm.get(
                self.modem_now(), MODEM, "UnlockRetries").items()},
            "state": STATE[int(self.mm.get(self.modem_now(), MODEM, "State"))],
            "state_changes": [(STATE[e[4][0]], STATE[e[4][1]], e[4][2])
                              for e in self.mm.events_since(0, "StateChanged")]}
        self.assertEqual(self._current_lock(), LOCK_SIM_PUK)

    def modem_now(self):
        """The modem's current object path (ModemManager may re-probe it to a new one)."""
        paths = [e[2] for e in self.mm.events if e[1] == "InterfacesAdded" and MODEM in e[4]]
        gone = {e[2] for e in self.mm.events if e[1] == "InterfacesRemoved" and MODEM in e[4]}
        alive = [p for p in paths if p not in gone]
        return alive[-1] if alive else self.modem

    def _current_lock(self):
        try:
            return int(self.mm.get(self.modem_now(), MODEM, "UnlockRequired"))
        except dbus.DBusException:
            return -1

    def test_connect_refused(self):
        # Enable while the network denies registration: the modem stays ENABLED.
        self.mm.emulator("register", state="denied")
        mark = self.mm.mark()
        self.mm.call(self.modem, MODEM, "Enable", True)
        self.mm.wait_for(lambda: int(self.mm.get(self.modem, MODEM3GPP, "RegistrationState"))
                         == REG_DENIED, "RegistrationState denied")
        self.wait_state(ENABLED, mark)
        self.record["enable_when_denied"] = {"state_sequence": self.state_changes(mark),
                                             "state": STATE[self.state()]}
        self.assertEqual(self.record["enable_when_denied"]["state_sequence"],
                         [("disabled", "enabling", 1), ("enabling", "enabled", 1)])
        # Idle and searching are not fatal: Simple.Connect runs AT+COPS=0 and polls the
        # registration (every 3 s) until it registers or its own timeout. The connect completes once
        # the network registers the modem; flip to home only once ModemManager is inside that wait.
        for registration, code in (("idle", 0), ("searching", REG_SEARCHING)):
            mark = self.mm.mark()
            self.mm.emulator("register", state=registration)
            self.mm.wait_for(lambda c=code: int(self.mm.get(
                self.modem, MODEM3GPP, "RegistrationState")) == c, "registration " + registration)
            log_offset = self.mm_log_size() if self.real else 0
            result = {}
            self.mm.obj(self.modem).get_dbus_method("Connect", SIMPLE)(
                dbus.Dictionary({"apn": APN, "ip-type": dbus.UInt32(IP_FAMILY_IPV4)},
                                signature="sv"),
                reply_handler=lambda path, r=result: r.setdefault("bearer", str(path)),
                error_handler=lambda e, r=result: r.setdefault("error", error_name(e)),
                timeout=120)
            if self.real:
                self.wait_mm_log(r"launching automatic network registration", 10, log_offset)
                self.wait_mm_log(r"running registration checks", 10, log_offset)
            else:
                # One round trip after the call: the single-threaded mock has taken it in.
                self.mm.get(self.modem, MODEM, "State")
                self.mm.pump()
            self.assertFalse(result, "Simple.Connect ended while %s: %s" % (registration, result))
            t_home = time.monotonic()
            self.mm.emulator("register", state="home")
            self.mm.wait_for(lambda r=result: r, "Simple.Connect to finish after registration", 30)
            self.record["connect_while_" + registration] = {
                "result": result, "seconds_after_home": round(time.monotonic() - t_home, 2),
                "state_changes": self.state_changes(mark)}
            self.assertIn("bearer", result)
            # (While searching, the registration and the bearer's states interleave on the real
            # daemon: searching -> connecting -> registered -> connected was seen.)
            self.assertEqual(self.state_changes(mark)[-1][1:], ("connected", 1))
            mark = self.mm.mark()
            self.mm.call(self.modem, SIMPLE, "Disconnect", dbus.ObjectPath("/"))
            self.wait_state(REGISTERED, mark)

        refusals = {}
        # What a dial can end with: plain results and the TS 27.007 GPRS errors a network
        # refusal maps to (30 no network service, 132 service option not supported,
        # 133 requested service option not subscribed, 148 unspecified GPRS error,
        # 533 missing or unknown APN).
        for result in ("NO CARRIER", "ERROR", "BUSY", "NO DIALTONE", "+CME ERROR: 30",
                       "+CME ERROR: 132", "+CME ERROR: 133", "+CME ERROR: 148",
                       "+CME ERROR: 533"):
            self.mm.emulator("refuse_connect", result=result)
            mark = self.mm.mark()
            t0 = time.monotonic()
            name, message = self.expect_dbus_error(self.connect)
            took = round(time.monotonic() - t0, 2)
            self.wait_state(REGISTERED, mark)
            bearers = h.unwrap(self.mm.get(self.modem, MODEM, "Bearers"))
            refusals[result] = {"error": name, "message": message, "seconds": took,
                                "state_changes": self.state_changes(mark),
                                "bearers": len(bearers),
                                "bearer_connection_error": [h.unwrap(self.mm.get(
                                    b, BEARER, "ConnectionError")) for b in bearers]}
            self.assertTrue(name.startswith("org.freedesktop.ModemManager1.Error."), name)
        self.record["connect_refused"] = refusals
        self.assertEqual(self.state(), REGISTERED)
        prefix = "org.freedesktop.ModemManager1.Error."
        expected = {"NO CARRIER": "Connection.NoCarrier",
                    "+CME ERROR: 30": "MobileEquipment.NoNetwork",
                    "+CME ERROR: 133": "MobileEquipment.ServiceOptionNotSubscribed"}
        for result, name in expected.items():
            self.assertEqual(refusals[result]["error"], prefix + name)
            # The failed bearer stays listed and carries the same error in ConnectionError.
            self.assertEqual(refusals[result]["bearers"], 1)
            self.assertEqual(refusals[result]["bearer_connection_error"][0][0], prefix + name)
            self.assertEqual(refusals[result]["state_changes"],
                             [("registered", "connecting", 1), ("connecting", "registered", 1)])

        self.mm.emulator("refuse_connect", result="")
        bearer = self.connect()
        self.assertTrue(bool(self.mm.get(bearer, BEARER, "Connected")))
        self.record["connect_after_refusals_bearer_count"] = len(
            h.unwrap(self.mm.get(self.modem, MODEM, "Bearers")))
        self.record["bearer_connection_error_after_success"] = h.unwrap(
            self.mm.get(bearer, BEARER, "ConnectionError"))
        self.assertEqual(self.record["bearer_connection_error_after_success"], ("", ""))

        # Last (it is where the mock differs): Simple.Connect while registration is denied.
        mark = self.mm.mark()
        self.mm.call(self.modem, SIMPLE, "Disconnect", dbus.ObjectPath("/"))
        self.mm.emulator("register", state="denied")
        self.wait_state(ENABLED, mark)
        t0 = time.monotonic()
        # The real daemon gives up at once when the network denies registration (its
        # registration wait is for idle/searching only); a 10 s bound shows a client waiting.
        name, message = self.expect_dbus_error(lambda: self.connect(timeout=10))
        took = time.monotonic() - t0
        self.record["connect_when_denied_error"] = [name, message, round(took, 2)]
        self.assertEqual(name, "org.freedesktop.ModemManager1.Error.MobileEquipment."
                               "NetworkTimeout")
        self.assertLess(took, 5.0)

    def test_signal(self):
        self.enable_and_register()
        mapping = {}
        for csq in (0, 6, 11, 16, 22, 31, 20):
            mark = self.mm.mark()
            self.mm.emulator("signal", csq=csq)
            cind = csq * 6 // 32
            expected = cind * 20  # +CIND "signal" 0..5 scaled to percent
            seen = h.unwrap(self.mm.get(self.modem, MODEM, "SignalQuality"))
            if seen[0] != expected:
                event = self.mm.wait_property(self.modem, MODEM, "SignalQuality",
                                              lambda v, e=expected: int(v[0]) == e, mark)
                seen = h.unwrap(event[4]["SignalQuality"])
            # (A periodic +CSQ poll may later replace it with rssi * 100 / 31: 6 -> 19.)
            mapping["csq %d / cind %d" % (csq, cind)] = seen
        self.record["signal_quality_from_cind"] = mapping

        # Modem.Signal: Setup(rate) makes ModemManager poll +CESQ and fill the Lte dictionary.
        self.record["signal_property_types_before_setup"] = self.types_of(self.modem, SIGNAL)
        self.record["signal_before_setup"] = {k: h.unwrap(v) for k, v in self.mm.get_all(
            self.modem, SIGNAL).items() if k in ("Lte", "Rate")}
        mark = self.mm.mark()
        t0 = time.monotonic()
        self.mm.call(self.modem, SIGNAL, "Setup", dbus.UInt32(1))
        self.mm.wait_property(self.modem, SIGNAL, "Lte", lambda v: "rsrp" in v, mark,
                              timeout=10)
        self.record["signal_setup_first_lte_seconds"] = round(time.monotonic() - t0, 2)
        lte = h.unwrap(self.mm.get(self.modem, SIGNAL, "Lte"))
        self.record["signal_lte"] = lte
        self.record["signal_property_types"] = self.types_of(self.modem, SIGNAL)
        # +CESQ rsrp 60 is -81 dBm, rsrq 20 is -10 dB (TS 27.007 mapping).
        self.assertAlmostEqual(lte["rsrp"], -81.0, delta=1.0)
        self.assertAlmostEqual(lte["rsrq"], -10.0, delta=1.0)
        mark = self.mm.mark()
        self.mm.emulator("signal", csq=10)
        self.mm.wait_property(self.modem, SIGNAL, "Lte",
                              lambda v: "rsrp" in v and abs(float(v["rsrp"]) + 111) < 1.5, mark,
                              timeout=10)
        self.record["signal_lte_after_change"] = h.unwrap(self.mm.get(self.modem, SIGNAL, "Lte"))

    def test_sms_received(self):
        self.enable_and_register()
        messaging = h.MM_IFACE + ".Modem.Messaging"
        added = []
        # Subscribe (and let the bus confirm the match rule) before the SMS arrives.
        self.mm.bus.add_signal_receiver(
            lambda path, received: added.append((str(path), bool(received))), "Added",
            messaging, None, self.modem)
        self.mm.bus.call_blocking("org.freedesktop.DBus", "/org/freedesktop/DBus",
                                  "org.freedesktop.DBus", "GetId", "", [])
        self.mm.emulator("sms", number="+15550001111", text="status")
        self.mm.wait_for(lambda: added, "Messaging.Added", 10)
        sms_path = added[0][0]
        self.mm.wait_for(lambda: int(self.mm.get(sms_path, h.MM_IFACE + ".Sms", "State")) == 3,
                         "SMS state received")
        props = self.mm.get_all(sms_path, h.MM_IFACE + ".Sms")
        self.record["sms_added"] = added
        self.record["sms_properties"] = {k: h.unwrap(props[k]) for k in
                                         ("Number", "Text", "State", "PduType", "Storage")}
        self.assertEqual(str(props["Text"]), "status")
        self.assertEqual(str(props["Number"]), "+15550001111")
        self.assertEqual(int(props["State"]), 3)  # received
        self.assertEqual(int(props["PduType"]), 1)  # deliver
        self.assertEqual(added[0][1], True)


if __name__ == "__main__":
    unittest.main(verbosity=2)
