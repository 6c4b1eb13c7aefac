/* tests/test_lcfg: learning/lcfg's reading of training-only settings, against docs/learning.md's
 * schema and snn.h's name tables: each projection's `feedback` lands in learn_spec as the
 * enum that snn_feedback_names names (forward projections SNN_FB_NONE), with file, line and
 * projections.NAME.feedback on a bad value; io/cfg knows no `feedback` (a plain config gets
 * its generic unknown-setting error, a config read by lcfg without a learning block is told
 * where the setting belongs); rule and loss read through the tables; a training network of
 * more than SNN_MAX_PROJS projections is refused before anything indexes past them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/cfg.h"
#include "learning/data_encode.h"
#include "learning/lcfg.h"
#include "learning/optim.h"
#include "learning/snn.h"
#include "tests/harness.h"

#define EXPECT HARNESS_EXPECT

/* configs/xor.cfg's network; fb: the feedback projection's extra settings (`feedback = ...;`
 * or ""), extra: more projections (",\n { ... }" each) or NULL; learn: the learning block's
 * settings, or NULL for a plain config (no training blocks; the input's spikes given). The
 * fb projection's extra settings are on line 16, the projections list opens on line 9. */
static char *xor_text(const char *fb, const char *extra, const char *learn)
{
    const char *spikes = learn ? "" : " spike_times = ( [1.0], [2.0], [3.0], [4.0] );";
    char blocks[1024] = "";
    if (learn)
        snprintf(blocks, sizeof blocks,
                 "learning = { %s };\ndata = { set = \"xor\"; train = 16; };\n"
                 "encoder = { type = \"current\"; gain = 1.0; };\n",
                 learn);
    size_t cap = 4096 + (extra ? strlen(extra) : 0);
    char *t = malloc(cap);
    CU_ASSERT_FATAL(t != NULL);
    snprintf(
        t, cap,
        "simulation = { dt = 1.0; duration = 20.0; seed = 1; };\n"
        "populations = ( { name = \"in\"; size = 4; model = \"spike_source\";%s },\n"
        "  { name = \"hid\"; size = 16; model = \"mc_lif\"; v_th = -60.0; v_reset = -70.0;\n"
        "    t_ref = 0.0; compartments = (\n"
        "      { name = \"soma\"; c_m = 200.0; g_l = 20.0; e_l = -70.0; tau_syn_ex = 3.0; },\n"
        "      { name = \"apical\"; c_m = 100.0; g_l = 10.0; e_l = -70.0; g_c = 0.0; } ); },\n"
        "  { name = \"out\"; size = 2; model = \"li\"; c_m = 200.0; tau_m = 10.0; e_l = -70.0;\n"
        "    tau_syn_ex = 3.0; } );\n"
        "projections = (\n"
        "  { name = \"w_in\"; from = \"in\"; to = \"hid\"; rule = \"all_to_all\";\n"
        "    weight = { dist = \"normal\"; mean = 15.0; std = 60.0; }; },\n"
        "  { name = \"w_out\"; from = \"hid\"; to = \"out\"; rule = \"all_to_all\";\n"
        "    weight = { dist = \"normal\"; mean = 0.0; std = 100.0; }; },\n"
        "  { name = \"fb\"; from = \"out\"; to = \"hid\"; compartment = \"apical\";\n"
        "    rule = \"all_to_all\"; weight = { dist = \"normal\"; mean = 0.0; std = 1.0; };\n"
        "    %s }%s\n"
        ");\n"
        "%s",
        spikes, fb, extra ? extra : "", blocks);
    return t;
}

/* lcfg_load of text (freed here); 0 or the error (formatted into msg). */
static int load(char *text, const char *const *sets, int nsets, struct learn_spec *ls, char *msg,
                size_t n)
{
    const char *path = harness_write("lcfg.cfg", text);
    free(text);
    struct net_spec s;
    char *resolved = NULL;
    struct err e = {0};
    int rc = lcfg_load(path, sets, nsets, &s, ls, &resolved, &e);
    msg[0] = '\0';
    if (rc)
        err_format(&e, msg, n);
    else
        spec_free(&s);
    free(resolved);
    return rc;
}

/* Truth: snn.h's table (a mode's index is its enum) and docs/learning.md (a projection carries
 * feedback = "symmetric" | "random" | "direct" | "learned"; "none" is no config's value). */
