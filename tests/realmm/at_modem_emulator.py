#!/usr/bin/python3
"""An emulated 3GPP AT modem for driving the real ModemManager through its Test interface.

ModemManager (started with --test-enable) connects to each AT "port" given to
Test.SetProfile(); here every port is a UNIX stream socket this program listens on.
All ports share ONE ModemState (SIM, PIN, CFUN, registration, PDP contexts, signal, SMS),
like the channels of one physical modem do, so a test flips a fact once and every port
answers consistently.

Control channel: a third UNIX socket taking one JSON object per line and answering one JSON
object per line ({"ok": true, ...} or {"ok": false, "error": "..."}). Commands:
  {"cmd": "state"}                                  dump the state
  {"cmd": "require_pin", "pin": "1234"}             SIM locked with that PIN (+CPIN: SIM PIN)
  {"cmd": "register", "state": "home"}              home | roaming | denied | searching | idle;
                                                    sends +CREG/+CGREG/+CEREG URCs; leaving
                                                    home/roaming drops an active data call
  {"cmd": "refuse_connect", "result": "NO CARRIER"} final result ATD answers instead of CONNECT
                                                    ("" restores CONNECT)
  {"cmd": "signal", "csq": 12}                      +CSQ rssi 0..31; sends +CIEV if +CMER enabled
  {"cmd": "sms", "number": "+15550001", "text": "x"} stores an SMS and sends +CMTI
  {"cmd": "drop_call"}                              network drops the data call (NO CARRIER)
  {"cmd": "commands", "since": 0}                   AT commands received so far (index, port, line)
The AT dialogue is logged to --log for debugging.
"""

import argparse
import json
import os
import re
import selectors
import socket
import sys
import time

# +CREG/+CGREG/+CEREG <stat> per registration name (3GPP TS 27.007).
REG_STAT = {"idle": 0, "home": 1, "searching": 2, "denied": 3, "roaming": 5}
# +CIND indicators offered; "signal" is index 2 (1-based), "service" 3, "roam" 5.
CIND_NAMES = ["battchg", "signal", "service", "call", "roam", "smsfull"]
CIND_RANGES = ["(0-5)", "(0-5)", "(0,1)", "(0,1)", "(0,1)", "(0,1)"]


SMS_STAT = ["REC UNREAD", "REC READ", "STO UNSENT", "STO SENT"]


