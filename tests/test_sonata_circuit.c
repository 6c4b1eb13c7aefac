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
                                    "populations = ( { name = \"a\"; size = 4; model = \"lif\"; },\n"
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
    CU_add_test(s, "fuzz_circuit's findings exit 2 naming file and field", test_fuzz_findings);
    return 0;
}
TEST_SUITE(suite_sonata_circuit)
