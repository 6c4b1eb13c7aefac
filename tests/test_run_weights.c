/* tests/test_run_weights: apical run's weights out (weights.bin) and in (--weights). Truths:
 * the file read back by io/weights holds exactly the statistics summary.json reports; a run
 * whose rule cannot change anything (lambda = 0) started from a file, or a static run started
 * from it, writes that very file again, byte for byte; thread counts do not change a byte;
 * every other network is refused with exit 2 naming the file and the difference. */
#include <CUnit/CUnit.h>
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/weights.h"
#include "tests/harness.h"

#define EXPECT HARNESS_EXPECT

#define STDP(lambda)                                                                               \
    "--set 'projections.ee.plasticity = { rule = \"stdp\"; w_max = 3.24; lambda = " lambda        \
    "; }' --set simulation.duration=300.0 --quiet"

static char out[8192];

static int run(const char *fmt, const char *a, const char *b)
{
    char args[4096];
    snprintf(args, sizeof args, fmt, harness_root(), a, b);
    return harness_apical_within(120, HARNESS_ANY_SIZE, args, out, sizeof out);
}

/* The final weights' mean and std in summary.json against those of weights.bin. */
static void test_out(void)
{
    char d1[1024], d3[1024], f1[1100], f3[1100], sum[1100];
    snprintf(d1, sizeof d1, "%s", harness_path("rw_t1"));
    snprintf(d3, sizeof d3, "%s", harness_path("rw_t3"));
    int rc = run("run %s/configs/cuba.cfg " STDP("0.05") " --threads 1 -o %s%s", d1, "");
    EXPECT(rc == 0, "plastic run, 1 thread", out);
    rc = run("run %s/configs/cuba.cfg " STDP("0.05") " --threads 3 -o %s%s", d3, "");
    EXPECT(rc == 0, "plastic run, 3 threads", out);
    snprintf(f1, sizeof f1, "%s/weights.bin", d1);
    snprintf(f3, sizeof f3, "%s/weights.bin", d3);
    EXPECT(harness_same_file(f1, f3), "weights.bin of 1 and 3 threads", NULL);

    struct wt_file f = {0};
    struct err e = {0};
    CU_ASSERT_EQUAL_FATAL(wt_load(f1, &f, &e), 0);
    CU_ASSERT_EQUAL_FATAL(f.nproj, 1);
    CU_ASSERT_STRING_EQUAL(f.projs[0].name, "ee");
    double s = 0, sq = 0;
    for (uint64_t c = 0; c < f.projs[0].nsyn; c++) s += f.projs[0].w[c];
    const double mean = s / (double)f.projs[0].nsyn;
    for (uint64_t c = 0; c < f.projs[0].nsyn; c++)
        sq += (f.projs[0].w[c] - mean) * (f.projs[0].w[c] - mean);
    snprintf(sum, sizeof sum, "%s/summary.json", d1);
    cJSON *j = harness_read_json(sum);
    CU_ASSERT_PTR_NOT_NULL_FATAL(j);
    const cJSON *pl = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "plasticity"), 0);
    const cJSON *fin = cJSON_GetObjectItem(pl, "final"), *ini = cJSON_GetObjectItem(pl, "initial");
    CU_ASSERT_EQUAL(harness_json_num(pl, "synapses"), (double)f.projs[0].nsyn);
    /* cJSON prints 15 significant digits where they read back within its epsilon */
    CU_ASSERT_DOUBLE_EQUAL(harness_json_num(fin, "mean"), mean, 1e-13);
    CU_ASSERT_DOUBLE_EQUAL(harness_json_num(fin, "std"), sqrt(sq / (double)f.projs[0].nsyn),
                           1e-12);
    /* the run started at 1.62 everywhere and the rule moved the weights */
    CU_ASSERT_DOUBLE_EQUAL(harness_json_num(ini, "mean"), (double)1.62f, 1e-12);
    CU_ASSERT_EQUAL(harness_json_num(ini, "std"), 0);
    CU_ASSERT(harness_json_num(fin, "std") > 0);
    cJSON_Delete(j);
    wt_free(&f);
}

