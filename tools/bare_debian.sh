#!/bin/sh
# Checks the README's two commands on a bare Debian 12: a `debootstrap --variant=minbase
# bookworm` tree (no make, no compiler), the committed sources copied in. First as a user who is
# not root (tools/run.sh must stop with one complete command to run as root), then as root
# (tools/run.sh installs, builds and simulates; then make test). Run as root; needs the Debian
# mirror; about 10 minutes. Not part of the default CI run (.ci/run runs it with CI_BARE=1).
#   sh tools/bare_debian.sh [DIR]        # DIR: where the tree goes (/var/tmp/apical-bare)
set -eu
SRC=$(cd "$(dirname "$0")/.." && pwd)
DIR=${1:-/var/tmp/apical-bare}
MIRROR=${BARE_MIRROR:-http://deb.debian.org/debian}
[ "$(id -u)" = 0 ] || { echo "bare_debian: run as root" >&2; exit 2; }
command -v debootstrap >/dev/null || apt-get install -y -qq debootstrap >/dev/null
if [ ! -x "$DIR/usr/bin/apt-get" ]; then
  echo "bare_debian: debootstrap into $DIR"
  debootstrap --variant=minbase bookworm "$DIR" "$MIRROR" >"$DIR.log" 2>&1 ||
    { tail -20 "$DIR.log" >&2; exit 1; }
fi
cp /etc/resolv.conf "$DIR/etc/resolv.conf" 2>/dev/null || true
mountpoint -q "$DIR/proc" || mount -t proc proc "$DIR/proc"
mountpoint -q "$DIR/dev" || mount --bind /dev "$DIR/dev"
trap 'umount "$DIR/proc" "$DIR/dev" 2>/dev/null || true' EXIT INT TERM
for tool in make cc gcc; do
  if chroot "$DIR" sh -c "command -v $tool" >/dev/null 2>&1; then
    echo "bare_debian: $tool is already in $DIR: not a bare machine" >&2; exit 1
  fi
done
rm -rf "$DIR/opt/apical" && mkdir -p "$DIR/opt/apical"
git -C "$SRC" archive HEAD | tar -x -C "$DIR/opt/apical"
chroot "$DIR" sh -c 'id apical >/dev/null 2>&1 || useradd -m apical; chown -R apical /opt/apical'
echo "== as a user: sh tools/run.sh"
set +e
chroot "$DIR" su apical -c 'cd /opt/apical && sh tools/run.sh' >"$DIR/user.log" 2>&1
rc=$?
set -e
cat "$DIR/user.log"
line=$(grep "su -c 'apt-get update && apt-get install -y" "$DIR/user.log" || true)
if [ "$rc" = 0 ] || [ -z "$line" ]; then
  echo "bare_debian: FAIL: as a user, tools/run.sh should stop with the command for root" >&2
  exit 1
fi
for p in make build-essential libconfig-dev libcjson-dev libcunit1-dev zlib1g-dev; do
  echo "$line" | grep -q " $p" || { echo "bare_debian: FAIL: the command lacks $p" >&2; exit 1; }
done
echo "== as root: sh tools/run.sh, then make test"
chroot "$DIR" sh -c 'cd /opt/apical && sh tools/run.sh && make test' >"$DIR/root.log" 2>&1 ||
  { tail -40 "$DIR/root.log" >&2; echo "bare_debian: FAIL (log: $DIR/root.log)" >&2; exit 1; }
grep -E "^\[apical\] (exc|inh) " "$DIR/root.log"
tail -8 "$DIR/root.log"
echo "bare_debian: both commands passed on a bare Debian 12"
