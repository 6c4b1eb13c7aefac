/* tests/test_sonata: io/sonata, SONATA spike files (spikes.h5) out and in, and the config that
 * chooses spike formats (io/sink). Truth: h5py, an independent reader and writer of HDF5
 * (tests/sonata_h5.py: the layout SONATA and bmtk specify), and the same spikes as CSV. The
 * h5py checks are skipped, with a message, only where h5py is missing. */
#include <CUnit/CUnit.h>
#include <cjson/cJSON.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "io/sink.h"
#include "io/sonata.h"
#include "io/spikes.h"
#include "io/timefmt.h"
#include "tests/harness.h"

#define EXPECT HARNESS_EXPECT

/* ---------------------------------------------------------------------------------------------
 * h5py through tests/sonata_h5.py.
 */

static int read_ok(const char *path, struct spk_table *t)
{
    struct err e = {0};
    int rc = spk_read(path, t, &e);
    if (rc) fprintf(stderr, "\n%s: %s\n", e.file, e.msg);
    return rc;
}

static int pop_index(const struct spk_table *t, const char *name)
{
    for (int i = 0; i < t->npops; i++)
        if (!strcmp(t->pop_names[i], name)) return i;
    return -1;
}

/* Whether a (any order of populations) and b hold the same spikes: per population name, the
 * same (time, id) sequence. */
static int same_spikes(const struct spk_table *a, const struct spk_table *b)
{
    if (a->n != b->n) return 0;
    for (int pa = 0; pa < a->npops; pa++) {
        int pb = pop_index(b, a->pop_names[pa]);
        size_t j = 0;
        for (size_t i = 0; i < a->n; i++) {
            if ((int)a->pop[i] != pa) continue;
            while (j < b->n && (int)b->pop[j] != pb) j++;
            if (pb < 0 || j == b->n || a->t_ms[i] != b->t_ms[j] || a->id[i] != b->id[j]) return 0;
            j++;
        }
    }
    return 1;
}

/* ---------------------------------------------------------------------------------------------
 * Spikes out.
 */

/* Truth: h5py reads spikes.h5 as SONATA specifies (root magic and version, a group per
 * recorded population, sorting the enum by_time, float64 timestamps in ms, uint64 node_ids)
 * and finds spikes.csv's spikes; apical's own reader finds spikes.bin's. */
static void test_written_equals_csv(void)
{
    char out[8192], dir[1100], path[1200];
    snprintf(dir, sizeof dir, "%s/cuba3", harness_tmpdir());
    int rc = harness_apicalf(out, sizeof out,
                             "run '%s/configs/cuba.cfg' --quiet --threads 2 --set "
                             "simulation.duration=300 --set 'record.spikes.format = [\"csv\", "
                             "\"bin\", \"sonata\"]' -o '%s'",
                             harness_root(), dir);
    EXPECT(rc == 0, "cuba, csv + bin + sonata", out);
    struct spk_table h5, bin;
    snprintf(path, sizeof path, "%s/spikes.h5", dir);
    CU_ASSERT_FATAL(read_ok(path, &h5) == 0);
    snprintf(path, sizeof path, "%s/spikes.bin", dir);
    CU_ASSERT_FATAL(read_ok(path, &bin) == 0);
    CU_ASSERT(h5.n > 1000);
    CU_ASSERT(h5.npops == 2);
    CU_ASSERT(same_spikes(&bin, &h5));
    spk_table_free(&h5);
    spk_table_free(&bin);
    if (harness_python()) {
        rc = harness_py(out, sizeof out, "check '%s' exc inh", dir);
        EXPECT(rc == 0, "h5py check of cuba's spikes.h5", out);
    }

    /* one population recorded, and spikes.h5 alone: the raster is drawn from it */
    snprintf(dir, sizeof dir, "%s/cuba_inh", harness_tmpdir());
    rc = harness_apicalf(out, sizeof out,
                         "run '%s/configs/cuba.cfg' --quiet --set simulation.duration=200 --set "
                         "'record.spikes = { populations = [\"inh\"]; format = [\"sonata\", "
                         "\"csv\"]; }' -o '%s'",
                         harness_root(), dir);
    EXPECT(rc == 0, "cuba, inh only", out);
    snprintf(path, sizeof path, "%s/spikes.bin", dir);
    CU_ASSERT(!harness_exists(path));
    if (harness_python()) {
        rc = harness_py(out, sizeof out, "check '%s' inh", dir);
        EXPECT(rc == 0, "h5py check, inh only", out);
    }
    snprintf(dir, sizeof dir, "%s/cuba_h5", harness_tmpdir());
    rc = harness_apicalf(out, sizeof out,
                         "run '%s/configs/cuba.cfg' --quiet --set simulation.duration=200 --set "
                         "'record.spikes.format = [\"sonata\"]' -o '%s'",
                         harness_root(), dir);
    EXPECT(rc == 0, "cuba, sonata alone", out);
    snprintf(path, sizeof path, "%s/raster.svg", dir);
    CU_ASSERT(harness_exists(path));
    snprintf(path, sizeof path, "%s/spikes.csv", dir);
    CU_ASSERT(!harness_exists(path));
    snprintf(path, sizeof path, "%s/spikes.bin", dir);
    CU_ASSERT(!harness_exists(path));
}

