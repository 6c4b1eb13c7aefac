#!/bin/sh
# tests/slurm/stop.sh DIR: stops the daemons start.sh started, by the PIDs in DIR/pids only.
DIR=${1:?usage: stop.sh DIR}
[ -f "$DIR/pids" ] || exit 0
for p in $(cat "$DIR/pids"); do kill "$p" 2>/dev/null; done
i=0
for p in $(cat "$DIR/pids"); do
  while kill -0 "$p" 2>/dev/null; do
    i=$((i+1)); [ $i -gt 100 ] && { kill -9 "$p" 2>/dev/null; break; }
    sleep 0.05
  done
done
: > "$DIR/pids"
