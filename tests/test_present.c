/* tests/test_present: `apical run` of a training config: the data set presented sample after
 * sample, predictions.csv and the summary's classification. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/harness.h"

#define EXPECT HARNESS_EXPECT

static char out[16384];

/* Truth: one row per test sample (XOR's four points), labels as the set defines them
 * (x1 xor x2 for sample i = (i & 1, i >> 1 & 1)), the summary counting the same rows; the
 * same bytes for 1 and 3 threads. */
static void test_run_xor(void)
{
    char args[2048], path[1200];
    char *ref = NULL;
    for (int t = 1; t <= 3; t += 2) {
        snprintf(args, sizeof args, "run %s/configs/xor.cfg --quiet --threads %d -o %s/xor%d",
                 harness_root(), t, harness_tmpdir(), t);
        int rc = harness_apical(args, out, sizeof out);
        EXPECT(rc == 0, args, out);
        snprintf(path, sizeof path, "%s/xor%d/predictions.csv", harness_tmpdir(), t);
        char *csv = harness_slurp(path, NULL);
        CU_ASSERT_PTR_NOT_NULL_FATAL(csv);
        if (!ref) {
            ref = csv;
            continue;
        }
        CU_ASSERT_STRING_EQUAL(csv, ref);
        free(csv);
    }
    CU_ASSERT(strncmp(ref, "sample,label,prediction,y0,y1\n", 30) == 0);
    int right = 0, rows = 0;
    for (char *line = strchr(ref, '\n') + 1; *line; line = strchr(line, '\n') + 1) {
        unsigned i, label, pred;
        CU_ASSERT_EQUAL_FATAL(sscanf(line, "%u,%u,%u", &i, &label, &pred), 3);
        CU_ASSERT_EQUAL(i, (unsigned)rows);
        CU_ASSERT_EQUAL(label, (i & 1) ^ ((i >> 1) & 1));
        right += label == pred;
        rows++;
    }
    CU_ASSERT_EQUAL(rows, 4);
    free(ref);
    snprintf(path, sizeof path, "%s/xor1/summary.json", harness_tmpdir());
    cJSON *j = harness_read_json(path);
    CU_ASSERT_PTR_NOT_NULL_FATAL(j);
    const cJSON *c = cJSON_GetObjectItem(j, "classification");
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    CU_ASSERT_EQUAL(harness_json_num(c, "samples"), 4);
    CU_ASSERT_EQUAL(harness_json_num(c, "correct"), right);
    CU_ASSERT_STRING_EQUAL(cJSON_GetStringValue(cJSON_GetObjectItem(c, "split")), "test");
    cJSON_Delete(j);
}

/* Bad presentation settings: exit 2 naming the setting. */
static void test_bad_presentation(void)
{
    static const struct {
        const char *sets, *want;
    } cases[] = {
        {"--set data.gap=1.5", "data.gap"},
        {"--set 'data.split=\"valid\"'", "data.split"},
        {"--checkpoint-every 10", "--checkpoint-every"},
    };
    char args[2048];
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        snprintf(args, sizeof args, "run %s/configs/xor.cfg --quiet %s -o %s/xbad%zu",
                 harness_root(), cases[k].sets, harness_tmpdir(), k);
        int rc = harness_apical(args, out, sizeof out);
        EXPECT(rc == 2 && strstr(out, cases[k].want), args, out);
    }
}

/* apical check describes a training network: its feedback projections and what run presents. */
static void test_check_training(void)
{
    char args[2048];
    snprintf(args, sizeof args, "check %s/configs/yinyang_apical.cfg", harness_root());
    int rc = harness_apical(args, out, sizeof out);
    EXPECT(rc == 0, args, out);
    EXPECT(strstr(out, "feedback symmetric: apical train's error path") != NULL, args, out);
    EXPECT(strstr(out, "training: rule apical") != NULL, args, out);
    EXPECT(strstr(out, "presents the test split") != NULL, args, out);
}

static int suite_present(void)
{
    CU_pSuite s = CU_add_suite("present", NULL, NULL);
    if (!s) return -1;
    CU_add_test(s, "apical run of a training config classifies its test set", test_run_xor);
    CU_add_test(s, "bad presentation settings are refused", test_bad_presentation);
    CU_add_test(s, "apical check describes a training config", test_check_training);
    return 0;
}
TEST_SUITE(suite_present)
