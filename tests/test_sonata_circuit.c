/* tests/test_sonata_circuit: a SONATA circuit as the network (io/circuit, io/typetab;
 * network.sonata in io/cfg; apical check of a circuit config). Truths: the same network
 * written independently as a libconfig config (h5py writes the circuit, tests/sonata_h5.py
 * the config: same synapse count, spikes byte for byte); the original run, for CUBA's own
 * nodes.h5 and edges.h5 read back as a circuit; the message of every bad input (exit 2,
 * naming the file and the field). */
#include <CUnit/CUnit.h>
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/typetab.h"
#include "tests/harness.h"

#define EXPECT HARNESS_EXPECT

static char out[16384];

/* simulation, stimuli and record shared by the two ways of writing the network */
static const char *const run_tail =
    "simulation = { dt = 0.1; duration = 300.0; seed = 3; };\n"
    "stimuli = (\n"
    "  { name = \"kick_exc\"; type = \"poisson\"; target = \"exc\"; rate = 400.0; "
    "weight = 100.0; stop = 50.0; },\n"
    "  { name = \"kick_inh\"; type = \"poisson\"; target = \"inh\"; rate = 400.0; "
    "weight = 100.0; stop = 50.0; }\n);\n"
    "record = { formats = [\"csv\"]; raster = false; };\n";

/* The run's summary "synapses". */
static double synapses_of(const char *dir)
{
    char p[1200];
    snprintf(p, sizeof p, "%s/summary.json", dir);
    cJSON *j = harness_read_json(p);
    double n = j ? harness_json_num(j, "synapses") : NAN;
    cJSON_Delete(j);
    return n;
}

/* Runs config cfg into folder dir (under the test folder); the folder's path. */
static const char *run_into(const char *cfg, const char *dir, const char *what)
{
    const char *d = harness_path(dir);
    int rc = harness_apicalf(out, sizeof out, "run '%s' --quiet --threads 2 -o '%s'", cfg, d);
    EXPECT(rc == 0, what, out);
    return d;
}

/* spikes.csv of runs a and b hold the same bytes, and at least min_bytes of them. */
static void same_spikes(const char *a, const char *b, size_t min_bytes, const char *what)
{
    char x[1200], y[1200];
    snprintf(x, sizeof x, "%s/spikes.csv", a);
    snprintf(y, sizeof y, "%s/spikes.csv", b);
    size_t n = 0;
    free(harness_slurp(x, &n));
    CU_ASSERT(n > min_bytes); /* activity, not silence */
    EXPECT(harness_same_file(x, y), what, out);
}

/* Truth: the same network as a libconfig config (lif with NEST's parameters translated by
 * hand, list projections with the per-type weights and delays written out per edge). */
static void test_equivalent_config(void)
{
    if (!harness_python()) return;
    const char *dir = harness_folder("circ_eq");
    int rc = harness_py(out, sizeof out, "circuit '%s' 80 20 3", dir);
    CU_ASSERT_FATAL(rc == 0);
    char text[4096];
    snprintf(text, sizeof text, "network = { sonata = \"circ_eq/circuit_config.json\"; };\n%s",
             run_tail);
    const char *a = harness_write("circ_sonata.cfg", text);
    snprintf(text, sizeof text, "@include \"circ_eq/net.cfg\"\n%s", run_tail);
    const char *b = harness_write("circ_libconfig.cfg", text);
    const char *da = run_into(a, "circ_out_sonata", "the circuit as network.sonata");
    const char *db = run_into(b, "circ_out_libconfig", "the same network in libconfig");
    same_spikes(da, db, 2000, "spikes of the circuit and of its libconfig twin");
    double sa = synapses_of(da), sb = synapses_of(db);
    CU_ASSERT(sa > 100 && sa == sb);

    /* apical check of the circuit config directly: populations, models, edge counts */
    char x[1200];
    snprintf(x, sizeof x, "%s/circuit_config.json", dir);
    rc = harness_apicalf(out, sizeof out, "check '%s'", x);
    EXPECT(rc == 0 && strstr(out, "a valid SONATA circuit") && strstr(out, "exc") &&
               strstr(out, "80 x lif") && strstr(out, "inh_to_exc") && strstr(out, "exc.in"),
           "apical check circuit_config.json", out);
    char count[64];
    snprintf(count, sizeof count, "~%.0f synapses, about", sa);
    EXPECT(strstr(out, count) != NULL, "check's synapse count is the run's", out);
}

/* Truth: the original run. CUBA with record.connectivity, its nodes.h5 and edges.h5 put in a
 * circuit config with a node_types.csv (nodes.h5 holds no parameters: node_type_id is the
 * population's index, so the table maps 0 and 1 to CUBA's lif, init included) and no edge
 * types (weights and delays are per edge; receptors from the weights' signs). */
