/* tests/test_connectivity: record.connectivity (nodes.h5 and edges.h5 of the built network,
 * io/edges and cli/run_edges) and a list projection's edges_from. Truths: the original run's
 * spikes, byte for byte, when its edges.h5 is read back as the network; h5py (an independent
 * HDF5 reader, tests/sonata_h5.py) against SONATA's layout, the rules' synapse counts and the
 * run's weights.bin; the file's bytes on 1 and 3 threads. */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/edges.h"
#include "tests/harness.h"

#define EXPECT HARNESS_EXPECT

static char out[16384];

/* apical run configs/cuba.cfg for ms with record.connectivity on threads, into dir. */
static void run_cuba(const char *dir, int threads, int ms)
{
    int rc = harness_apicalf(out, sizeof out,
                             "run '%s/configs/cuba.cfg' --quiet --threads %d --set "
                             "simulation.duration=%d --set record.connectivity=true -o '%s'",
                             harness_root(), threads, ms, dir);
    EXPECT(rc == 0, "cuba with record.connectivity", out);
}

/* CUBA (configs/cuba.cfg: its populations, seed and dt) with every projection a list read from
 * edges.h5, and spikes.csv alone. */
static const char *cuba_from(const char *name, const char *edges, const char *extra)
{
    char text[4096];
    const char *pj = "{ name = \"%s\"; from = \"%s\"; to = \"%s\"; receptor = \"%s\"; "
                     "rule = \"list\"; edges_from = \"%s\"; %s },\n";
    static const char *const p[4][4] = {{"ee", "exc", "exc", "ex"}, {"ei", "exc", "inh", "ex"},
                                        {"ie", "inh", "exc", "in"}, {"ii", "inh", "inh", "in"}};
    int n = snprintf(text, sizeof text,
                     "simulation = { dt = 0.1; duration = 200.0; seed = 1; };\n"
                     "populations = (\n  { name = \"exc\"; size = 3200;\n"
                     "    @include \"%s/configs/include/cuba_lif.cfg\"\n  },\n"
                     "  { name = \"inh\"; size = 800;\n"
                     "    @include \"%s/configs/include/cuba_lif.cfg\"\n  }\n);\n"
                     "projections = (\n",
                     harness_root(), harness_root());
    for (int i = 0; i < 4; i++)
        n += snprintf(text + n, sizeof text - (size_t)n, pj, p[i][0], p[i][1], p[i][2], p[i][3],
                      edges, i == 0 ? extra : "");
    text[n - 2] = '\n';
    snprintf(text + n - 1, sizeof text - (size_t)n + 1,
             ");\nrecord = { formats = [\"csv\"]; raster = false; };\n");
    return harness_write(name, text);
}

/* Truth: the original run. CUBA written out on 2 threads and read back as four list projections
 * (edges_from, relative to the config's folder) spikes as the original did, byte for byte; on
 * 1 and 3 threads the network's files are the same bytes. */
