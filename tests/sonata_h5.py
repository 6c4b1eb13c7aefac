"""tests/sonata_h5.py: h5py, the independent reader and writer of SONATA spike files for
tests/test_sonata.c (run as python3 tests/sonata_h5.py COMMAND ...; exit 0 if all is well, 1
with a message if not, 3 if h5py is missing).

  check DIR POP...          DIR/spikes.h5 as SONATA specifies it (docs/formats.md, spikes.h5),
                            with one group per POP, equal to DIR/spikes.csv
  bmtk FILE CSV POP SORTING spikes written the way bmtk's write_sonata does (root magic and
                            version, /spikes/POP with sorting = SORTING, a string, or none if
                            SORTING is "absent"; timestamps float64 in ms with units, node_ids
                            uint64), and the same spikes as a bmtk CSV
  two FILE                  two populations, "cue" and "other", each with its own spikes
  bad KIND FILE             a broken file of one KIND (below)
  edges DIR DT NAME=N...    DIR/edges.h5 and DIR/nodes.h5 as docs/formats.md specifies them:
                            edge population NAME with N edges, delays whole steps of DT ms, in
                            order of (source, target); where DIR/weights.bin has a projection,
                            the same synapses and weights
  edges_bad KIND FILE       an edge population "ab" (10 -> 10 neurons, dt 0.1) of one KIND
  circuit DIR NE NI SEED    a SONATA circuit under DIR as bmtk lays one out
                            (tools/make_sonata_example.py: CUBA's E/I network as
                            nest:iaf_psc_exp, per-edge and per-type weights and delays) and
                            DIR/net.cfg, the same populations and projections in libconfig
                            (lif with NEST's parameters translated, list projections)
  circuit_bad KIND DIR      that circuit (40 + 10 neurons) broken in one way, KIND (below)
"""
import os
import sys

try:
    import h5py
    import numpy as np
except ImportError as exc:  # the C test prints the skip
    print("h5py is missing: %s" % exc)
    sys.exit(3)


def fail(msg):
    print("sonata_h5: " + msg)
    sys.exit(1)


def read_csv(path):
    rows = {}
    with open(path) as f:
        if f.readline() != "timestamps population node_ids\n":
            fail("%s: not apical's CSV header" % path)
        for line in f:
            t, pop, i = line.split()
            rows.setdefault(pop, ([], []))
            rows[pop][0].append(float(t))
            rows[pop][1].append(int(i))
    return rows


def check(folder, pops):
    path = folder + "/spikes.h5"
    with h5py.File(path, "r") as h5:
        if h5.attrs.get("magic") != 0x0A7A:
            fail("root attribute magic is %r, not 0x0A7A" % h5.attrs.get("magic"))
        if list(h5.attrs.get("version", [])) != [0, 1]:
            fail("root attribute version is %r, not [0, 1]" % h5.attrs.get("version"))
        groups = sorted(h5["spikes"].keys())
        if groups != sorted(pops):
            fail("groups %s under /spikes, expected %s" % (groups, sorted(pops)))
        csv = read_csv(folder + "/spikes.csv")
        for pop in pops:
            grp = h5["spikes"][pop]
            # sorting: an HDF5 enum none/by_id/by_time (libsonata's), set to by_time
            enum = h5py.check_enum_dtype(grp.attrs.get_id("sorting").dtype)
            if enum != {"none": 0, "by_id": 1, "by_time": 2}:
                fail("%s: sorting's type is %r, not the enum none/by_id/by_time" % (pop, enum))
            if grp.attrs["sorting"] != 2:
                fail("%s: sorting = %r, not by_time" % (pop, grp.attrs["sorting"]))
            ts, ids = grp["timestamps"], grp["node_ids"]
            if ts.dtype != np.float64 or ts.ndim != 1:
                fail("%s/timestamps: %s of rank %d" % (pop, ts.dtype, ts.ndim))
            if ids.dtype != np.uint64 or ids.ndim != 1:
                fail("%s/node_ids: %s of rank %d" % (pop, ids.dtype, ids.ndim))
            if ts.attrs.get("units") != "ms":
                fail("%s/timestamps: units = %r, not 'ms'" % (pop, ts.attrs.get("units")))
            if ts.chunks is None:
                fail("%s/timestamps: not chunked" % pop)
            t, i = ts[:], ids[:]
            if np.any(np.diff(t) < 0):
                fail("%s: timestamps not sorted by time" % pop)
            want_t, want_i = csv.get(pop, ([], []))
            if not np.array_equal(t, np.array(want_t, dtype=np.float64)):
                fail("%s: %d timestamps differ from the CSV's %d" % (pop, len(t), len(want_t)))
            if not np.array_equal(i, np.array(want_i, dtype=np.uint64)):
                fail("%s: node_ids differ from the CSV's" % pop)
        extra = set(csv) - set(pops)
        if extra:
            fail("the CSV has populations %s that spikes.h5 lacks" % sorted(extra))


