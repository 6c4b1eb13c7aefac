#!/bin/sh
# The Debian packages `make fuzz` needs besides apical's own (tools/deps.sh): clang 14, its
# libFuzzer and sanitizer runtimes, and LLVM's OpenMP runtime for clang's -fopenmp. As root it
# installs what is missing; otherwise it prints the command.
PKGS="clang-14 libclang-rt-14-dev libomp-14-dev libconfig-dev libcjson-dev zlib1g-dev"
missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
    missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ]; then
  echo "fuzz deps: installing$missing"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq $missing >/dev/null || {
    echo "fuzz deps: apt-get failed for$missing" >&2; exit 1; }
else
  echo "fuzz deps: missing Debian packages. As root, run:" >&2
  echo "  apt-get install -y$missing" >&2
  exit 1
fi
