#!/bin/sh
# Installs what apical builds with (make, a C compiler, the libraries; HDF5 for SONATA files and
# h5py, the tests' independent reader of them) and any packages named as
# arguments (a data set: dataset-fashion-mnist), as root; otherwise prints the one command to run
# as root. POSIX sh and dpkg only: it works on a bare Debian 12, where there is no make yet.
PKGS="make build-essential libconfig-dev libcjson-dev libcunit1-dev zlib1g-dev libhdf5-dev python3-h5py $*"
missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ]; then
  echo "deps: installing$missing"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq $missing >/dev/null || {
    echo "deps: apt-get failed for$missing" >&2; exit 1; }
else
  echo "deps: missing Debian packages. Run as root, then this command again:" >&2
  echo "  su -c 'apt-get update && apt-get install -y$missing'" >&2
  exit 1
fi
