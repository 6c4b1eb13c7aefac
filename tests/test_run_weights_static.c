/* tests/test_run_weights_static: `apical run --weights` into static projections (cli/run_weights,
 * io/weights). Truths: the `list` rule, an independent way to give a static projection the
 * same weights (the spikes must be the same bytes); the file written out byte by byte from the
 * documented little-endian layout (docs/formats.md), which the run must write again; the run
 * that was never interrupted (a checkpoint holds plastic weights only). */
#include <CUnit/CUnit.h>
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
#include <zlib.h>

#include "io/weights.h"
#include "tests/harness.h"

#define EXPECT HARNESS_EXPECT

static char out[16384];

/* apical with the arguments formatted; output into out. */
#define apical(...) harness_apicalf(out, sizeof out, __VA_ARGS__)

/* ---- static projections: --weights against the `list` rule ---- */

enum { NS = 6, NT = 5 };

static float static_w(int j, int i) { return (float)((40 + 137 * j - 53 * i) % 400 - 100); }

static const char static_head[] =
    "simulation = { dt = 0.1; duration = 300.0; seed = 3; };\n"
    "populations = (\n"
    "  { name = \"in\"; size = 6; model = \"spike_source\";\n"
    "    spike_times = ( [5.0, 60.0, 150.0], [12.0, 80.0], [20.0, 90.0, 200.0], [30.0, 100.0],\n"
    "                    [40.0, 120.0, 250.0], [50.0, 130.0] ); },\n"
    "  { name = \"out\"; size = 5; %s c_m = 250.0; e_l = -65.0;\n"
    "    v_th = -50.0; v_reset = -65.0; t_ref = 2.0; tau_syn_ex = 2.0; tau_syn_in = 5.0; }\n"
    ");\n"
    "stimuli = ( { name = \"bg\"; type = \"poisson\"; target = \"out\"; rate = 6000.0; weight = "
    "20.0; } );\n"
    "projections = (\n  %s\n);\n";

#define LIF "model = \"lif\"; tau_m = 20.0;"

static const char *static_cfg(const char *name, const char *model, int list)
{
    char proj[4096], text[8192];
    if (!list) {
        snprintf(proj, sizeof proj,
                 "{ name = \"ff\"; from = \"in\"; to = \"out\"; rule = \"all_to_all\"; weight = "
                 "30.0; delay = 1.0; }");
    } else {
        size_t k = (size_t)snprintf(proj, sizeof proj,
                                    "{ name = \"ff\"; from = \"in\"; to = \"out\"; rule = "
                                    "\"list\"; delay = 1.0;\n    sources = [");
        for (int c = 0; c < NS * NT; c++)
            k += (size_t)snprintf(proj + k, sizeof proj - k, "%s%d", c ? ", " : "", c / NT);
        k += (size_t)snprintf(proj + k, sizeof proj - k, "];\n    targets = [");
        for (int c = 0; c < NS * NT; c++)
            k += (size_t)snprintf(proj + k, sizeof proj - k, "%s%d", c ? ", " : "", c % NT);
        k += (size_t)snprintf(proj + k, sizeof proj - k, "];\n    weights = [");
        for (int c = 0; c < NS * NT; c++)
            k += (size_t)snprintf(proj + k, sizeof proj - k, "%s%.1f", c ? ", " : "",
                                  (double)static_w(c / NT, c % NT));
        snprintf(proj + k, sizeof proj - k, "]; }");
    }
    snprintf(text, sizeof text, static_head, model, proj);
    return harness_write(name, text);
}

/* Appends n little-endian bytes of v. */
static size_t put_le(unsigned char *b, size_t at, uint64_t v, int n)
{
    for (int k = 0; k < n; k++) b[at + k] = (unsigned char)(v >> (8 * k));
    return at + (size_t)n;
}

static size_t put_name(unsigned char *b, size_t at, const char *s)
{
    memset(b + at, 0, 64);
    memcpy(b + at, s, strlen(s));
    return at + 64;
}