static void test_round_trip(void)
{
    const char *orig = harness_path("circ_cuba");
    int rc = harness_apicalf(out, sizeof out,
                             "run '%s/configs/cuba.cfg' --quiet --threads 2 --set "
                             "simulation.duration=200 --set record.connectivity=true -o '%s'",
                             harness_root(), orig);
    EXPECT(rc == 0, "cuba with record.connectivity", out);
    harness_write("cuba_lif.json",
                  "{ \"synapse\": \"voltage\", \"tau_m\": 20.0, \"e_l\": -49.0, \"v_th\": -50.0,\n"
                  "  \"v_reset\": -60.0, \"t_ref\": 5.0, \"tau_syn_ex\": 5.0, \"tau_syn_in\": 10.0,\n"
                  "  \"init\": { \"v\": { \"dist\": \"uniform\", \"low\": -60.0, \"high\": -50.0 } } }\n");
    harness_write("cuba_types.csv", "node_type_id model_type model_template dynamics_params\n"
                                    "0 point_neuron apical:lif cuba_lif.json\n"
                                    "1 point_neuron lif \"cuba_lif.json\"\n");
    harness_write("cuba_circuit.json",
                  "{ \"manifest\": { \"$RUN\": \"circ_cuba\" },\n"
                  "  \"networks\": {\n"
                  "    \"nodes\": [ { \"nodes_file\": \"$RUN/nodes.h5\",\n"
                  "                 \"node_types_file\": \"cuba_types.csv\" } ],\n"
                  "    \"edges\": [ { \"edges_file\": \"$RUN/edges.h5\" } ] } }\n");
    const char *cfg = harness_write("cuba_circuit.cfg",
                                    "simulation = { dt = 0.1; duration = 200.0; seed = 1; };\n"
                                    "network = { sonata = \"cuba_circuit.json\"; };\n"
                                    "record = { formats = [\"csv\"]; raster = false; };\n");
    const char *back = run_into(cfg, "circ_cuba_back", "CUBA's own files as a circuit");
    same_spikes(orig, back, 10000, "CUBA's spikes and those of its circuit read back");
    CU_ASSERT(synapses_of(orig) == synapses_of(back));

    /* --set reaches a SONATA network's run as any other: a shorter run, fewer spikes */
    const char *d = harness_path("circ_cuba_set");
    rc = harness_apicalf(out, sizeof out, "run '%s' --quiet --set simulation.duration=50 -o '%s'",
                         cfg, d);
    EXPECT(rc == 0, "--set on a network.sonata config", out);
}

/* Bad circuit KIND (tests/sonata_h5.py circuit_bad) refused with exit 2 and a message holding
 * has1 and has2, by apical check of the circuit and by a run of a config naming it. */
static void expect_bad(const char *kind, const char *has1, const char *has2)
{
    char name[64], dir[1200];
    snprintf(name, sizeof name, "circ_bad_%s", kind);
    snprintf(dir, sizeof dir, "%s", harness_folder(name));
    int rc = harness_py(out, sizeof out, "circuit_bad %s '%s'", kind, dir);
    EXPECT(rc == 0, kind, out);
    rc = harness_apicalf(out, sizeof out, "check '%s/circuit_config.json'", dir);
    EXPECT(rc == 2 && strstr(out, has1) && strstr(out, has2) && !harness_sanitizer_text(out),
           kind, out);
    char text[2600];
    snprintf(text, sizeof text, "network = { sonata = \"%s/circuit_config.json\"; };\n%s", dir,
             run_tail);
    snprintf(name, sizeof name, "circ_bad_%s.cfg", kind);
    const char *cfg = harness_write(name, text);
    rc = harness_apicalf(out, sizeof out, "run '%s' --quiet -o '%s_out'", cfg, dir);
    EXPECT(rc == 2 && strstr(out, has1) && strstr(out, has2), kind, out);
}

static void test_bad_circuits(void)
{
    if (!harness_python()) return;
    expect_bad("missing_nodes", "network/nodes.h5", "missing");
    expect_bad("json_syntax", "circuit_config.json:", "JSON syntax error");
    expect_bad("template", "node_types.csv:2", "model_template: unknown model template "
                                               "\"nest:iaf_psc_alpha\"");
    expect_bad("param", "inh.json", "tau_ref");
    expect_bad("unknown_pop", "edges.h5", "node_population \"ghost\"");
    expect_bad("id_range", "/edges/exc_to_inh/target_node_id[3]", "out of range");
    expect_bad("truncated", "edges.h5", "not a readable HDF5 file");
    expect_bad("node_type", "/nodes/inh/node_type_id", "node type 1 is not in");
    expect_bad("mixed", "/nodes/exc/node_type_id", "differs from type 0");
    expect_bad("no_weight", "edge_types.csv:3", "syn_weight");
}

