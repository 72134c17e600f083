#!/usr/bin/env bash
# Shows that check_layers.sh catches each kind of violation (a check that cannot fail proves nothing).
set -uo pipefail
checker=$(cd "$(dirname "$0")" && pwd)/check_layers.sh
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
expect() {  # expect ok|fail FILE INCLUDE
  local want=$1 file=$2 include=$3
  rm -rf "$work/tree" && mkdir -p "$work/tree/$(dirname "$file")"
  printf '#include "%s"\n' "$include" >"$work/tree/$file"
  if "$checker" "$work/tree" >"$work/out" 2>&1; then got=ok; else got=fail; fi
  if [ "$got" != "$want" ]; then
    echo "FAIL: $file including $include: expected $want, got $got"; cat "$work/out"
    failures=$((failures + 1))
  fi
}
expect fail base/a.h daemon/daemon.h
expect fail base/a.h net/ip_address.h
expect fail net/a.cc policy/policy_engine.h
expect fail modem/a.cc daemon/config/config_loader.h
expect fail policy/a.h dbus/object_paths.h
expect fail relay/a.h daemon/daemon.h
expect fail dbus/a.cc daemon/daemon.h
expect ok   dbus/a.cc modem/modem_wan_state.h
expect ok   daemon/a.cc dbus/dbus_service.h
expect ok   policy/a.h net/ip_address.h
expect ok   modem/a.h mm_modem_proxy.h
[ "$failures" -eq 0 ] && echo "check_layers_test: all cases behave"
exit "$failures"
