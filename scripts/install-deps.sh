#!/usr/bin/env bash
# Installs the Debian 12 packages uplinkd needs to build, test and run its lab.
# Idempotent: packages already present are left alone; apt's lists are refreshed at most once a day.
set -euo pipefail

packages=(
  # build
  build-essential cmake pkg-config ninja-build
  # kernel edges
  libnl-3-dev libnl-route-3-dev libnl-genl-3-dev libnftnl-dev libmnl-dev libnetfilter-conntrack-dev
  # D-Bus and ModemManager
  libsdbus-c++-dev libsdbus-c++-bin modemmanager modemmanager-dev dbus python3-dbusmock
  # core libraries
  libboost-dev libexpected-dev libfmt-dev libtoml11-dev libsystemd-dev nlohmann-json3-dev libsqlite3-dev libfftw3-dev libssl-dev
  libmosquitto-dev mosquitto mosquitto-clients libc-ares-dev
  # tests
  libgtest-dev libgmock-dev libbenchmark-dev
  # lab tools (ip/ss/tc, nft, ping, sysctl, setpriv/setsid/taskset, busctl, udhcpc/udhcpd, pppd)
  iproute2 nftables iputils-ping wireguard-tools wireguard-go procps util-linux systemd busybox ppp socat
  # /etc/protocols: without it `nft list` prints `meta l4proto 1`, not `icmp`, and the kernel tests fail
  netbase
  # the lab tests run /usr/bin/python3 and make their TLS certificates with the openssl program
  python3 openssl
  # D-Bus clients the API tests drive uplinkd with (gdbus, dbus-python on GLib)
  libglib2.0-bin python3-dbus python3-gi
)

if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: run as root (it calls apt-get)" >&2
  exit 1
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi
echo "install-deps: installing ${#missing[@]} packages: ${missing[*]}"
stamp=/var/lib/apt/periodic/uplinkd-update-stamp
if [ ! -f "$stamp" ] || [ -n "$(find "$stamp" -mmin +1440 2>/dev/null)" ]; then
  apt-get update -q
  mkdir -p "$(dirname "$stamp")" && touch "$stamp"
fi
DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