def spikes(seed, n, size):
    """n spikes of ids below size, on the 0.1 ms grid, sorted by time then id."""
    rng = np.random.default_rng(seed)
    t = np.round(rng.integers(1, 1500, n) * 0.1, 1)
    i = rng.integers(0, size, n).astype(np.uint64)
    order = np.lexsort((i, t))
    return t[order], i[order]


def add_root(h5):
    h5.attrs["magic"] = np.uint32(0x0A7A)
    h5.attrs["version"] = np.array([0, 1], dtype=np.uint32)


def add_pop(h5, pop, t, i, sorting):
    grp = h5.create_group("/spikes/%s" % pop)
    if sorting != "absent":
        grp.attrs["sorting"] = sorting
    ts = grp.create_dataset("timestamps", shape=(len(t),), dtype=np.float64)
    ts[:] = t
    ts.attrs["units"] = "ms"
    ids = grp.create_dataset("node_ids", shape=(len(i),), dtype=np.uint64)
    ids[:] = i


def bmtk(path, csv_path, pop, sorting):
    t, i = spikes(7, 300, 20)
    with h5py.File(path, "w") as h5:
        add_root(h5)
        add_pop(h5, pop, t, i, sorting)
    with open(csv_path, "w") as f:
        f.write("timestamps population node_ids\n")
        for a, b in zip(t, i):
            f.write("%r %s %d\n" % (float(a), pop, b))


def two(path):
    with h5py.File(path, "w") as h5:
        add_root(h5)
        t, i = spikes(11, 200, 20)
        add_pop(h5, "other", t, i, "by_time")
        t, i = spikes(7, 300, 20)
        add_pop(h5, "cue", t, i, "by_time")


