#!/bin/sh
# The README's first command: installs what is missing (tools/deps.sh; as non-root it prints the
# command to run as root), builds ./apical and simulates configs/cuba.cfg into out/cuba/.
# POSIX sh, so that it runs on a bare Debian 12 that has no make yet.
set -e
cd "$(dirname "$0")/.."
sh tools/deps.sh
make --no-print-directory all
exec ./apical run configs/cuba.cfg -o out/cuba
