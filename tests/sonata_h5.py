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
"""
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


def main(argv):
    if len(argv) >= 3 and argv[1] == "check":
        check(argv[2], argv[3:])
    elif len(argv) == 6 and argv[1] == "bmtk":
        bmtk(argv[2], argv[3], argv[4], argv[5])
    elif len(argv) == 3 and argv[1] == "two":
        two(argv[2])
    elif len(argv) == 4 and argv[1] == "bad":
        bad(argv[2], argv[3])
    else:
        fail("usage: see the top of tests/sonata_h5.py")


if __name__ == "__main__":
    main(sys.argv)
