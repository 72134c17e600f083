#!/usr/bin/env bash
# Runs the README's test command on a fresh, minimal Debian 12, as a new user would: debootstrap
# --variant=minbase bookworm, a clone of this checkout's HEAD in /root/src/uplinkd with /root mode
# 0700, then `./scripts/test.sh [ARGS]` inside a chroot of it. Prints the run's `tests:` line and
# its time, and removes everything it made, also when it fails or is interrupted.
#
# Usage (root): scripts/fresh-machine-check.sh [--ccache] [--mirror URL] [--] [test.sh args...]
#   e.g. scripts/fresh-machine-check.sh --unit-only      (quick: build + unit tests + sanitizers)
#        scripts/fresh-machine-check.sh                  (the full run; slow)
#   --ccache      share the host's compiler cache ($CCACHE_DIR, default /work/.ccache) with the
#                 chroot's build: the machine stays fresh, only the compiling is faster
#   --mirror URL  the Debian mirror (default http://deb.debian.org/debian)
#
# Slow (a root file system, every package, a build from nothing): not run by scripts/test.sh.
# All mounts live in a private mount namespace of this script (unshare), so none can outlive it,
# whatever happens; the host's network configuration is never touched (the chroot shares the
# host's network namespace only for apt; the tests make their own namespaces, as on the host).
set -euo pipefail

usage() { sed -n '7,12p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

use_ccache=0
mirror=http://deb.debian.org/debian
test_args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --ccache) use_ccache=1 ;;
    --mirror) [ $# -ge 2 ] || usage; mirror=$2; shift ;;
    --help|-h) usage ;;
    --) shift; test_args+=("$@"); break ;;
    *) test_args+=("$1") ;;
  esac
  shift
done

if [ "$(id -u)" -ne 0 ]; then
  echo "fresh-machine-check: run as root (debootstrap, chroot, mounts)" >&2
  exit 1
fi
for tool in debootstrap unshare git; do
  command -v "$tool" >/dev/null || { echo "fresh-machine-check: needs $tool (apt-get install debootstrap util-linux git)" >&2; exit 1; }
done

checkout=$(git -C "$(dirname "$0")/.." rev-parse --show-toplevel)

# Everything below runs in a mount namespace of its own, with private propagation: the mounts
# made for the chroot are invisible to the host and vanish with the namespace.
if [ -z "${UPLINKD_FRESH_INNER:-}" ]; then
  own_args=(--mirror "$mirror")
  if [ "$use_ccache" -eq 1 ]; then own_args+=(--ccache); fi
  exec env UPLINKD_FRESH_INNER=1 unshare --mount --propagation private -- "$0" "${own_args[@]}" -- "${test_args[@]}"
fi

start=$(date +%s)
root=$(mktemp -d /var/tmp/uplinkd-fresh.XXXXXX)
log="$root.log"
cleanup() {
  local rc=$?
  set +e
  # Innermost first; the namespace would drop them anyway, but rm must never cross into /dev.
  if mountpoint -q "$root"; then
    findmnt -R -n -l -o TARGET "$root" | sort -r | while read -r target; do umount -l "$target"; done
  fi
  if findmnt -R -n "$root" >/dev/null 2>&1; then
    echo "fresh-machine-check: mounts remain under $root; not removing it" >&2
  else
    rm -rf --one-file-system "$root"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

step() { printf '\n==> [fresh-machine-check %ds] %s\n' "$(( $(date +%s) - start ))" "$*"; }

step "debootstrap --variant=minbase bookworm $root (log: $log)"
if ! debootstrap --variant=minbase bookworm "$root" "$mirror" >"$log" 2>&1; then
  tail -n 20 "$log"
  echo "fresh-machine-check: debootstrap failed" >&2
  exit 1
fi
rm -f "$log"

step "cloning $checkout (HEAD $(git -C "$checkout" rev-parse --short HEAD)) into /root/src/uplinkd, /root mode 0700"
chmod 0700 "$root/root"
mkdir -p "$root/root/src"
git clone -q --no-hardlinks "$checkout" "$root/root/src/uplinkd"

# What the chroot needs: / a mount point (ip netns exec remounts it), the kernel's file systems,
# a fresh /run and /dev/shm, and the host's resolver for apt.
mount --bind "$root" "$root"
mount -t proc proc "$root/proc"
mount --bind /sys "$root/sys"
mount --bind /dev "$root/dev"
mount --bind /dev/pts "$root/dev/pts"
mount -t tmpfs -o mode=1777 tmpfs "$root/dev/shm"
mount -t tmpfs -o mode=0755 tmpfs "$root/run"
cp /etc/resolv.conf "$root/etc/resolv.conf"

env_args=(HOME=/root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 TERM=dumb)
prepare=""
if [ "$use_ccache" -eq 1 ]; then
  cache=${CCACHE_DIR:-/work/.ccache}
  mkdir -p "$root/ccache"
  mount --bind "$cache" "$root/ccache"
  # CMake takes its compiler launcher from the environment on the first configure.
  env_args+=(CCACHE_DIR=/ccache CCACHE_BASEDIR=/root/src/uplinkd CCACHE_NOHASHDIR=1 CCACHE_COMPILERCHECK=content
             CMAKE_CXX_COMPILER_LAUNCHER=ccache)
  prepare="DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends ccache >/dev/null && "
fi

step "chroot: ./scripts/test.sh ${test_args[*]}"
output="$root/root/test-output.txt"
set +e
chroot "$root" /usr/bin/env -i "${env_args[@]}" /bin/bash -c \
  "${prepare}cd /root/src/uplinkd && ./scripts/test.sh \"\$@\"" test.sh "${test_args[@]}" 2>&1 | tee "$output"
rc=${PIPESTATUS[0]}
set -e

elapsed=$(( $(date +%s) - start ))
line=$(grep -E '^tests: [0-9]+ passed, [0-9]+ failed' "$output" | tail -n 1 || true)
printf '\nfresh-machine-check: %s (exit %d) in %dm%02ds\n' "${line:-no tests: line}" "$rc" $((elapsed / 60)) $((elapsed % 60))
exit "$rc"
