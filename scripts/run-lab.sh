#!/usr/bin/env bash
# The main job: installs what is needed, builds, brings up the lab (two emulated modems, two
# carriers, a cloud), runs uplinkd inside it and shows uplinkd's live state.
#
# Usage: scripts/run-lab.sh [--tour] [--duration SECONDS] [--config FILE] [--keep]
#   --tour        inject a sequence of faults (bearer drop, deregistration, modem unplugged and
#                 back, link down) and show how uplinkd's state follows; the default when stdout
#                 is not a terminal
#   --duration S  stop after S seconds (default: until Ctrl-C on a terminal; after the tour otherwise)
#   --config FILE uplinkd configuration (default: tests/lab/uplinkd-lab.toml)
#   --keep        leave the lab up on exit (remove it later with tests/lab/uplink-lab down)
set -euo pipefail
cd "$(dirname "$0")/.."

tour=0; [ -t 1 ] || tour=1
duration=0
config=tests/lab/uplinkd-lab.toml
keep=0
while [ $# -gt 0 ]; do
  case "$1" in
    --tour) tour=1 ;;
    --no-tour) tour=0 ;;
    --duration) duration="$2"; shift ;;
    --config) config="$2"; shift ;;
    --keep) keep=1 ;;
    *) sed -n '2,13p' "$0" >&2; exit 2 ;;
  esac
  shift
done
if [ "$(id -u)" -ne 0 ]; then echo "run-lab: run as root (the lab makes network namespaces)" >&2; exit 1; fi

step() { printf '\n==> %s\n' "$*"; }
step "installing dependencies"
./scripts/install-deps.sh
step "building"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$(nproc)" --target uplinkd uplinkd-mock-mm

lab=tests/lab/uplink-lab
id="demo$$"
cleanup() {
  if [ "$keep" -eq 1 ]; then
    echo "lab $id left up: tests/lab/uplink-lab down --id $id"
  else
    step "tearing the lab down"
    "$lab" down --id "$id" || true
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

step "bringing up lab $id with uplinkd ($config)"
"$lab" up --id "$id" --config "$config" --gw-links bare
status_file=/run/uplinkd-lab/$id/run/status.json

if [ "$tour" -eq 0 ]; then
  step "uplinkd's live state (Ctrl-C stops and removes the lab)"
  scripts/show-live-state "$status_file" --duration "$duration"
  exit 0
fi

# The tour: each fault, then uplinkd's state as it reacts, until it has done what it should.
expect() {  # expect DESCRIPTION PYTHON-EXPRESSION-OVER-status
  echo "... waiting for: $1"
  scripts/show-live-state "$status_file" --plain --until "$2" --timeout 30 | sed 's/^/    /'
  [ "${PIPESTATUS[0]}" -eq 0 ] || { echo "run-lab: uplinkd did not reach: $1" >&2; exit 1; }
}
m1='status["modems"][0]'; m2='status["modems"][1]'
step "waiting for both modems to connect"
expect "both modems connected" "len(status['modems']) == 2 and $m1['wan_up'] and $m2['wan_up']"
step "fault: modem1's bearer drops (ModemManager reports it)"
"$lab" modem --id "$id" drop-bearer modem1
expect "modem1 reconnected after the drop" "$m1['counters']['bearer_drops'] >= 1 and $m1['wan_up']"
step "fault: modem2 loses its registration"
"$lab" modem --id "$id" deregister modem2
expect "modem2 down, modem1 untouched" "not $m2['wan_up'] and $m1['wan_up']"
"$lab" modem --id "$id" register modem2 home
expect "modem2 registered and connected again" "$m2['wan_up']"
step "fault: modem1 unplugged, then plugged back (it returns at a new D-Bus path)"
"$lab" modem --id "$id" remove modem1
expect "modem1 absent" "$m1['phase'] == 'absent' and $m2['wan_up']"
"$lab" modem --id "$id" add modem1
expect "modem1 re-adopted and connected" "$m1['wan_up']"
expect "both Wans confirmed healthy by their probes" "all(w['usable'] for w in status['wans'])"
step "fault: carrier1 blackholes everything (the link stays up: only the probes can tell)"
w1='[w for w in status["wans"] if w["interface"] == "wwan0"][0]'
"$lab" impair --id "$id" carrier1 blackhole
expect "the Wan on wwan0 down, alerts moved to the other Wan" "not $w1['usable'] and status['paths']['alert']['wan'] != $w1['name']"
"$lab" impair --id "$id" carrier1 clear
expect "the Wan on wwan0 back in use" "$w1['usable'] and status['paths']['alert']['wan'] == $w1['name']"
step "tour complete: both modems connected, both Wans in use"
if [ "$duration" != 0 ]; then scripts/show-live-state "$status_file" --duration "$duration"; fi