/* Truth: what was stepped in. Many times the spikes the writer stages at once (8192), over three
 * populations of which one is not recorded: each recorded population's spikes come back in
 * time order with times stamp * dt, exactly as the CSV prints them. */
static void test_writer_in_chunks(void)
{
    const char *path = harness_path("chunks.h5");
    struct spk_pop pops[3] = {{"a", 1000}, {"skip", 10}, {"b", 7}};
    int recorded[3] = {1, 0, 1};
    struct sink_args a = {.path = path, .dt_ms = 0.1, .pops = pops, .npops = 3,
                          .recorded = recorded};
    void *w;
    struct err e = {0};
    CU_ASSERT_FATAL(sonata_sink.open(&w, &a, NULL, &e) == 0);
    CU_ASSERT(sonata_sink.mark == NULL);
    uint32_t ids[1000];
    for (uint32_t i = 0; i < 1000; i++) ids[i] = i;
    uint64_t na = 0, nb = 0;
    for (int64_t s = 1; s <= 300; s++) {
        size_t k = (size_t)(s * 7 % 1000);
        CU_ASSERT_FATAL(sonata_sink.step(w, s, 0, ids + (1000 - k), k, &e) == 0);
        na += k;
        if (s % 3 == 0) {
            CU_ASSERT_FATAL(sonata_sink.step(w, s, 2, ids + (s % 7), 1, &e) == 0);
            nb++;
        }
    }
    CU_ASSERT(na + nb > 8192 * 10);
    /* misuse is refused: a population out of order, one not recorded, ids not ascending */
    CU_ASSERT(sonata_sink.step(w, 300, 0, ids, 1, &e) == ERR_INPUT);
    CU_ASSERT(sonata_sink.step(w, 301, 1, ids, 1, &e) == ERR_INPUT);
    uint32_t down[2] = {5, 3};
    CU_ASSERT(sonata_sink.step(w, 302, 2, down, 2, &e) == ERR_INPUT);
    CU_ASSERT(!harness_exists(path)); /* PATH.tmp until commit */
    CU_ASSERT_FATAL(sonata_sink.commit(w, &e) == 0);
    struct spk_table t;
    CU_ASSERT_FATAL(read_ok(path, &t) == 0);
    CU_ASSERT_EQUAL_FATAL(t.npops, 2);
    CU_ASSERT_EQUAL(t.n, na + nb);
    struct tfmt tb;
    tfmt_init(&tb, 0.1);
    int pa = pop_index(&t, "a"), pb = pop_index(&t, "b");
    CU_ASSERT_FATAL(pa >= 0 && pb >= 0);
    size_t i = 0;
    int bad = 0;
    for (int64_t s = 1; s <= 300; s++) {
        size_t k = (size_t)(s * 7 % 1000);
        for (size_t j = 0; j < k; j++, i++) {
            while (i < t.n && (int)t.pop[i] != pa) i++;
            bad |= i == t.n || t.id[i] != 1000 - k + j || t.t_ms[i] != tfmt_ms(&tb, s);
        }
    }
    CU_ASSERT(!bad);
    spk_table_free(&t);

    /* abort leaves nothing */
    const char *gone = harness_path("aborted.h5");
    a.path = gone;
    CU_ASSERT_FATAL(sonata_sink.open(&w, &a, NULL, &e) == 0);
    CU_ASSERT(sonata_sink.step(w, 1, 0, ids, 3, &e) == 0);
    sonata_sink.abort(w);
    char tmp[1200];
    snprintf(tmp, sizeof tmp, "%s.tmp", gone);
    CU_ASSERT(!harness_exists(gone) && !harness_exists(tmp));
    /* a checkpoint's mark cannot be given to it */
    struct spk_mark m = {0};
    CU_ASSERT(sonata_sink.open(&w, &a, &m, &e) == ERR_INPUT);
}

