"""Runs the modem layer (uplinkd-modem-runner) inside a lab's gateway namespace against the lab's
mock ModemManager, and follows what it publishes: every Wan state and event arrives as a JSON line
stamped with CLOCK_MONOTONIC, so tests wait on events and benchmarks measure against the same
clock as time.monotonic_ns().
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

LAB_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(LAB_DIR))
import lab_support  # noqa: E402  (the lab's own helpers)

RUNNER = os.environ.get("UPLINKD_MODEM_RUNNER",
                        str(Path(lab_support.BUILD_DIR) / "modem" / "uplinkd-modem-runner"))

# Fast recovery so a test sees reconnects in about a second; identities as the lab's mock has them
# (modem1 by IMEI, modem2 by its physical device path).
RUNNER_CONFIG = """
[daemon]
log_level = "info"

[[modem]]
name = "modem1"
match = {{ imei = "860000000000011" }}
{pin_line}
signal_refresh_s = 5
[modem.apn]
apn = "internet"
ip_type = "ipv4"
[modem.recovery]
backoff_initial_ms = {backoff_ms}
backoff_max_ms = 2000
call_timeout_s = 10
connect_timeout_s = 20

[[modem]]
name = "modem2"
match = {{ device = "/sys/devices/lab/usb1/1-2" }}
signal_refresh_s = 5
[modem.apn]
apn = "internet"
ip_type = "ipv4"
[modem.recovery]
backoff_initial_ms = {backoff_ms}
backoff_max_ms = 2000
call_timeout_s = 10
connect_timeout_s = 20
"""


def write_runner_config(directory: str, pin: str | None = None, backoff_ms: int = 200) -> str:
    """A config file for the runner; with `pin`, modem1 gets a 0600 pin_file holding it."""
    pin_line = ""
    if pin is not None:
        pin_path = Path(directory) / "modem1.pin"
        pin_path.write_text(pin + "\n")
        pin_path.chmod(0o600)
        pin_line = f'pin_file = "{pin_path}"'
    path = Path(directory) / "modem-runner.toml"
    path.write_text(RUNNER_CONFIG.format(pin_line=pin_line, backoff_ms=backoff_ms))
    return str(path)


class ModemRunner:
    """uplinkd-modem-runner in the lab's gw namespace. Stop it with stop() (SIGTERM to its pid)."""

    def __init__(self, lab: lab_support.Lab, config_path: str, extra_args: tuple = ()):
        self.lab = lab
        bus = lab.lab("bus").stdout.strip()
        self.stderr = tempfile.NamedTemporaryFile(prefix="modem-runner-", suffix=".log", delete=False)
        # `ip netns exec` execs the runner: the pid we hold is the runner's own.
        self.proc = subprocess.Popen(
            ["ip", "netns", "exec", lab.ns("gw"), RUNNER, "--config", config_path, "--bus", bus,
             *extra_args],
            stdout=subprocess.PIPE, stderr=self.stderr, text=True, bufsize=1)
        self.cond = threading.Condition()
        self.states: dict[str, dict] = {}
        self.history: list[dict] = []  # every line, in order
        self.ready = False
        self.closed = False
        self.stopped = False
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        self.wait_for(lambda: self.ready, 10, "the runner to start")

    def _read(self) -> None:
        for raw in self.proc.stdout:
            try:
                line = json.loads(raw)
            except json.JSONDecodeError:
                continue
            with self.cond:
                self.history.append(line)
                if line["type"] == "ready":
                    self.ready = True
                elif line["type"] == "state":
                    self.states[line["state"]["name"]] = line["state"]
                self.cond.notify_all()
        with self.cond:
            self.closed = True
            self.cond.notify_all()

    def wait_for(self, predicate, timeout: float, what: str):
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                result = predicate()
                if result:
                    return result
                if self.closed:
                    raise AssertionError(f"runner exited while waiting for {what}\n{self.log()}")
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"timed out after {timeout}s waiting for {what}; states: "
                                         f"{json.dumps(self.brief(), indent=1)}\n{self.log()[-3000:]}")
                self.cond.wait(remaining)

    def state(self, name: str) -> dict:
        with self.cond:
            return dict(self.states.get(name, {}))

    def wait_state(self, name: str, predicate, timeout: float = 15, what: str = "") -> dict:
        return self.wait_for(lambda: (s := self.states.get(name)) is not None and predicate(s) and s,
                             timeout, f"{name}: {what}")

    def wait_up(self, name: str, timeout: float = 15) -> dict:
        return self.wait_state(name, lambda s: s["wan_up"], timeout, "Wan up")

    def mark(self) -> int:
        """Index into history: lines after it are what happened since."""
        with self.cond:
            return len(self.history)

    def lines_since(self, mark: int, kind: str | None = None, name: str | None = None) -> list[dict]:
        with self.cond:
            lines = self.history[mark:]
        out = []
        for line in lines:
            if kind and line["type"] != kind:
                continue
            body = line.get("state") or line.get("event") or {}
            if name and body.get("name") != name:
                continue
            out.append(line)
        return out

    def wait_line_since(self, mark: int, predicate, timeout: float, what: str) -> dict:
        def found():
            for line in self.history[mark:]:
                if predicate(line):
                    return line
            return None
        return self.wait_for(found, timeout, what)

    def brief(self) -> dict:
        return {name: {k: s.get(k) for k in ("phase", "wan_up", "modem_state", "registration",
                                              "last_error", "counters")}
                for name, s in self.states.items()}

    def log(self) -> str:
        try:
            return Path(self.stderr.name).read_text()
        except OSError:
            return ""

    def stop(self) -> None:
        if self.stopped:
            return
        self.stopped = True
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        self.reader.join(timeout=5)
        self.proc.stdout.close()
        self.stderr.close()
        os.unlink(self.stderr.name)


def gw_addresses(lab: lab_support.Lab, ifname: str) -> list[str]:
    out = lab.sh("gw", "ip", "-j", "addr", "show", "dev", ifname).stdout
    return [f"{a['local']}/{a['prefixlen']}" for a in json.loads(out)[0]["addr_info"]
            if a.get("scope") == "global"]


def clear_gw_links(lab: lab_support.Lab) -> None:
    """Leave wwan0/wwan1 with no global address: the modem layer must configure them itself."""
    for ifname in ("wwan0", "wwan1"):
        lab.sh("gw", "ip", "addr", "flush", "dev", ifname, "scope", "global")