/* Settings around network.sonata, and circuit configs written by hand. */
static void test_bad_settings(void)
{
    static const struct {
        const char *cfg, *has;
    } cases[] = {
        {"network = { sonata = \"nowhere.json\"; };\n", "nowhere.json"},
        {"network = { sonata = 3; };\n", "network.sonata"},
        {"network = { sonata = \"c.json\"; nodes = 1; };\n", "network.nodes"},
        {"network = \"c.json\";\n", "network: must be a group"},
        {"network = { sonata = \"c.json\"; };\npopulations = ( { name = \"a\"; size = 1; } );\n",
         "populations: not with network.sonata"},
    };
    harness_write("c.json", "{ \"networks\": { \"nodes\": [] } }\n");
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char text[1024];
        snprintf(text, sizeof text, "simulation = { duration = 10.0; };\n%s", cases[i].cfg);
        const char *cfg = harness_write("circ_set.cfg", text);
        int rc = harness_apicalf(out, sizeof out, "check '%s'", cfg);
        EXPECT(rc == 2 && strstr(out, cases[i].has), cases[i].cfg, out);
    }
    static const struct {
        const char *json, *has;
    } circuits[] = {
        {"{ \"networks\": { \"nodes\": [] } }", "networks.nodes: must be a list"},
        {"[1, 2]", "a circuit config is a JSON object"},
        {"{ \"networks\": { \"nodes\": [ { \"nodes_file\": \"$NOPE/n.h5\", "
         "\"node_types_file\": \"t.csv\" } ] } }",
         "networks.nodes[0].nodes_file: \"$NOPE/n.h5\": no manifest variable"},
        {"{ \"manifest\": { \"$A\": \"$B\", \"$B\": \"$A\" }, \"networks\": { \"nodes\": [ { "
         "\"nodes_file\": \"$A/n.h5\", \"node_types_file\": \"t.csv\" } ] } }",
         "without end"},
        {"{ \"networks\": { \"nodes\": [ { \"nodes_file\": \"n.h5\" } ] } }",
         "networks.nodes[0].node_types_file: missing"},
    };
    for (size_t i = 0; i < sizeof circuits / sizeof circuits[0]; i++) {
        const char *j = harness_write("circ_hand.json", circuits[i].json);
        int rc = harness_apicalf(out, sizeof out, "check '%s'", j);
        EXPECT(rc == 2 && strstr(out, "circ_hand.json") && strstr(out, circuits[i].has),
               circuits[i].json, out);
    }
}

/* Truth: the table as written. Quoting, NULL, and each refusal with its line. */
static void test_typetab(void)
{
    struct typetab t;
    struct err e = {0};
    const char *p = harness_write("types_ok.csv",
                                  "edge_type_id  model_template syn_weight \"delay\"\n"
                                  "\n"
                                  "7 static_synapse NULL 1.5\n"
                                  "3\t\"a \"\"b\"\" c\" -2 \"\"\n");
    CU_ASSERT_FATAL(typetab_load(p, "edge_type_id", &t, &e) == 0);
    CU_ASSERT(t.nrow == 2 && t.ncol == 4 && typetab_col(&t, "delay") == 3);
    long r3 = typetab_row(&t, 3), r7 = typetab_row(&t, 7);
    CU_ASSERT(r3 == 1 && r7 == 0 && typetab_row(&t, 5) == -1);
    CU_ASSERT(typetab_cell(&t, 0, 2) == NULL && !strcmp(typetab_cell(&t, 0, 3), "1.5"));
    CU_ASSERT(!strcmp(typetab_cell(&t, 1, 1), "a \"b\" c") && typetab_cell(&t, 1, 3) == NULL);
    CU_ASSERT(typetab_cell(&t, 1, -1) == NULL && t.line[1] == 4);
    typetab_free(&t);
    static const struct {
        const char *text, *has;
        int line;
    } bad[] = {
        {"", "empty", 0},
        {"a b\n1 2\n", "no column edge_type_id", 1},
        {"edge_type_id x\n1 2 3\n", "3 fields", 2},
        {"edge_type_id x\n1 \"2\n", "quote", 2},
        {"edge_type_id x\n-1 2\n", "not a type id", 2},
        {"edge_type_id x\n4294967296 2\n", "not a type id", 2},
        {"edge_type_id x\n5 a\n6 b\n5 c\n", "type 5 again (first on line 2)", 4},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        p = harness_write("types_bad.csv", bad[i].text);
        memset(&e, 0, sizeof e);
        int rc = typetab_load(p, "edge_type_id", &t, &e);
        EXPECT(rc == ERR_INPUT && strstr(e.msg, bad[i].has) && e.line == bad[i].line,
               bad[i].text, e.msg);
    }
    memset(&e, 0, sizeof e);
    CU_ASSERT(typetab_load(harness_path("types_none.csv"), "id", &t, &e) == ERR_INPUT);

    /* a header of 100 000 columns over 2 million blank lines (2.7 MB): room for rows by the
     * count of lines sized 1.6 TB of cells (out of memory, or an abort under ASan); by the
     * file's length, a few rows */
    enum { COLS = 100000, BLANK = 2000000 };
    char *text = malloc((size_t)COLS * 8 + BLANK + 16);
    CU_ASSERT_FATAL(text != NULL);
    size_t n = (size_t)sprintf(text, "edge_type_id");
    for (int c = 1; c < COLS; c++) n += (size_t)sprintf(text + n, " c%d", c);
    memset(text + n, '\n', BLANK);
    text[n + BLANK] = '\0';
    p = harness_write("types_wide.csv", text);
    free(text);
    memset(&e, 0, sizeof e);
    int rc = typetab_load(p, "edge_type_id", &t, &e);
    EXPECT(rc == 0 && t.ncol == COLS && t.nrow == 0, "a wide header over blank lines", e.msg);
    if (rc == 0) typetab_free(&t);
}