/* Truth: a run without spikes leaves a file with every recorded population's group and empty
 * datasets, which reads back as no spikes. */
static void test_written_empty(void)
{
    char out[8192], dir[1100], path[1200];
    snprintf(dir, sizeof dir, "%s/quiet", harness_tmpdir());
    const char *cfg = harness_write(
        "quiet.cfg", "simulation = { dt = 0.1; duration = 10.0; };\n"
                     "populations = ( { name = \"exc\"; size = 5; model = \"lif\"; },\n"
                     "                { name = \"inh\"; size = 3; model = \"lif\"; } );\n"
                     "record = { spikes = { format = [\"csv\", \"sonata\"]; }; };\n");
    int rc = harness_apicalf(out, sizeof out, "run '%s' --quiet -o '%s'", cfg, dir);
    EXPECT(rc == 0, "two populations that never spike", out);
    struct spk_table t;
    snprintf(path, sizeof path, "%s/spikes.h5", dir);
    CU_ASSERT_FATAL(read_ok(path, &t) == 0);
    CU_ASSERT(t.n == 0 && t.npops == 2);
    spk_table_free(&t);
    if (harness_python()) {
        rc = harness_py(out, sizeof out, "check '%s' exc inh", dir);
        EXPECT(rc == 0, "h5py check, no spikes", out);
    }
}

/* ---------------------------------------------------------------------------------------------
 * Spikes in.
 */

/* A spike_source "cue" of 20 neurons reading file, driving 20 LIF neurons one to one. */
static const char *source_cfg(const char *name, const char *file)
{
    char text[2048];
    snprintf(text, sizeof text,
             "simulation = { dt = 0.1; duration = 200.0; };\n"
             "populations = ( { name = \"cue\"; size = 20; model = \"spike_source\";\n"
             "                  spike_file = \"%s\"; },\n"
             "  { name = \"out\"; size = 20; model = \"lif\"; tau_syn_ex = 0.5; t_ref = 2.0; } );\n"
             "projections = ( { from = \"cue\"; to = \"out\"; rule = \"one_to_one\";\n"
             "                  weight = 200000.0; delay = 1.5; } );\n"
             "record = { formats = [\"csv\"]; raster = false; };\n",
             file);
    return harness_write(name, text);
}

/* The spikes.csv of running config into folder name; caller frees. */
static char *run_spikes(const char *config, const char *name)
{
    char out[8192], dir[1100], path[1200];
    snprintf(dir, sizeof dir, "%s/%s", harness_tmpdir(), name);
    int rc = harness_apicalf(out, sizeof out, "run '%s' --quiet -o '%s'", config, dir);
    EXPECT(rc == 0, config, out);
    snprintf(path, sizeof path, "%s/spikes.csv", dir);
    return harness_slurp(path, NULL);
}

