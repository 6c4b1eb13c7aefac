/* tests/test_train_weights: weights out of `apical train` (weights.bin) and into `apical eval`
 * and `apical run` (learning/snn_weights, learning/train). Truths: the layout snn.h documents
 * for W and B and the canonical order docs/formats.md gives an all_to_all projection (by
 * source, then target); the trainer's own evaluation of its checkpoint's weights rounded to
 * binary32; the engine, whose weights.bin of a network loaded from the trainer's file is that
 * file again. Bad input exits 2 naming the file and what differs. */
#include <CUnit/CUnit.h>
#include <cjson/cJSON.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/weights.h"
#include "learning/train.h"
#include "tests/harness.h"

#define EXPECT HARNESS_EXPECT

static char out[16384];

/* apical with the arguments formatted; output into out. */
#define apical(...) harness_apicalf(out, sizeof out, __VA_ARGS__)

static const char *xor_cfg(void)
{
    static char p[1100];
    snprintf(p, sizeof p, "%s/configs/xor.cfg", harness_root());
    return p;
}

static struct train *open_xor(const char *const *sets, int nsets, const volatile sig_atomic_t *stop)
{
    struct train_opts o = {.threads = 2, .quiet = 1, .stop = stop};
    struct train *t = NULL;
    struct err e = {0};
    if (train_open(&t, xor_cfg(), sets, nsets, &o, &e)) {
        fprintf(stderr, "\n    train_open: %s\n", e.msg);
        train_close(t);
        return NULL;
    }
    return t;
}

/* XOR trained for one epoch into harness_path(name), by the CLI (once per name). */
static const char *trained(const char *name, const char *extra)
{
    const char *dir = harness_path(name);
    char wt[1100];
    snprintf(wt, sizeof wt, "%s/weights.bin", dir);
    if (!harness_exists(wt)) {
        int rc = apical("train %s --set learning.epochs=1 %s --quiet -o %s", xor_cfg(), extra, dir);
        EXPECT(rc == 0, "train xor", out);
    }
    return dir;
}

/* The checks of one record against the trainer's parameters: names, sizes, canonical ids, and
 * weight (src j -> tgt i) == (float)params[at(j, i)]. */
static void check_record(const struct wt_proj *p, const char *name, const char *src,
                         const char *tgt, uint32_t ns, uint32_t nt, const double *params,
                         size_t off, int transposed)
{
    CU_ASSERT_STRING_EQUAL(p->name, name);
    CU_ASSERT_STRING_EQUAL(p->src, src);
    CU_ASSERT_STRING_EQUAL(p->tgt, tgt);
    CU_ASSERT_EQUAL(p->nsrc, ns);
    CU_ASSERT_EQUAL(p->ntgt, nt);
    CU_ASSERT_EQUAL_FATAL(p->nsyn, (uint64_t)ns * nt);
    int bad = 0;
    for (uint64_t c = 0; c < p->nsyn; c++) {
        uint32_t j = (uint32_t)(c / nt), i = (uint32_t)(c % nt);
        size_t at = off + (transposed ? (size_t)i * ns + j : (size_t)j * nt + i);
        bad += p->src_id[c] != j || p->tgt_id[c] != i || p->w[c] != (float)params[at];
    }
    EXPECT(bad == 0, name, NULL);
}

/* Truth: snn.h's layout. W[j * n + i] is j -> i; B[i * n_src + k] is k -> i; symmetric
 * feedback is the W of the layer above, transposed. Re-saving what was loaded gives the same
 * bytes. */