/* ---------------------------------------------------------------------------------------------
 * Receptors and lif_cond. These circuits need no h5py: apical's own record.connectivity
 * writes their nodes.h5 and edges.h5 (node_type_id and edge_type_id: the population's and
 * the projection's index), which are then read back with type tables written here.
 */

/* simulation, stimuli and record of the twins below: both populations driven */
static const char *const twin_tail =
    "simulation = { dt = 0.1; duration = 300.0; seed = 5; };\n"
    "stimuli = (\n"
    "  { name = \"drive_a\"; type = \"poisson\"; target = \"a\"; rate = 3000.0; weight = 60.0; },\n"
    "  { name = \"drive_b\"; type = \"poisson\"; target = \"b\"; rate = 2500.0; weight = 60.0; }\n"
    ");\nrecord = { formats = [\"csv\"]; raster = false; };\n";

/* The list of ab (a: 10 neurons -> b: 6), sorted by source then target: weights of both signs,
 * exact in float32 (edges.h5 keeps syn_weight as float32). */
#define AB_N 24
static const unsigned ab_src[AB_N] = {0, 0, 1, 1, 1, 2, 2, 3, 3, 4, 4, 4,
                                      5, 5, 6, 6, 7, 7, 7, 8, 8, 9, 9, 9};
static const unsigned ab_tgt[AB_N] = {0, 3, 1, 2, 5, 0, 4, 1, 3, 0, 2, 5,
                                      1, 4, 3, 5, 0, 2, 4, 1, 5, 0, 3, 4};
static const double ab_w[AB_N] = {300.0, -450.5, 275.25, -500.0, 320.0, -410.0, 290.0, 310.5,
                                  -480.0, 305.0, -425.75, 330.0, -460.0, 298.0, 312.0, -440.0,
                                  -470.25, 301.0, 315.0, -455.0, 322.5, 308.0, -430.0, 299.5};
static const double ab_d[AB_N] = {0.5, 1.0, 1.5, 0.8, 0.3, 2.0, 1.1, 0.7, 0.9, 1.3, 0.4, 1.6,
                                  0.2, 0.6, 1.8, 1.2, 0.5, 0.9, 1.4, 0.3, 1.0, 0.8, 1.7, 0.6};

/* A list projection of the edges of ab whose weight has sign sgn (+1: >= 0, -1: < 0, 0: all)
 * onto receptor, appended to text. Returns its edge count. */
static int ab_list(char *text, size_t n, const char *name, const char *receptor, int sgn)
{
    char s[512] = "", t[512] = "", w[1024] = "", d[512] = "";
    int k = 0;
    for (int i = 0; i < AB_N; i++) {
        if ((sgn > 0 && ab_w[i] < 0) || (sgn < 0 && ab_w[i] >= 0)) continue;
        const char *sep = k++ ? ", " : "";
        snprintf(s + strlen(s), sizeof s - strlen(s), "%s%u", sep, ab_src[i]);
        snprintf(t + strlen(t), sizeof t - strlen(t), "%s%u", sep, ab_tgt[i]);
        snprintf(w + strlen(w), sizeof w - strlen(w), "%s%.2f", sep, ab_w[i]);
        snprintf(d + strlen(d), sizeof d - strlen(d), "%s%.1f", sep, ab_d[i]);
    }
    snprintf(text + strlen(text), n - strlen(text),
             "  { name = \"%s\"; from = \"a\"; to = \"b\"; receptor = \"%s\"; rule = \"list\";\n"
             "    sources = [%s];\n    targets = [%s];\n"
             "    weights = [%s];\n    delays = [%s]; },\n",
             name, receptor, s, t, w, d);
    return k;
}

