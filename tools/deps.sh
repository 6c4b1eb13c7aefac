#!/bin/sh
# Installs the Debian packages apical builds against, and any named as arguments (a data set:
# dataset-fashion-mnist); as non-root, prints the command instead.
PKGS="libconfig-dev libcjson-dev libcunit1-dev zlib1g-dev $*"
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
  echo "deps: missing Debian packages. Run:" >&2
  echo "  sudo apt-get install -y$missing" >&2
  exit 1
fi