/* Truth: docs/formats.md's layout, written byte by byte (little-endian, CRC-32 of zlib). */
static const char *static_file(const char *name)
{
    static unsigned char b[24 + 208 + 12 * NS * NT + 4];
    size_t at = 0;
    memcpy(b, "APICAL-WEIGHTS\0\0", 16);
    at = put_le(b, 16, 1, 4);
    at = put_le(b, at, 1, 4);
    at = put_name(b, at, "ff");
    at = put_name(b, at, "in");
    at = put_name(b, at, "out");
    at = put_le(b, at, NS, 4);
    at = put_le(b, at, NT, 4);
    at = put_le(b, at, NS * NT, 8);
    for (int c = 0; c < NS * NT; c++) at = put_le(b, at, (uint64_t)(c / NT), 4);
    for (int c = 0; c < NS * NT; c++) at = put_le(b, at, (uint64_t)(c % NT), 4);
    for (int c = 0; c < NS * NT; c++) {
        float w = static_w(c / NT, c % NT);
        uint32_t bits;
        memcpy(&bits, &w, 4);
        at = put_le(b, at, bits, 4);
    }
    at = put_le(b, at, crc32(0L, b, (uInt)at), 4);
    CU_ASSERT_EQUAL(at, sizeof b);
    const char *path = harness_path(name);
    FILE *f = fopen(path, "wb");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fwrite(b, 1, at, f);
    fclose(f);
    return path;
}

/* A static all_to_all projection given its weights by a file spikes as the same projection
 * written out with the `list` rule; without the file it spikes otherwise; its run writes the
 * file again (which wt_save's bytes match: the documented little-endian layout). A negative
 * weight onto a conductance is refused. */
static void test_static(void)
{
    const char *file = static_file("rs_ff.bin");
    const char *a2a = static_cfg("rs_a2a.cfg", LIF, 0), *list = static_cfg("rs_list.cfg", LIF, 1);
    const char *d0 = harness_path("rs_a2a0"), *d1 = harness_path("rs_a2a1"),
               *dl = harness_path("rs_list");
    char s0[1100], s1[1100], sl[1100], w1[1100];
    snprintf(s0, sizeof s0, "%s/spikes.csv", d0);
    snprintf(s1, sizeof s1, "%s/spikes.csv", d1);
    snprintf(sl, sizeof sl, "%s/spikes.csv", dl);
    snprintf(w1, sizeof w1, "%s/weights.bin", d1);
    EXPECT(apical("run %s --quiet -o %s", a2a, d0) == 0, "constant weight", out);
    EXPECT(!harness_exists(w1), "no file yet", NULL);
    EXPECT(apical("run %s --quiet -o %s --weights %s", a2a, d1, file) == 0, "--weights", out);
    EXPECT(apical("run %s --quiet -o %s", list, dl) == 0, "list", out);
    EXPECT(harness_same_file(s1, sl), "all_to_all + weights.bin spikes as the list", NULL);
    EXPECT(!harness_same_file(s0, sl), "the file's weights change the spikes", NULL);
    EXPECT(harness_same_file(file, w1), "a static run from a file writes it again", NULL);
    char s2[1100];
    snprintf(s2, sizeof s2, "%s/spikes.csv", harness_path("rs_list_w"));
    EXPECT(apical("run %s --quiet -o %s --weights %s", list, harness_path("rs_list_w"), file) == 0,
           "the list takes the file too", out);
    EXPECT(harness_same_file(s2, sl), "the same weights again", NULL);
    const char *cond = static_cfg("rs_cond.cfg", "model = \"lif_cond\"; g_l = 12.5;", 0);
    int rc = apical("run %s --quiet -o %s --weights %s", cond, harness_path("rs_cond"), file);
    EXPECT(rc == 2 && strstr(out, "rs_ff.bin") && strstr(out, "negative"),
           "negative weights onto a conductance", out);
}

/* Truth: the run never interrupted. Static weights from a file are not in a run's checkpoint
 * (plastic state only): a run stopped by SIGTERM and resumed must still use them. */
