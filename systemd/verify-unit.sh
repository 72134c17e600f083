#!/bin/sh
# systemd-analyze verify UNIT, failing on any complaint: verify exits 0 on warnings such as an
# unknown key or a bad value ("ignoring"), which are exactly the mistakes worth catching.
# usage: verify-unit.sh SYSTEMD_ANALYZE UNIT_FILE
set -u
analyze=$1
unit=$2
output=$("$analyze" verify --man=no "$unit" 2>&1)
status=$?
if [ "$status" -ne 0 ] || [ -n "$output" ]; then
	echo "systemd-analyze verify $unit: exit $status" >&2
	printf '%s\n' "$output" >&2
	exit 1
fi
echo "systemd-analyze verify $unit: clean"
