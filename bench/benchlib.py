#!/usr/bin/env python3
"""bench/benchlib: the Python (standard library only) half of bench/run.sh, also imported by
bench/vs_brian2 and bench/learning (waiting for idle CPUs, medians, the binary's SHA-256 and
the repository's commit, merging reruns). Three commands:

  benchlib.py wait-idle MAX_S
      waits until the machine's CPUs are idle (<= 10 % busy over half a second) or MAX_S
      seconds have passed; prints the last busy fraction. Benchmarks on a shared 2-core machine
      mean nothing while something else runs, and OpenMP barriers suffer most.
  benchlib.py aggregate BENCH N THREADS T_MS BUSY SUMMARY.json...
      one JSON line from the summaries of repeated runs of one configuration: medians (and
      min, max) of the build and simulation wall times, and the network's figures. BUSY is the
      largest busy fraction seen before the runs.
  benchlib.py table RUN.jsonl [VS_BRIAN2.jsonl [RERUN.jsonl...]]
      Markdown tables (the ones in bench/README.md) from the JSON lines of bench/run.sh and,
      if given, bench/vs_brian2: medians, events/s, ns per event, 2-thread efficiency
      (sim_s at 1 thread / (2 x sim_s at 2 threads)), and the ratios to Brian2. A line of a
      later vs_brian2 file replaces the earlier one of the same (bench, N, threads).
"""
import hashlib
import json
import os
import statistics
import subprocess
import sys
import time

IDLE_BUSY = 0.10


def cpu_times():
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    idle = v[3] + (v[4] if len(v) > 4 else 0)  # idle + iowait
    return sum(v), idle


def busy_fraction(window_s=0.5):
    t0, i0 = cpu_times()
    time.sleep(window_s)
    t1, i1 = cpu_times()
    return 1.0 - (i1 - i0) / (t1 - t0) if t1 > t0 else 0.0


def wait_idle(max_s):
    """Returns the busy fraction last seen; warns on stderr when the wait ran out."""
    deadline = time.monotonic() + max_s
    while True:
        b = busy_fraction()
        if b <= IDLE_BUSY:
            return b
        if time.monotonic() >= deadline:
            print(f"[bench] warning: CPUs still {100 * b:.0f}% busy after waiting {max_s:g} s; "
                  "timings will be noisy", file=sys.stderr, flush=True)
            return b
        time.sleep(2.0)


def spread(xs):
    return statistics.median(xs), min(xs), max(xs)


def aggregate(bench, n, threads, t_ms, busy, paths):
    runs = []
    for p in paths:
        with open(p) as f:
            runs.append(json.load(f))
    for s, p in zip(runs, paths):
        if s.get("interrupted") or s["neurons"] != n or s["threads"] != threads or \
                abs(s["simulated_ms"] - t_ms) > 1e-6:
            raise SystemExit(f"benchlib: {p} is not a complete run of N={n}, "
                             f"threads={threads}, {t_ms} ms")
    build, build_lo, build_hi = spread([s["wall_s"]["build"] for s in runs])
    sim, sim_lo, sim_hi = spread([s["wall_s"]["simulate"] for s in runs])
    s0 = runs[0]
    steps = s0["simulated_ms"] / s0["dt_ms"]
    t_s = t_ms * 1e-3
    w = sum(p["cv_isi_neurons"] for p in s0["populations"])
    cv = sum((p["cv_isi"] or 0) * p["cv_isi_neurons"] for p in s0["populations"]) / w if w \
        else None
    row = {
        "bench": bench, "n": n, "threads": threads, "t_sim_ms": t_ms,
        "build_s": build, "sim_s": sim, "rtf": t_s / sim,
        "spikes": s0["spikes"], "rate_hz": s0["spikes"] / (n * t_s),
        "events_per_s": s0["synaptic_events"] / sim,
        "neuron_updates_per_s": n * steps / sim,
        "bytes_per_synapse": s0["bytes_per_synapse"],
        "ns_per_event": 1e9 * sim / s0["synaptic_events"] if s0["synaptic_events"] else None,
        "peak_rss_mb": statistics.median(s["peak_rss_bytes"] for s in runs) / 2**20,
        "build_s_min": build_lo, "build_s_max": build_hi,
        "sim_s_min": sim_lo, "sim_s_max": sim_hi,
        "sim_s_runs": [s["wall_s"]["simulate"] for s in runs],
        "repeats": len(runs), "synapses": s0["synapses"],
        "synaptic_events": s0["synaptic_events"], "cv_isi": cv,
        "rates_hz": {p["name"]: p["rate_hz"] for p in s0["populations"]},
        "cpu_busy_before": round(busy, 3), "version": s0["version"],
        "apical_sha256": os.environ.get("BENCH_APICAL_SHA256"),
    }
    if sim_hi > 1.5 * sim_lo:
        row["noisy"] = True  # repeats disagree: something else ran, or the run is too short
    # same seed, same network: every repeat must have produced the same spikes
    if any(s["spikes"] != s0["spikes"] for s in runs):
        row["warning"] = "spike counts differ between repeats"
    print(json.dumps(row), flush=True)