def bad(kind, path):
    t, i = spikes(7, 30, 20)
    if kind == "truncated":
        with h5py.File(path, "w") as h5:
            add_root(h5)
            add_pop(h5, "lgn", *spikes(7, 3000, 20), sorting="by_time")
        data = open(path, "rb").read()
        open(path, "wb").write(data[: len(data) // 2])
        return
    if kind == "not_hdf5":
        open(path, "w").write("timestamps,node_ids\n1.0,2\n")
        return
    with h5py.File(path, "w") as h5:
        add_root(h5)
        if kind == "no_spikes":
            h5.create_group("nodes")
            return
        if kind == "old_layout":
            h5.create_dataset("spikes/timestamps", data=t)
            h5.create_dataset("spikes/gids", data=i)
            return
        grp = h5.create_group("spikes/lgn")
        grp.attrs["sorting"] = "by_time"
        ts_data, ids_data = t, i
        if kind == "missing_timestamps":
            grp.create_dataset("node_ids", data=i)
            return
        if kind == "wrong_dtype_ids":
            ids_data = i.astype(np.float64)
        elif kind == "wrong_dtype_times":
            ts_data = np.array([b"x"] * len(t))
        elif kind == "ragged":
            ids_data = i[:-3]
        elif kind == "rank2":
            ts_data = np.stack([t, t])
            ids_data = np.stack([i, i])
        elif kind == "negative_ids":
            ids_data = i.astype(np.int64)
            ids_data[5] = -4
        elif kind == "huge_ids":
            ids_data = i.copy()
            ids_data[5] = 1 << 40
        elif kind == "out_of_range":
            ids_data = i.copy()
            ids_data[5] = 50
        elif kind == "nan_times":
            ts_data = t.copy()
            ts_data[3] = np.nan
        elif kind == "external_link":
            grp["timestamps"] = h5py.ExternalLink("/etc/passwd", "/x")
            grp.create_dataset("node_ids", data=i)
            return
        elif kind == "not_a_group":
            del h5["spikes/lgn"]
            h5.create_dataset("spikes/lgn", data=t)
            return
        elif kind == "unbacked":
            # a length the file does not hold: chunked with no chunk ever written
            grp.create_dataset("timestamps", shape=(1 << 28,), dtype=np.float64, chunks=(1024,))
            grp.create_dataset("node_ids", shape=(1 << 28,), dtype=np.uint64, chunks=(1024,))
            return
        elif kind != "good":
            fail("unknown kind %s" % kind)
        grp.create_dataset("timestamps", data=ts_data)
        grp.create_dataset("node_ids", data=ids_data)


def read_weights_bin(path):
    """docs/formats.md, weights.bin: {name: (src, tgt, w)}."""
    data = open(path, "rb").read()
    if data[:16].rstrip(b"\0") != b"APICAL-WEIGHTS":
        fail("%s: not a weights.bin" % path)
    nproj = int(np.frombuffer(data, np.uint32, 1, 20)[0])
    at, out = 24, {}
    for _ in range(nproj):
        name = data[at:at + 64].split(b"\0")[0].decode()
        at += 3 * 64 + 8
        n = int(np.frombuffer(data, np.uint64, 1, at)[0])
        at += 8
        src = np.frombuffer(data, np.uint32, n, at)
        tgt = np.frombuffer(data, np.uint32, n, at + 4 * n)
        w = np.frombuffer(data, np.float32, n, at + 8 * n)
        at += 12 * n
        out[name] = (src, tgt, w)
    return out


def check_nodes(path):
    sizes = {}
    with h5py.File(path, "r") as h5:
        add_root_check(path, h5)
        for i, (pop, grp) in enumerate(sorted(h5["nodes"].items(), key=lambda kv: kv[0])):
            n = len(grp["node_id"])
            for name, dtype in (("node_id", np.uint64), ("node_group_index", np.uint64),
                                ("node_type_id", np.uint32), ("node_group_id", np.uint32)):
                if grp[name].dtype != dtype or grp[name].shape != (n,):
                    fail("nodes %s/%s: %s %s" % (pop, name, grp[name].dtype, grp[name].shape))
            if not np.array_equal(grp["node_id"][:], np.arange(n)) or \
                    not np.array_equal(grp["node_group_index"][:], np.arange(n)) or \
                    np.any(grp["node_group_id"][:] != 0):
                fail("nodes %s: ids or group indices are not 0 ... n - 1 in group 0" % pop)
            if len(set(grp["node_type_id"][:])) > 1 or "0" not in grp:
                fail("nodes %s: more than one node type, or no group 0" % pop)
            if grp.attrs.get("model_type") not in ("point_neuron", "virtual") or \
                    not str(grp.attrs.get("model_template", "")).startswith("apical:"):
                fail("nodes %s: model_type %r, model_template %r" %
                     (pop, grp.attrs.get("model_type"), grp.attrs.get("model_template")))
            sizes[pop] = n
    return sizes


def add_root_check(path, h5):
    if h5.attrs.get("magic") != 0x0A7A or list(h5.attrs.get("version", [])) != [0, 1]:
        fail("%s: root attributes magic and version are not SONATA's" % path)


def check_edges(folder, dt, want):
    sizes = check_nodes(folder + "/nodes.h5")
    wbin = {}
    try:
        wbin = read_weights_bin(folder + "/weights.bin")
    except FileNotFoundError:
        pass
    with h5py.File(folder + "/edges.h5", "r") as h5:
        add_root_check(folder + "/edges.h5", h5)
        names = sorted(h5["edges"].keys())
        if names != sorted(want):
            fail("edge populations %s, expected %s" % (names, sorted(want)))
        for name, grp in h5["edges"].items():
            s, t = grp["source_node_id"], grp["target_node_id"]
            n = len(s)
            if n != want[name]:
                fail("%s: %d edges, expected %d" % (name, n, want[name]))
            for ds, dtype in ((s, np.uint64), (t, np.uint64), (grp["edge_type_id"], np.uint32),
                              (grp["edge_group_id"], np.uint32),
                              (grp["edge_group_index"], np.uint64),
                              (grp["0/syn_weight"], np.float32), (grp["0/delay"], np.float64)):
                if ds.dtype != dtype or ds.shape != (n,):
                    fail("%s: %s %s %s" % (name, ds.name, ds.dtype, ds.shape))
            sp, tp = s.attrs.get("source_population"), t.attrs.get("target_population")
            if sp not in sizes or tp not in sizes:
                fail("%s: populations %r -> %r are not in nodes.h5" % (name, sp, tp))
            src, tgt = s[:], t[:]
            if n and (src.max() >= sizes[sp] or tgt.max() >= sizes[tp]):
                fail("%s: a node id beyond its population" % name)
            key = src * (1 << 32) + tgt
            if np.any(np.diff(key.astype(np.int64)) < 0):
                fail("%s: edges not in order of (source, target)" % name)
            if not np.array_equal(grp["edge_group_index"][:], np.arange(n)) or \
                    np.any(grp["edge_group_id"][:] != 0) or len(set(grp["edge_type_id"][:])) > 1:
                fail("%s: group ids, group indices or type ids are not SONATA's single group" % name)
            d = grp["0/delay"][:]
            steps = np.round(d / dt)
            if grp["0/delay"].attrs.get("units") != "ms" or np.any(steps < 1) or \
                    not np.array_equal(d, steps * dt):
                fail("%s: delays not whole steps of %g ms" % (name, dt))
            w = grp["0/syn_weight"][:]
            if name in wbin:
                ws, wt, ww = wbin[name]
                if not (np.array_equal(ws, src) and np.array_equal(wt, tgt)
                        and np.array_equal(ww, w)):
                    fail("%s: synapses or weights differ from weights.bin's" % name)
            print("%s %d edges, weights %g ... %g, delays %g ... %g ms" %
                  (name, n, w.min() if n else 0, w.max() if n else 0, d.min() if n else 0,
                   d.max() if n else 0))


def edges_bad(kind, path):
    if kind == "not_hdf5":
        open(path, "w").write("source_node_id,target_node_id\n1,2\n")
        return
    rng = np.random.default_rng(5)
    n = 40
    cols = {"source_node_id": rng.integers(0, 10, n).astype(np.uint64),
            "target_node_id": rng.integers(0, 10, n).astype(np.uint64),
            "edge_group_id": np.zeros(n, np.uint16),
            "edge_group_index": np.arange(n, dtype=np.uint64),
            "0/syn_weight": rng.uniform(0, 2, n), "0/delay": np.full(n, 1.5)}
    if kind == "missing_dataset":
        del cols["target_node_id"]
    elif kind == "wrong_dtype":
        cols["source_node_id"] = cols["source_node_id"].astype(np.float64)
    elif kind == "out_of_range":
        cols["target_node_id"][7] = 10
    elif kind == "negative_id":
        cols["source_node_id"] = cols["source_node_id"].astype(np.int64)
        cols["source_node_id"][3] = -1
    elif kind == "nan_weight":
        cols["0/syn_weight"][9] = np.nan
    elif kind == "short_delay":
        cols["0/delay"][11] = 0.01
    elif kind == "long_delay":
        cols["0/delay"][12] = 1e5
    elif kind == "other_group":
        cols["edge_group_id"][4] = 1
    elif kind == "ragged":
        cols["0/delay"] = cols["0/delay"][:-1]
    elif kind == "rank2":
        cols["0/syn_weight"] = np.stack([cols["0/syn_weight"]] * 2)
    elif kind == "unbacked":
        cols["source_node_id"] = None
    elif kind not in ("good", "no_attributes", "truncated"):
        fail("unknown kind %s" % kind)
    with h5py.File(path, "w") as h5:
        add_root(h5)
        grp = h5.create_group("edges/ab")
        for name, data in cols.items():
            if data is None:
                grp.create_dataset(name, shape=(1 << 30,), dtype=np.uint64, chunks=(1024,))
            else:
                grp.create_dataset(name, data=data)
        if kind != "no_attributes" and "target_node_id" in grp:
            grp["source_node_id"].attrs["source_population"] = "a"
            grp["target_node_id"].attrs["target_population"] = "b"
    if kind == "truncated":
        data = open(path, "rb").read()
        open(path, "wb").write(data[: len(data) // 2])


def example():
    """tools/make_sonata_example.py, the circuit writer these tests share with the example."""
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tools"))
    import make_sonata_example
    return make_sonata_example


def circuit(folder, n_exc, n_inh, seed):
    ex = example()
    net = ex.make_network(n_exc, n_inh, seed)
    ex.write_circuit(folder, net)
    # the same network in libconfig: NEST's names lower-cased are apical's lif parameters
    text = "populations = (\n"
    for name, n, _, p in net["pops"]:
        text += ('  { name = "%s"; size = %d; model = "lif"; c_m = %r; tau_m = %r; e_l = %r; '
                 "v_th = %r; v_reset = %r; t_ref = %r; tau_syn_ex = %r; tau_syn_in = %r; "
                 "i_e = %r; init = { v = %r; }; },\n"
                 % (name, n, p["C_m"], p["tau_m"], p["E_L"], p["V_th"], p["V_reset"],
                    p["t_ref"], p["tau_syn_ex"], p["tau_syn_in"], p["I_e"], p["V_m"]))
    text = text[:-2] + "\n);\nprojections = (\n"
    types = {t: (w, d) for t, w, d in net["edge_types"]}
    for name, src, tgt, s, t, type_id, w, d in net["edges"]:
        w = [types[type_id][0]] * len(s) if w is None else list(w)
        d = [types[type_id][1]] * len(s) if d is None else list(d)
        text += ('  { name = "%s"; from = "%s"; to = "%s"; receptor = "%s"; rule = "list";\n'
                 "    sources = [%s];\n    targets = [%s];\n    weights = [%s];\n"
                 "    delays = [%s]; },\n"
                 % (name, src, tgt, "in" if w and w[0] < 0 else "ex",
                    ", ".join(str(int(x)) for x in s), ", ".join(str(int(x)) for x in t),
                    ", ".join(repr(float(x)) for x in w), ", ".join(repr(float(x)) for x in d)))
    with open(os.path.join(folder, "net.cfg"), "w") as f:
        f.write(text[:-2] + "\n);\n")


def circuit_bad(kind, folder):
    """KIND: missing_nodes (no nodes.h5), json_syntax, template (nest:iaf_psc_alpha), param
    (a NEST parameter apical does not map), unknown_pop (edges naming node population
    "ghost"), id_range (a target id beyond its population), truncated (edges.h5 cut in half),
    node_type (a node of a type node_types.csv lacks), mixed (two node types of different
    parameters in one node population), no_weight (per-type weights with no edge type
    giving one)."""
    ex = example()
    net = ex.make_network(40, 10, 5, 0.2)
    pops, edges = net["pops"], net["edges"]
    if kind == "unknown_pop":
        e = list(edges[0])
        e[1] = "ghost"
        edges[0] = tuple(e)
    if kind == "id_range":
        e = list(edges[1])
        e[4] = e[4].copy()
        e[4][3] = 10  # exc_to_inh: inh has 10 neurons
        edges[1] = tuple(e)
    if kind == "no_weight":
        net["edge_types"][1] = (101, None, 0.8)
    ex.write_circuit(folder, net)
    net_dir = os.path.join(folder, "network")
    if kind == "missing_nodes":
        os.remove(os.path.join(net_dir, "nodes.h5"))
    if kind == "json_syntax":
        with open(os.path.join(folder, "circuit_config.json"), "a") as f:
            f.write("{ oops\n")
    if kind in ("template", "node_type", "mixed"):
        with open(os.path.join(net_dir, "node_types.csv"), "w") as f:
            f.write("node_type_id model_type model_template dynamics_params pop_name\n")
            f.write("0 point_neuron %s exc.json exc\n"
                    % ("nest:iaf_psc_alpha" if kind == "template" else "nest:iaf_psc_exp"))
            if kind != "node_type":
                f.write("1 point_neuron nest:iaf_psc_exp inh.json inh\n")
    if kind == "mixed":
        with h5py.File(os.path.join(net_dir, "nodes.h5"), "r+") as h5:
            ids = h5["nodes/exc/node_type_id"][:]
            ids[7] = 1
            h5["nodes/exc/node_type_id"][:] = ids
    if kind == "param":
        with open(os.path.join(folder, "components/point_neuron_models/inh.json"), "w") as f:
            f.write('{"C_m": 250.0, "tau_ref": 2.0}\n')
    if kind == "truncated":
        path = os.path.join(net_dir, "edges.h5")
        data = open(path, "rb").read()
        open(path, "wb").write(data[: len(data) // 2])


def main(argv):
    if len(argv) >= 3 and argv[1] == "check":
        check(argv[2], argv[3:])
    elif len(argv) == 6 and argv[1] == "bmtk":
        bmtk(argv[2], argv[3], argv[4], argv[5])
    elif len(argv) == 3 and argv[1] == "two":
        two(argv[2])
    elif len(argv) == 4 and argv[1] == "bad":
        bad(argv[2], argv[3])
    elif len(argv) >= 4 and argv[1] == "edges":
        want = {}
        for arg in argv[4:]:
            name, n = arg.split("=")
            want[name] = int(n)
        check_edges(argv[2], float(argv[3]), want)
    elif len(argv) == 4 and argv[1] == "edges_bad":
        edges_bad(argv[2], argv[3])
    elif len(argv) == 6 and argv[1] == "circuit":
        circuit(argv[2], int(argv[3]), int(argv[4]), int(argv[5]))
    elif len(argv) == 4 and argv[1] == "circuit_bad":
        circuit_bad(argv[2], argv[3])
    else:
        fail("usage: see the top of tests/sonata_h5.py")


if __name__ == "__main__":
    main(sys.argv)