static void test_layout(void)
{
    static const char *const sets[][3] = {
        {"learning.epochs=1", NULL, NULL},
        {"learning.epochs=1", "projections.fb.feedback=\"random\"",
         "projections.fb.weight = { dist = \"normal\"; mean = 0.0; std = 1.0; }"},
    };
    for (int v = 0; v < 2; v++) {
        const char *dir = harness_path(v ? "tw_layout_random" : "tw_layout_sym");
        struct train *t = open_xor(sets[v], v ? 3 : 1, NULL);
        CU_ASSERT_PTR_NOT_NULL_FATAL(t);
        struct err e = {0};
        EXPECT(train_run(t, dir, 0, &e) == 0, "train_run", e.msg);
        const struct snn *n = train_net(t);
        char path[1100], again[1100];
        snprintf(path, sizeof path, "%s/weights.bin", dir);
        struct wt_file f = {0};
        EXPECT(wt_load(path, &f, &e) == 0, "weights.bin after an epoch", e.msg);
        CU_ASSERT_EQUAL_FATAL(f.nproj, 3);
        CU_ASSERT_EQUAL_FATAL(n->nlayers, 2);
        const struct snn_layer *H = &n->L[0], *O = &n->L[1];
        check_record(&f.projs[0], "w_in", "in", "hid", 4, 16, n->params, H->w_off, 0);
        check_record(&f.projs[1], "w_out", "hid", "out", 16, 2, n->params, O->w_off, 0);
        check_record(&f.projs[2], "fb", "out", "hid", 2, 16, n->params, v ? H->b_off : O->w_off, 1);
        snprintf(again, sizeof again, "%s/again.bin", dir);
        EXPECT(wt_save(again, f.projs, f.nproj, &e) == 0, "re-save", e.msg);
        EXPECT(harness_same_file(path, again), "wt_load + wt_save = the same bytes", NULL);
        wt_free(&f);
        train_close(t);
    }
}

/* The "loss" and "accuracy" of apical eval's JSON line. */
static int eval_json(double *loss, double *acc)
{
    cJSON *j = cJSON_Parse(out);
    int ok = j != NULL;
    if (ok) *loss = harness_json_num(j, "loss"), *acc = harness_json_num(j, "accuracy");
    cJSON_Delete(j);
    return ok;
}

/* Truth: the trainer's evaluation of the checkpoint's doubles rounded to binary32 by the test.
 * apical eval of weights.bin (a file or its folder) gives it; of checkpoint.bin, the doubles'. */
