#!/usr/bin/env python3
"""bench/benchlib: the Python (standard library only) half of bench/run.sh, also imported by
bench/vs_brian2 and bench/learning (waiting for idle CPUs, medians, the binary's SHA-256 and
the repository's commit, merging reruns). Three commands:

  benchlib.py wait-idle MAX_S
      waits until the machine's CPUs are idle (<= 10 % busy over half a second) or MAX_S
      seconds have passed; prints the last busy fraction. Benchmarks on a shared 2-core machine
      mean nothing while something else runs, and OpenMP barriers suffer most.
  benchlib.py aggregate BENCH N THREADS T_MS BUSY [--static STATIC.json] SUMMARY.json...
      one JSON line from the summaries of repeated runs of one configuration: medians (and
      min, max) of the build and simulation wall times, and the network's figures. BUSY is the
      largest busy fraction seen before the runs. A network with plastic projections (the
      summary's "plasticity") also gets their bytes per plastic synapse (plastic_bytes); with
      --static, the summary of the same network without plasticity (bench/run.sh runs it for
      one step), also the figure from the difference of the two projection_bytes.
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


# ---- bytes per plastic synapse ----
#
# summary.json gives projection_bytes for all projections together (row offsets, targets, and
# weights and delays where they are stored per synapse: synapses/proj.c) and, per plastic
# projection, its synapse count; the rules' state (engine/net.c, build_plast) is not in it.
# The plastic projections' own bytes follow from the layout, with each projection's source
# population and delay read from the config. What a rule keeps (core/plast.h: pl_needs):
# doubles per (source, part), floats per synapse besides the weight.
RULE_STATE = {
    # stdp: K+ per (source, part); nearest_presynaptic also a K+ per synapse
    "stdp": lambda rule: (1, 1 if rule.get("pairing") == "nearest_presynaptic" else 0),
}


def _strip_comments(text):
    """libconfig text without its comments (#, //, /* */), strings kept."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            out.append(text[i:j + 1])
            i = j + 1
        elif c == "#" or text.startswith("//", i):
            while i < n and text[i] != "\n":
                i += 1
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            i = n if j < 0 else j + 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


def _groups(text, start):
    """The top-level { ... } groups of the list or group that opens at text[start]."""
    depth, begin, out = 0, None, []
    for i in range(start, len(text)):
        c = text[i]
        if c in "({[":
            depth += 1
            if c == "{" and depth == 2:
                begin = i
        elif c in ")}]":
            depth -= 1
            if c == "}" and depth == 1 and begin is not None:
                out.append(text[begin:i + 1])
                begin = None
            if depth == 0:
                break
    return out


def _settings(group):
    """The scalar settings of a group (its own, not a nested group's): {name: text}."""
    import re
    flat, depth = [], 0
    for c in group[1:-1]:  # blank out nested groups
        depth += c in "({[" and 1 or 0
        flat.append(c if depth == 0 else " ")
        depth -= c in ")}]" and 1 or 0
    return {m.group(1): m.group(2).strip('"') for m in
            re.finditer(r"([A-Za-z_][\w-]*)\s*[=:]\s*(\"[^\"]*\"|[^;,\s]+)", "".join(flat))}


def config_projections(path):
    """{name: {"from", "delay_varies", "rules": [{setting: text} per rule]}} of a config's
    projections, read from its text: enough for the bench configs, not a libconfig parser."""
    import re
    with open(path) as f:
        text = _strip_comments(f.read())
    m = re.search(r"\bprojections\s*[=:]\s*\(", text)
    if not m:
        return {}
    out = {}
    for g in _groups(text, m.end() - 1):
        own = _settings(g)
        d = re.search(r"\bdelay\s*[=:]\s*(\{)?", g)
        pm = re.search(r"\bplasticity\s*[=:]\s*([({])", g)
        rules = []
        if pm:
            if pm.group(1) == "{":
                depth = 0
                for i in range(pm.start(1), len(g)):
                    depth += {"{": 1, "}": -1}.get(g[i], 0)
                    if depth == 0:
                        rules.append(_settings(g[pm.start(1):i + 1]))
                        break
            else:
                rules = [_settings(b) for b in _groups(g, pm.start(1))]
        out[own.get("name")] = {"from": own.get("from"), "rules": rules,
                                "delay_varies": bool(d and d.group(1))}
    return out


def plastic_bytes(summary, config_path):
    """The plastic projections' bytes per plastic synapse, from the layout (see above), with
    its parts; None when the summary has no plastic projection. Spike histories of the
    targets (engine/net.c, hist_append) grow and shrink during the run and are not counted."""
    plast = summary.get("plasticity") or []
    if not plast:
        return None
    projs = config_projections(config_path)
    sizes = {p["name"]: p["neurons"] for p in summary["populations"]}
    T = summary["threads"]
    nsyn = sum(p["synapses"] for p in plast)
    parts = {"targets": 0.0, "weights": 0.0, "delays": 0.0, "rows": 0.0, "rule_synapse": 0.0,
             "source_state": 0.0}
    for p in plast:
        c = projs.get(p["projection"])
        if c is None or c["from"] not in sizes or len(c["rules"]) != len(p["rules"]):
            raise ValueError(f"projection {p['projection']} not found in {config_path}")
        q, cells = p["synapses"], sizes[c["from"]] * T
        parts["targets"] += 4 * q
        parts["weights"] += 4 * q             # per synapse once plastic
        parts["delays"] += 2 * q if c["delay_varies"] else 0
        parts["rows"] += 8 * (cells + 1)      # row offsets per (source, part)
        parts["source_state"] += 8 * cells    # stamp of the source's last spike per part
        for r in c["rules"]:
            if r["rule"] not in RULE_STATE:
                raise ValueError(f"benchlib knows no state of rule {r['rule']}")
            npre, nsyn_f = RULE_STATE[r["rule"]](r)
            parts["source_state"] += 8 * npre * cells
            parts["rule_synapse"] += 4 * nsyn_f * q
    return {"synapses": nsyn, "bytes_per_synapse": sum(parts.values()) / nsyn,
            "parts": {k: v / nsyn for k, v in parts.items()}}


def plastic_fields(summary, static=None):
    """The JSON fields of a plastic network (empty for a static one): see bench/README.md."""
    try:
        pb = plastic_bytes(summary, summary["config"])
    except (OSError, ValueError) as e:
        print(f"[bench] warning: bytes per plastic synapse: {e}", file=sys.stderr)
        return {"plastic_synapses": sum(p["synapses"] for p in summary.get("plasticity") or [])
                or None}
    if pb is None:
        return {}
    row = {"plastic_synapses": pb["synapses"],
           "plastic_bytes_per_synapse": pb["bytes_per_synapse"],
           "plastic_bytes_parts": pb["parts"]}
    if static is not None:
        if static["synapses"] != summary["synapses"] or static["threads"] != summary["threads"]:
            print("[bench] warning: the static network differs from the plastic one; "
                  "no plastic_bytes_diff", file=sys.stderr)
        else:
            # what summary.json itself supports: the extra projection bytes spread over the
            # plastic synapses, on top of the static network's bytes per synapse
            row["static_projection_bytes"] = static["projection_bytes"]
            row["static_bytes_per_synapse"] = static["bytes_per_synapse"]
            row["plastic_bytes_diff"] = ((summary["projection_bytes"] -
                                          static["projection_bytes"]) / pb["synapses"] +
                                         static["bytes_per_synapse"])
    w = [(p["projection"], p["synapses"], p["final"]) for p in summary["plasticity"]]
    row["weights_final"] = {name: {"mean": f["mean"], "std": f["std"],
                                   "fraction_at_lower": f["fraction_at_lower"],
                                   "fraction_at_upper": f["fraction_at_upper"]}
                            for name, _, f in w}
    row["w_mean"], row["w_std"] = pooled([(q, f["mean"], f["std"]) for _, q, f in w])
    return row


def pooled(groups):
    """Mean and (population) std of the union of groups given as (count, mean, std)."""
    n = sum(q for q, _, _ in groups)
    if not n or any(m is None or s is None for _, m, s in groups):
        return None, None
    mean = sum(q * m for q, m, _ in groups) / n
    var = sum(q * (s * s + (m - mean) ** 2) for q, m, s in groups) / n
    return mean, var ** 0.5


def aggregate(bench, n, threads, t_ms, busy, paths, static_path=None):
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
    static = None
    if static_path:
        with open(static_path) as f:
            static = json.load(f)
        row["static_bench"] = os.path.splitext(os.path.basename(static["config"]))[0]
    row.update(plastic_fields(s0, static))
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
          "sim ns/event | neuron updates/s | B/synapse | B/plastic syn | peak RSS MiB | "
          "2-thread eff. |")
    print("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|")
    for r in rows:
        eff = None
        if r["threads"] > 1:
            eff = efficiency(sim1.get((r["bench"], r["n"], r["t_sim_ms"])), r["sim_s"],
                             r["threads"])
        print(f"| {r['bench']} | {r['n']} | {r['t_sim_ms'] / 1000:g} | {r['threads']} | "
              f"{r['build_s']:.3f} | {r['sim_s']:.3f} | {r['rtf']:.2f} | {r['rate_hz']:.2f} | "
              f"{r['events_per_s']:.3g} | {fmt(r.get('ns_per_event'), '.1f')} | "
              f"{r['neuron_updates_per_s']:.3g} | {r['bytes_per_synapse']:.2f} | "
              f"{fmt(r.get('plastic_bytes_per_synapse'), '.2f')} | {r['peak_rss_mb']:.0f} | {fmt(eff, '.0%')}"
              f"{' (noisy)' if r.get('noisy') else ''} |")