/* lif with distinct synaptic time constants, so that a receptor mix-up shows in the spikes */
static const char *const ab_lif = "model = \"lif\"; tau_syn_ex = 2.0; tau_syn_in = 8.0; "
                                  "init = { v = -60.0; };";
static const char *const ab_lif_json = "{ \"tau_syn_ex\": 2.0, \"tau_syn_in\": 8.0, "
                                       "\"init\": { \"v\": -60.0 } }\n";

/* The config of populations a and b (lif) with the projections in projs (list entries). */
static const char *ab_config(const char *name, const char *projs, const char *tail)
{
    char text[8192];
    size_t n = strlen(projs); /* the entries less the last one's comma */
    snprintf(text, sizeof text,
             "populations = ( { name = \"a\"; size = 10; %s },\n"
             "                { name = \"b\"; size = 6; %s } );\nprojections = (\n%.*s\n);\n%s",
             ab_lif, ab_lif, (int)(n >= 2 ? n - 2 : n), projs, tail);
    return harness_write(name, text);
}

/* ab as one projection onto ex, with weights of both signs, written as nodes.h5 and edges.h5
 * by record.connectivity into folder circ_ab; that folder's path. */
static const char *ab_files(void)
{
    char projs[4096] = "";
    ab_list(projs, sizeof projs, "ab", "ex", 0);
    const char *cfg = ab_config("circ_ab_src.cfg", projs,
                                "simulation = { dt = 0.1; duration = 1.0; };\n"
                                "record = { connectivity = true; raster = false; };\n");
    const char *d = harness_path("circ_ab");
    int rc = harness_apicalf(out, sizeof out, "run '%s' --quiet -o '%s'", cfg, d);
    EXPECT(rc == 0, "ab with weights of both signs onto ex, record.connectivity", out);
    return d;
}

/* circuit_config.json at name: circ_ab's nodes.h5 and edges.h5, node types ab_types.csv (a
 * and b: lif as above), edge types edge_types (NULL: none); the path of a config running it. */
static const char *ab_circuit(const char *name, const char *edge_types)
{
    harness_write("ab_lif.json", ab_lif_json);
    harness_write("ab_types.csv", "node_type_id model_type model_template dynamics_params\n"
                                  "0 point_neuron apical:lif ab_lif.json\n"
                                  "1 point_neuron lif ab_lif.json\n");
    char text[2048], json[128];
    snprintf(text, sizeof text,
             "{ \"networks\": {\n"
             "    \"nodes\": [ { \"nodes_file\": \"circ_ab/nodes.h5\", "
             "\"node_types_file\": \"ab_types.csv\" } ],\n"
             "    \"edges\": [ { \"edges_file\": \"circ_ab/edges.h5\"%s%s%s } ] } }\n",
             edge_types ? ", \"edge_types_file\": \"" : "", edge_types ? edge_types : "",
             edge_types ? "\"" : "");
    snprintf(json, sizeof json, "%s.json", name);
    harness_write(json, text);
    snprintf(text, sizeof text, "network = { sonata = \"%s\"; };\n%s", json, twin_tail);
    snprintf(json, sizeof json, "%s.cfg", name);
    return harness_write(json, text);
}

/* Truth: a libconfig twin with two list projections, ab_ex (the edges of weight >= 0) and ab_in
 * (those < 0): an edge population whose edges reach both receptors by the weight's sign is
 * split into <name>_ex and <name>_in, each with its edges, in file order. */
static void test_split_by_sign(void)
{
    ab_files();
    char projs[8192] = "";
    int nex = ab_list(projs, sizeof projs, "ab_ex", "ex", 1);
    int nin = ab_list(projs, sizeof projs, "ab_in", "in", -1);
    CU_ASSERT(nex == 14 && nin == 10);
    const char *twin = ab_config("circ_split_twin.cfg", projs, twin_tail);
    const char *circ = ab_circuit("circ_split", NULL);
    const char *dt = run_into(twin, "circ_split_out_twin", "ab_ex and ab_in in libconfig");
    const char *dc = run_into(circ, "circ_split_out", "ab split by the weights' signs");
    same_spikes(dc, dt, 500, "spikes of the split edge population and of its twin");
    CU_ASSERT(synapses_of(dc) == AB_N && synapses_of(dt) == AB_N);
    int rc = harness_apicalf(out, sizeof out, "check '%s'", harness_path("circ_split.json"));
    EXPECT(rc == 0 && strstr(out, "ab_ex") && strstr(out, "a -> b.ex  list  ~14 synapses") &&
               strstr(out, "ab_in") && strstr(out, "a -> b.in  list  ~10 synapses") &&
               !strstr(out, "ab    "),
           "apical check: ab_ex with 14 edges, ab_in with 10", out);
}

