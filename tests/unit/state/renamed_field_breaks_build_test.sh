#!/usr/bin/env bash
# The guarantee of the typed state (docs/architecture.md, "State and publication"): status.json and
# the D-Bus properties are rendered from typed fields by name, so renaming a field of the typed
# state breaks the build of every renderer that shows it -- no renderer silently blanks a value it
# can no longer find, as the JSON round-trip (WansJson -> WanPropertiesFromStatus) used to.
#
# How: each case copies one header into a scratch tree, renames one field's declaration there, and
# compiles (syntax only) the renderers with the scratch tree first on the include path. Each
# renderer listed for the case must fail, naming the field; the unchanged tree must compile.
# Usage: renamed_field_breaks_build_test.sh SOURCE_DIR CXX
set -uo pipefail
src=$1
cxx=$2
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

compile() {  # compile INCLUDE_FIRST RENDERER -> exit status, diagnostics in $scratch/out
  nice -n 10 "$cxx" -std=c++20 -fsyntax-only -w -I"$1" -I"$src" "$src/$2" >"$scratch/out" 2>&1
}

renderers=(state/status_json.cc dbus/wan_properties.cc dbus/alert_relay_properties.cc dbus/manager_properties.cc)
failures=0
for renderer in "${renderers[@]}"; do
  if ! compile "$scratch/none" "$renderer"; then
    echo "FAIL: $renderer does not compile unchanged:"; head -20 "$scratch/out"; exit 1
  fi
done

# header | field | renderers that must break
cases=(
  "policy/wan_health.h|rtt_ms|state/status_json.cc dbus/wan_properties.cc"
  "policy/wan_status.h|usable|state/status_json.cc dbus/wan_properties.cc dbus/manager_properties.cc"
  "relay/alert_relay_status.h|outbox_depth|state/status_json.cc dbus/alert_relay_properties.cc"
  "state/state_snapshot.h|config_generation|state/status_json.cc dbus/manager_properties.cc"
  "net/link_table.h|addresses|state/status_json.cc dbus/wan_properties.cc"
)
for entry in "${cases[@]}"; do
  IFS='|' read -r header field broken <<<"$entry"
  tree="$scratch/tree"
  rm -rf "$tree"
  mkdir -p "$tree/$(dirname "$header")"
  # Only the declaration: "<type> field;" or "<type> field = ...;" at member indentation.
  sed -E "s/^([[:space:]]+[^/]*[[:space:]])$field( = [^;]*)?;/\1${field}_renamed\2;/" "$src/$header" >"$tree/$header"
  changed=$(diff "$src/$header" "$tree/$header" | grep -c '^>')
  if [ "$changed" -ne 1 ]; then
    echo "FAIL: renaming $field in $header changed $changed line(s), not its one declaration"
    failures=$((failures + 1))
    continue
  fi
  for renderer in $broken; do
    if compile "$tree" "$renderer"; then
      echo "FAIL: $renderer still compiles with $header's $field renamed (it would render a blank)"
      failures=$((failures + 1))
    elif ! grep -q "$field" "$scratch/out"; then
      echo "FAIL: $renderer failed with $field renamed, but not because of it:"; head -10 "$scratch/out"
      failures=$((failures + 1))
    else
      echo "ok: $header $field renamed -> $renderer does not build ($(grep -m1 -o "error: .*" "$scratch/out"))"
    fi
  done
done
[ "$failures" -eq 0 ] || { echo "$failures case(s) failed"; exit 1; }
echo "every renamed field broke every renderer that shows it"