static void test_eval(void)
{
    const char *dir = trained("tw_eval", "");
    char ck[1100], wt[1100];
    snprintf(ck, sizeof ck, "%s/checkpoint.bin", dir);
    snprintf(wt, sizeof wt, "%s/weights.bin", dir);
    struct train *t = open_xor(NULL, 0, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    struct err e = {0};
    double l_d = 0, a_d = 0, l_f = 0, a_f = 0, l_w = 1, a_w = 1, l = NAN, a = NAN;
    EXPECT(train_load_weights(t, ck, &e) == 0 && train_eval(t, 0, &l_d, &a_d, &e) == 0,
           "the checkpoint's doubles", e.msg);
    struct snn *n = (struct snn *)train_net(t); /* the test rounds them */
    for (size_t k = 0; k < n->nparams; k++) n->params[k] = (float)n->params[k];
    EXPECT(train_eval(t, 0, &l_f, &a_f, &e) == 0, "rounded", e.msg);
    for (size_t k = 0; k < n->nparams; k++) n->params[k] = 0;
    EXPECT(train_load_weights(t, wt, &e) == 0 && train_eval(t, 0, &l_w, &a_w, &e) == 0,
           "weights.bin in-process", e.msg);
    CU_ASSERT_EQUAL(l_w, l_f); /* the same bits */
    CU_ASSERT_EQUAL(a_w, a_f);
    train_close(t);
    const char *what[] = {wt, dir, ck};
    for (int k = 0; k < 3; k++) {
        int rc = apical("eval %s --weights %s", xor_cfg(), what[k]);
        EXPECT(rc == 0 && eval_json(&l, &a), what[k], out);
        const double want_l = k < 2 ? l_f : l_d, want_a = k < 2 ? a_f : a_d;
        EXPECT(fabs(l - want_l) <= 5e-7 && fabs(a - want_a) <= 0.005, what[k], out);
    }
}

/* Truth: the engine. A plain config of XOR's network (no training blocks, every weight 0)
 * takes the trainer's file with apical run --weights and writes it again, byte for byte: the
 * same names, sizes and synapse order in both programs. */
static const char twin_cfg[] =
    "simulation = { dt = 1.0; duration = 20.0; seed = 1; };\n"
    "populations = (\n"
    "  { name = \"in\"; size = 4; model = \"spike_source\";\n"
    "    spike_times = ( [1.0], [], [2.0], [3.0] ); },\n"
    "  { name = \"hid\"; size = 16; model = \"mc_lif\"; v_th = -60.0; v_reset = -70.0; t_ref = "
    "0.0;\n"
    "    compartments = (\n"
    "      { name = \"soma\"; c_m = 200.0; g_l = 20.0; e_l = -70.0; tau_syn_ex = 3.0; },\n"
    "      { name = \"apical\"; c_m = 100.0; g_l = 10.0; e_l = -70.0; g_c = 0.0; parent = "
    "\"soma\"; }\n"
    "    ); },\n"
    "  { name = \"out\"; size = 2; model = \"mc_lif\"; t_ref = 0.0;\n"
    "    compartments = ( { name = \"soma\"; c_m = 200.0; g_l = 20.0; e_l = -70.0; tau_syn_ex = "
    "3.0; } ); }\n"
    ");\n"
    "projections = (\n"
    "  { name = \"w_in\"; from = \"in\"; to = \"hid\"; rule = \"all_to_all\"; weight = 0.0; },\n"
    "  { name = \"w_out\"; from = \"hid\"; to = \"out\"; rule = \"all_to_all\"; weight = 0.0; },\n"
    "  { name = \"fb\"; from = \"out\"; to = \"hid\"; compartment = \"apical\"; rule = "
    "\"all_to_all\"; weight = 0.0; }\n"
    ");\n";

static void test_engine(void)
{
    const char *dir = trained("tw_eval", "");
    const char *cfg = harness_write("tw_twin.cfg", twin_cfg);
    const char *run = harness_path("tw_twin_run");
    char a[1100], b[1100];
    snprintf(a, sizeof a, "%s/weights.bin", dir);
    snprintf(b, sizeof b, "%s/weights.bin", run);
    int rc = apical("run %s --weights %s --quiet -o %s", cfg, dir, run);
    EXPECT(rc == 0, "apical run --weights of the trainer's folder", out);
    EXPECT(harness_same_file(a, b), "train -> weights.bin -> apical run -> weights.bin: the same bytes",
           NULL);
    /* and back: the run's file evaluates as the trainer's */
    rc = apical("eval %s --weights %s", xor_cfg(), b);
    EXPECT(rc == 0 && strstr(out, "\"accuracy\""), "eval of the run's weights.bin", out);
}

/* SIGINT/SIGTERM in the middle of an epoch: weights.bin holds the weights of the checkpoint. */
static void test_interrupt(void)
{
    static volatile sig_atomic_t stop = 1;
    static const char *const sets[] = {"learning.epochs=1"};
    struct train *t = open_xor(sets, 1, &stop);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    const char *dir = harness_path("tw_int");
    struct err e = {0};
    EXPECT(train_run(t, dir, 0, &e) == ERR_INTERRUPTED, "interrupted", e.msg);
    EXPECT(strstr(e.msg, "weights.bin") != NULL, "the message names weights.bin", e.msg);
    char wt[1100], ck[1100], sum[1100];
    snprintf(wt, sizeof wt, "%s/weights.bin", dir);
    snprintf(ck, sizeof ck, "%s/checkpoint.bin", dir);
    snprintf(sum, sizeof sum, "%s/summary.json", dir);
    EXPECT(harness_exists(ck) && harness_exists(wt) && !harness_exists(sum),
           "checkpoint.bin and weights.bin, no summary", NULL);
    struct wt_file f = {0};
    const struct snn *n = train_net(t);
    EXPECT(wt_load(wt, &f, &e) == 0 && f.nproj == 3, "weights.bin", e.msg);
    if (f.nproj == 3)
        check_record(&f.projs[0], "w_in", "in", "hid", 4, 16, n->params, n->L[0].w_off, 0);
    wt_free(&f);
    train_close(t);
}

/* Bad input: exit 2, the file named and what differs. */
static void test_refused(void)
{
    const char *dir = trained("tw_eval", "");
    char wt[1100], ck[1100];
    snprintf(wt, sizeof wt, "%s/weights.bin", dir);
    snprintf(ck, sizeof ck, "%s/checkpoint.bin", dir);
    /* weights of another network */
    int rc = apical("eval %s --weights %s --set populations.hid.size=8", xor_cfg(), wt);
    EXPECT(rc == 2 && strstr(out, wt) && strstr(out, "16 neurons in the file, 8"),
           "another hidden size", out);
    rc = apical("eval %s --weights %s --set projections.w_out.name=\"w_o\"", xor_cfg(), wt);
    EXPECT(rc == 2 && strstr(out, wt) &&
               strstr(out, "\"w_out\" of the file is not in this network"),
           "another projection name", out);
    /* a run's weights.bin (one projection "ff" of another network) */
    uint32_t id[2] = {0, 1};
    float w[2] = {1.0f, 2.0f};
    struct wt_proj ff = {.name = "ff",
                         .src = "a",
                         .tgt = "b",
                         .nsrc = 2,
                         .ntgt = 2,
                         .nsyn = 2,
                         .src_id = id,
                         .tgt_id = id,
                         .w = w};
    struct err e = {0};
    const char *run_file = harness_path("tw_ff.bin");
    EXPECT(wt_save(run_file, &ff, 1, &e) == 0, "wt_save", e.msg);
    rc = apical("eval %s --weights %s", xor_cfg(), run_file);
    EXPECT(rc == 2 && strstr(out, "tw_ff.bin") &&
               strstr(out, "projection \"ff\" of the file is not in this network"),
           "a run's file", out);
    /* truncated */
    size_t n = 0;
    char *bytes = harness_slurp(wt, &n);
    CU_ASSERT_PTR_NOT_NULL_FATAL(bytes);
    const char *cut = harness_path("tw_cut.bin");
    FILE *f = fopen(cut, "wb");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fwrite(bytes, 1, n - 100, f);
    fclose(f);
    free(bytes);
    rc = apical("eval %s --weights %s", xor_cfg(), cut);
    EXPECT(rc == 2 && strstr(out, "tw_cut.bin") && strstr(out, "truncated"), "truncated", out);
    rc = apical("run %s --weights %s -o %s --quiet", harness_write("tw_twin2.cfg", twin_cfg), cut,
                harness_path("tw_cut_run"));
    EXPECT(rc == 2 && strstr(out, "tw_cut.bin") && strstr(out, "truncated"), "run: truncated", out);
    /* foreign */
    rc = apical("eval %s --weights %s", xor_cfg(), xor_cfg());
    EXPECT(rc == 2 && strstr(out, "xor.cfg") &&
               strstr(out, "not an apical checkpoint (checkpoint.bin) or weights file"),
           "foreign", out);
    rc = apical("eval %s --weights %s", xor_cfg(), harness_path("tw_missing.bin"));
    EXPECT(rc == 2 && strstr(out, "tw_missing.bin"), "missing", out);
    /* a checkpoint where apical run wants weights.bin */
    rc = apical("run %s --weights %s -o %s --quiet", harness_write("tw_twin3.cfg", twin_cfg), ck,
                harness_path("tw_ck_run"));
    EXPECT(rc == 2 && strstr(out, ck) && strstr(out, "training checkpoint"),
           "run --weights checkpoint.bin", out);
}

static int suite_train_weights(void)
{
    CU_pSuite s = CU_add_suite("train_weights", NULL, NULL);
    if (!s) return -1;
    if (!CU_add_test(s, "weights.bin: W, B and symmetric feedback as snn.h lays them out",
                     test_layout) ||
        !CU_add_test(s, "eval of weights.bin = eval of the binary32-rounded weights", test_eval) ||
        !CU_add_test(s, "train -> apical run --weights -> the same bytes", test_engine) ||
        !CU_add_test(s, "interrupted mid-epoch: weights.bin with the checkpoint", test_interrupt) ||
        !CU_add_test(s, "other networks, cut and foreign files refused", test_refused))
        return -1;
    return 0;
}
TEST_SUITE(suite_train_weights)