/* Truth: a twin with ab as one list projection onto the receptor that edge_types.csv names:
 * its receptor column wins over the weights' signs (none is split off). A receptor the
 * target lacks, or a negative weight onto a conductance, is refused naming the table. */
static void test_receptor_column(void)
{
    ab_files();
    harness_write("ab_in.csv", "edge_type_id model_template receptor\n0 static_synapse in\n");
    char projs[4096] = "";
    ab_list(projs, sizeof projs, "ab", "in", 0);
    const char *twin = ab_config("circ_rcol_twin.cfg", projs, twin_tail);
    const char *circ = ab_circuit("circ_rcol", "ab_in.csv");
    const char *dt = run_into(twin, "circ_rcol_out_twin", "ab onto in in libconfig");
    const char *dc = run_into(circ, "circ_rcol_out", "ab onto in by edge_types.csv");
    same_spikes(dc, dt, 500, "spikes with edge_types.csv's receptor and of its twin");
    CU_ASSERT(synapses_of(dc) == AB_N);
    int rc = harness_apicalf(out, sizeof out, "check '%s'", harness_path("circ_rcol.json"));
    EXPECT(rc == 0 && strstr(out, "a -> b.in  list  ~24 synapses") && !strstr(out, "ab_in") &&
               !strstr(out, "b.ex"),
           "apical check: ab, all 24 edges onto in", out);

    /* the column says ex: all 24 onto ex, the negative weights too (a current) */
    harness_write("ab_ex.csv", "edge_type_id receptor\n0 \"ex\"\n");
    ab_circuit("circ_rcol_ex", "ab_ex.csv");
    rc = harness_apicalf(out, sizeof out, "check '%s'", harness_path("circ_rcol_ex.json"));
    EXPECT(rc == 0 && strstr(out, "a -> b.ex  list  ~24 synapses"), "receptor ex wins", out);

    /* a receptor b's model lacks */
    harness_write("ab_nmda.csv", "edge_type_id receptor\n0 nmda\n");
    ab_circuit("circ_rcol_nmda", "ab_nmda.csv");
    rc = harness_apicalf(out, sizeof out, "check '%s'", harness_path("circ_rcol_nmda.json"));
    EXPECT(rc == 2 && strstr(out, "ab_nmda.csv:2") && strstr(out, "no receptor \"nmda\""),
           "an unknown receptor", out);

    /* onto lif_cond: the column's in takes a negative weight as it is, which a conductance
     * cannot; refused naming the edge */
    harness_write("ab_cond.csv", "node_type_id model_template\n0 lif\n1 lif_cond\n");
    harness_write("circ_rcol_cond.json",
                  "{ \"networks\": {\n"
                  "    \"nodes\": [ { \"nodes_file\": \"circ_ab/nodes.h5\", "
                  "\"node_types_file\": \"ab_cond.csv\" } ],\n"
                  "    \"edges\": [ { \"edges_file\": \"circ_ab/edges.h5\", "
                  "\"edge_types_file\": \"ab_in.csv\" } ] } }\n");
    rc = harness_apicalf(out, sizeof out, "check '%s'", harness_path("circ_rcol_cond.json"));
    EXPECT(rc == 2 && strstr(out, "0/syn_weight[1]") && strstr(out, "-450.5 nS is negative"),
           "a negative weight onto a conductance by the receptor column", out);
}

/* Truth: the original run. Two lif_cond populations with NEST's parameters translated by hand
 * (a: every one given; b: NEST's defaults, which differ from apical's lif_cond defaults),
 * their own record.connectivity files read back with nest:iaf_cond_exp node types: the
 * same parameters (apical check prints them), the same spikes byte for byte. */