static void test_cuba_round_trip(void)
{
    char a[1100], b[1100], c[1100], x[1200], y[1200];
    snprintf(a, sizeof a, "%s/cuba_conn", harness_tmpdir());
    run_cuba(a, 2, 200);
    snprintf(x, sizeof x, "%s/edges.h5", a);
    CU_ASSERT_FATAL(harness_exists(x));
    snprintf(x, sizeof x, "%s/nodes.h5", a);
    CU_ASSERT(harness_exists(x));

    const char *cfg = cuba_from("cuba_rt.cfg", "cuba_conn/edges.h5", "");
    snprintf(b, sizeof b, "%s/cuba_rt", harness_tmpdir());
    int rc = harness_apicalf(out, sizeof out, "run '%s' --quiet --threads 2 -o '%s'", cfg, b);
    EXPECT(rc == 0, "cuba from its edges.h5", out);
    snprintf(x, sizeof x, "%s/spikes.csv", a);
    snprintf(y, sizeof y, "%s/spikes.csv", b);
    size_t n = 0;
    free(harness_slurp(x, &n));
    CU_ASSERT(n > 10000); /* CUBA's activity, not silence */
    EXPECT(harness_same_file(x, y), "spikes.csv of the run and of its edges.h5 read back", out);
    snprintf(x, sizeof x, "%s/edges.h5", b);
    CU_ASSERT(!harness_exists(x)); /* record.connectivity is off by default */

    /* the edge population named otherwise than the projection */
    cfg = cuba_from("cuba_pop.cfg", "cuba_conn/edges.h5", "edge_population = \"ii\";");
    rc = harness_apicalf(out, sizeof out, "check '%s'", cfg);
    EXPECT(rc == 2 && strstr(out, "cuba_conn/edges.h5") && strstr(out, "/edges/ii") &&
               strstr(out, "\"inh\""),
           "ee read from ii: populations differ", out);

    for (int t = 1; t <= 3; t += 2) {
        snprintf(c, sizeof c, "%s/cuba_conn%d", harness_tmpdir(), t);
        run_cuba(c, t, 20);
        static const char *const files[] = {"edges.h5", "nodes.h5"};
        for (int f = 0; f < 2; f++) {
            snprintf(x, sizeof x, "%s/%s", a, files[f]);
            snprintf(y, sizeof y, "%s/%s", c, files[f]);
            EXPECT(harness_same_file(x, y), files[f], out);
        }
    }
    if (harness_python()) {
        rc = harness_py(out, sizeof out, "edges '%s' 0.1 ee=%s", a, "0");
        EXPECT(rc == 1 && strstr(out, "edge populations"), "the h5py check can fail", out);
    }
}

/* A network of every kind of storage: a source, per-synapse weights and delays (all_to_all,
 * drawn), one weight and delay (fixed_indegree), a list whose order the engine's storage
 * changes with the thread count (a source's targets 11, 0, 6 are kept by part), and a plastic
 * projection. */
static const char small[] =
    "simulation = { dt = 0.1; duration = 400.0; seed = 7; };\n"
    "populations = (\n"
    "  { name = \"in\"; size = 40; model = \"poisson_source\"; rate = 30.0; },\n"
    "  { name = \"out\"; size = 12; model = \"lif\"; } );\n"
    "projections = (\n"
    "  { name = \"a2a\"; from = \"in\"; to = \"out\"; rule = \"all_to_all\";\n"
    "    weight = { dist = \"uniform\"; low = 100.0; high = 400.0; };\n"
    "    delay = { dist = \"uniform\"; low = 0.1; high = 4.0; }; },\n"
    "  { name = \"rec\"; from = \"out\"; to = \"out\"; rule = \"fixed_indegree\"; k = 3;\n"
    "    weight = 15.0; delay = 1.5; },\n"
    "  { name = \"lst\"; from = \"in\"; to = \"out\"; rule = \"list\";\n"
    "    sources = [0, 0, 0, 1, 0]; targets = [11, 0, 6, 3, 0];\n"
    "    weights = [100.0, 200.0, 300.0, 400.0, 50.0]; delays = [1.0, 2.0, 0.3, 0.7, 0.2]; },\n"
    "  { name = \"pl\"; from = \"in\"; to = \"out\"; rule = \"fixed_indegree\"; k = 5;\n"
    "    weight = 300.0; delay = 0.5;\n"
    "    plasticity = { rule = \"stdp\"; lambda = 0.05; w_max = 1000.0; }; } );\n"
    "record = { formats = [\"csv\"]; raster = false; connectivity = true; };\n";

/* Truth: h5py reads nodes.h5 and edges.h5 as SONATA's layout (docs/formats.md), with the
 * rules' counts (all_to_all 40 x 12, fixed_indegree k x 12) and weights.bin's final plastic
 * weights; the network read back from them spikes as the original (per-synapse weights and
 * delays, and the plastic projection's final weights as a static start). */