/* Truth: a file written by h5py as bmtk writes one (sorting a string, or none at all) holds
 * the spikes of the CSV written beside it: apical's reader finds them, apical plot draws it,
 * and a spike_source driven by it gives, byte for byte, the spikes it gives from the CSV. */
static void test_bmtk_file_read(void)
{
    if (!harness_python()) return;
    char out[8192];
    static const char *const sortings[] = {"by_time", "absent"};
    char *from_csv = NULL;
    for (int k = 0; k < 2; k++) {
        char h5[64], csv[64];
        snprintf(h5, sizeof h5, "bmtk_%s.h5", sortings[k]);
        snprintf(csv, sizeof csv, "bmtk_%s.csv", sortings[k]);
        int rc = harness_py(out, sizeof out, "bmtk '%s' '%s' lgn %s", harness_path(h5), harness_path(csv),
                    sortings[k]);
        EXPECT(rc == 0, "h5py writes a bmtk file", out);
        if (rc) return;
        struct spk_table a, b;
        CU_ASSERT_FATAL(read_ok(harness_path(h5), &a) == 0);
        CU_ASSERT_FATAL(read_ok(harness_path(csv), &b) == 0);
        CU_ASSERT(a.n == 300 && a.npops == 1 && !strcmp(a.pop_names[0], "lgn"));
        CU_ASSERT(same_spikes(&a, &b));
        spk_table_free(&a);
        spk_table_free(&b);
        rc = harness_apicalf(out, sizeof out, "plot '%s' -o '%s'", harness_path(h5),
                             harness_path("bmtk.svg"));
        EXPECT(rc == 0 && harness_exists(harness_path("bmtk.svg")), "apical plot of it", out);
        /* the only population of the file drives "cue", whatever its name */
        char *s_h5 = run_spikes(source_cfg("src_h5.cfg", h5), "src_h5");
        if (!from_csv) from_csv = run_spikes(source_cfg("src_csv.cfg", csv), "src_csv");
        CU_ASSERT_FATAL(s_h5 && from_csv);
        CU_ASSERT(harness_count(from_csv, NULL, "\n") > 100);
        CU_ASSERT(strcmp(s_h5, from_csv) == 0);
        free(s_h5);
    }
    /* with several populations, the one named as the spike_source */
    int rc = harness_py(out, sizeof out, "two '%s'", harness_path("two.h5"));
    EXPECT(rc == 0, "h5py writes two populations", out);
    char *s_two = run_spikes(source_cfg("src_two.cfg", "two.h5"), "src_two");
    CU_ASSERT(s_two && from_csv && strcmp(s_two, from_csv) == 0);
    free(s_two);
    free(from_csv);
}

/* Truth: docs/formats.md, what apical's readers take: each broken file is refused with exit
 * status 2 and one message naming the file and the dataset, by apical plot and by a
 * spike_source, never a crash (the suite runs under the sanitizers too). */