static void test_feedback_read(void)
{
    static const int modes[] = {SNN_FB_SYMMETRIC, SNN_FB_RANDOM, SNN_FB_DIRECT, SNN_FB_LEARNED};
    static struct learn_spec ls;
    const char *apical = "rule = \"apical\";";
    char msg[1024], fb[64];
    for (int k = 0; k < 4; k++) {
        const char *name = snn_feedback_names[modes[k]];
        CU_ASSERT_EQUAL(snn_feedback_index(name), modes[k]);
        snprintf(fb, sizeof fb, "feedback = \"%s\";", name);
        EXPECT(load(xor_text(fb, NULL, apical), NULL, 0, &ls, msg, sizeof msg) == 0, name, msg);
        EXPECT(ls.feedback[0] == SNN_FB_NONE && ls.feedback[1] == SNN_FB_NONE &&
                   ls.feedback[2] == modes[k],
               name, msg);
    }
    CU_ASSERT_EQUAL(snn_feedback_index("none"), SNN_FB_NONE);
    CU_ASSERT_EQUAL(snn_feedback_index("bogus"), -1);
    CU_ASSERT_EQUAL(snn_feedback_index(NULL), -1);

    /* a bad value in the file: its file, line, path and the modes a config may name */
    static const char *const bad[] = {"feedback = \"bogus\";", "feedback = \"none\";",
                                      "feedback = 1;"};
    for (int k = 0; k < 3; k++) {
        EXPECT(load(xor_text(bad[k], NULL, apical), NULL, 0, &ls, msg, sizeof msg) == ERR_INPUT,
               bad[k], msg);
        EXPECT(strstr(msg, "lcfg.cfg:16: projections.fb.feedback: ") != NULL, bad[k], msg);
        if (k < 2) EXPECT(strstr(msg, "(symmetric, random, direct, learned)") != NULL, bad[k], msg);
    }
    /* by --set: the --set is named */
    const char *set[] = {"projections.fb.feedback=\"direkt\""};
    EXPECT(load(xor_text("feedback = \"direct\";", NULL, apical), set, 1, &ls, msg, sizeof msg) ==
               ERR_INPUT,
           "--set", msg);
    EXPECT(strstr(msg, "projections.fb.feedback: unknown choice \"direkt\": did you mean "
                       "\"direct\"?") != NULL,
           "--set", msg);

    /* a feedback projection may leave out weight (symmetric reads the forward weights); a
     * forward one may not */
    char *text = xor_text("feedback = \"symmetric\";", NULL, apical);
    const char *wfb = " weight = { dist = \"normal\"; mean = 0.0; std = 1.0; };";
    char *w = strstr(text, wfb);
    CU_ASSERT_FATAL(w != NULL);
    memset(w, ' ', strlen(wfb));
    char *copy = strdup(text);
    EXPECT(load(text, NULL, 0, &ls, msg, sizeof msg) == 0, "symmetric without weight", msg);
    EXPECT(ls.feedback[2] == SNN_FB_SYMMETRIC, "symmetric without weight", msg);
    char *f = strstr(copy, "feedback = \"symmetric\";");
    memset(f, ' ', strlen("feedback = \"symmetric\";"));
    EXPECT(load(copy, NULL, 0, &ls, msg, sizeof msg) == ERR_INPUT, "forward without weight", msg);
    EXPECT(strstr(msg, "projections.fb.weight: missing") != NULL, "forward without weight", msg);
}

/* Truth: io/cfg knows no `feedback` (cfg.h: a cfg_ext's proj_keys), so where no extension
 * reads it, it is an unknown setting; lcfg's loaders say where it belongs. */
static void test_feedback_outside_training(void)
{
    char *text = xor_text("feedback = \"symmetric\";", NULL, NULL);
    const char *plain = harness_write("lcfg_plain.cfg", text);
    free(text);
    struct net_spec s;
    char *resolved = NULL;
    struct err e = {0};
    char msg[1024];
    /* cfg_load (apical sweep): the generic message, which lists no training setting */
    CU_ASSERT_EQUAL(cfg_load(plain, NULL, 0, &s, &resolved, &e), ERR_INPUT);
    err_format(&e, msg, sizeof msg);
    EXPECT(strstr(msg, "lcfg_plain.cfg:16: projections.fb.feedback: unknown setting") != NULL,
           "cfg_load", msg);
    EXPECT(strstr(msg, "allowed here: name, from, to") && !strstr(msg, "feedback,") &&
               !strstr(msg, ", feedback"),
           "cfg_load", msg);
    /* lcfg_load_any (apical run, apical check) of a config without a learning block */
    static struct learn_spec ls;
    int training = -1;
    memset(&e, 0, sizeof e);
    CU_ASSERT_EQUAL(lcfg_load_any(plain, NULL, 0, &s, &ls, &resolved, &training, &e), ERR_INPUT);
    err_format(&e, msg, sizeof msg);
    EXPECT(strstr(msg, "lcfg_plain.cfg:16: projections.fb.feedback: only in configs with a "
                       "learning block") != NULL,
           "lcfg_load_any", msg);
    /* the CLI says the same, exit 2 */
    static char out[8192];
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "check %s", plain);
    EXPECT(harness_apical(cmd, out, sizeof out) == 2, "apical check", out);
    EXPECT(strstr(out, "projections.fb.feedback: only in configs with a learning block") != NULL,
           "apical check", out);
    /* in a training config an unknown projection setting lists feedback among the allowed */
    EXPECT(load(xor_text("feedbak = \"symmetric\";", NULL, "rule = \"apical\";"), NULL, 0, &ls, msg,
                sizeof msg) == ERR_INPUT,
           "feedbak", msg);
    EXPECT(strstr(msg, "projections.fb.feedbak: unknown setting: did you mean "
                       "projections.fb.feedback?") &&
               strstr(msg, ", feedback"),
           "feedbak", msg);
}

