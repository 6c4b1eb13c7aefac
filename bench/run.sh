#!/bin/sh
# bench/run.sh: apical's own scaling benchmark. CUBA, COBA and CUBA with STDP on every
# excitatory synapse (bench/configs/) at N = 4000, 16000, 64000, 256000 with p = 80/N (80
# incoming synapses per neuron), 1 s of biological time (and 10 s at N = 4000), on 1 and 2
# threads. For each (model, N, duration) the thread counts alternate within every repeat (1 2,
# then 2 1, ...) so that drift on a shared machine hits them alike; each (model, N, duration,
# threads) becomes one JSON line on stdout with medians over BENCH_REPEATS runs (fields:
# bench/README.md). A plastic model MODEL_RULE (its config sets a plasticity) also gets its
# static twin MODEL built once per thread count (one step, untimed) for the bytes per plastic
# synapse. Progress and failures go to stderr; a failed apical run stops it with a non-zero
# status.
#
#   make bench                       # or: sh bench/run.sh > bench/results/DATE-run.jsonl
#   BENCH_QUICK=1 sh bench/run.sh    # N = 4000 and 16000 only, 1 s only, 3 repeats
#   bench/plastic_ratio RUN.jsonl    # simulate time with STDP / without, bytes per plastic synapse
#
# Environment: BENCH_REPEATS (5; 3 with BENCH_QUICK=1), BENCH_QUICK (0), BENCH_SIZES (overrides
# the sizes), BENCH_THREADS ("1 2"), BENCH_MODELS ("cuba coba cuba_stdp"), BENCH_LONG_MS (10000:
# the extra duration at N = 4000; 0 skips it), BENCH_IDLE_WAIT (seconds to wait for idle CPUs
# before each run, 60; 0 skips), APICAL (./apical), PYTHON (python3).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
apical_src=${APICAL:-$root/apical}
py=${PYTHON:-python3}
quick=${BENCH_QUICK:-0}
threads_list=${BENCH_THREADS:-1 2}
models=${BENCH_MODELS:-cuba coba cuba_stdp}
idle_wait=${BENCH_IDLE_WAIT:-60}
if [ "$quick" = 1 ]; then
    sizes=${BENCH_SIZES:-4000 16000}
    repeats=${BENCH_REPEATS:-3}
    long_ms=${BENCH_LONG_MS:-0}
else
    sizes=${BENCH_SIZES:-4000 16000 64000 256000}
    repeats=${BENCH_REPEATS:-5}
    long_ms=${BENCH_LONG_MS:-10000}
fi

fail() {
    echo "bench/run.sh: $*" >&2
    exit 1
}

[ -x "$apical_src" ] || fail "$apical_src is missing: run make first"
"$py" -c 'import json, statistics' 2>/dev/null || fail "needs $py (standard library only)"
case $repeats in '' | *[!0-9]* | 0) fail "BENCH_REPEATS must be a positive integer" ;; esac
case $long_ms in '' | *[!0-9]*) fail "BENCH_LONG_MS must be a whole number of ms" ;; esac
case $idle_wait in '' | *[!0-9.]*) fail "BENCH_IDLE_WAIT must be a number of seconds" ;; esac
for th in $threads_list; do
    case $th in '' | *[!0-9]* | 0) fail "bad thread count '$th'" ;; esac
done