static void test_small_h5py_and_round_trip(void)
{
    char a[1100], b[1100], x[1200], y[1200];
    const char *cfg = harness_write("small.cfg", small);
    snprintf(a, sizeof a, "%s/small", harness_tmpdir());
    int rc = harness_apicalf(out, sizeof out, "run '%s' --quiet --threads 1 -o '%s'", cfg, a);
    EXPECT(rc == 0, "small network with record.connectivity", out);
    if (harness_python()) {
        rc = harness_py(out, sizeof out, "edges '%s' 0.1 a2a=480 rec=36 lst=5 pl=60", a);
        EXPECT(rc == 0, "h5py check of edges.h5 and nodes.h5", out);
    }
    snprintf(b, sizeof b, "%s/small3", harness_tmpdir());
    rc = harness_apicalf(out, sizeof out, "run '%s' --quiet --threads 3 -o '%s'", cfg, b);
    EXPECT(rc == 0, "small network on 3 threads", out);
    snprintf(x, sizeof x, "%s/edges.h5", a);
    snprintf(y, sizeof y, "%s/edges.h5", b);
    EXPECT(harness_same_file(x, y), "small's edges.h5 on 1 and 3 threads", out);
    /* read back: the same network but for pl's plasticity (its final weights, now static) */
    char text[4096];
    snprintf(text, sizeof text,
             "simulation = { dt = 0.1; duration = 400.0; seed = 7; };\n"
             "populations = (\n"
             "  { name = \"in\"; size = 40; model = \"poisson_source\"; rate = 30.0; },\n"
             "  { name = \"out\"; size = 12; model = \"lif\"; } );\n"
             "projections = (\n"
             "  { name = \"a2a\"; from = \"in\"; to = \"out\"; rule = \"list\";\n"
             "    edges_from = \"small/edges.h5\"; },\n"
             "  { name = \"rec\"; from = \"out\"; to = \"out\"; rule = \"list\";\n"
             "    edges_from = \"small/edges.h5\"; },\n"
             "  { name = \"lst\"; from = \"in\"; to = \"out\"; rule = \"list\";\n"
             "    edges_from = \"small/edges.h5\"; } );\n"
             "record = { formats = [\"csv\"]; raster = false; };\n");
    cfg = harness_write("small_rt.cfg", text);
    snprintf(b, sizeof b, "%s/small_rt", harness_tmpdir());
    rc = harness_apicalf(out, sizeof out, "run '%s' --quiet -o '%s'", cfg, b);
    EXPECT(rc == 0, "the small network without pl, from its edges", out);
    /* without pl the spikes differ from the original: run the original without pl too */
    char *orig = strdup(small);
    char *pl = strstr(orig, ",\n  { name = \"pl\"");
    CU_ASSERT_FATAL(pl != NULL);
    strcpy(pl, " );\nrecord = { formats = [\"csv\"]; raster = false; };\n");
    cfg = harness_write("small_nopl.cfg", orig);
    free(orig);
    snprintf(x, sizeof x, "%s/small_nopl", harness_tmpdir());
    rc = harness_apicalf(out, sizeof out, "run '%s' --quiet -o '%s'", cfg, x);
    EXPECT(rc == 0, "the small network without pl", out);
    snprintf(y, sizeof y, "%s/spikes.csv", b);
    strcat(x, "/spikes.csv");
    char *spk = harness_slurp(x, NULL);
    CU_ASSERT(spk && harness_count(spk, NULL, " out ") > 100); /* the lif neurons fire */
    free(spk);
    EXPECT(harness_same_file(x, y), "per-synapse weights and delays read back: the same spikes", out);
}

/* A small config whose projection ab (a: 10 sources -> b: 10 lif) reads file. */
static const char *ab_config(const char *name, const char *file, const char *extra)
{
    char text[2048];
    snprintf(text, sizeof text,
             "simulation = { dt = 0.1; duration = 10.0; };\n"
             "populations = ( { name = \"a\"; size = 10; model = \"poisson_source\"; "
             "rate = 10.0; },\n  { name = \"b\"; size = 10; model = \"lif\"; } );\n"
             "projections = ( { name = \"ab\"; from = \"a\"; to = \"b\"; rule = \"list\";\n"
             "  edges_from = \"%s\"; weight = 1.0; %s } );\n",
             file, extra);
    return harness_write(name, text);
}

