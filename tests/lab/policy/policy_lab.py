"""Helpers for the multi-WAN lab tests and the failover benchmark: a lab with uplinkd running the
policy (tests/lab/uplinkd-lab.toml), uplinkd's status, a numbered UDP stream from the LAN to the
cloud, and the three impairments applied directly in the carrier's namespace or on the mock
ModemManager (no uplink-lab process start between the clock reading and the fault).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import lab_support  # noqa: E402

HERE = Path(__file__).resolve().parent
UDP_STREAM = HERE / "udp_stream.py"
PYTHON = "/usr/bin/python3"

# What the cloud sees as the source of LAN traffic that left by each Wan (carriers masquerade
# IPv4; IPv6 keeps the source uplinkd masqueraded it to).
WANS = {
    "cell1": {"carrier": "carrier1", "modem": "modem1", "dev": "wwan0", "src4": "198.51.100.1",
              "src6": "2001:db8:1::2", "table": 101, "mark": 0x100},
    "cell2": {"carrier": "carrier2", "modem": "modem2", "dev": "wwan1", "src4": "198.51.100.5",
              "src6": "2001:db8:2::2", "table": 102, "mark": 0x200},
}
CLOUD4 = "203.0.113.10"
CLOUD6 = "2001:db8:ff::10"
MOCK = ("org.freedesktop.ModemManager1", "/org/uplinkd/Lab/MockModemManager",
        "org.uplinkd.Lab.MockModemManager1")


def other(wan: str) -> str:
    return "cell2" if wan == "cell1" else "cell1"


class PolicyLab(lab_support.Lab):
    """A lab whose uplinkd runs the policy. Use as a context manager; down() always runs."""

    def __init__(self, *up_args: str, lab_id: str | None = None):
        super().__init__(*up_args, lab_id=lab_id)
        self.streams: list[subprocess.Popen] = []
        self.tmp = tempfile.mkdtemp(prefix=f"uplinkd-policy-{self.id}-")

    def down(self):
        for proc in self.streams:
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
            for pipe in (proc.stdout, proc.stderr):
                if pipe:
                    pipe.close()
        return super().down()

    # ---- uplinkd's state ----

    def status(self) -> dict:
        path = Path(f"/run/uplinkd-lab/{self.id}/run/status.json")
        for _ in range(50):
            try:
                return json.loads(path.read_text())
            except (OSError, json.JSONDecodeError):
                time.sleep(0.02)  # replaced atomically, but may be absent during a restart
        raise AssertionError(f"no readable {path}")

    def wait_for(self, what: str, predicate, timeout: float = 30, interval: float = 0.05):
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            try:
                last = self.status()
                if predicate(last):
                    return last
            except AssertionError:
                pass
            time.sleep(interval)
        raise AssertionError(f"timed out waiting for {what}; last status wans={json.dumps((last or {}).get('wans'))} "
                             f"paths={json.dumps((last or {}).get('paths'))}")

    def wan_health(self, status: dict, wan: str) -> str:
        return next(w["health"] for w in status.get("wans", []) if w["name"] == wan)

    def path_of(self, status: dict, traffic_class: str = "telemetry") -> str | None:
        return (status.get("paths") or {}).get(traffic_class, {}).get("wan")

    def wait_all_up(self, timeout: float = 40) -> dict:
        return self.wait_for("both Wans up", lambda s: len(s.get("wans", [])) == 2 and all(
            w["health"] == "up" for w in s["wans"]), timeout=timeout)

    def uplinkd_pid(self) -> int:
        return self.status()["pid"]

    # ---- the kernel of gw, read by independent tools ----

    def gw_rules(self) -> str:
        return self.sh("gw", "ip", "rule", "show").stdout + self.sh("gw", "ip", "-6", "rule", "show").stdout

    def gw_own_rules(self) -> list[str]:
        out = []
        for family in ("-4", "-6"):
            # iproute2 lists every rule when none has the protocol: filter here as well.
            out += [line for line in self.sh("gw", "ip", family, "rule", "show", "proto", "85").stdout.splitlines()
                    if "proto 85" in line]
        return out

    def gw_own_routes(self) -> list[str]:
        out = []
        for family in ("-4", "-6"):
            out += [line for line in self.sh("gw", "ip", family, "route", "show", "table", "all", "proto", "85")
                    .stdout.splitlines() if line.strip()]
        return out

    def gw_nft_tables(self) -> list[str]:
        return [line.strip() for line in self.sh("gw", "nft", "list", "tables").stdout.splitlines() if line.strip()]

    def conntrack_marks(self) -> list[int]:
        """The connmark of every conntrack entry in gw, read from /proc (no conntrack tool here)."""
        out = self.sh("gw", "cat", "/proc/net/nf_conntrack", check=False).stdout
        marks = []
        for line in out.splitlines():
            for field in line.split():
                if field.startswith("mark="):
                    marks.append(int(field[5:]))
        return marks

    # ---- traffic ----

    def start_receiver(self, port: int = 9000) -> Path:
        out = Path(self.tmp) / f"recv-{port}.jsonl"
        proc = subprocess.Popen(["ip", "netns", "exec", self.ns("cloud"), PYTHON, str(UDP_STREAM), "receive",
                                 "--port", str(port), "--out", str(out)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.streams.append(proc)
        line = proc.stdout.readline()
        if line.strip() != "READY":
            raise AssertionError(f"receiver did not start: {line} {proc.stderr.read()}")
        return out

    def start_sender(self, target: str = CLOUD4, port: int = 9000, rate: int = 200, sport: int = 0,
                     role: str = "lan", tos: int = 0) -> subprocess.Popen:
        cmd = ["ip", "netns", "exec", self.ns(role), PYTHON, str(UDP_STREAM), "send", "--target", target,
               "--port", str(port), "--rate", str(rate)]
        if sport:
            cmd += ["--sport", str(sport)]
        if tos:
            cmd += ["--tos", str(tos)]
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.streams.append(proc)
        return proc

    @staticmethod
    def received(path: Path) -> list[dict]:
        records = []
        try:
            with open(path) as f:
                for line in f:
                    if line.endswith("\n"):
                        records.append(json.loads(line))
        except FileNotFoundError:
            pass
        return records

    def wait_packets_from(self, path: Path, src: str, after_ns: int, timeout: float = 10) -> dict:
        """The first datagram from `src` received after `after_ns`, waiting for it."""
        deadline = time.monotonic() + timeout
        offset = 0
        while time.monotonic() < deadline:
            records = self.received(path)
            for record in records[offset:]:
                if record["src"] == src and record["recv_ns"] >= after_ns:
                    return record
            offset = max(0, len(records) - 1)
            time.sleep(0.02)
        tail = self.received(path)[-3:]
        raise AssertionError(f"no datagram from {src} within {timeout} s; last: {tail}")

    # ---- impairments (applied directly: the clock is read right before) ----

    def blackhole(self, wan: str) -> int:
        ruleset = ("table inet policytest_blackhole\ndelete table inet policytest_blackhole\n"
                   "table inet policytest_blackhole {\n"
                   "  chain from_gw {\n    type filter hook prerouting priority raw; policy accept;\n"
                   '    iifname "to-gw" drop\n  }\n'
                   "  chain to_gw {\n    type filter hook postrouting priority 300; policy accept;\n"
                   '    oifname "to-gw" drop\n  }\n'
                   "}\n")
        t = time.time_ns()
        self.nft(WANS[wan]["carrier"], ruleset)
        return t

    def clear_blackhole(self, wan: str) -> None:
        self.sh(WANS[wan]["carrier"], "nft", "delete", "table", "inet", "policytest_blackhole", check=False)

    def link_down(self, wan: str) -> int:
        t = time.time_ns()
        self.sh(WANS[wan]["carrier"], "ip", "link", "set", "to-gw", "down")
        return t

    def link_up(self, wan: str) -> None:
        self.sh(WANS[wan]["carrier"], "ip", "link", "set", "to-gw", "up")

    def drop_bearer(self, wan: str) -> int:
        address = f"unix:path=/run/uplinkd-lab/{self.id}/bus.sock"
        t = time.time_ns()
        subprocess.run(["busctl", f"--address={address}", "--", "call", *MOCK, "DropBearer", "sss",
                        WANS[wan]["modem"], "", ""], check=True, capture_output=True, timeout=10)
        return t

    def kill_uplinkd(self, sig: int) -> None:
        os.kill(self.uplinkd_pid(), sig)

    def restart_uplinkd(self) -> subprocess.Popen:
        """Starts uplinkd again with the lab's own command line (after a kill)."""
        record = self.read_state()["processes"]["uplinkd"]
        env = dict(os.environ)
        env["DBUS_SYSTEM_BUS_ADDRESS"] = f"unix:path=/run/uplinkd-lab/{self.id}/bus.sock"
        with open(record["log"], "ab") as log:
            proc = subprocess.Popen(["ip", "netns", "exec", self.ns("gw"), *record["argv"]], stdin=subprocess.DEVNULL,
                                    stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)
        self.streams.append(proc)
        return proc

    def uplinkd_log(self) -> str:
        try:
            return Path(self.read_state()["processes"]["uplinkd"]["log"]).read_text(errors="replace")
        except (OSError, KeyError):
            return ""