def read_jsonl(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip().startswith("{")]


def latest_rows(paths, key):
    """The JSON lines of several files, a later line replacing an earlier one with the same
    key(row); in the order the keys first appeared."""
    rows = {}
    for p in paths:
        for r in read_jsonl(p):
            rows[key(r)] = r
    return list(rows.values())


def sha256_prefix(path, digits=12):
    """Which binary was measured: the first hex digits of its SHA-256."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()[:digits]


def git_commit(root):
    """(short commit of HEAD, whether tracked files differ from it), or (None, None) outside
    a git checkout. A dirty tree means the binary may not be HEAD's."""
    def git(*args):
        return subprocess.run(["git", "-C", root, *args], capture_output=True, text=True)
    try:
        head = git("rev-parse", "--short", "HEAD")
        if head.returncode != 0:
            return None, None
        dirty = git("diff", "--quiet", "HEAD", "--").returncode != 0
    except OSError:
        return None, None
    return head.stdout.strip(), dirty


def fmt(x, spec):
    return "–" if x is None else format(x, spec)


def efficiency(t1, t2, threads=2):
    """Parallel efficiency: time on 1 thread / (threads x time on `threads` threads)."""
    return t1 / (threads * t2) if t1 and t2 else None


def table_run(rows):
    """bench/run.sh lines: one row per (bench, N, duration, threads)."""
    sim1 = {(r["bench"], r["n"], r["t_sim_ms"]): r["sim_s"] for r in rows if r["threads"] == 1}
    print("| bench | N | bio s | threads | build s | sim s | RTF | rate Hz | events/s | "
          "sim ns/event | neuron updates/s | B/synapse | peak RSS MiB | 2-thread eff. |")
    print("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|")
    for r in rows:
        eff = None
        if r["threads"] > 1:
            eff = efficiency(sim1.get((r["bench"], r["n"], r["t_sim_ms"])), r["sim_s"],
                             r["threads"])
        print(f"| {r['bench']} | {r['n']} | {r['t_sim_ms'] / 1000:g} | {r['threads']} | "
              f"{r['build_s']:.3f} | {r['sim_s']:.3f} | {r['rtf']:.2f} | {r['rate_hz']:.2f} | "
              f"{r['events_per_s']:.3g} | {fmt(r.get('ns_per_event'), '.1f')} | "
              f"{r['neuron_updates_per_s']:.3g} | {r['bytes_per_synapse']:.2f} | "
              f"{r['peak_rss_mb']:.0f} | {fmt(eff, '.0%')}"
              f"{' (noisy)' if r.get('noisy') else ''} |")


def table_vs(rows):
    """bench/vs_brian2 lines: one row per (bench, N, threads)."""
    sims = {(r["bench"], r["n"], r["threads"]): r for r in rows}
    print("| bench | N | threads | apical build s | Brian2 build s | build ratio | "
          "apical sim s | Brian2 sim s | sim ratio | apical eff. | Brian2 eff. | "
          "rate Hz apical / Brian2 | CV ISI apical / Brian2 | Brian2 codegen + compile s |")
    print("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|")
    for r in rows:
        a, b = r["apical"], r["brian2"]
        ea = eb = None
        one = sims.get((r["bench"], r["n"], 1))
        if r["threads"] > 1 and one:
            ea = efficiency(one["apical"]["sim_s"]["median"], a["sim_s"]["median"], r["threads"])
            eb = efficiency(one["brian2"]["sim_s"]["median"], b["sim_s"]["median"], r["threads"])
        print(f"| {r['bench']} | {r['n']} | {r['threads']} | {a['build_s']['median']:.3f} | "
              f"{b['build_s']['median']:.3f} | {r['ratio_build']:.2f} | "
              f"{a['sim_s']['median']:.3f} | {b['sim_s']['median']:.3f} | "
              f"**{r['ratio_sim']:.2f}** | {fmt(ea, '.0%')} | {fmt(eb, '.0%')} | "
              f"{a['rate_hz']:.2f} / {b['rate_hz']:.2f} | "
              f"{fmt(a['cv_isi'], '.3f')} / {fmt(b['cv_isi'], '.3f')} | "
              f"{b['codegen_s']:.1f} + {b['compile_s']:.1f} |")


def table(paths):
    table_run(read_jsonl(paths[0]))
    if len(paths) > 1:
        # reruns: a later file's line replaces an earlier one of the same (bench, n, threads)
        rows = {}
        for p in paths[1:]:
            for r in read_jsonl(p):
                rows[(r["bench"], r["n"], r["threads"])] = r
        print()
        table_vs(list(rows.values()))


def main(argv):
    if len(argv) == 3 and argv[1] == "wait-idle":
        print(f"{wait_idle(float(argv[2])):.3f}")
    elif len(argv) >= 8 and argv[1] == "aggregate":
        aggregate(argv[2], int(argv[3]), int(argv[4]), float(argv[5]), float(argv[6]), argv[7:])
    elif len(argv) >= 3 and argv[1] == "table":
        table(argv[2:])
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