/* apical check of a config reading file: exit 2, and the message holds file and every `has`. */
static void expect_refused(const char *file, const char *extra, const char *has1,
                           const char *has2)
{
    const char *cfg = ab_config("ab.cfg", file, extra);
    int rc = harness_apicalf(out, sizeof out, "check '%s'", cfg);
    char ctx[256];
    snprintf(ctx, sizeof ctx, "%s %s: exit 2 naming the file and %s", file, extra, has1);
    EXPECT(rc == 2 && strstr(out, file) && strstr(out, has1) && (!has2 || strstr(out, has2)) &&
               !harness_sanitizer_text(out),
           ctx, out);
}

/* Truth: the standard (exit 2, one message naming the file and the dataset, never a crash).
 * Broken files written by h5py; a missing file, a text file and settings that do not fit
 * without it. */
static void test_bad_input(void)
{
    expect_refused("missing.h5", "", "not a regular file", NULL);
    harness_write("text.h5", "source_node_id,target_node_id\n1,2\n");
    expect_refused("text.h5", "", "not a readable HDF5 file", NULL);
    /* a good file against settings that do not fit it */
    if (!harness_python()) return;
    const char *good = harness_path("good.h5");
    int rc = harness_py(out, sizeof out, "edges_bad good '%s'", good);
    CU_ASSERT_FATAL(rc == 0);
    const char *cfg = ab_config("ab.cfg", "good.h5", "");
    rc = harness_apicalf(out, sizeof out, "check '%s'", cfg);
    EXPECT(rc == 0, "the good file", out);
    expect_refused("good.h5", "edge_population = \"cd\";", "/edges/cd: missing", NULL);
    static const char *const settings[] = {"delays = [1.0];", "sources = [1];",
                                           "weights_from = \"w.bin\";"};
    for (size_t k = 0; k < sizeof settings / sizeof settings[0]; k++) {
        rc = harness_apicalf(out, sizeof out, "check '%s'", ab_config("ab.cfg", "good.h5",
                                                                     settings[k]));
        EXPECT(rc == 2 && strstr(out, "not with "), settings[k], out);
    }
    rc = harness_apicalf(out, sizeof out, "check '%s' --set simulation.dt=2.0", ab_config(
                         "ab.cfg", "good.h5", ""));
    EXPECT(rc == 2 && strstr(out, "/edges/ab/0/delay[0]") && strstr(out, "shorter than one step"),
           "delays of 1.5 ms at dt = 2 ms", out);
    static const char *const kinds[][3] = {
        {"missing_dataset", "/edges/ab/target_node_id", "missing"},
        {"wrong_dtype", "/edges/ab/source_node_id", "float64"},
        {"out_of_range", "/edges/ab/target_node_id[7]", "out of range"},
        {"negative_id", "/edges/ab/source_node_id[3]", "negative"},
        {"nan_weight", "/edges/ab/0/syn_weight[9]", "not a finite"},
        {"short_delay", "/edges/ab/0/delay[11]", "shorter than one step"},
        {"long_delay", "/edges/ab/0/delay[12]", "longer than"},
        {"other_group", "/edges/ab/edge_group_id[4]", "group 0 only"},
        {"ragged", "/edges/ab/0/delay", "must be as long"},
        {"rank2", "/edges/ab/0/syn_weight", "rank 2"},
        {"unbacked", "/edges/ab/source_node_id", "bytes of data stored"},
        {"truncated", "bad_truncated.h5", "not a readable HDF5 file"},
    };
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        char name[64];
        snprintf(name, sizeof name, "bad_%s.h5", kinds[k][0]);
        rc = harness_py(out, sizeof out, "edges_bad %s '%s'", kinds[k][0], harness_path(name));
        EXPECT(rc == 0, kinds[k][0], out);
        expect_refused(name, "", kinds[k][1], kinds[k][2]);
    }
    /* no source_population attribute: the populations are the config's */
    rc = harness_py(out, sizeof out, "edges_bad no_attributes '%s'", harness_path("noattr.h5"));
    CU_ASSERT(rc == 0);
    cfg = ab_config("ab.cfg", "noattr.h5", "");
    rc = harness_apicalf(out, sizeof out, "check '%s'", cfg);
    EXPECT(rc == 0, "a file without source_population and target_population", out);
}

