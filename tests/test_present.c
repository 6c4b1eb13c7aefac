/* tests/test_present: `apical run` of a training config: the data set presented sample after
 * sample, predictions.csv and the summary's classification. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "learning/data.h"
#include "learning/data_encode.h"
#include "learning/train.h"
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
        {"--set simulation.duration=4.0", "simulation.duration"},
        {"--set projections.[1].delay=25.0", "the input reaches the readout 28 steps"},
    };
    char args[2048];
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        snprintf(args, sizeof args, "run %s/configs/xor.cfg --quiet %s -o %s/xbad%zu",
                 harness_root(), cases[k].sets, harness_tmpdir(), k);
        int rc = harness_apical(args, out, sizeof out);
        EXPECT(rc == 2 && strstr(out, cases[k].want), args, out);
    }
}

/* The trainer's own forward pass of every sample of predictions.csv (weights from wfile):
 * the same prediction, and the mean readout potentials to 1e-9 of their range. Returns the
 * samples compared. */
static int same_as_trainer(const char *config, const char *const *sets, int nsets,
                           const char *wfile, const char *csv_path)
{
    struct train *t = NULL;
    struct train_opts o = {.threads = 1, .quiet = 1};
    struct err e = {0};
    CU_ASSERT_EQUAL_FATAL(train_open(&t, config, sets, nsets, &o, &e), 0);
    CU_ASSERT_EQUAL_FATAL(train_load_weights(t, wfile, &e), 0);
    const struct snn *sn = train_net(t);
    const struct data_set *d = train_data(t, 0);
    struct snn_work *w = snn_work_create(sn);
    struct snn_input in = {0};
    struct enc_spikes es = {0};
    CU_ASSERT_EQUAL_FATAL(snn_input_reserve(&in, sn->nin * sn->T, &e), 0);
    CU_ASSERT_EQUAL_FATAL(enc_spikes_init(&es, sn->nin, sn->T, &e), 0);
    char *csv = harness_slurp(csv_path, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(csv);
    const uint32_t K = sn->nout;
    int rows = 0, differ = 0;
    double range = 0, dy = 0;
    for (char *line = strchr(csv, '\n') + 1; *line; line = strchr(line, '\n') + 1) {
        char *p = line;
        unsigned i = (unsigned)strtoul(p, &p, 10), label = (unsigned)strtoul(p + 1, &p, 10),
                 pred = (unsigned)strtoul(p + 1, &p, 10);
        CU_ASSERT_FATAL(i < d->n && label == d->y[i]);
        CU_ASSERT_EQUAL_FATAL(train_encode(t, d->x + (size_t)i * d->nin, TRAIN_EVAL_KEY + i, &in,
                                           &es, &e),
                              0);
        struct snn_result r;
        snn_forward(sn, w, &in, (int)label, &r);
        differ += r.pred != (int)pred;
        const double *U = snn_work_u(w, sn->nlayers - 1);
        for (uint32_t k = 0; k < K; k++) {
            double sum = 0;
            for (uint32_t s = 0; s < sn->T; s++) sum += U[(size_t)s * K + k];
            double y = strtod(p + 1, &p);
            range = fmax(range, fabs(sum / sn->T));
            dy = fmax(dy, fabs(y - sum / sn->T));
        }
        rows++;
    }
    CU_ASSERT_EQUAL(differ, 0);
    CU_ASSERT(dy <= 1e-9 * range);
    if (differ || !(dy <= 1e-9 * range))
        fprintf(stderr, "run vs trainer: %d of %d predictions differ, |dy| %.3g of %.3g\n", differ,
                rows, dy, range);
    free(csv);
    snn_input_free(&in);
    enc_spikes_free(&es);
    snn_work_destroy(w);
    train_close(t);
    return rows;
}

/* Train, then simulate: apical run --weights classifies every sample as the trainer does,
 * its accuracy is apical eval's, and the weights.bin it writes is the trainer's, byte for
 * byte. Once with XOR's currents (graded spikes), once with Poisson spikes (the encoder keyed
 * by the sample, as eval keys it). */
static void test_trained(void)
{
    static const struct {
        const char *cli;
    } cases[] = {
        {""},
        {"--set 'encoder = { type = \"poisson\"; rate_max = 400.0; }' --set "
         "projections.[0].weight.mean=150.0"},
    };
    const char *poisson_sets[] = {"encoder = { type = \"poisson\"; rate_max = 400.0; }",
                                  "projections.[0].weight.mean=150.0"};
    char config[1024], args[4096], path[1200], wfile[1200];
    snprintf(config, sizeof config, "%s/configs/xor.cfg", harness_root());
    for (int c = 0; c < 2; c++) {
        snprintf(args, sizeof args, "train %s --quiet --epochs 6 %s -o %s/tr%d", config,
                 cases[c].cli, harness_tmpdir(), c);
        int rc = harness_apical(args, out, sizeof out);
        EXPECT(rc == 0, args, out);
        snprintf(wfile, sizeof wfile, "%s/tr%d/weights.bin", harness_tmpdir(), c);
        snprintf(args, sizeof args, "run %s --quiet %s --weights %s/tr%d -o %s/sim%d", config,
                 cases[c].cli, harness_tmpdir(), c, harness_tmpdir(), c);
        rc = harness_apical(args, out, sizeof out);
        EXPECT(rc == 0, args, out);
        /* the weights simulated are the trainer's, to the byte */
        snprintf(path, sizeof path, "%s/sim%d/weights.bin", harness_tmpdir(), c);
        size_t la = 0, lb = 0;
        char *a = harness_slurp(wfile, &la), *b = harness_slurp(path, &lb);
        CU_ASSERT_FATAL(a && b);
        CU_ASSERT(la == lb && memcmp(a, b, la) == 0);
        free(a);
        free(b);
        /* every prediction */
        snprintf(path, sizeof path, "%s/sim%d/predictions.csv", harness_tmpdir(), c);
        CU_ASSERT_EQUAL(same_as_trainer(config, c ? poisson_sets : NULL, c ? 2 : 0, wfile, path),
                        4);
        /* the accuracy is eval's */
        snprintf(args, sizeof args, "eval %s %s --weights %s", config, cases[c].cli, wfile);
        rc = harness_apical(args, out, sizeof out);
        EXPECT(rc == 0, args, out);
        const char *acc = strstr(out, "\"accuracy\": ");
        CU_ASSERT_PTR_NOT_NULL_FATAL(acc);
        double eval_acc = strtod(acc + 12, NULL);
        snprintf(path, sizeof path, "%s/sim%d/summary.json", harness_tmpdir(), c);
        cJSON *j = harness_read_json(path);
        CU_ASSERT_PTR_NOT_NULL_FATAL(j);
        double run_acc = harness_json_num(cJSON_GetObjectItem(j, "classification"), "accuracy");
        cJSON_Delete(j);
        CU_ASSERT_DOUBLE_EQUAL(run_acc, eval_acc, 1e-9);
    }
}

/* Without --weights, the network simulated is the trainer's before its first epoch. */
static void test_untrained(void)
{
    char config[1024], args[4096], path[1200];
    snprintf(config, sizeof config, "%s/configs/yinyang_apical.cfg", harness_root());
    const char *sets[] = {"data.test=40", "data.train=10"};
    snprintf(args, sizeof args, "run %s --quiet --set data.test=40 --set data.train=10 -o %s/yy0",
             config, harness_tmpdir());
    int rc = harness_apical(args, out, sizeof out);
    EXPECT(rc == 0, args, out);
    snprintf(path, sizeof path, "%s/yy0/predictions.csv", harness_tmpdir());
    char wfile[1200];
    snprintf(wfile, sizeof wfile, "%s/yy0/weights.bin", harness_tmpdir());
    CU_ASSERT_EQUAL(same_as_trainer(config, sets, 2, wfile, path), 40);
}

/* A training config whose data are missing: exit 2 naming the file and the package. */
static void test_no_data(void)
{
    char args[2048];
    snprintf(args, sizeof args,
             "run %s/configs/fmnist_apical.cfg --quiet --set 'data.dir=\"%s/none\"' -o %s/nodata",
             harness_root(), harness_tmpdir(), harness_tmpdir());
    int rc = harness_apical(args, out, sizeof out);
    EXPECT(rc == 2 && strstr(out, "none/") && strstr(out, "dataset-fashion-mnist"), args, out);
    EXPECT(!harness_exists(harness_path("nodata/summary.json")), args, out);
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
    CU_add_test(s, "missing data: exit 2 naming the file", test_no_data);
    CU_add_test(s, "trained XOR: run = trainer, every prediction; eval's accuracy", test_trained);
    CU_add_test(s, "untrained Yin-Yang: the trainer's initial weights", test_untrained);
    return 0;
}
TEST_SUITE(suite_present)
