#!/bin/sh
# Runs libFuzzer harnesses built by `make fuzz-build` (docs/fuzzing.md).
#   sh fuzz/run.sh NAME...            each for $FUZZ_SECONDS (default 60), one after another
#   sh fuzz/run.sh --replay NAME...   only the saved crashes fuzz/crashes/NAME-*
# First every saved crash of the target is run once: one that still crashes is a finding (the
# crashes stay fixed). Then the fuzzer starts from the committed seeds fuzz/corpus/NAME and the
# inputs it kept before ($FUZZ_BUILD/corpus/NAME), with fuzz/NAME.dict; a crash, leak, timeout
# (10 s) or an allocation over 2 GiB is a finding, kept as $FUZZ_BUILD/findings/NAME-*.
# Exits 1 if any target had one.
set -u
B=${FUZZ_BUILD:-build-fuzz}
# absolute: a loader may exit while it is in another folder (io/cfg reads from the config's)
case $B in /*) ;; *) B=$PWD/$B ;; esac
S=${FUZZ_SECONDS:-60}
replay=0
[ "${1:-}" = --replay ] && { replay=1; shift; }
[ $# -gt 0 ] || { echo "usage: sh fuzz/run.sh [--replay] NAME..." >&2; exit 2; }
# Debian's libconfig 1.5 leaks on two parse errors: fuzz/lsan.supp names exactly those frames
export LSAN_OPTIONS="suppressions=$PWD/fuzz/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="print_stacktrace=1"
export OMP_NUM_THREADS=1
# the harnesses' folders (fuzz/fuzz.h) in one that goes away at the end, crashed runs' included
shm=/dev/shm; [ -d $shm ] && [ -w $shm ] || shm=${TMPDIR:-/tmp}
FUZZ_TMPDIR=$(mktemp -d "$shm/apical-fuzz-run.XXXXXX") || exit 1
export FUZZ_TMPDIR
trap 'rm -rf "$FUZZ_TMPDIR"' EXIT
mkdir -p "$B/findings"
failed=""
for t in "$@"; do
  bin=$B/fuzz_$t
  [ -x "$bin" ] || { echo "fuzz $t: no $bin (make fuzz-build)" >&2; failed="$failed $t"; continue; }
  for f in fuzz/crashes/$t-*; do
    [ -f "$f" ] || continue
    if "$bin" -timeout=10 -rss_limit_mb=2048 "$PWD/$f" >"$B/replay.log" 2>&1; then
      [ $replay = 1 ] && echo "fuzz $t: fixed        $f"
    else
      echo "fuzz $t: still fails  $f: $(grep -a -m1 -E 'ERROR|runtime error' "$B/replay.log")"
      failed="$failed $t"
    fi
  done
  [ $replay = 1 ] && continue
  log=$B/fuzz-$t.log
  mkdir -p "$B/corpus/$t"
  "$bin" -max_total_time="$S" -timeout=10 -rss_limit_mb=2048 -dict="$PWD/fuzz/$t.dict" \
    -close_fd_mask=3 -print_final_stats=1 -artifact_prefix="$B/findings/$t-" \
    "$B/corpus/$t" "$PWD/fuzz/corpus/$t" >"$log" 2>&1
  rc=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  cov=$(grep -E '^#[0-9]+' "$log" | tail -1 | sed -n 's/.*cov: \([0-9]*\).*/\1/p')
  if [ $rc = 0 ]; then
    kept=$(ls "$B/corpus/$t" | wc -l)
    echo "fuzz $t: ${runs:-?} runs in $S s, coverage ${cov:-?} edges, corpus $kept inputs: ok"
  else
    echo "fuzz $t: FINDING after ${runs:-?} runs (log $log):"
    grep -a -E 'ERROR:|SUMMARY:|runtime error|^    #[0-9] |Test unit written' "$log" | head -20
    failed="$failed $t"
  fi
done
[ -z "$failed" ] || { echo "fuzz: findings in:$failed" >&2; exit 1; }
