#!/bin/bash
# The bash completion of uplinkctl: commands, options, values, and modem names asked of uplinkd
# (here a stand-in uplinkctl on PATH that prints what `uplinkctl --json modem` would).
# usage: bash_completion_test.sh COMPLETION_FILE
set -u
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat > "$work/uplinkctl" <<'STUB'
#!/bin/sh
echo "$@" >> "$(dirname "$0")/calls"
printf '[\n  {\n    "Name": "modem1",\n    "Phase": "connected"\n  },\n  {\n    "Name": "lte-b"\n  }\n]\n'
STUB
chmod +x "$work/uplinkctl"
PATH="$work:$PATH"
source "$1"

failures=0
expect() {
    local want=$1; shift
    COMP_WORDS=("$@"); COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 )); COMPREPLY=()
    _uplinkctl
    local got="${COMPREPLY[*]}"
    if [[ "$got" != "$want" ]]; then
        echo "FAIL: '$*' completes to '$got', expected '$want'"; failures=$((failures + 1))
    fi
}
expect "status modem wan alerts monitor reload log-level pin unpin audit help version" uplinkctl ""
expect "modem monitor" uplinkctl mo
expect "--json" uplinkctl --j
expect "--color --color=" uplinkctl --colo
expect "debug" uplinkctl log-level d
expect "never" uplinkctl --color = n
expect "resume reconnect reset modem1 lte-b" uplinkctl --bus unix:path=/run/b.sock modem ""
expect "lte-b" uplinkctl modem l
expect "resume reset" uplinkctl modem res
expect "modem1 lte-b" uplinkctl modem resume ""
expect "" uplinkctl modem modem1 ""
expect "down" uplinkctl wan d
expect "modem1 lte-b" uplinkctl wan up ""
expect "alert management telemetry bulk" uplinkctl pin ""
expect "modem1 lte-b" uplinkctl pin bulk ""
expect "--for" uplinkctl pin bulk cell2 ""
expect "" uplinkctl pin bulk cell2 --for ""
expect "bulk" uplinkctl unpin b
expect "--limit" uplinkctl audit --li
expect "" uplinkctl status ""
grep -q -- "--bus unix:path=/run/b.sock --json modem" "$work/calls" || { echo "FAIL: --bus not passed on"; failures=$((failures + 1)); }
[[ $failures -eq 0 ]] && echo "bash completion: all cases pass"
exit $failures