/* Truth: snn.h's tables are the enums' names in order; lcfg reads rule and loss through them. */
static void test_one_table_per_choice(void)
{
    CU_ASSERT_STRING_EQUAL(snn_rule_names[SNN_APICAL], "apical");
    CU_ASSERT_STRING_EQUAL(snn_rule_names[SNN_BPTT], "bptt");
    CU_ASSERT_PTR_NULL(snn_rule_names[SNN_BPTT + 1]);
    CU_ASSERT_STRING_EQUAL(snn_loss_names[SNN_LOSS_CE], "softmax_ce");
    CU_ASSERT_STRING_EQUAL(snn_loss_names[SNN_LOSS_MSE], "mse");
    CU_ASSERT_STRING_EQUAL(snn_loss_names[SNN_LOSS_CE_MEAN], "softmax_ce_mean");
    CU_ASSERT_PTR_NULL(snn_loss_names[SNN_LOSS_CE_MEAN + 1]);
    CU_ASSERT_STRING_EQUAL(snn_feedback_names[SNN_FB_NONE], "none");
    CU_ASSERT_STRING_EQUAL(snn_feedback_names[SNN_FB_SYMMETRIC], "symmetric");
    CU_ASSERT_STRING_EQUAL(snn_feedback_names[SNN_FB_RANDOM], "random");
    CU_ASSERT_STRING_EQUAL(snn_feedback_names[SNN_FB_DIRECT], "direct");
    CU_ASSERT_STRING_EQUAL(snn_feedback_names[SNN_FB_LEARNED], "learned");
    CU_ASSERT_PTR_NULL(snn_feedback_names[SNN_FB_LEARNED + 1]);
    static struct learn_spec ls;
    char msg[1024], learn[128];
    for (int r = 0; snn_rule_names[r]; r++)
        for (int l = 0; snn_loss_names[l]; l++) {
            snprintf(learn, sizeof learn, "rule = \"%s\"; loss = \"%s\";", snn_rule_names[r],
                     snn_loss_names[l]);
            EXPECT(load(xor_text("feedback = \"symmetric\";", NULL, learn), NULL, 0, &ls, msg,
                        sizeof msg) == 0 &&
                       ls.rule == r && ls.loss == l,
                   learn, msg);
        }
    EXPECT(load(xor_text("feedback = \"symmetric\";", NULL, "loss = \"mse\";"), NULL, 0, &ls, msg,
                sizeof msg) == ERR_INPUT &&
               strstr(msg, "learning.rule: missing (\"apical\" or \"bptt\")"),
           "rule missing", msg);
}

/* Truth: docs/learning.md's schema (the names of each choice); lcfg's tables list them in the
 * order of the values learn_spec stores, which apical check and summary.json print back. */