/* From a file, with a rule that cannot change a weight: the same file comes out. */
static void test_in(void)
{
    char d1[1024], d2[1024], f1[1100], f2[1100];
    snprintf(d1, sizeof d1, "%s", harness_path("rw_t1"));
    snprintf(d2, sizeof d2, "%s", harness_path("rw_in"));
    snprintf(f1, sizeof f1, "%s/weights.bin", d1);
    snprintf(f2, sizeof f2, "%s/weights.bin", d2);
    int rc = run("run %s/configs/cuba.cfg " STDP("0.0") " --threads 2 -o %s --weights %s", d2, d1);
    EXPECT(rc == 0, "--weights DIR", out);
    EXPECT(harness_same_file(f1, f2), "lambda = 0 from a file writes that file", NULL);
    rc = run("run %s/configs/cuba.cfg " STDP("0.0") " --threads 1 -o %s --weights %s", d2, f1);
    EXPECT(rc == 0, "--weights FILE", out);
    EXPECT(harness_same_file(f1, f2), "the same from the file's path", NULL);
    /* a static run of the same network takes them too, and writes them again (a static
     * projection keeps the file's weights); one without --weights leaves no weights.bin */
    rc = run("run %s/configs/cuba.cfg --set simulation.duration=50.0 --quiet -o %s --weights %s",
             d2, f1);
    EXPECT(rc == 0, "static run from a file", out);
    EXPECT(harness_same_file(f1, f2), "a static run from a file writes the file again", NULL);
    rc = run("run %s/configs/cuba.cfg --set simulation.duration=50.0 --quiet -o %s%s", d2, "");
    EXPECT(rc == 0, "static run", out);
    EXPECT(!harness_exists(f2), "an earlier run's weights.bin is not left in a static run's folder",
           NULL);
}

static void test_refused(void)
{
    char d1[1024], d2[1024], bad[1100];
    snprintf(d1, sizeof d1, "%s", harness_path("rw_t1"));
    snprintf(d2, sizeof d2, "%s", harness_path("rw_bad"));
    struct {
        const char *extra, *weights, *says;
    } cases[] = {
        {"--seed 2", d1, "synapses"},
        {"--set populations.exc.size=3000", d1, "3000"},
        {"--set projections.ee.name=other", d1, "not in this network"},
        {"", "/nonexistent/weights.bin", "/nonexistent/weights.bin"},
        {"--set projections.ee.weight=0.5 --set 'projections.ee.plasticity.w_max = 1.0'", d1,
         "outside the bounds"},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        char fmt[512];
        snprintf(fmt, sizeof fmt, "run %%s/configs/cuba.cfg " STDP("0.05") " %s -o %%s --weights %%s",
                 cases[c].extra);
        int rc = run(fmt, d2, cases[c].weights);
        EXPECT(rc == 2, cases[c].extra, out);
        EXPECT(strstr(out, cases[c].says) != NULL, cases[c].says, out);
        EXPECT(strstr(out, "weights") != NULL, "names the weights file", out);
    }
    /* a cut file */
    char f1[1100];
    snprintf(f1, sizeof f1, "%s/weights.bin", d1);
    size_t n = 0;
    char *bytes = harness_slurp(f1, &n);
    CU_ASSERT_PTR_NOT_NULL_FATAL(bytes);
    snprintf(bad, sizeof bad, "%s", harness_path("rw_cut.bin"));
    FILE *fp = fopen(bad, "wb");
    CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
    fwrite(bytes, 1, n / 2, fp);
    fclose(fp);
    free(bytes);
    int rc = run("run %s/configs/cuba.cfg " STDP("0.05") " -o %s --weights %s", d2, bad);
    EXPECT(rc == 2 && strstr(out, "rw_cut.bin"), "a cut file", out);
    rc = run("run --resume %.0s%s --weights %s", d2, d1);
    EXPECT(rc == 2 && strstr(out, "--weights"), "--resume with --weights", out);
}

/* apical check names each plastic projection's rules with their parameters. */
static void test_check(void)
{
    char args[2048];
    snprintf(args, sizeof args,
             "check %s/configs/cuba.cfg --set 'projections.ee.plasticity = ( { rule = \"stp\"; "
             "U = 0.2; }, { rule = \"stdp\"; w_max = 3.24; } )'",
             harness_root());
    int rc = harness_apical_within(60, HARNESS_ANY_SIZE, args, out, sizeof out);
    EXPECT(rc == 0, "check", out);
    EXPECT(strstr(out, "plasticity stp U=0.2 ") != NULL, "stp's line", out);
    EXPECT(strstr(out, "plasticity stdp tau_plus=20ms") && strstr(out, "w_max=3.24 "),
           "stdp's line", out);
    EXPECT(strstr(out, "u0=") == NULL, "a parameter left to another (u0 = U) is not printed", out);
}

static int suite_run_weights(void)
{
    CU_pSuite s = CU_add_suite("run_weights", NULL, NULL);
    if (!s) return -1;
    if (!CU_add_test(s, "weights.bin = summary's final weights; 1 and 3 threads alike", test_out) ||
        !CU_add_test(s, "--weights: a frozen rule writes its input again", test_in) ||
        !CU_add_test(s, "other networks and bad files refused, naming the file", test_refused) ||
        !CU_add_test(s, "apical check names the rules and their parameters", test_check))
        return -1;
    return 0;
}
TEST_SUITE(suite_run_weights)