def wpair(a, b, key, spec):
    """"apical / Brian2" of a weight statistic (plastic benches), or a dash."""
    if a.get(key) is None:
        return "–"
    return f"{fmt(a.get(key), spec)} / {fmt(b.get(key), spec)}"


def table_vs(rows):
    """bench/vs_brian2 lines: one row per (bench, N, threads)."""
    sims = {(r["bench"], r["n"], r["threads"]): r for r in rows}
    print("| bench | N | threads | apical build s | Brian2 build s | build ratio | "
          "apical sim s | Brian2 sim s | sim ratio | apical eff. | Brian2 eff. | "
          "rate Hz apical / Brian2 | CV ISI apical / Brian2 | "
          "final w mean apical / Brian2 | final w std apical / Brian2 | "
          "Brian2 codegen + compile s |")
    print("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|")
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
              f"{wpair(a, b, 'w_mean', '.4f')} | {wpair(a, b, 'w_std', '.5f')} | "
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
        rest, static = argv[7:], None
        if rest[0] == "--static" and len(rest) >= 3:
            static, rest = rest[1], rest[2:]
        aggregate(argv[2], int(argv[3]), int(argv[4]), float(argv[5]), float(argv[6]), rest,
                  static)
    elif len(argv) >= 3 and argv[1] == "table":
        table(argv[2:])
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
