"""Shared helpers for the lab's unittest scripts: start a lab with its own id, drive it through
the uplink-lab command line, and always tear it down.

Every test script calls `require_root()` first: without root ctest reports the test as skipped
(exit 77, SKIP_RETURN_CODE), never as passed.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import unittest
from pathlib import Path

LAB_DIR = Path(__file__).resolve().parent
UPLINK_LAB = LAB_DIR / "uplink-lab"
UDP_ECHO = LAB_DIR / "udp_echo.py"
PYTHON = "/usr/bin/python3"
BUILD_DIR = os.environ.get("UPLINK_LAB_BUILD_DIR", str(LAB_DIR.parent.parent / "build"))
SKIP = 77


def require_root() -> None:
    if os.geteuid() != 0:
        print("lab tests need root (network namespaces); skipped", file=sys.stderr)
        sys.exit(SKIP)


def new_lab_id() -> str:
    return "t" + secrets.token_hex(3)


def run_lab(*args, timeout: float = 60, check: bool = True, env=None) -> subprocess.CompletedProcess:
    proc = subprocess.run([str(UPLINK_LAB), *map(str, args)], capture_output=True, text=True,
                          timeout=timeout, env=env)
    if check and proc.returncode != 0:
        raise AssertionError(f"uplink-lab {' '.join(map(str, args))} exited {proc.returncode}\n"
                             f"stdout: {proc.stdout}\nstderr: {proc.stderr}")
    return proc


def namespaces() -> set[str]:
    out = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
    return {line.split()[0] for line in out.splitlines() if line.strip()}


def proc_start_time(pid: int):
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2:].split()
    if fields[0] in ("Z", "X"):
        return None
    return int(fields[19])


def process_alive(pid: int, start_time) -> bool:
    now = proc_start_time(pid)
    return now is not None and (start_time is None or now == start_time)


def processes_mentioning(text: str) -> list[int]:
    """Live processes whose command line contains `text` (a lab's unique run dir)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if text in cmdline and proc_start_time(int(entry.name)) is not None:
            found.append(int(entry.name))
    return found


def read_state(lab_id: str) -> dict:
    return json.loads(Path(f"/run/uplinkd-lab/{lab_id}/state.json").read_text())


class Lab:
    """One lab under test. Use as a context manager or call down() in a cleanup."""

    def __init__(self, *up_args: str, lab_id: str | None = None):
        self.id = lab_id or new_lab_id()
        self.up_args = list(up_args)
        self.state = None

    def up(self) -> "Lab":
        proc = run_lab("up", "--id", self.id, "--build-dir", BUILD_DIR, *self.up_args,
                       timeout=90, check=False)
        if proc.returncode != 0:
            raise AssertionError(f"lab {self.id} did not come up (exit {proc.returncode}):\n"
                                 f"{proc.stderr}")
        assert proc.stdout.splitlines()[0] == self.id, proc.stdout
        self.state = self.read_state()
        return self

    def down(self) -> subprocess.CompletedProcess:
        return run_lab("down", "--id", self.id, timeout=60, check=False)

    def __enter__(self):
        return self.up()

    def __exit__(self, *exc):
        self.down()

    def read_state(self) -> dict:
        return read_state(self.id)

    def ns(self, role: str) -> str:
        return f"ul{self.id}-{role}"

    def lab(self, *args, **kw) -> subprocess.CompletedProcess:
        """uplink-lab SUBCOMMAND --id ID ARGS..."""
        sub, *rest = args
        return run_lab(sub, "--id", self.id, *rest, **kw)

    def sh(self, role: str, *cmd, check: bool = True, timeout: float = 30):
        """Runs cmd inside namespace `role` (directly, not through uplink-lab: faster)."""
        proc = subprocess.run(["ip", "netns", "exec", self.ns(role), *map(str, cmd)],
                              capture_output=True, text=True, timeout=timeout)
        if check and proc.returncode != 0:
            raise AssertionError(f"[{role}] {' '.join(map(str, cmd))} exited {proc.returncode}: "
                                 f"{proc.stderr.strip()} {proc.stdout.strip()}")
        return proc

    def nft(self, role: str, ruleset: str) -> None:
        proc = subprocess.run(["ip", "netns", "exec", self.ns(role), "nft", "-f", "-"],
                              input=ruleset, capture_output=True, text=True)
        if proc.returncode != 0:
            raise AssertionError(f"[{role}] nft -f failed: {proc.stderr}\n{ruleset}")

    def ping(self, role: str, target: str, device: str | None = None, count: int = 1,
             wait_s: float = 1) -> bool:
        cmd = ["ping", "-n", "-q", "-c", count, "-i", "0.05", "-W", wait_s]
        if device:
            cmd += ["-I", device]
        return self.sh(role, *cmd, target, check=False).returncode == 0

    def probe(self, role: str, target: str, device: str | None = None, count: int = 5,
              interval_ms: float = 2, size: int = 64, wait_ms: float = 300) -> dict:
        cmd = [PYTHON, UDP_ECHO, "probe", target, "--json", "--count", count,
               "--interval-ms", interval_ms, "--size", size, "--wait-ms", wait_ms]
        if device:
            cmd += ["--device", device]
        out = self.sh(role, *cmd, check=False, timeout=60)
        return json.loads(out.stdout)

    def link_flags(self, role: str, ifname: str) -> list[str]:
        out = self.sh(role, "ip", "-j", "link", "show", "dev", ifname).stdout
        return json.loads(out)[0]["flags"]

    def route_each_wwan(self) -> None:
        """What uplinkd's policy layer will do: one table per uplink, sockets bound to an uplink
        (ping -I, SO_BINDTODEVICE) use its table. Until then tests set it up themselves."""
        uplinks = [("wwan0", "100.64.1.1", "2001:db8:1::1", 101),
                   ("wwan1", "100.64.2.1", "2001:db8:2::1", 102)]
        if "--isp" in self.up_args:
            uplinks.append(("eth1", "100.64.3.1", None, 103))
        for dev, gw4, gw6, table in uplinks:
            self.sh("gw", "ip", "route", "add", "default", "via", gw4, "dev", dev, "table", table)
            self.sh("gw", "ip", "rule", "add", "oif", dev, "lookup", table)
            if gw6:
                self.sh("gw", "ip", "-6", "route", "add", "default", "via", gw6, "dev", dev,
                        "table", table)
                self.sh("gw", "ip", "-6", "rule", "add", "oif", dev, "lookup", table)


class LabTestCase(unittest.TestCase):
    """One lab for the whole class, removed in a class cleanup even when setUpClass fails."""

    up_args: tuple = ("--no-uplinkd", "--no-modems")
    lab: Lab

    @classmethod
    def setUpClass(cls):
        cls.lab = Lab(*cls.up_args)
        cls.addClassCleanup(cls.lab.down)
        cls.lab.up()


def main() -> None:
    require_root()
    unittest.main(verbosity=2)
