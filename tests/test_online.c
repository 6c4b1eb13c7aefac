/* tests/test_online: an online config (configs/yinyang_online.cfg, a network with a teacher
 * block) learns while apical run presents its data set. Truths: the same circuit with its
 * learning rates at 0 (the teacher still speaks, nothing changes) classifies near chance, so
 * what it gains is learning; learning.csv counts the samples presented; results bit-identical
 * for 1 and 2 threads; settings that cannot work exit 2 named. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "tests/harness.h"

#define EXPECT HARNESS_EXPECT

/* a reduced run: 2000 training samples, 3 passes, 500 test samples */
#define SMALL "--set data.train=2000 --set data.test=500 --set teacher.epochs=3"

static double run_acc(const char *name, const char *extra, double *last)
{
    char out[8192], cfg[1024];
    snprintf(cfg, sizeof cfg, "%s/configs/yinyang_online.cfg", harness_root());
    const char *dir = harness_path(name);
    int rc = harness_apicalf(out, sizeof out, "run %s -o %s --quiet " SMALL " %s", cfg, dir,
                             extra);
    EXPECT(rc == 0, name, out);
    char p[1200];
    snprintf(p, sizeof p, "%s/summary.json", dir);
    cJSON *j = harness_read_json(p);
    const cJSON *c = cJSON_GetObjectItem(j, "classification");
    const double acc = harness_json_num(c, "accuracy");
    *last = harness_json_num(cJSON_GetObjectItem(c, "online"), "accuracy_last_window");
    CU_ASSERT_EQUAL(harness_json_num(c, "samples"), 500);
    CU_ASSERT_EQUAL(harness_json_num(cJSON_GetObjectItem(c, "online"), "samples_learned"), 6000);
    cJSON_Delete(j);
    return acc;
}

/* Truth: the same circuit that cannot change. */
static void test_learns(void)
{
    double last, last0;
    const double acc = run_acc("online_learn", "", &last);
    const double acc0 = run_acc("online_frozen",
                                "--set projections.w_in.plasticity.eta=0.0 "
                                "--set projections.w_out.plasticity.eta=0.0",
                                &last0);
    double lastt;
    const double acct = run_acc("online_tied",
                                "--set 'projections.fb.rule = \"transpose\"' "
                                "--set 'projections.fb.of = \"w_out\"' "
                                "--set projections.fb.weight=0.3",
                                &lastt);
    fprintf(stderr, "\n  learning: test %.1f %% (last window %.1f %%); tied feedback %.1f %% "
            "(%.1f %%); frozen: %.1f %% (%.1f %%)\n", acc, last, acct, lastt, acc0, last0);
    CU_ASSERT(acct > acc0 + 25.0);
    CU_ASSERT(acc > 70.0);
    CU_ASSERT(acc > acc0 + 25.0);
    CU_ASSERT(last > last0 + 20.0);
    /* learning.csv: a row every window (1000 samples) */
    char p[1200];
    snprintf(p, sizeof p, "%s/learning.csv", harness_path("online_learn"));
    size_t len = 0;
    char *t = harness_slurp(p, &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    CU_ASSERT(strncmp(t, "samples,epoch,accuracy\n", 23) == 0);
    CU_ASSERT_EQUAL(harness_count(t, t + len, "\n"), 7);
    CU_ASSERT(strstr(t, "\n6000,3,") != NULL);
    free(t);
}

/* Truth: the parts of a step are the threads', the presentation is not. */
static void test_threads(void)
{
    char cfg[1024], out[8192];
    snprintf(cfg, sizeof cfg, "%s/configs/yinyang_online.cfg", harness_root());
    char *w[2] = {NULL, NULL};
    size_t n[2] = {0, 0};
    for (int t = 1; t <= 2; t++) {
        char name[32], p[1200];
        snprintf(name, sizeof name, "online_t%d", t);
        const char *dir = harness_path(name);
        int rc = harness_apicalf(out, sizeof out,
                                 "run %s -o %s --quiet --threads %d --set data.train=300 "
                                 "--set data.test=100 --set teacher.epochs=1",
                                 cfg, dir, t);
        EXPECT(rc == 0, name, out);
        snprintf(p, sizeof p, "%s/weights.bin", dir);
        w[t - 1] = harness_slurp(p, &n[t - 1]);
    }
    CU_ASSERT_FATAL(w[0] && w[1]);
    CU_ASSERT(n[0] == n[1] && n[0] > 0 && memcmp(w[0], w[1], n[0]) == 0);
    free(w[0]);
    free(w[1]);
}

/* Truth: the documented error format, exit 2, naming the setting. */
static void test_refusals(void)
{
    static const struct {
        const char *set, *want;
    } cases[] = {
        {"teacher.input = \"hid\"", "teacher.input"},
        {"teacher.error = \"nope\"", "teacher.error"},
        {"teacher.readout = \"err\"", "teacher.readout"},
        {"teacher.loss = \"softmax_ce_mean\"", "teacher.loss"},
        {"data.split = \"train\"", "data.split"},
        {"populations.err.size = 2", "teacher.error"},
        {"populations.in.size = 5", "teacher.input"},
        {"teacher.epochs = 100000", "more than 4e9 steps"},
        {"simulation.duration = 1e9", "at most 1e8"},
    };
    char cfg[1024];
    snprintf(cfg, sizeof cfg, "%s/configs/yinyang_online.cfg", harness_root());
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char out[8192];
        int rc = harness_apicalf(out, sizeof out, "run %s -o %s --quiet --set '%s'", cfg,
                                 harness_path("online_bad"), cases[i].set);
        EXPECT(rc == 2, cases[i].set, out);
        EXPECT(strstr(out, cases[i].want) != NULL, cases[i].set, out);
    }
    char out[8192];
    int rc = harness_apicalf(out, sizeof out, "train %s -o %s", cfg, harness_path("online_tr"));
    EXPECT(rc == 2 && strstr(out, "learning"), "apical train of an online config", out);
}

static int online_suite(void)
{
    CU_pSuite s = CU_add_suite("online", NULL, NULL);
    if (!s) return -1;
    if (!CU_add_test(s, "yinyang_online learns (against the frozen circuit)", test_learns) ||
        !CU_add_test(s, "1 and 2 threads: the same weights", test_threads) ||
        !CU_add_test(s, "bad teacher settings exit 2 named", test_refusals))
        return -1;
    return 0;
}

TEST_SUITE(online_suite)
