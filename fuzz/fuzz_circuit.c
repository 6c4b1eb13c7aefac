/* fuzz/fuzz_circuit: io/circuit's circuit_load (with io/typetab) as `apical check
 * circuit_config.json` runs it (cli/check.c: the circuit read, its memory checked, described):
 * the text files of a SONATA circuit, fuzzed around HDF5 files that stay valid.
 *
 * Input: the text of circuit_config.json, then any number of files, each after a line
 * "@@ NAME" where NAME is one of node_types.csv, edge_types.csv (written to network/) or
 * exc.json, inh.json, cond.json (dynamics_params, written to components/): the lines up to the
 * next "@@ " line. Other "@@ " lines start text that is dropped; a file the input does not
 * give is absent. Names are fixed here, never taken from the input (the config's own paths
 * are, as apical takes them).
 *
 * The HDF5 files are written once, with libhdf5, into network/ beside them (fuzz_sonata
 * covers apical's checks of HDF5 objects; fuzz_spikes hands libhdf5 raw bytes):
 *   nodes.h5       /nodes/exc (8 nodes of type 0), /nodes/inh (4 nodes of type 1)
 *   nodes_cond.h5  /nodes/cnd (3 nodes of type 2)
 *   edges.h5       exc_to_exc (type 100, per-edge syn_weight and delay), exc_to_inh (type
 *                  100, per-edge syn_weight), inh_to_exc (type 101, per-type values),
 *                  inh_to_inh (types 101 and 102, per-edge weights of both signs)
 *   edges_cond.h5  exc_to_cnd (type 103, per-edge weights of both signs), cnd_to_inh (type
 *                  104, per-type values), cnd_to_cnd (no edges)
 * docs/fuzzing.md. */
#include "fuzz/fuzz.h"

#include <hdf5.h>

#include "cli/cli.h"

static char dir[600];

/* The files an input may give: "@@ NAME" and where NAME goes under dir. */
static const char *const part_names[][2] = {
    {"node_types.csv", "network/node_types.csv"}, {"edge_types.csv", "network/edge_types.csv"},
    {"exc.json", "components/exc.json"},           {"inh.json", "components/inh.json"},
    {"cond.json", "components/cond.json"}};
#define NPARTS (sizeof part_names / sizeof part_names[0])