static void test_lcfg_names(void)
{
    CU_ASSERT_STRING_EQUAL(lcfg_set_names[LSPEC_FMNIST], "fashion-mnist");
    CU_ASSERT_STRING_EQUAL(lcfg_set_names[LSPEC_YINYANG], "yinyang");
    CU_ASSERT_STRING_EQUAL(lcfg_set_names[LSPEC_XOR], "xor");
    CU_ASSERT_STRING_EQUAL(lcfg_enc_names[LSPEC_LATENCY], "latency");
    CU_ASSERT_STRING_EQUAL(lcfg_enc_names[LSPEC_POISSON], "poisson");
    CU_ASSERT_STRING_EQUAL(lcfg_enc_names[LSPEC_CURRENT], "current");
    CU_ASSERT_STRING_EQUAL(lcfg_lat_mode_names[ENC_LATENCY_LOG], "log");
    CU_ASSERT_STRING_EQUAL(lcfg_lat_mode_names[ENC_LATENCY_LINEAR], "linear");
    CU_ASSERT_STRING_EQUAL(lcfg_optim_names[OPTIM_SGD], "sgd");
    CU_ASSERT_STRING_EQUAL(lcfg_optim_names[OPTIM_ADAM], "adam");
    CU_ASSERT_STRING_EQUAL(lcfg_split_names[1], "train");
    CU_ASSERT_STRING_EQUAL(lcfg_spike_names[1], "soft");
    CU_ASSERT_STRING_EQUAL(lcfg_reset_names[1], "full");
    static struct learn_spec ls;
    const struct {
        const char *const *names;
        const char *set; /* a --set with %s for the name */
        const int *got;
    } cases[] = {
        {lcfg_set_names, "data={set=\"%s\";}", &ls.set},
        {lcfg_split_names, "data={set=\"xor\"; split=\"%s\";}", &ls.present_train},
        {lcfg_enc_names, "encoder={type=\"%s\";}", &ls.enc},
        {lcfg_lat_mode_names, "encoder={type=\"latency\"; mode=\"%s\";}", &ls.lat_mode},
        {lcfg_spike_names, "learning.spike=\"%s\"", &ls.soft},
        {lcfg_reset_names, "learning.reset_grad=\"%s\"", &ls.reset_grad},
        {lcfg_optim_names, "learning.optimizer={type=\"%s\";}", NULL},
    };
    char msg[1024], set[256];
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++)
        for (int k = 0; cases[c].names[k]; k++) {
            snprintf(set, sizeof set, cases[c].set, cases[c].names[k]);
            const char *sets[] = {set};
            int rc = load(xor_text("feedback = \"symmetric\";", NULL, "rule = \"bptt\";"), sets, 1,
                          &ls, msg, sizeof msg);
            EXPECT(rc == 0, set, msg);
            EXPECT((cases[c].got ? *cases[c].got : (int)ls.opt.type) == k, set, msg);
        }
}

/* Truth: snn.h (SNN_MAX_PROJS): a training network has at most 256 projections. Past them the
 * trainer once read its per-projection feedback modes beyond their array (a sanitizer report);
 * now apical train refuses with exit 2, and snn_compile refuses a spec loaded elsewhere. */
static void test_too_many_projections(void)
{
    enum { NEXTRA = SNN_MAX_PROJS + 40 - 3 };
    char *extra = malloc((size_t)NEXTRA * 128);
    CU_ASSERT_FATAL(extra != NULL);
    size_t n = 0;
    for (int k = 0; k < NEXTRA; k++)
        n += (size_t)snprintf(extra + n, 128,
                              ",\n  { name = \"x%d\"; from = \"in\"; to = "
                              "\"hid\"; rule = \"all_to_all\"; weight = 1.0; }",
                              k);
    char *text = xor_text("feedback = \"symmetric\";", extra, "rule = \"bptt\";");
    const char *path = harness_write("lcfg_many.cfg", text);
    free(text);
    static char out[16384];
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "train %s -o %s --quiet --epochs 0", path, harness_path("many"));
    EXPECT(harness_apical(cmd, out, sizeof out) == 2, "apical train", out);
    EXPECT(strstr(out, "lcfg_many.cfg:9: projections: 296 projections: a training network has "
                       "at most 256") != NULL,
           "apical train", out);
    EXPECT(!harness_sanitizer_text(out), "apical train", out);

    /* the same network as a plain config (its feedback projection a forward one) */
    text = xor_text("", extra, NULL);
    path = harness_write("lcfg_many_plain.cfg", text);
    free(text);
    free(extra);
    struct net_spec s;
    char *resolved = NULL;
    struct err e = {0};
    CU_ASSERT_EQUAL_FATAL(cfg_load(path, NULL, 0, &s, &resolved, &e), 0);
    CU_ASSERT_EQUAL(s.nprojs, SNN_MAX_PROJS + 40);
    struct snn_opts o = {0};
    o.T = 20;
    o.file = path;
    struct snn *net = NULL;
    EXPECT(snn_compile(&net, &s, &o, &e) == ERR_INPUT && net == NULL, "snn_compile", e.msg);
    EXPECT(!strcmp(e.path, "projections") && strstr(e.msg, "at most 256"), "snn_compile", e.msg);
    spec_free(&s);
    free(resolved);
}

static int suite_lcfg(void)
{
    CU_pSuite s = CU_add_suite("lcfg", NULL, NULL);
    if (!s) return -1;
    CU_add_test(s, "feedback: read into learn_spec by the table, bad values named",
                test_feedback_read);
    CU_add_test(s, "feedback outside training configs", test_feedback_outside_training);
    CU_add_test(s, "rule, loss, feedback: one name table each", test_one_table_per_choice);
    CU_add_test(s, "sets, splits, encoders, spike, reset, optimizer: one name table each",
                test_lcfg_names);
    CU_add_test(s, "more than 256 projections refused", test_too_many_projections);
    return 0;
}
TEST_SUITE(suite_lcfg)