static void test_bad_files(void)
{
    static const struct {
        const char *kind, *says; /* says: the dataset (or the trouble) the message names */
        int plot_reads;          /* apical plot draws it (ids out of a config's range only) */
    } cases[] = {
        {"truncated", "not a readable HDF5 file", 0},
        {"not_hdf5", "not a readable HDF5 file", 0},
        {"no_spikes", "/spikes", 0},
        {"old_layout", "/spikes/gids", 0},
        {"missing_timestamps", "/spikes/lgn/timestamps: missing", 0},
        {"wrong_dtype_ids", "/spikes/lgn/node_ids: element type float64", 0},
        {"wrong_dtype_times", "/spikes/lgn/timestamps: element type string", 0},
        {"ragged", "/spikes/lgn: 30 timestamps but 27 node_ids", 0},
        {"rank2", "/spikes/lgn/timestamps: an array of rank 2", 0},
        {"negative_ids", "/spikes/lgn/node_ids[5]: negative node id -4", 0},
        {"huge_ids", "/spikes/lgn/node_ids[5]: node id 1099511627776 is too large", 0},
        {"nan_times", "/spikes/lgn/timestamps[3]", 0},
        {"external_link", "/spikes/lgn/timestamps: a soft or external link", 0},
        {"not_a_group", "/spikes/lgn", 0},
        {"unbacked", "/spikes/lgn/timestamps: 268435456 elements, but 0 bytes", 0},
        /* named by the config's file and setting (io/cfg), as for a CSV */
        {"out_of_range", "node id 50 is not below the population size 20", 1},
    };
    char out[8192], name[64], svg[64], cfg[64];
    if (harness_python()) {
        for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
            snprintf(name, sizeof name, "bad_%s.h5", cases[c].kind);
            snprintf(svg, sizeof svg, "bad_%s.svg", cases[c].kind);
            snprintf(cfg, sizeof cfg, "bad_%s.cfg", cases[c].kind);
            const char *file = harness_path(name);
            int rc = harness_py(out, sizeof out, "bad %s '%s'", cases[c].kind, file);
            EXPECT(rc == 0, cases[c].kind, out);
            rc = harness_apicalf(out, sizeof out, "plot '%s' -o '%s'", file, harness_path(svg));
            if (cases[c].plot_reads) {
                EXPECT(rc == 0, cases[c].kind, out);
            } else {
                EXPECT(rc == 2 && strstr(out, file) && strstr(out, cases[c].says) &&
                           !harness_exists(harness_path(svg)),
                       cases[c].kind, out);
            }
            EXPECT(!harness_sanitizer_text(out), cases[c].kind, out);
            rc = harness_apicalf(out, sizeof out, "check '%s'", source_cfg(cfg, name));
            EXPECT(rc == 2 && strstr(out, file) && strstr(out, cases[c].says) &&
                       strstr(out, "populations.cue.spike_file") && !harness_sanitizer_text(out),
                   cases[c].kind, out);
        }
    }
    /* a file that is not there */
    const char *missing = harness_path("missing.h5");
    int rc = harness_apicalf(out, sizeof out, "plot '%s' -o '%s'", missing,
                             harness_path("missing.svg"));
    EXPECT(rc == 2 && strstr(out, missing), "missing file", out);
    rc = harness_apicalf(out, sizeof out, "check '%s'", source_cfg("missing.cfg", "missing.h5"));
    EXPECT(rc == 2 && strstr(out, missing), "missing file, spike_source", out);
}

/* ---------------------------------------------------------------------------------------------
 * The config's formats, and runs that stop.
 */

/* Truth: docs/config.md, record: record.spikes.format (or the older record.formats, which it
 * overrides) names the files; an unknown name or key is refused naming the setting and the
 * formats there are; checkpoints are refused with a format that cannot be checkpointed. */
static void test_config_formats(void)
{
    char out[8192], dir[1100], path[1200];
    const char *hello = "configs/hello.cfg";
    snprintf(dir, sizeof dir, "%s/hello_fmt", harness_tmpdir());
    int rc = harness_apicalf(out, sizeof out,
                             "run '%s/%s' --quiet --set simulation.duration=100 --set "
                             "'record.formats = [\"bin\"]' --set 'record.spikes = { format = "
                             "[\"csv\"]; }' -o '%s'",
                             harness_root(), hello, dir);
    EXPECT(rc == 0, "record.spikes.format over record.formats", out);
    snprintf(path, sizeof path, "%s/spikes.csv", dir);
    CU_ASSERT(harness_exists(path));
    snprintf(path, sizeof path, "%s/spikes.bin", dir);
    CU_ASSERT(!harness_exists(path));
    rc = harness_apicalf(out, sizeof out, "check '%s/%s' --set 'record.spikes = { format = "
                         "[\"csv\", \"hdf5\"]; }'", harness_root(), hello);
    EXPECT(rc == 2 && strstr(out, "record.spikes.format: unknown format \"hdf5\" (csv, bin, "
                             "sonata)"),
           "unknown format", out);
    rc = harness_apicalf(out, sizeof out, "check '%s/%s' --set 'record.spikes = { popul = "
                         "\"all\"; }'", harness_root(), hello);
    EXPECT(rc == 2 && strstr(out, "record.spikes.popul"), "unknown key", out);
    rc = harness_apicalf(out, sizeof out, "check '%s/%s' --set 'record.spikes = { populations "
                         "= [\"nobody\"]; }'", harness_root(), hello);
    EXPECT(rc == 2 && strstr(out, "record.spikes.populations: unknown population \"nobody\""),
           "unknown population", out);
    snprintf(dir, sizeof dir, "%s/hello_ck", harness_tmpdir());
    rc = harness_apicalf(out, sizeof out,
                         "run '%s/%s' --quiet --set 'record.spikes = { format = [\"sonata\"]; }' "
                         "--checkpoint-every 10 -o '%s'",
                         harness_root(), hello, dir);
    EXPECT(rc == 2 && strstr(out, "--checkpoint-every") && strstr(out, "\"sonata\"") &&
               strstr(out, "hello.cfg"),
           "checkpoints refused with sonata", out);
    snprintf(path, sizeof path, "%s/summary.json", dir);
    CU_ASSERT(!harness_exists(path));
}

