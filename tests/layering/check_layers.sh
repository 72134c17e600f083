#!/usr/bin/env bash
# The layering rule of docs/architecture.md, checked on the source tree (ctest: layering_check).
#   base/        includes only base/
#   net/         includes only base/ and net/
#   domains      (modem/ policy/ relay/ inference/ vpn/ oob/ control/ state/) never include a
#                transport (dbus/) or the composition root (daemon/)
#   transports   (dbus/) never include daemon/
#   nothing outside daemon/ and tests/ includes a daemon/ header
# Prints every offending line as file:line: include, and fails if there is one.
set -uo pipefail
root=${1:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$root" || exit 2

violations=0
check() {  # check FOLDER ALLOWED_REGEX REASON
  local folder=$1 allowed=$2 reason=$3
  [ -d "$folder" ] || return 0
  while IFS= read -r hit; do
    [ -n "$hit" ] || continue
    local target
    target=$(sed -E 's/.*#include "([^"]+)".*/\1/' <<<"$hit")
    # Only our own tree's headers have a folder; generated and system headers are not checked.
    [[ "$target" == */* ]] || continue
    if ! grep -qE "^($allowed)/" <<<"$target"; then
      echo "$hit    <- $reason"
      violations=$((violations + 1))
    fi
  done < <(grep -rnE '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' --include='*.h' --include='*.cc' "$folder" 2>/dev/null)
}

check base 'base' 'base/ is the foundation: it includes only base/'
check net 'base|net' 'net/ includes only base/ and net/'
for domain in modem policy relay inference vpn oob control state; do
  check "$domain" 'base|net|modem|policy|relay|inference|vpn|oob|control|state' \
        "a domain never includes a transport (dbus/) or the composition root (daemon/)"
done
check dbus 'base|net|modem|policy|relay|inference|vpn|oob|control|state|dbus' 'a transport never includes daemon/'
check systemd 'base|net|modem|policy|relay|inference|vpn|oob|control|state|dbus' 'nothing outside daemon/ includes daemon/'

if [ "$violations" -gt 0 ]; then
  echo "layering: $violations include(s) break the rule (docs/architecture.md)"
  exit 1
fi
echo "layering: ok ($(grep -rlE '#include "' --include='*.h' --include='*.cc' base net modem policy relay inference dbus daemon 2>/dev/null | wc -l) files checked)"