static void test_cond_exp(void)
{
    static const char *const cfg_text =
        "populations = (\n"
        "  { name = \"a\"; size = 12; model = \"lif_cond\"; c_m = 180.0; g_l = 12.5; "
        "e_l = -65.0; e_ex = 5.0; e_in = -75.0; v_th = -52.0; v_reset = -62.0; t_ref = 3.0; "
        "tau_syn_ex = 1.5; tau_syn_in = 6.0; i_e = 40.0; init = { v = -63.0; }; },\n"
        "  { name = \"b\"; size = 8; model = \"lif_cond\"; c_m = 250.0; g_l = 16.6667; "
        "e_l = -70.0; e_ex = 0.0; e_in = -85.0; v_th = -55.0; v_reset = -60.0; t_ref = 2.0; "
        "tau_syn_ex = 0.2; tau_syn_in = 2.0; i_e = 0.0; init = { v = -70.0; }; }\n);\n"
        "projections = (\n"
        "  { name = \"ab\"; from = \"a\"; to = \"b\"; receptor = \"ex\"; "
        "rule = \"fixed_probability\"; p = 0.5; weight = 12.0; delay = 0.5; },\n"
        "  { name = \"ba\"; from = \"b\"; to = \"a\"; receptor = \"in\"; "
        "rule = \"fixed_probability\"; p = 0.5; weight = 20.0; delay = 1.0; },\n"
        "  { name = \"aa\"; from = \"a\"; to = \"a\"; receptor = \"ex\"; "
        "rule = \"fixed_indegree\"; k = 3; weight = 4.0; delay = 0.3; }\n);\n"
        "simulation = { dt = 0.1; duration = 300.0; seed = 9; };\n"
        "stimuli = (\n"
        "  { name = \"drive_a\"; type = \"poisson\"; target = \"a\"; rate = 2000.0; "
        "weight = 3.0; },\n"
        "  { name = \"drive_b\"; type = \"poisson\"; target = \"b\"; rate = 3000.0; "
        "weight = 2.0; }\n);\n";
    char text[4096];
    snprintf(text, sizeof text, "%srecord = { formats = [\"csv\"]; raster = false; "
             "connectivity = true; };\n", cfg_text);
    const char *orig = run_into(harness_write("circ_cond_orig.cfg", text), "circ_cond_orig",
                                "two lif_cond populations with record.connectivity");
    harness_write("cond_a.json", "{ \"C_m\": 180.0, \"g_L\": 12.5, \"E_L\": -65.0, \"E_ex\": 5.0, "
                                 "\"E_in\": -75.0, \"V_th\": -52.0, \"V_reset\": -62.0, "
                                 "\"t_ref\": 3.0, \"tau_syn_ex\": 1.5, \"tau_syn_in\": 6.0, "
                                 "\"I_e\": 40.0, \"V_m\": -63.0 }\n");
    harness_write("cond_b.json", "{}\n");
    harness_write("cond_nodes.csv", "node_type_id model_type model_template dynamics_params\n"
                                    "0 point_neuron nest:iaf_cond_exp cond_a.json\n"
                                    "1 point_neuron nest:iaf_cond_exp cond_b.json\n");
    /* edge types by the projections' index: ba's positive conductances onto in by the column */
    harness_write("cond_edges.csv", "edge_type_id receptor\n0 ex\n1 in\n2 NULL\n");
    harness_write("circ_cond.json",
                  "{ \"networks\": {\n"
                  "    \"nodes\": [ { \"nodes_file\": \"circ_cond_orig/nodes.h5\", "
                  "\"node_types_file\": \"cond_nodes.csv\" } ],\n"
                  "    \"edges\": [ { \"edges_file\": \"circ_cond_orig/edges.h5\", "
                  "\"edge_types_file\": \"cond_edges.csv\" } ] } }\n");
    const char *tail = strstr(cfg_text, "simulation =");
    snprintf(text, sizeof text, "network = { sonata = \"circ_cond.json\"; };\n%s"
             "record = { formats = [\"csv\"]; raster = false; };\n", tail);
    const char *back = run_into(harness_write("circ_cond.cfg", text), "circ_cond_back",
                                "the lif_cond circuit of nest:iaf_cond_exp node types");
    same_spikes(orig, back, 500, "lif_cond's spikes and those of its circuit read back");
    CU_ASSERT(synapses_of(orig) == synapses_of(back));
    int rc = harness_apicalf(out, sizeof out, "check '%s'", harness_path("circ_cond.json"));
    EXPECT(rc == 0 &&
               strstr(out, "a                  12 x lif_cond c_m=180pF g_l=12.5nS e_l=-65mV "
                           "e_ex=5mV e_in=-75mV v_th=-52mV v_reset=-62mV t_ref=3ms "
                           "tau_syn_ex=1.5ms tau_syn_in=6ms i_e=40pA") &&
               strstr(out, "b                   8 x lif_cond c_m=250pF g_l=16.6667nS e_l=-70mV "
                           "e_ex=0mV e_in=-85mV v_th=-55mV v_reset=-60mV t_ref=2ms "
                           "tau_syn_ex=0.2ms tau_syn_in=2ms i_e=0pA") &&
               strstr(out, "b -> a.in") && strstr(out, "a -> b.ex"),
           "apical check: NEST's names and defaults as lif_cond's", out);
}

/* Regressions of fuzz/fuzz_circuit's findings (fuzz/crashes/circuit-*), each refused with exit
 * 2 naming the file and the field, quickly. */