/* Truth: docs/formats.md, how a run ends: with a format that cannot be checkpointed, SIGTERM
 * ends the run as SIGINT does (exit 143, every file written up to the step, the summary says
 * interrupted), and spikes.h5 holds spikes.csv's spikes. */
static void test_sigterm_publishes(void)
{
    char dir[1100], watch[1200], path[1200], out[8192];
    snprintf(dir, sizeof dir, "%s/term", harness_tmpdir());
    snprintf(watch, sizeof watch, "%s/run.tmp/spikes.h5.tmp", dir);
    char cfg[1100];
    snprintf(cfg, sizeof cfg, "%s/configs/cuba.cfg", harness_root());
    const char *argv[] = {harness_bin(), "run", cfg, "--set", "simulation.duration=100000",
                          "--set", "record.spikes.format=[\"csv\",\"sonata\"]", "--threads", "1",
                          "--quiet", "-o", dir, NULL};
    CU_ASSERT_EQUAL(harness_signal_when(argv, watch, SIGTERM, 0.2), 143);
    snprintf(path, sizeof path, "%s/summary.json", dir);
    cJSON *sum = harness_read_json(path);
    CU_ASSERT_FATAL(sum != NULL);
    CU_ASSERT(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(sum, "interrupted")));
    cJSON_Delete(sum);
    struct spk_table a, b;
    snprintf(path, sizeof path, "%s/spikes.h5", dir);
    CU_ASSERT_FATAL(read_ok(path, &a) == 0);
    snprintf(path, sizeof path, "%s/spikes.csv", dir);
    CU_ASSERT_FATAL(read_ok(path, &b) == 0);
    CU_ASSERT(a.n > 0 && same_spikes(&b, &a));
    spk_table_free(&a);
    spk_table_free(&b);
    if (harness_python()) {
        int rc = harness_py(out, sizeof out, "check '%s' exc inh", dir);
        EXPECT(rc == 0, "h5py check after SIGTERM", out);
    }
}

static int suite_sonata(void)
{
    CU_pSuite s = CU_add_suite("sonata", NULL, NULL);
    if (!s) return -1;
    if (!CU_add_test(s, "spikes.h5 read by h5py = spikes.csv; by apical = spikes.bin",
                     test_written_equals_csv) ||
        !CU_add_test(s, "writer: chunks of many spikes, misuse, abort", test_writer_in_chunks) ||
        !CU_add_test(s, "a run without spikes", test_written_empty) ||
        !CU_add_test(s, "bmtk's files read by plot and spike_source = CSV", test_bmtk_file_read) ||
        !CU_add_test(s, "broken files: exit 2 naming file and dataset", test_bad_files) ||
        !CU_add_test(s, "record.spikes.format, record.formats, checkpoints refused",
                     test_config_formats) ||
        !CU_add_test(s, "SIGTERM publishes spikes.h5, interrupted", test_sigterm_publishes))
        return -1;
    return 0;
}

TEST_SUITE(suite_sonata)