work=$(mktemp -d "${TMPDIR:-/tmp}/apical-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
# A private copy: others may rebuild ./apical while a long benchmark runs.
apical=$work/apical
cp "$apical_src" "$apical"
# which binary was measured: the first 12 hex digits of its SHA-256, in every JSON line
BENCH_APICAL_SHA256=$(sha256sum "$apical" | cut -c1-12)
export BENCH_APICAL_SHA256
echo "[bench] $apical_src (sha256 $BENCH_APICAL_SHA256), $(nproc) CPUs" >&2

# apical_once MODEL N THREADS T_MS OUT: one apical run of bench/configs/MODEL.cfg scaled to N;
# leaves its summary.json as OUT.json (a_ names: sh has no local variables)
apical_once() {
    a_cfg=$1 a_n=$2 a_th=$3 a_ms=$4 a_out=$5
    a_ne=$((a_n * 4 / 5))
    a_ni=$((a_n - a_ne))
    # p = 80/N, printed with enough digits to keep 80 synapses per neuron
    a_p=$("$py" -c "import sys; print(repr(80 / int(sys.argv[1])))" "$a_n")
    if ! "$apical" run "$here/configs/$a_cfg.cfg" -o "$a_out" --quiet \
        --threads "$a_th" --set "simulation.duration=$a_ms" \
        --set "populations.exc.size=$a_ne" --set "populations.inh.size=$a_ni" \
        --set "projections.ee.p=$a_p" --set "projections.ei.p=$a_p" \
        --set "projections.ie.p=$a_p" --set "projections.ii.p=$a_p" 2>"$a_out.log"; then
        cat "$a_out.log" >&2
        fail "apical failed: $a_cfg N=$a_n threads=$a_th ${a_ms} ms (log above)"
    fi
    [ -s "$a_out/summary.json" ] || fail "apical wrote no $a_out/summary.json"
    # keep the summary, drop the spike files (256000 neurons: tens of MB per run)
    mv "$a_out/summary.json" "$a_out.json"
    rm -rf "$a_out"
}

# run_once MODEL N THREADS T_MS R: one timed run; leaves its summary.json as $work/...json
run_once() {
    model=$1 n=$2 threads=$3 t_ms=$4 r=$5
    # other users of this machine make 2-thread timings meaningless: wait them out
    if [ "$idle_wait" != 0 ]; then
        b=$("$py" "$here/benchlib.py" wait-idle "$idle_wait")
        echo "$b" >>"$work/busy-$model-$n-$t_ms"
    fi
    echo "[bench] $model N=$n threads=$threads ${t_ms} ms, run $r/$repeats" >&2
    apical_once "$model" "$n" "$threads" "$t_ms.0" "$work/$model-$n-$t_ms-t$threads-$r"
}

# static_twin MODEL: the static network of a plastic MODEL_RULE (a config that sets a
# plasticity): MODEL_RULE without its last _RULE, when bench/configs has it; else nothing
static_twin() {
    grep -q '^[^#]*plasticity' "$here/configs/$1.cfg" || return 0
    case $1 in *_*) ;; *) return 0 ;; esac
    [ -f "$here/configs/${1%_*}.cfg" ] && echo "${1%_*}"
    return 0
}

# run_group MODEL N T_MS: BENCH_REPEATS rounds over the thread counts, alternating their order,
# then one JSON line per thread count
run_group() {
    model=$1 n=$2 t_ms=$3
    rm -f "$work/busy-$model-$n-$t_ms"
    fwd=$threads_list
    rev=$(for th in $threads_list; do echo "$th"; done | sort -rn | tr '\n' ' ')
    r=1
    while [ "$r" -le "$repeats" ]; do
        if [ $((r % 2)) = 1 ]; then order=$fwd; else order=$rev; fi
        for th in $order; do run_once "$model" "$n" "$th" "$t_ms" "$r"; done
        r=$((r + 1))
    done
    busy=0
    [ -f "$work/busy-$model-$n-$t_ms" ] &&
        busy=$("$py" -c "import sys; print(max(float(x) for x in open(sys.argv[1])))" \
            "$work/busy-$model-$n-$t_ms")
    twin=$(static_twin "$model")
    for th in $threads_list; do
        static=
        if [ -n "$twin" ]; then
            # the same network without plasticity, built and run for one step (not timed):
            # its projection_bytes, for the bytes per plastic synapse
            apical_once "$twin" "$n" "$th" 0.1 "$work/$model-$n-$t_ms-static-$th"
            static="--static $work/$model-$n-$t_ms-static-$th.json"
        fi
        # shellcheck disable=SC2046,SC2086 # the list of summaries is split on purpose
        "$py" "$here/benchlib.py" aggregate "$model" "$n" "$th" "$t_ms" "$busy" $static \
            $(ls "$work/$model-$n-$t_ms-t$th-"*.json) ||
            fail "could not summarise $model N=$n threads=$th"
    done
    rm -f "$work/$model-$n-$t_ms-"*
}

for model in $models; do
    [ -f "$here/configs/$model.cfg" ] || fail "no bench/configs/$model.cfg"
    for n in $sizes; do
        case $n in '' | *[!0-9]*) fail "bad size '$n'" ;; esac
        [ "$n" -ge 10 ] || fail "size $n is too small"
        durations=1000
        [ "$n" = 4000 ] && [ "$long_ms" != 0 ] && durations="1000 $long_ms"
        for t_ms in $durations; do
            t0=$(date +%s)
            run_group "$model" "$n" "$t_ms"
            echo "[bench] $model N=$n ${t_ms} ms: $(($(date +%s) - t0)) s wall for all repeats" >&2
        done
    done
done
