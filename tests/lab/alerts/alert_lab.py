"""Helpers for the alert relay's lab tests and benchmark: a TLS MQTT broker and the collector in
the lab's cloud namespace, uplinkd with an [alerts] section in gw (started, killed and restarted
by the test itself), and a producer that submits over the relay's datagram socket.

Everything is started by the test and stopped by pid in cleanups; the lab's `down` removes the
namespaces (and anything left in them)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import lab_support

ALERTS_DIR = Path(__file__).resolve().parent
BROKER_ADDRESS = "203.0.113.10"
PLAIN_PORT = 1883
TLS_PORT = 8883
TOPIC = "lab/alerts"
# The lab's two modems and nothing else: the relay's tests route gw themselves (route_gw_via_carriers)
# so they do not depend on the multi-WAN policy's state. Pass base_config to use another file.
MODEMS_ONLY_CONFIG = """[daemon]
log_level = "info"

[[modem]]
name = "modem1"
match = { imei = "860000000000011" }
[modem.apn]
apn = "internet"
ip_type = "ipv4"

[[modem]]
name = "modem2"
match = { imei = "860000000000022" }
[modem.apn]
apn = "internet"
ip_type = "ipv4"
"""


def wait_for(what: str, predicate, timeout: float, interval: float = 0.05):
    """Polls `predicate` (a cheap local check: a file, a JSON field) until it returns a truthy
    value; raises with `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)


def make_certificates(directory: Path) -> dict:
    """A throw-away CA, a broker certificate for BROKER_ADDRESS and a client certificate."""
    def openssl(*args):
        subprocess.run(["openssl", *args], cwd=directory, check=True, capture_output=True)

    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    openssl("req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.crt", "-days", "2",
            "-subj", "/CN=uplinkd-lab-ca")
    (directory / "server.ext").write_text(f"subjectAltName=IP:{BROKER_ADDRESS}\n")
    (directory / "client.ext").write_text("extendedKeyUsage=clientAuth\n")
    for name, cn in (("server", "lab-broker"), ("client", "uplinkd-gw")):
        openssl("req", *ec, "-keyout", f"{name}.key", "-out", f"{name}.csr", "-subj", f"/CN={cn}")
        openssl("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
                "-CAcreateserial", "-out", f"{name}.crt", "-days", "2", "-extfile", f"{name}.ext")
    for path in directory.iterdir():
        path.chmod(0o644)  # the broker may drop to the mosquitto user
    return {name: str(directory / name) for name in
            ("ca.crt", "server.crt", "server.key", "client.crt", "client.key")}


def policy_config(upload_kbit: int | None = None, lanes: bool = True, health_extra: str = "") -> str:
    """The lab's own configuration (both modems as Wans, the multi-WAN policy), optionally with a
    [wan.shaping] upload_kbit on every Wan, lanes switched off, or extra [wan.health] keys."""
    text = (lab_support.LAB_DIR / "uplinkd-lab.toml").read_text()
    if text.count("[wan.health]\n") != 2 or "[policy]\n" not in text:
        raise AssertionError("the lab configuration changed: adapt alert_lab.policy_config")
    health = "[wan.health]\n" + health_extra
    if upload_kbit:
        text = text.replace("[wan.health]\n", f"[wan.shaping]\nupload_kbit = {upload_kbit}\n\n{health}")
    else:
        text = text.replace("[wan.health]\n", health)
    return text.replace("[policy]\n", f"[policy]\nlanes = {'true' if lanes else 'false'}\n", 1)


class AlertCloud:
    """mosquitto (plain 1883 and TLS 8883 with client certificates) and the collector, in cloud."""

    def __init__(self, lab: lab_support.Lab, workdir: Path):
        self.lab = lab
        self.dir = workdir
        self.dir.mkdir(parents=True, exist_ok=True)
        self.dir.chmod(0o755)
        self.certs = make_certificates(self.dir)
        self.received_path = self.dir / "received.jsonl"
        self.broker = None
        self.collector = None

    def start(self) -> "AlertCloud":
        conf = self.dir / "mosquitto.conf"
        conf.write_text(
            "per_listener_settings true\n"
            "persistence false\n"
            "max_queued_messages 0\n"
            "log_dest stderr\n"
            "log_type error\nlog_type warning\nlog_type notice\nlog_type information\n"
            f"listener {PLAIN_PORT} {BROKER_ADDRESS}\n"
            "allow_anonymous true\n"
            f"listener {TLS_PORT} {BROKER_ADDRESS}\n"
            "allow_anonymous true\n"
            f"cafile {self.certs['ca.crt']}\n"
            f"certfile {self.certs['server.crt']}\n"
            f"keyfile {self.certs['server.key']}\n"
            "require_certificate true\n")
        conf.chmod(0o644)
        self.broker_log = open(self.dir / "mosquitto.log", "w")
        self.broker = subprocess.Popen(["ip", "netns", "exec", self.lab.ns("cloud"), "mosquitto", "-c", str(conf)],
                                       stdout=self.broker_log, stderr=subprocess.STDOUT)
        wait_for("the broker to listen", lambda: self._listening(), 10)
        self.collector_log = open(self.dir / "collector.log", "w")
        self.collector = subprocess.Popen(
            ["ip", "netns", "exec", self.lab.ns("cloud"), lab_support.PYTHON, str(ALERTS_DIR / "alert_collector.py"),
             "--host", BROKER_ADDRESS, "--port", str(PLAIN_PORT), "--topic", TOPIC, "--out", str(self.received_path)],
            stdout=subprocess.DEVNULL, stderr=self.collector_log, text=True)
        wait_for("the collector's subscription", self._collector_ready, 15)
        return self

    def _collector_ready(self) -> bool:
        if self.collector.poll() is not None:
            raise AssertionError(f"collector exited: {(self.dir / 'collector.log').read_text()}")
        return self.received_path.exists() and '"probe"' in self.received_path.read_text()

    def _listening(self) -> bool:
        if self.broker.poll() is not None:
            raise AssertionError(f"mosquitto exited: {(self.dir / 'mosquitto.log').read_text()}")
        out = self.lab.sh("cloud", "ss", "-Hltn", check=False).stdout
        return f"{BROKER_ADDRESS}:{PLAIN_PORT}" in out and f"{BROKER_ADDRESS}:{TLS_PORT}" in out

    def received(self) -> list[dict]:
        if not self.received_path.exists():
            return []
        records = []
        for line in self.received_path.read_text().splitlines():
            if line.strip():
                record = json.loads(line)
                if not record.get("probe"):
                    records.append(record)
        return records

    def unique_ids(self) -> set[str]:
        return {record["id"] for record in self.received()}

    def first_arrivals(self) -> dict[str, float]:
        arrivals = {}
        for record in self.received():
            arrivals.setdefault(record["id"], record["arrival"])
        return arrivals

    def stop(self) -> None:
        for proc in (self.collector, self.broker):
            if proc and proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(5)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()


class RelayDaemon:
    """uplinkd in gw with the lab's modems and an [alerts] section pointing at the cloud broker."""

    DEFAULTS = {"keepalive_s": 5, "connect_timeout_ms": 2000, "ack_timeout_ms": 2000,
                "backoff_initial_ms": 200, "backoff_max_ms": 1000}

    def __init__(self, lab: lab_support.Lab, cloud: AlertCloud, workdir: Path, tls: bool = True,
                 settings: dict | None = None, base_config: Path | str | None = None, name: str = "alerts"):
        self.lab = lab
        self.run_dir = Path(lab.read_state()["run_dir"])
        self.state_dir = self.run_dir / "state"
        self.runtime_dir = self.run_dir / "run"
        self.socket_path = self.runtime_dir / "alerts.sock"
        self.config = workdir / f"uplinkd-{name}.toml"
        self.name = name
        alerts = ["[alerts]", f'broker_host = "{BROKER_ADDRESS}"', f'topic = "{TOPIC}"',
                  'client_id = "uplinkd-lab-gw"']
        alerts += [f"{key} = {value}" for key, value in {**self.DEFAULTS, **(settings or {})}.items()]
        if tls:
            alerts += [f"broker_port = {TLS_PORT}", f'tls_ca_file = "{cloud.certs["ca.crt"]}"',
                       f'tls_cert_file = "{cloud.certs["client.crt"]}"', f'tls_key_file = "{cloud.certs["client.key"]}"']
        else:
            alerts += [f"broker_port = {PLAIN_PORT}"]
        if isinstance(base_config, Path):
            base = base_config.read_text()
        else:
            base = base_config or MODEMS_ONLY_CONFIG
        self.config.write_text(base + "\n" + "\n".join(alerts) + "\n")
        self.bus = lab.lab("bus").stdout.strip()
        self.binary = Path(lab_support.BUILD_DIR) / "daemon" / "uplinkd"
        self.proc = None
        self.logs = []

    def start(self) -> "RelayDaemon":
        status = self.runtime_dir / "status.json"
        if status.exists():
            status.unlink()  # a kill -9 leaves the old one behind
        log = open(self.run_dir / "logs" / f"uplinkd-{self.name}-{len(self.logs)}.log", "w")
        self.logs.append(Path(log.name))
        self.proc = subprocess.Popen(
            ["ip", "netns", "exec", self.lab.ns("gw"), str(self.binary), "--config", str(self.config),
             "--bus", self.bus, "--state-dir", str(self.state_dir), "--runtime-dir", str(self.runtime_dir)],
            stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "DBUS_SYSTEM_BUS_ADDRESS": self.bus})
        wait_for("uplinkd's status with an alerts section", lambda: self._alerts_status(status), 20)
        wait_for("the alert socket", self.socket_path.exists, 5)
        return self

    def _alerts_status(self, status: Path):
        if self.proc.poll() is not None:
            raise AssertionError(f"uplinkd exited {self.proc.returncode}: {self.logs[-1].read_text()[-3000:]}")
        return self.status() if status.exists() else None

    def status(self) -> dict | None:
        try:
            return json.loads((self.runtime_dir / "status.json").read_text()).get("alerts")
        except (OSError, json.JSONDecodeError):
            return None

    def kill9(self) -> None:
        # `ip netns exec` execs uplinkd, so the pid we started is uplinkd's.
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait()

    def stop(self) -> int | None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                return self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode if self.proc else None

    def log_text(self) -> str:
        return "".join(path.read_text() for path in self.logs)


class Producer:
    """Submits alerts to the relay's datagram socket and reads the replies."""

    def __init__(self, socket_path: Path, bind_path: Path, source: str = "lab-producer"):
        self.path = str(socket_path)
        self.source = source
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        # A path, not an abstract autobind address: abstract names belong to a network namespace,
        # and the producer runs outside gw, where uplinkd is.
        self.bind_path = bind_path
        if bind_path.exists():
            bind_path.unlink()
        self.sock.bind(str(bind_path))
        self.sock.settimeout(5)
        self.sent_at: dict[str, float] = {}

    def submit_raw(self, datagram: bytes) -> dict:
        self.sock.sendto(datagram, self.path)
        return json.loads(self.sock.recv(65536))

    def submit(self, ref: str, severity: str = "major", payload: dict | None = None) -> dict:
        body = {"id": ref, "time": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime()), "source": self.source,
                "severity": severity, "payload": payload or {"kind": "lab", "ref": ref}}
        started = time.time()
        reply = self.submit_raw(json.dumps(body).encode())
        if reply.get("ok"):
            self.sent_at.setdefault(reply["id"], started)
        return reply

    def close(self) -> None:
        self.sock.close()
        if self.bind_path.exists():
            self.bind_path.unlink()


def start_lab_and_cloud(test_class) -> None:
    """For a test class: a lab without uplinkd (`lab`), a work directory (`workdir`) and the cloud's
    broker and collector (`cloud`). The class's cleanups remove them all, also when a timeout's
    SIGTERM arrives (unittest's cleanups would not run by themselves then)."""
    test_class.lab = lab_support.Lab("--no-uplinkd")
    test_class.addClassCleanup(test_class.lab.down)
    signal.signal(signal.SIGTERM, lambda *_: (test_class.doClassCleanups(), os._exit(1)))
    test_class.lab.up()
    test_class.workdir = new_workdir(test_class.lab.id)
    test_class.addClassCleanup(remove_workdir, test_class.workdir)
    test_class.cloud = AlertCloud(test_class.lab, test_class.workdir / "cloud")
    test_class.addClassCleanup(test_class.cloud.stop)
    test_class.cloud.start()


def route_gw_via_carriers(lab: lab_support.Lab) -> None:
    """Until the policy layer installs routes: a default route through carrier1, then carrier2."""
    lab.sh("gw", "ip", "route", "replace", "default", "via", "100.64.1.1", "dev", "wwan0", "metric", "100")
    lab.sh("gw", "ip", "route", "append", "default", "via", "100.64.2.1", "dev", "wwan1", "metric", "200")


def new_workdir(lab_id: str) -> Path:
    path = Path(tempfile.mkdtemp(prefix=f"uplinkd-alerts-{lab_id}-"))
    path.chmod(0o755)  # the broker may run as the mosquitto user and must read the certificates
    return path


def remove_workdir(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)