static void test_fuzz_findings(void)
{
    /* manifest variables naming each other 30 times over, 8 deep, all to an empty path: 30^7
     * substitutions took hours; now at most 64 for one path */
    char json[2048] = "{ \"manifest\": { \"$H\": \"\"";
    for (char v = 'A'; v < 'H'; v++) {
        snprintf(json + strlen(json), sizeof json - strlen(json), ", \"$%c\": \"", v);
        for (int k = 0; k < 30; k++)
            snprintf(json + strlen(json), sizeof json - strlen(json), "$%c", v + 1);
        snprintf(json + strlen(json), sizeof json - strlen(json), "\"");
    }
    snprintf(json + strlen(json), sizeof json - strlen(json),
             " }, \"networks\": { \"nodes\": [ { \"nodes_file\": \"$A/n.h5\", "
             "\"node_types_file\": \"t.csv\" } ] } }\n");
    const char *j = harness_write("circ_laugh.json", json);
    char args[1200];
    snprintf(args, sizeof args, "check '%s'", j);
    int rc = harness_apical_within(20.0, HARNESS_ANY_SIZE, args, out, sizeof out);
    EXPECT(rc == 2 && strstr(out, "circ_laugh.json") &&
               strstr(out, "networks.nodes[0].nodes_file: manifest variables substituted more "
                           "than 64 times for one path"),
           "manifest variables that multiply", out);

    /* a path that grows past 1023 bytes by its second variable: refused, not cut short */
    char big[1100];
    memset(big, 'a', 1000);
    big[0] = '/';
    big[1000] = '\0';
    snprintf(json, sizeof json, "{ \"manifest\": { \"$L\": \"%s\" }, \"networks\": { \"nodes\": "
             "[ { \"nodes_file\": \"$L$L\", \"node_types_file\": \"t.csv\" } ] } }\n", big);
    j = harness_write("circ_long.json", json);
    rc = harness_apicalf(out, sizeof out, "check '%s'", j);
    EXPECT(rc == 2 && strstr(out, "networks.nodes[0].nodes_file: path too long"),
           "a path that two variables make too long", out);

    /* a node type of poisson_source (a spike source: no receptors) with an edge population of
     * no edges onto it: read uninitialised projection indices; now the template is refused */
    const char *cfg = harness_write("circ_p0.cfg",
                                    "populations = ( { name = \"a\"; size = 4; "
                                    "model = \"lif\"; },\n"
                                    "  { name = \"b\"; size = 3; model = \"lif\"; } );\n"
                                    "projections = ( { name = \"ab\"; from = \"a\"; to = \"b\"; "
                                    "rule = \"fixed_probability\"; p = 0.0; weight = 1.0; } );\n"
                                    "simulation = { dt = 0.1; duration = 1.0; };\n"
                                    "record = { connectivity = true; raster = false; };\n");
    rc = harness_apicalf(out, sizeof out, "run '%s' --quiet -o '%s'", cfg, harness_path("circ_p0"));
    EXPECT(rc == 0, "ab of no edges, record.connectivity", out);
    harness_write("p0_types.csv", "node_type_id model_template\n0 lif\n1 apical:poisson_source\n");
    j = harness_write("circ_p0.json",
                      "{ \"networks\": {\n"
                      "    \"nodes\": [ { \"nodes_file\": \"circ_p0/nodes.h5\", "
                      "\"node_types_file\": \"p0_types.csv\" } ],\n"
                      "    \"edges\": [ { \"edges_file\": \"circ_p0/edges.h5\" } ] } }\n");
    rc = harness_apicalf(out, sizeof out, "check '%s'", j);
    EXPECT(rc == 2 && strstr(out, "p0_types.csv:3") &&
               strstr(out, "no SONATA node type can give the model template "
                           "\"apical:poisson_source\"") &&
               !harness_sanitizer_text(out),
           "a poisson_source node type", out);
}

static int suite_sonata_circuit(void)
{
    CU_pSuite s = CU_add_suite("sonata_circuit", NULL, NULL);
    if (!s) return -1;
    CU_add_test(s, "type tables: quoting, NULL, ids; refusals name the line", test_typetab);
    CU_add_test(s, "a circuit and its libconfig twin: same synapses, same spikes",
                test_equivalent_config);
    CU_add_test(s, "CUBA's nodes.h5 and edges.h5 as a circuit spike as the run", test_round_trip);
    CU_add_test(s, "bad circuits exit 2 naming file and field", test_bad_circuits);
    CU_add_test(s, "network.sonata settings and hand-written circuit configs", test_bad_settings);
    CU_add_test(s, "an edge population onto both receptors splits into _ex and _in, as its twin",
                test_split_by_sign);
    CU_add_test(s, "edge_types.csv's receptor column wins over the weight's sign",
                test_receptor_column);
    CU_add_test(s, "nest:iaf_cond_exp as lif_cond: NEST's parameters and defaults, same spikes",
                test_cond_exp);
    CU_add_test(s, "fuzz_circuit's findings exit 2 naming file and field", test_fuzz_findings);
    return 0;
}
TEST_SUITE(suite_sonata_circuit)