/* Truth: what was written. io/edges' writer and reader agree on unsorted edges, per-edge
 * weights and delays, and refuse names HDF5 cannot take or that repeat. */
static const uint32_t w_src[] = {3, 0, 2, 2, 1}, w_tgt[] = {1, 4, 0, 0, 3};
static const float w_w[] = {0.5f, -2.25f, 1e-3f, 7.0f, 3.0f};
static const double w_d[] = {0.1, 2.5, 0.3, 0.3, 10.0};

static int next_all(void *self, int i, struct edges_part *pt, struct err *e)
{
    (void)self, (void)i, (void)e;
    *pt = (struct edges_part){.n = 5, .src = w_src, .tgt = w_tgt, .w = w_w, .delay_ms = w_d};
    return 0;
}

static void test_write_read(void)
{
    struct edges_pop p[2] = {{.name = "x", .src = "s", .tgt = "t", .nsyn = 5, .type_id = 4},
                             {.name = "y", .src = "t", .tgt = "s", .nsyn = 0}};
    struct err e = {0};
    const char *path = harness_path("wr_edges.h5");
    CU_ASSERT_FATAL(edges_write(path, p, 2, next_all, NULL, &e) == 0);
    struct edges_want w = {.pop = "x", .src_pop = "s", .tgt_pop = "t", .nsrc = 4, .ntgt = 5,
                           .dt_ms = 0.1, .max_delay_steps = 65535};
    struct edges_list l;
    CU_ASSERT_FATAL(edges_read(path, &w, &l, &e) == 0);
    CU_ASSERT(l.n == 5 && l.w && l.delay_ms);
    for (size_t i = 0; i < 5 && l.n == 5; i++)
        CU_ASSERT(l.src[i] == w_src[i] && l.tgt[i] == w_tgt[i] && l.w[i] == (double)w_w[i] &&
                  l.delay_ms[i] == w_d[i]);
    edges_list_free(&l);
    w.pop = "y", w.src_pop = "t", w.tgt_pop = "s";
    CU_ASSERT(edges_read(path, &w, &l, &e) == 0 && l.n == 0);
    edges_list_free(&l);
    w.ntgt = 4, w.pop = "x", w.src_pop = "s", w.tgt_pop = "t";
    CU_ASSERT(edges_read(path, &w, &l, &e) == ERR_INPUT && strstr(e.msg, "target_node_id[1]"));
    p[1].name = "x";
    CU_ASSERT(edges_write(harness_path("twice.h5"), p, 2, next_all, NULL, &e) == ERR_INPUT);
    CU_ASSERT(!harness_exists(harness_path("twice.h5")) &&
              !harness_exists(harness_path("twice.h5.tmp")));
    p[1].name = "a/b";
    CU_ASSERT(edges_write(harness_path("slash.h5"), p, 2, next_all, NULL, &e) == ERR_INPUT);
}

static int suite_connectivity(void)
{
    CU_pSuite s = CU_add_suite("connectivity", NULL, NULL);
    if (!s) return -1;
    CU_add_test(s, "io/edges written and read back", test_write_read);
    CU_add_test(s, "CUBA: edges.h5 read back spikes as the run; 1, 2, 3 threads alike",
                test_cuba_round_trip);
    CU_add_test(s, "h5py reads nodes.h5 and edges.h5; drawn weights and delays read back",
                test_small_h5py_and_round_trip);
    CU_add_test(s, "edges_from: bad files and settings exit 2 naming file and dataset",
                test_bad_input);
    return 0;
}

TEST_SUITE(suite_connectivity)