static const char big_cfg[] =
    "simulation = { dt = 0.1; duration = 60000.0; seed = 5; };\n"
    "populations = (\n"
    "  { name = \"in\"; size = 50; model = \"lif\"; tau_m = 20.0; c_m = 250.0; e_l = -65.0;\n"
    "    v_th = -50.0; v_reset = -65.0; t_ref = 2.0; },\n"
    "  { name = \"out\"; size = 100; model = \"lif\"; tau_m = 20.0; c_m = 250.0; e_l = -65.0;\n"
    "    v_th = -50.0; v_reset = -65.0; t_ref = 2.0; }\n"
    ");\n"
    "stimuli = ( { name = \"bg\"; type = \"poisson\"; target = \"in\"; rate = 9000.0; weight = "
    "20.0; },\n"
    "            { name = \"bg2\"; type = \"poisson\"; target = \"out\"; rate = 6000.0; weight = "
    "20.0; } );\n"
    "projections = ( { name = \"ff\"; from = \"in\"; to = \"out\"; rule = \"all_to_all\"; "
    "weight = 5.0; delay = 1.0; } );\n"
    "record = { raster = false; };\n";

static void test_static_resume(void)
{
    const char *cfg = harness_write("rs_big.cfg", big_cfg);
    /* the file: ff's weights from -50 to 49 pA */
    struct wt_proj p = {
        .name = "ff", .src = "in", .tgt = "out", .nsrc = 50, .ntgt = 100, .nsyn = 5000};
    p.src_id = malloc(5000 * sizeof *p.src_id);
    p.tgt_id = malloc(5000 * sizeof *p.tgt_id);
    p.w = malloc(5000 * sizeof *p.w);
    CU_ASSERT_FATAL(p.src_id && p.tgt_id && p.w);
    for (uint32_t c = 0; c < 5000; c++)
        p.src_id[c] = c / 100, p.tgt_id[c] = c % 100, p.w[c] = (float)((c * 37) % 100) - 50.0f;
    const char *file = harness_path("rs_big.bin");
    struct err e = {0};
    EXPECT(wt_save(file, &p, 1, &e) == 0, "wt_save", e.msg);
    free(p.src_id), free(p.tgt_id), free(p.w);
    const char *whole = harness_path("rs_big_whole"), *dir = harness_path("rs_big_term");
    EXPECT(apical("run %s --threads 2 --quiet -o %s --weights %s", cfg, whole, file) == 0,
           "uninterrupted", out);
    char watch[1200];
    snprintf(watch, sizeof watch, "%s/run.tmp/spikes.csv.tmp", dir);
    const char *bin = getenv("APICAL_BIN");
    const char *argv[] = {bin && *bin ? bin : "./apical",
                          "run",
                          cfg,
                          "--threads",
                          "1",
                          "--quiet",
                          "-o",
                          dir,
                          "--weights",
                          file,
                          NULL};
    const int code = harness_signal_when(argv, watch, SIGTERM, 0.2);
    EXPECT(code == 143 || code == 0, "stopped by SIGTERM (or done before it)", NULL);
    if (code == 0) fprintf(stderr, "  (the run ended before SIGTERM: no resume to check)\n");
    if (code == 143) EXPECT(apical("run --resume %s --threads 3 --quiet", dir) == 0, "resume", out);
    char a[1200], b[1200];
    snprintf(a, sizeof a, "%s/spikes.csv", whole);
    snprintf(b, sizeof b, "%s/spikes.csv", dir);
    EXPECT(harness_same_file(a, b), "stopped and resumed = uninterrupted", NULL);
    snprintf(a, sizeof a, "%s/weights.bin", whole);
    snprintf(b, sizeof b, "%s/weights.bin", dir);
    EXPECT(harness_same_file(a, b) && harness_same_file(a, file), "both write the file again", NULL);
}

static int suite_run_weights_static(void)
{
    CU_pSuite s = CU_add_suite("run_weights_static", NULL, NULL);
    if (!s) return -1;
    if (!CU_add_test(s, "static all_to_all from a file = the list rule", test_static) ||
        !CU_add_test(s, "static weights from a file survive SIGTERM and --resume",
                     test_static_resume))
        return -1;
    return 0;
}
TEST_SUITE(suite_run_weights_static)
