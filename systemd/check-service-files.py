#!/usr/bin/python3
"""The service files agree with each other and with the daemon: the unit's capability set is the
procd capability set, the D-Bus policy owns org.uplinkd1 for root and names the default access
group, and every file parses. usage: check-service-files.py SYSTEMD_DIR DBUS_ACCESS_SECTION_H"""

import json
import re
import sys
import xml.etree.ElementTree as ElementTree
from pathlib import Path


def unit_values(text: str, key: str) -> list[str]:
    return [line.split("=", 1)[1].strip() for line in text.splitlines() if line.startswith(key + "=")]


def main() -> int:
    systemd = Path(sys.argv[1])
    default_group = re.search(r'access_group = "([^"]+)"', Path(sys.argv[2]).read_text()).group(1)
    problems = []

    unit = (systemd / "uplinkd.service.in").read_text()
    unit_caps = set(" ".join(unit_values(unit, "CapabilityBoundingSet")).split())
    procd_caps = json.loads((systemd / "uplinkd.capabilities.json").read_text())
    for kind in ("bounding", "effective", "permitted"):
        if set(procd_caps[kind]) != unit_caps:
            problems.append(f"procd {kind} {sorted(procd_caps[kind])} != unit {sorted(unit_caps)}")
    if unit_values(unit, "NoNewPrivileges") != ["yes"]:
        problems.append("the unit must set NoNewPrivileges=yes")
    if "procd_set_param no_new_privs 1" not in (systemd / "uplinkd.procd").read_text():
        problems.append("the procd script must set no_new_privs")
    if "procd_set_param respawn" not in (systemd / "uplinkd.procd").read_text():
        problems.append("the procd script must respawn")

    policy = ElementTree.parse(systemd / "org.uplinkd1.conf").getroot()
    owners = [p.get("user") for p in policy.iter("policy") for a in p.iter("allow") if a.get("own") == "org.uplinkd1"]
    if owners != ["root"]:
        problems.append(f"org.uplinkd1 must be owned by root only, policy allows {owners}")
    groups = [p.get("group") for p in policy.iter("policy") if p.get("group")]
    if groups != [default_group]:
        problems.append(f"policy groups {groups} != the daemon's default access_group {default_group!r}")
    default_allows = [a.attrib for p in policy.iter("policy") if p.get("context") == "default" for a in p]
    if any("send_member" not in a and a.get("send_interface") not in
           ("org.freedesktop.DBus.Introspectable", "org.freedesktop.DBus.Peer") for a in default_allows):
        problems.append("the default context may only read")

    sysusers = (systemd / "uplinkd.sysusers").read_text()
    if not re.search(rf"^g\s+{re.escape(default_group)}\s", sysusers, re.M):
        problems.append(f"sysusers must create group {default_group}")
    if not re.search(r"^u\s+uplinkd-infer\s", sysusers, re.M):
        problems.append("sysusers must create user uplinkd-infer")

    for problem in problems:
        print("service files:", problem, file=sys.stderr)
    print("service files consistent" if not problems else f"{len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