static void put(hid_t g, const char *name, hid_t type, const void *v, hsize_t n)
{
    hid_t space = H5Screate_simple(1, &n, NULL);
    hid_t ds = H5Dcreate2(g, name, type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (ds < 0 || (n && H5Dwrite(ds, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) < 0))
        fuzz_die("cannot write dataset", name);
    H5Dclose(ds);
    H5Sclose(space);
}

static void put_text_attr(hid_t obj, const char *name, const char *text)
{
    hid_t type = H5Tcopy(H5T_C_S1);
    H5Tset_size(type, strlen(text));
    hid_t space = H5Screate(H5S_SCALAR);
    hid_t a = H5Acreate2(obj, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
    if (a < 0 || H5Awrite(a, type, text) < 0) fuzz_die("cannot write attribute", name);
    H5Aclose(a);
    H5Sclose(space);
    H5Tclose(type);
}

static hid_t new_file(const char *name)
{
    char path[800];
    snprintf(path, sizeof path, "%s/network/%s", dir, name);
    fuzz_mkdirs(path);
    hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    if (f < 0) fuzz_die("cannot make", path);
    return f;
}

static void node_pop(hid_t f, const char *name, uint64_t n, uint64_t type)
{
    char p[64];
    snprintf(p, sizeof p, "nodes/%s", name);
    hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
    H5Pset_create_intermediate_group(lcpl, 1);
    hid_t g = H5Gcreate2(f, p, lcpl, H5P_DEFAULT, H5P_DEFAULT);
    uint64_t id[16], ty[16];
    for (uint64_t k = 0; k < n; k++) id[k] = k, ty[k] = type;
    put(g, "node_id", H5T_NATIVE_UINT64, id, n);
    put(g, "node_type_id", H5T_NATIVE_UINT64, ty, n);
    H5Gclose(g);
    H5Pclose(lcpl);
}

/* Edge population name: n edges src -> tgt of types ty, per-edge w and d where not NULL. */
static void edge_pop(hid_t f, const char *name, const char *from, const char *to, size_t n,
                     const uint64_t *src, const uint64_t *tgt, const uint32_t *ty,
                     const double *w, const double *d)
{
    char p[64];
    snprintf(p, sizeof p, "edges/%s", name);
    hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
    H5Pset_create_intermediate_group(lcpl, 1);
    hid_t g = H5Gcreate2(f, p, lcpl, H5P_DEFAULT, H5P_DEFAULT);
    put(g, "source_node_id", H5T_NATIVE_UINT64, src, n);
    put(g, "target_node_id", H5T_NATIVE_UINT64, tgt, n);
    put(g, "edge_type_id", H5T_NATIVE_UINT32, ty, n);
    hid_t s = H5Dopen2(g, "source_node_id", H5P_DEFAULT);
    hid_t t = H5Dopen2(g, "target_node_id", H5P_DEFAULT);
    put_text_attr(s, "node_population", from);
    put_text_attr(t, "node_population", to);
    H5Dclose(s);
    H5Dclose(t);
    hid_t g0 = H5Gcreate2(g, "0", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (w) put(g0, "syn_weight", H5T_NATIVE_DOUBLE, w, n);
    if (d) put(g0, "delay", H5T_NATIVE_DOUBLE, d, n);
    H5Gclose(g0);
    H5Gclose(g);
    H5Pclose(lcpl);
}

static void write_h5(void)
{
    hid_t f = new_file("nodes.h5");
    node_pop(f, "exc", 8, 0);
    node_pop(f, "inh", 4, 1);
    H5Fclose(f);
    f = new_file("nodes_cond.h5");
    node_pop(f, "cnd", 3, 2);
    H5Fclose(f);

    f = new_file("edges.h5");
    static const uint64_t ee_s[] = {0, 1, 2, 3, 5, 7}, ee_t[] = {1, 2, 3, 4, 0, 6};
    static const uint32_t t100[] = {100, 100, 100, 100, 100, 100};
    static const double ee_w[] = {20.0, 25.5, 18.0, 30.0, 22.0, 19.0};
    static const double ee_d[] = {0.1, 0.5, 1.0, 1.5, 2.0, 0.3};
    edge_pop(f, "exc_to_exc", "exc", "exc", 6, ee_s, ee_t, t100, ee_w, ee_d);
    static const uint64_t ei_s[] = {0, 2, 4, 6}, ei_t[] = {0, 1, 2, 3};
    static const double ei_w[] = {15.0, 16.0, 17.0, 18.0};
    edge_pop(f, "exc_to_inh", "exc", "inh", 4, ei_s, ei_t, t100, ei_w, NULL);
    static const uint64_t ie_s[] = {0, 1, 2, 3, 3}, ie_t[] = {7, 5, 3, 1, 0};
    static const uint32_t t101[] = {101, 101, 101, 101, 101};
    edge_pop(f, "inh_to_exc", "inh", "exc", 5, ie_s, ie_t, t101, NULL, NULL);
    static const uint64_t ii_s[] = {0, 1, 2, 3}, ii_t[] = {1, 2, 3, 0};
    static const uint32_t ii_ty[] = {101, 102, 101, 102};
    static const double ii_w[] = {-40.0, 12.0, -35.0, 10.0};
    edge_pop(f, "inh_to_inh", "inh", "inh", 4, ii_s, ii_t, ii_ty, ii_w, NULL);
    H5Fclose(f);

    f = new_file("edges_cond.h5");
    static const uint64_t ec_s[] = {1, 3, 5}, ec_t[] = {0, 1, 2};
    static const uint32_t t103[] = {103, 103, 103};
    static const double ec_w[] = {2.0, -3.0, 1.5};
    edge_pop(f, "exc_to_cnd", "exc", "cnd", 3, ec_s, ec_t, t103, ec_w, NULL);
    static const uint64_t ci_s[] = {0, 2}, ci_t[] = {3, 1};
    static const uint32_t t104[] = {104, 104};
    edge_pop(f, "cnd_to_inh", "cnd", "inh", 2, ci_s, ci_t, t104, NULL, NULL);
    edge_pop(f, "cnd_to_cnd", "cnd", "cnd", 0, ci_s, ci_t, t104, NULL, NULL);
    H5Fclose(f);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    fuzz_path(dir, sizeof dir, "circuit");
    write_h5();
    return 0;
}

/* The file named by the header line h[0..n) ("@@ NAME") into path, or "" to drop what
 * follows. */
static void part_path(const char *h, size_t n, char *path, size_t size)
{
    path[0] = '\0';
    for (size_t k = 0; k < NPARTS; k++)
        if (n == 3 + strlen(part_names[k][0]) && !memcmp(h + 3, part_names[k][0], n - 3))
            snprintf(path, size, "%s/%s", dir, part_names[k][1]);
}

/* Splits the input into the circuit's text files; those it does not give are removed. */
static void unpack(const uint8_t *data, size_t size, char *config, size_t n)
{
    char path[800];
    for (size_t k = 0; k < NPARTS; k++) {
        snprintf(path, sizeof path, "%s/%s", dir, part_names[k][1]);
        remove(path);
    }
    snprintf(config, n, "%s/circuit_config.json", dir);
    fuzz_unpack(data, size, config, part_path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char config[800];
    unpack(data, size, config, sizeof config);
    char *check[] = {"check", config, NULL};
    (void)cli_check(2, check);
    return 0;
}