def deliver_pdu(number, text):
    """An SMS-DELIVER PDU (TS 23.040) in the GSM 7-bit alphabet, as +CMGR/+CMGL show it.

    Returns (hex, TPDU length in octets). Only characters whose GSM 7-bit code equals ASCII
    (letters, digits, space and most punctuation) are encoded faithfully.
    """
    smsc = "15550009999"
    smsc_octets = "91" + swap_nibbles(smsc)
    digits = number.lstrip("+")
    septets = [ord(c) & 0x7F for c in text]
    packed = bytearray()
    acc, bits = 0, 0
    for septet in septets:
        acc |= septet << bits
        bits += 7
        while bits >= 8:
            packed.append(acc & 0xFF)
            acc >>= 8
            bits -= 8
    if bits:
        packed.append(acc & 0xFF)
    tpdu = ("04"  # SMS-DELIVER, no more messages waiting
            + "%02X" % len(digits) + ("91" if number.startswith("+") else "81")
            + swap_nibbles(digits)
            + "00" + "00"  # protocol id, data coding scheme: GSM 7-bit
            + swap_nibbles("240101120000") + "00"  # service centre time stamp, UTC
            + "%02X" % len(septets) + packed.hex().upper())
    return "%02X" % (len(smsc_octets) // 2) + smsc_octets + tpdu, len(tpdu) // 2


def swap_nibbles(digits):
    """ICCID as stored on the SIM (EF_ICCID): BCD with swapped nibbles, padded with F."""
    if len(digits) % 2:
        digits += "F"
    return "".join(digits[i + 1] + digits[i] for i in range(0, len(digits), 2))


class ModemState:
    """Everything the modem knows; shared by all ports."""

    def __init__(self):
        self.manufacturer = "uplinkd-lab"
        self.model = "EMU-LTE"
        self.revision = "EMU-1.0"
        self.imei = "860000000000011"
        self.imsi = "001010000000011"
        self.iccid = "8901000000000000011"
        self.msisdn = "+15550000011"
        self.operator_code = "00101"
        self.operator_name = "Lab Carrier One"
        self.spn = "LabOne"
        self.act = 7  # E-UTRAN
        self.tac = "00C3"
        self.cell_id = "0012ABCD"
        self.sim_pin = None  # the PIN while the SIM is locked, None when unlocked
        self.pin_retries = 3
        self.puk_retries = 10
        self.cfun = 0
        self.registration = "home"  # what the network grants once the radio is on
        self.csq = 20
        self.refuse_connect = ""  # final result to ATD instead of CONNECT
        self.pdp = {}  # cid -> [pdp_type, apn]
        self.active_cids = set()
        self.cgatt = 1
        self.sms = {}  # index -> (status, number, text)
        self.sms_next = 1
        self.cmgf = 0  # 0 PDU, 1 text
        # Unsolicited settings are per port, as on real multi-channel modems.
        self.port_settings = {}

    def settings(self, port_index):
        return self.port_settings.setdefault(
            port_index, {"creg": 0, "cgreg": 0, "cereg": 0, "cmer": 0, "cnmi": False,
                         "cgerep": 0, "echo": False})

    def reg_stat(self):
        if self.cfun != 1 or self.sim_pin is not None:
            return 0
        return REG_STAT[self.registration]

    def registered(self):
        return self.reg_stat() in (1, 5)

    def pin_state(self):
        if self.sim_pin is None:
            return "READY"
        return "SIM PIN" if self.pin_retries > 0 else "SIM PUK"

    def cind_values(self):
        # The radio measures the cell's signal even while not registered to it.
        signal = min(5, self.csq * 6 // 32) if self.csq != 99 and self.cfun == 1 else 0
        return [5, signal, 1 if self.registered() else 0,
                1 if self.active_cids else 0, 1 if self.reg_stat() == 5 else 0, 0]

    def dump(self):
        return {"cfun": self.cfun, "registration": self.registration,
                "reg_stat": self.reg_stat(), "pin_state": self.pin_state(),
                "pin_retries": self.pin_retries, "csq": self.csq,
                "refuse_connect": self.refuse_connect,
                "pdp": {str(k): v for k, v in self.pdp.items()},
                "active_cids": sorted(self.active_cids), "sms": len(self.sms)}


class Session:
    """One connection ModemManager opened on one port."""

    def __init__(self, sock, port_index):
        self.sock = sock
        self.port_index = port_index
        self.inbuf = b""
        self.data_cid = None  # set while in data (PPP) mode
        self.pending_sms_number = None  # waiting for the +CMGS body


class Emulator:
    def __init__(self, port_paths, control_path, log_path):
        self.state = ModemState()
        self.sel = selectors.DefaultSelector()
        self.sessions = []
        self.commands = []  # (port index, command line)
        self.timers = []  # (due, callable)
        self.log = open(log_path, "a", buffering=1) if log_path else None
        self.listeners = []
        for index, path in enumerate(port_paths):
            self.listeners.append(self._listen(path, ("port", index)))
        self.control = self._listen(control_path, ("control", None))
        self.control_bufs = {}

    # ---- plumbing -------------------------------------------------------------------------
    def _listen(self, path, tag):
        if os.path.exists(path):
            os.unlink(path)
        srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        srv.bind(path)
        srv.listen(8)
        srv.setblocking(False)
        self.sel.register(srv, selectors.EVENT_READ, ("listen", tag))
        return srv

    def trace(self, port, direction, text):
        if self.log:
            self.log.write("%.3f port%s %s %r\n" % (time.monotonic(), port, direction, text))

    def send(self, session, text):
        self.trace(session.port_index, "<<", text)
        try:
            session.sock.sendall(text.encode("latin-1"))
        except OSError:
            pass

    def respond(self, session, lines, final):
        out = "".join("\r\n%s\r\n" % line for line in lines)
        out += "\r\n%s\r\n" % final
        self.send(session, out)

    def urc(self, line, want=None):
        """Sends an unsolicited line on every command-mode port whose setting `want` says so."""
        for s in self.sessions:
            if s.data_cid is not None:
                continue
            if want is None or want(self.state.settings(s.port_index)):
                self.send(s, "\r\n%s\r\n" % line)

    def run(self):
        print("READY", flush=True)
        while True:
            timeout = None
            if self.timers:
                timeout = max(0.0, min(t[0] for t in self.timers) - time.monotonic())
            for key, _ in self.sel.select(timeout):
                kind, tag = key.data
                if kind == "listen":
                    self._accept(key.fileobj, tag)
                elif kind == "session":
                    self._read_session(tag)
                elif kind == "control":
                    self._read_control(key.fileobj)
            now = time.monotonic()
            due = [t for t in self.timers if t[0] <= now]
            self.timers = [t for t in self.timers if t[0] > now]
            for _, fn in due:
                fn()

    def _accept(self, srv, tag):
        conn, _ = srv.accept()
        conn.setblocking(False)
        if tag[0] == "port":
            session = Session(conn, tag[1])
            self.sessions.append(session)
            self.sel.register(conn, selectors.EVENT_READ, ("session", session))
            self.trace(tag[1], "--", "opened")
        else:
            self.control_bufs[conn] = b""
            self.sel.register(conn, selectors.EVENT_READ, ("control", None))

    def _close_session(self, session):
        self.trace(session.port_index, "--", "closed")
        self.sel.unregister(session.sock)
        session.sock.close()
        self.sessions.remove(session)
        if session.data_cid is not None:
            # Closing the data port hangs the call up, like dropping DTR.
            self.state.active_cids.discard(session.data_cid)

    def _read_session(self, session):
        try:
            chunk = session.sock.recv(4096)
        except OSError:
            chunk = b""
        if not chunk:
            self._close_session(session)
            return
        if session.data_cid is not None:
            self.trace(session.port_index, ">>", "<%d bytes of data>" % len(chunk))
            return
        session.inbuf += chunk
        while True:
            if session.pending_sms_number is not None:
                end = session.inbuf.find(b"\x1a")
                if end < 0:
                    return
                body = session.inbuf[:end].decode("latin-1")
                session.inbuf = session.inbuf[end + 1:]
                self._sms_submitted(session, body)
                continue
            m = re.search(rb"[\r\n]", session.inbuf)
            if not m:
                return
            line = session.inbuf[:m.start()].decode("latin-1").strip()
            session.inbuf = session.inbuf[m.end():]
            if line:
                self.trace(session.port_index, ">>", line)
                if self.state.settings(session.port_index)["echo"]:
                    self.send(session, line + "\r")
                self._command_line(session, line)
                if session.data_cid is not None:
                    session.inbuf = b""
                    return

    # ---- control channel ------------------------------------------------------------------
    def _read_control(self, conn):
        try:
            chunk = conn.recv(4096)
        except OSError:
            chunk = b""
        if not chunk:
            self.sel.unregister(conn)
            del self.control_bufs[conn]
            conn.close()
            return
        self.control_bufs[conn] += chunk
        while b"\n" in self.control_bufs[conn]:
            line, rest = self.control_bufs[conn].split(b"\n", 1)
            self.control_bufs[conn] = rest
            try:
                reply = self._control(json.loads(line))
            except Exception as e:  # a bad request must not kill the modem
                reply = {"ok": False, "error": "%s: %s" % (type(e).__name__, e)}
            self.trace("-", "ctl", "%s -> %s" % (line.decode(), reply))
            conn.sendall((json.dumps(reply) + "\n").encode())

    def _control(self, req):
        st = self.state
        cmd = req["cmd"]
        if cmd == "state":
            return {"ok": True, "state": st.dump()}
        if cmd == "commands":
            since = int(req.get("since", 0))
            return {"ok": True, "commands": [[i, p, c] for i, (p, c) in
                                             enumerate(self.commands) if i >= since]}
        if cmd == "require_pin":
            st.sim_pin = req["pin"]
            st.pin_retries = 3
            return {"ok": True}
        if cmd == "register":
            if req["state"] not in REG_STAT:
                return {"ok": False, "error": "unknown registration %r" % req["state"]}
            st.registration = req["state"]
            self._registration_changed()
            return {"ok": True}
        if cmd == "refuse_connect":
            st.refuse_connect = req.get("result", "")
            return {"ok": True}
        if cmd == "signal":
            st.csq = int(req["csq"])
            self._indicators_changed()
            return {"ok": True}
        if cmd == "sms":
            index = st.sms_next
            st.sms_next += 1
            st.sms[index] = ["REC UNREAD", req["number"], req["text"]]
            self.urc('+CMTI: "SM",%d' % index, lambda s: s["cnmi"])
            return {"ok": True, "index": index}
        if cmd == "drop_call":
            dropped = self._hang_up_all("NO CARRIER")
            return {"ok": True, "dropped": dropped}
        return {"ok": False, "error": "unknown command %r" % cmd}

    def _registration_changed(self):
        st = self.state
        if not st.registered():
            self._hang_up_all("NO CARRIER")
        stat = st.reg_stat()
        located = ',"%s","%s",%d' % (st.tac, st.cell_id, st.act)
        for name in ("creg", "cgreg", "cereg"):
            tag = "+" + name.upper()
            self.urc("%s: %d" % (tag, stat), lambda s, n=name: s[n] == 1)
            self.urc("%s: %d%s" % (tag, stat, located if stat in (1, 5) else ""),
                     lambda s, n=name: s[n] == 2)
        self._indicators_changed()

    def _indicators_changed(self):
        for i, value in enumerate(self.state.cind_values()):
            if CIND_NAMES[i] in ("signal", "service", "roam"):
                self.urc("+CIEV: %d,%d" % (i + 1, value), lambda s: s["cmer"] == 1)

    def _hang_up_all(self, result):
        dropped = 0
        for s in self.sessions:
            if s.data_cid is not None:
                self.state.active_cids.discard(s.data_cid)
                s.data_cid = None
                self.send(s, "\r\n%s\r\n" % result)
                dropped += 1
        for cid in list(self.state.active_cids):
            self.state.active_cids.discard(cid)
            self.urc("+CGEV: NW DEACT \"IP\",\"\",%d" % cid, lambda s: s["cgerep"] > 0)
        return dropped

    def _sms_submitted(self, session, body):
        self.trace(session.port_index, ">>", "<sms body %r>" % body)
        session.pending_sms_number = None
        self.respond(session, ["+CMGS: %d" % self.state.sms_next], "OK")
        self.state.sms_next += 1

    # ---- the AT command interpreter ----------------------------------------------------------
    def _command_line(self, session, line):
        self.commands.append((session.port_index, line))
        upper = line.upper()
        if upper == "A/":
            upper = "AT"
        if not upper.startswith("AT"):
            return  # modems ignore garbage without the AT prefix
        body = line[2:]
        if body == "":
            self.respond(session, [], "OK")
            return
        if body[0] in "+%^$*#!":
            lines = []
            for cmd in [c for c in body.split(";") if c]:
                if not cmd.startswith("+") and cmd[0] not in "%^$*#!":
                    cmd = "+" + cmd  # "+COPS=3,2;+COPS?" as well as "+COPS=3,2;COPS?"
                result = self._extended(session, cmd)
                if isinstance(result, str):
                    self.respond(session, lines, result)
                    return
                if result is None:
                    return  # the command answers later (dial, SMS prompt)
                lines += result
            self.respond(session, lines, "OK")
            return
        self._basic(session, body)

    def _basic(self, session, body):
        st = self.state
        b = body.upper().replace(" ", "")
        if b.startswith("D"):
            self._dial(session, b[1:])
            return
        if b in ("H", "H0"):
            for cid in list(st.active_cids):
                st.active_cids.discard(cid)
            self.respond(session, [], "OK")
            return
        if b in ("I", "I0"):
            self.respond(session, ["%s %s" % (st.manufacturer, st.model)], "OK")
            return
        if b.startswith("I"):
            self.respond(session, [], "+CME ERROR: 4")
            return
        # Chains of simple settings: E0 V1 X4 &C1 Q0 Z S0=0 ...
        pos = 0
        while pos < len(b):
            m = re.match(r"(&?[A-Z])(\d*)|(S\d+=\d+)|(S\d+\?)", b[pos:])
            if not m or (m.group(1) and m.group(1) not in
                         ("E", "V", "X", "Q", "Z", "L", "M", "&C", "&D", "&F", "&K")):
                self.respond(session, [], "+CME ERROR: 4")
                return
            if m.group(1) == "E":
                st.settings(session.port_index)["echo"] = m.group(2) == "1"
            pos += m.end()
        self.respond(session, [], "OK")

    def _dial(self, session, number):
        st = self.state
        m = re.match(r"\*99(?:\*\*\*(\d+))?#", number)
        if not m:
            self.respond(session, [], "NO CARRIER")
            return
        cid = int(m.group(1) or 1)
        if not st.registered() or st.cgatt != 1:
            self.send(session, "\r\nNO CARRIER\r\n")
            return
        if st.refuse_connect:
            self.send(session, "\r\n%s\r\n" % st.refuse_connect)
            return
        st.active_cids.add(cid)
        session.data_cid = cid
        self.send(session, "\r\nCONNECT 150000000\r\n")

    def _extended(self, session, cmd):
        """Returns a list of information lines (then OK), a final result string, or None."""
        st = self.state
        settings = st.settings(session.port_index)
        m = re.match(r"([+%^$*#!][A-Za-z0-9]+)(=\?|\?|=(.*))?$", cmd)
        if not m:
            return "+CME ERROR: 4"
        name = m.group(1).upper()
        test = m.group(2) == "=?"
        query = m.group(2) == "?"
        args = m.group(3)
        argv = [a.strip().strip('"') for a in args.split(",")] if args is not None else []
        action = m.group(2) is None
        locked = st.sim_pin is not None

        identity = {"+CGMI": st.manufacturer, "+GMI": st.manufacturer,
                    "+CGMM": st.model, "+GMM": st.model,
                    "+CGMR": st.revision, "+GMR": st.revision,
                    "+CGSN": st.imei, "+GSN": st.imei}
        if name in identity and (action or test):
            return [] if test else [identity[name]]
        if name == "+GCAP" and action:
            return ["+GCAP: +CGSM"]
        if name == "+CMEE":
            return ["+CMEE: (0-2)"] if test else (["+CMEE: 1"] if query else [])
        if name == "+WS46":
            if test:
                return ["+WS46: (12,22,25,28,29)"]
            if query:
                return ["+WS46: 25"]
            return []
        if name == "+CSCS":
            if test:
                return ['+CSCS: ("IRA","GSM")']
            if query:
                return ['+CSCS: "IRA"']
            return [] if argv and argv[0] in ("IRA", "GSM") else "+CME ERROR: 4"
        if name == "+CPIN":
            if test:
                return []
            if query:
                return ["+CPIN: %s" % st.pin_state()]
            if not locked:
                return "+CME ERROR: 3"  # operation not allowed: no PIN needed
            if st.pin_retries <= 0:
                return "+CME ERROR: 12"  # SIM PUK required
            if argv and argv[0] == st.sim_pin:
                st.sim_pin = None
                st.pin_retries = 3
                return []
            st.pin_retries -= 1
            return "+CME ERROR: 16"  # incorrect password
        if name == "+CPINR" and not test:
            # Remaining attempts, the form several vendors answer and MM 1.20 may ask for.
            return ["+CPINR: SIM PIN,%d,3" % st.pin_retries,
                    "+CPINR: SIM PUK,%d,10" % st.puk_retries]
        if name == "+CSIM" and args is not None:
            # MM 1.20 reads the retry counters with an empty VERIFY / UNBLOCK PIN APDU:
            # the SIM answers status word 63Cx, x being the attempts left.
            apdu = argv[1].upper() if len(argv) > 1 else ""
            counters = {"0020000100": st.pin_retries, "0020008100": 3,
                        "002C000100": st.puk_retries, "002C008100": 10}
            if apdu not in counters:
                return '+CSIM: 4,"6D00"'  # instruction not supported
            return ['+CSIM: 4,"63C%X"' % min(15, counters[apdu])]
        if name == "+CLCK":
            if test:
                return ['+CLCK: ("SC","PN","PU","PP","PC","PF","FD","AO","OI")']
            if len(argv) >= 2 and argv[1] == "2":
                return ["+CLCK: %d" % (1 if argv[0] == "SC" and st.sim_pin else 0)]
            return []
        if name == "+CIMI" and action:
            return "+CME ERROR: 11" if locked else [st.imsi]
        if name in ("+CCID", "+ICCID") and action:
            return "+CME ERROR: 11" if locked else ["+CCID: %s" % st.iccid]
        if name == "+CRSM":
            if test:
                return []
            if locked:
                return "+CME ERROR: 11"
            return self._crsm(argv)
        if name == "+CNUM" and action:
            return ['+CNUM: ,"%s",145' % st.msisdn]
        if name == "+CFUN":
            if test:
                return ["+CFUN: (0,1,4),(0)"]
            if query:
                return ["+CFUN: %d" % st.cfun]
            st.cfun = int(argv[0]) if argv and argv[0] else 1
            self._registration_changed()
            return []
        if name in ("+CREG", "+CGREG", "+CEREG"):
            key = name[1:].lower()
            if test:
                return ["%s: (0-2)" % name]
            if query:
                stat = st.reg_stat()
                mode = settings[key]
                if mode == 2 and stat in (1, 5):
                    return ['%s: 2,%d,"%s","%s",%d' % (name, stat, st.tac, st.cell_id, st.act)]
                return ["%s: %d,%d" % (name, mode, stat)]
            settings[key] = int(argv[0]) if argv and argv[0] else 0
            return []
        if name == "+COPS":
            if test:
                return ['+COPS: (2,"%s","%s","%s",%d),,(0-4),(0-2)' %
                        (st.operator_name, st.spn, st.operator_code, st.act)]
            if query:
                if not st.registered():
                    return ["+COPS: 0"]
                fmt = settings.get("cops_format", 0)
                oper = st.operator_code if fmt == 2 else st.operator_name
                return ['+COPS: 0,%d,"%s",%d' % (fmt, oper, st.act)]
            if argv and argv[0] == "3" and len(argv) > 1:
                settings["cops_format"] = int(argv[1])
                return []
            if argv and argv[0] in ("0", "1", "4"):
                return []
            if argv and argv[0] == "2":
                return []
            return "+CME ERROR: 4"
        if name == "+CSQ":
            return ["+CSQ: (0-31,99),(0-7,99)"] if test else ["+CSQ: %d,99" % st.csq]
        if name == "+CESQ":
            if test:
                return ["+CESQ: (0-63,99),(0-7,99),(0-96,255),(0-49,255),(0-34,255),(0-97,255)"]
            rsrp = max(0, min(97, st.csq * 3)) if st.registered() else 255
            rsrq = 20 if st.registered() else 255
            return ["+CESQ: 99,99,255,255,%d,%d" % (rsrq, rsrp)]
        if name == "+CIND":
            if test:
                return ["+CIND: " + ",".join('("%s",%s)' % (n, r) for n, r in
                                             zip(CIND_NAMES, CIND_RANGES))]
            if query:
                return ["+CIND: " + ",".join(str(v) for v in st.cind_values())]
            return []
        if name == "+CMER":
            if test:
                return ["+CMER: (0-3),(0),(0),(0-2),(0-1)"]
            if query:
                return ["+CMER: %d,0,0,%d,0" % (3 if settings["cmer"] else 0, settings["cmer"])]
            settings["cmer"] = 1 if len(argv) > 3 and argv[3] in ("1", "2") else 0
            return []
        if name == "+CGEREP":
            if test:
                return ["+CGEREP: (0-2),(0-1)"]
            if query:
                return ["+CGEREP: %d,0" % settings["cgerep"]]
            settings["cgerep"] = int(argv[0]) if argv and argv[0] else 0
            return []
        if name == "+CGDCONT":
            if test:
                return ['+CGDCONT: (1-16),"IP",,,(0-2),(0-4)',
                        '+CGDCONT: (1-16),"IPV6",,,(0-2),(0-4)',
                        '+CGDCONT: (1-16),"IPV4V6",,,(0-2),(0-4)']
            if query:
                return ['+CGDCONT: %d,"%s","%s","",0,0' % (cid, t, apn)
                        for cid, (t, apn) in sorted(st.pdp.items())]
            if not argv or not argv[0].isdigit():
                return "+CME ERROR: 4"
            cid = int(argv[0])
            if len(argv) == 1:
                st.pdp.pop(cid, None)
                return []
            st.pdp[cid] = [argv[1] if len(argv) > 1 else "IP", argv[2] if len(argv) > 2 else ""]
            return []
        if name == "+CGACT":
            if test:
                return ["+CGACT: (0,1)"]
            if query:
                return ["+CGACT: %d,%d" % (cid, 1 if cid in st.active_cids else 0)
                        for cid in sorted(st.pdp)]
            if not argv:
                return "+CME ERROR: 4"
            cids = [int(c) for c in argv[1:] if c.isdigit()] or sorted(st.pdp)
            if argv[0] == "0":
                for cid in cids:
                    st.active_cids.discard(cid)
                    for s in self.sessions:
                        if s.data_cid == cid:
                            s.data_cid = None
                            self.send(s, "\r\nNO CARRIER\r\n")
                return []
            if not st.registered():
                return "+CME ERROR: 30"  # no network service
            if st.refuse_connect:
                return "+CME ERROR: 133"  # requested service option not subscribed
            st.active_cids.update(cids)
            return []
        if name == "+CGATT":
            if test:
                return ["+CGATT: (0,1)"]
            if query:
                return ["+CGATT: %d" % (st.cgatt if st.registered() else 0)]
            st.cgatt = int(argv[0]) if argv else 1
            return []
        if name == "+CGPADDR":
            if test:
                return ["+CGPADDR: (%s)" % ",".join(str(c) for c in sorted(st.pdp))]
            return ['+CGPADDR: %d,"%s"' % (cid, "100.64.1.2" if cid in st.active_cids else "")
                    for cid in sorted(st.pdp)]
        # --- SMS: PDU mode (what ModemManager prefers) and text mode ---
        if name == "+CSMS":
            return ["+CSMS: (0,1)"] if test else ["+CSMS: 0,1,1,1"]
        if name == "+CMGF":
            if test:
                return ["+CMGF: (0,1)"]
            if query:
                return ["+CMGF: %d" % st.cmgf]
            if not argv or argv[0] not in ("0", "1"):
                return "+CMS ERROR: 303"
            st.cmgf = int(argv[0])
            return []
        if name == "+CPMS":
            if test:
                return ['+CPMS: ("SM","ME"),("SM","ME"),("SM","ME")']
            n = len(st.sms)
            if query:
                return ['+CPMS: "SM",%d,30,"SM",%d,30,"SM",%d,30' % (n, n, n)]
            return ["+CPMS: %d,30,%d,30,%d,30" % (n, n, n)]
        if name == "+CNMI":
            if test:
                return ["+CNMI: (0-2),(0-3),(0-2),(0-2),(0-1)"]
            if query:
                return ["+CNMI: 2,%d,0,0,0" % (1 if settings["cnmi"] else 0)]
            settings["cnmi"] = len(argv) > 1 and argv[1] == "1"
            return []
        if name == "+CMGL":
            if test:
                return ["+CMGL: (0-4)"] if st.cmgf == 0 else \
                    ['+CMGL: ("REC UNREAD","REC READ","STO UNSENT","STO SENT","ALL")']
            lines = []
            for index, (status, number, text) in sorted(st.sms.items()):
                if st.cmgf == 0:
                    pdu, length = deliver_pdu(number, text)
                    lines += ["+CMGL: %d,%d,,%d" % (index, SMS_STAT.index(status), length), pdu]
                else:
                    lines += ['+CMGL: %d,"%s","%s",,"24/01/01,12:00:00+00"'
                              % (index, status, number), text]
            return lines
        if name == "+CMGR":
            if test:
                return []
            index = int(argv[0]) if argv and argv[0].isdigit() else -1
            if index not in st.sms:
                return "+CMS ERROR: 321"  # invalid memory index
            status, number, text = st.sms[index]
            st.sms[index][0] = "REC READ"
            if st.cmgf == 0:
                pdu, length = deliver_pdu(number, text)
                return ["+CMGR: %d,,%d" % (SMS_STAT.index(status), length), pdu]
            return ['+CMGR: "%s","%s",,"24/01/01,12:00:00+00"' % (status, number), text]
        if name == "+CMGD":
            if test:
                return ["+CMGD: (1-30),(0-4)"]
            if argv and argv[0].isdigit():
                st.sms.pop(int(argv[0]), None)
            return []
        if name == "+CMGS" and args is not None:
            session.pending_sms_number = argv[0] if argv else ""
            self.send(session, "\r\n> ")
            return None
        if name == "+CSCA":
            return ['+CSCA: "+15550009999",145'] if query else []
        if name == "+CSDH":
            return []
        return "+CME ERROR: 4"

    def _crsm(self, argv):
        """READ BINARY of the few SIM files ModemManager asks for."""
        st = self.state
        if len(argv) < 2 or argv[0] != "176":
            return ["+CRSM: 106,134"]  # command not allowed
        fid = int(argv[1])
        if fid == 0x2FE2:  # EF_ICCID
            data = swap_nibbles(st.iccid)
        elif fid == 0x6FAD:  # EF_AD: 4th byte is the MNC length
            data = "00000002"
        elif fid == 0x6F46:  # EF_SPN: display condition byte then the name, FF padded
            name = st.spn.encode("ascii").hex().upper()
            data = "00" + name + "FF" * (16 - len(st.spn))
        else:
            return ["+CRSM: 106,130"]  # file not found
        return ['+CRSM: 144,0,"%s"' % data]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--port", action="append", required=True,
                        help="UNIX socket path of one AT port (give it twice for two ports)")
    parser.add_argument("--control", required=True, help="UNIX socket path of the control channel")
    parser.add_argument("--log", help="file the AT dialogue is appended to")
    parser.add_argument("--state", help="JSON object overriding ModemState fields at start")
    args = parser.parse_args()
    emu = Emulator(args.port, args.control, args.log)
    if args.state:
        for key, value in json.loads(args.state).items():
            if not hasattr(emu.state, key):
                sys.exit("at_modem_emulator: unknown state field %r" % key)
            setattr(emu.state, key, value)
    try:
        emu.run()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
