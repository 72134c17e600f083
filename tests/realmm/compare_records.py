#!/usr/bin/python3
"""Lists where the mock ModemManager's records differ from the real daemon's.

    compare_records.py RECORD_DIR

RECORD_DIR holds realmm/<scenario>.json and mockmm/<scenario>.json, written by
test_realmm_contract.py run with UPLINKD_REALMM_BACKEND=realmm and =mockmm. Timings, object
paths that embed temporary directories, and facts of the AT/PPP modem itself are not compared
(they differ by design: see docs/realmm.md). Exit status 0 either way: this is a report.
"""

import json
import os
import sys

# Keys whose values differ by design or by run: measured times, temp paths, AT dialogue, logs.
SKIP_SUFFIXES = ("seconds", "_ms", "at_commands", "log", "startup_seconds", "modemmanager",
                 "backend", "waiting_log")
SKIP_KEYS = {"PrimaryPort", "Interface", "Drivers", "Plugin", "Ports"}


def flatten(value, prefix=""):
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            out.update(flatten(v, "%s.%s" % (prefix, k) if prefix else str(k)))
        return out
    return {prefix: value}


def skipped(key):
    last = key.split(".")[-1]
    return any(part.endswith(SKIP_SUFFIXES) for part in key.split(".")) or last in SKIP_KEYS


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    root = sys.argv[1]
    real_dir, mock_dir = os.path.join(root, "realmm"), os.path.join(root, "mockmm")
    scenarios = sorted(f for f in os.listdir(real_dir) if f.endswith(".json"))
    differences = 0
    for name in scenarios:
        mock_path = os.path.join(mock_dir, name)
        if not os.path.exists(mock_path):
            print("%s: no mock record" % name[:-5])
            continue
        with open(os.path.join(real_dir, name)) as f:
            real = flatten(json.load(f))
        with open(mock_path) as f:
            mock = flatten(json.load(f))
        lines = []
        for key in sorted(set(real) | set(mock)):
            if skipped(key):
                continue
            r, m = real.get(key, "<absent>"), mock.get(key, "<absent>")
            if r != m:
                lines.append("  %s\n    real: %s\n    mock: %s" % (key, json.dumps(r),
                                                                   json.dumps(m)))
        if lines:
            differences += len(lines)
            print("%s:" % name[:-5])
            print("\n".join(lines))
    print("%d differing values in %d scenarios" % (differences, len(scenarios)))


if __name__ == "__main__":
    main()
