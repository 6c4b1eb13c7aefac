/* tests/test_train: `apical train` and `apical eval` (learning/train, cli/train) as a user meets
 * them, against truths that do not come from the code under test: XOR is solved (and a readout
 * alone, being linear, provably cannot), Yin-Yang clears 90 % for three seeds, the reported
 * accuracy is that of the checkpointed weights, weights are bit-identical for any thread count
 * and across interruptions (epoch boundary, mid-epoch, SIGINT), bad inputs and corrupt
 * checkpoints exit 2 naming the file and setting or fault, a full disk leaves the four outputs
 * at one epoch, a run larger than the machine is refused before it allocates, and an
 * overflowing optimizer stops at the step a closed form predicts with the last good checkpoint
 * kept. */
#include <CUnit/CUnit.h>
#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <float.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "learning/train.h"
#include "tests/harness.h"

/* ---------------------------------------------------------------------------------------------
 * Helpers.
 */

#define OUT_CAP 65536

static const char *cfg_path(const char *name) {
    static char ring[4][1024];
    static int k;
    char *p = ring[k++ % 4];
    snprintf(p, 1024, "%s/configs/%s", harness_root(), name);
    return p;
}

#define EXPECT HARNESS_EXPECT

/* Runs apical with printf-formatted arguments; output (stdout and stderr) into out. */
#define apical(o, ...) harness_apicalf(o, OUT_CAP, __VA_ARGS__)

/* As apical(), within seconds and, with fsize_kib > 0, files of at most that many KiB (a write
 * past it fails with EFBIG, as on a full disk); its resource use into ru (if not NULL). Returns
 * the exit status, or -N when signal N ended it (harness_apical_usage). */
static int apical_limited(char *out, int seconds, long fsize_kib, struct rusage *ru,
                          const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static int apical_limited(char *out, int seconds, long fsize_kib, struct rusage *ru,
                          const char *fmt, ...) {
    char args[8192];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(args, sizeof args, fmt, ap);
    va_end(ap);
    unsigned long long fsize =
        fsize_kib > 0 ? (unsigned long long)fsize_kib * 1024 : HARNESS_ANY_SIZE;
    return harness_apical_usage(seconds, fsize, args, out, OUT_CAP, ru);
}

static const char *json_str(const cJSON *o, const char *key) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) ? v->valuestring : "";
}

/* training.csv: a header and rows of numbers (an empty field, a non-finite value, reads NaN). */
#define CSV_ROWS 64
#define CSV_COLS 24
struct csv {
    int ncols, nrows;
    char head[CSV_COLS][32];
    double v[CSV_ROWS][CSV_COLS];
};

/* 1 when the file is well formed: every row has the header's number of fields, all numbers. */
static int csv_read(const char *dir, struct csv *c) {
    char path[1100];
    snprintf(path, sizeof path, "%s/training.csv", dir);
    memset(c, 0, sizeof *c);
    char *text = harness_slurp(path, NULL);
    if (!text) return 0;
    int ok = 1, row = -1;
    for (char *line = text, *nl; ok && *line; line = nl + 1) {
        nl = strchr(line, '\n');
        if (!nl) {
            ok = 0;
            break;
        }
        *nl = '\0';
        int col = 0;
        for (char *f = line;; col++) {
            char *comma = strchr(f, ',');
            if (comma) *comma = '\0';
            if (col >= CSV_COLS || row >= CSV_ROWS) {
                ok = 0;
                break;
            }
            if (row < 0) {
                snprintf(c->head[col], sizeof c->head[col], "%s", f);
            } else if (!*f) {
                c->v[row][col] = NAN;
            } else {
                char *end;
                c->v[row][col] = strtod(f, &end);
                ok &= *end == '\0';
            }
            if (!comma) break;
            f = comma + 1;
        }
        if (row < 0)
            c->ncols = col + 1;
        else
            ok &= col + 1 == c->ncols;
        row++;
    }
    c->nrows = row < 0 ? 0 : row;
    free(text);
    return ok && c->ncols > 0;
}

static int csv_col(const struct csv *c, const char *name) {
    for (int k = 0; k < c->ncols; k++)
        if (!strcmp(c->head[k], name)) return k;
    return -1;
}

static double csv_last(const struct csv *c, const char *name) {
    int k = csv_col(c, name);
    return k >= 0 && c->nrows > 0 ? c->v[c->nrows - 1][k] : NAN;
}

/* Same header and the same numbers, bit for bit, in every column but seconds. */
static int csv_same(const struct csv *a, const struct csv *b) {
    if (a->ncols != b->ncols || a->nrows != b->nrows || a->nrows == 0) return 0;
    for (int k = 0; k < a->ncols; k++) {
        if (strcmp(a->head[k], b->head[k])) return 0;
        if (!strcmp(a->head[k], "seconds")) continue;
        for (int r = 0; r < a->nrows; r++) {
            double x = a->v[r][k], y = b->v[r][k];
            if (!(isnan(x) && isnan(y)) && memcmp(&x, &y, sizeof x)) return 0;
        }
    }
    return 1;
}

/* DIR/checkpoint.bin with the wall-clock seconds of its nhist history entries zeroed: the
 * history (struct train_epoch, train.h) closes the file. Each entry's epoch field must read
 * 1..nhist, so a layout that stops matching this assumption fails instead of passing. NULL if
 * the file cannot be read or does not look like that. */
static unsigned char *ck_masked(const char *dir, uint32_t nhist, size_t *len) {
    char path[1100];
    snprintf(path, sizeof path, "%s/checkpoint.bin", dir);
    size_t n = 0;
    unsigned char *b = (unsigned char *)harness_slurp(path, &n);
    size_t hs = sizeof(struct train_epoch) * nhist;
    if (!b || n < hs + 64) {
        free(b);
        return NULL;
    }
    for (uint32_t k = 0; k < nhist; k++) {
        unsigned char *h = b + n - hs + k * sizeof(struct train_epoch);
        uint32_t epoch;
        memcpy(&epoch, h + offsetof(struct train_epoch, epoch), sizeof epoch);
        if (epoch != k + 1) {
            free(b);
            return NULL;
        }
        memset(h + offsetof(struct train_epoch, seconds), 0, sizeof(double));
    }
    *len = n;
    return b;
}

/* 1 when both folders' checkpoints hold the same bytes but for the history's seconds. */
static int ck_same(const char *dir_a, const char *dir_b, uint32_t nhist) {
    size_t na = 0, nb = 0;
    unsigned char *a = ck_masked(dir_a, nhist, &na), *b = ck_masked(dir_b, nhist, &nb);
    int same = a && b && na == nb && memcmp(a, b, na) == 0;
    free(a), free(b);
    return same;
}

static struct train *open_train(const char *config, const char *const *sets, int nsets, int threads,
                                const volatile sig_atomic_t *stop) {
    struct train_opts o = {.threads = threads, .quiet = 1, .stop = stop};
    struct train *t = NULL;
    struct err e = {0};
    if (train_open(&t, config, sets, nsets, &o, &e) != 0) {
        char buf[2048];
        err_format(&e, buf, sizeof buf);
        fprintf(stderr, "\n    train_open: %s\n", buf);
        train_close(t);
        return NULL;
    }
    return t;
}

/* The weights in DIR/checkpoint.bin, loaded the way --resume loads them (sets must give
 * learning.epochs = the checkpoint's epochs, so nothing is trained), and the test loss and
 * accuracy they give. apical eval's own loader is checked by the eval tests. NULL on failure. */
static double *ck_weights(const char *config, const char *const *sets, int nsets, const char *dir,
                          size_t *n, double *loss, double *acc) {
    struct train *t = open_train(config, sets, nsets, 2, NULL);
    if (!t) return NULL;
    struct err e = {0};
    double *w = NULL;
    if (train_run(t, dir, 1, &e) == 0 && train_eval(t, 0, loss, acc, &e) == 0) {
        const struct snn *net = train_net(t);
        *n = net->nparams;
        w = malloc(sizeof *w * net->nparams);
        if (w) memcpy(w, net->params, sizeof *w * net->nparams);
    } else {
        char buf[2048];
        err_format(&e, buf, sizeof buf);
        fprintf(stderr, "\n    loading %s/checkpoint.bin: %s\n", dir, buf);
    }
    train_close(t);
    return w;
}

static int all_finite(const double *w, size_t n) {
    for (size_t k = 0; k < n; k++)
        if (!isfinite(w[k])) return 0;
    return 1;
}

/* ---------------------------------------------------------------------------------------------
 * Runs shared by several tests, made once.
 */

/* configs/xor.cfg as shipped, seed 1, 30 epochs. */
static const char *xor_run(void) {
    static int done;
    static char out[OUT_CAP];
    const char *dir = harness_path("xor");
    if (!done) {
        done = 1;
        int rc = apical(out, "train %s -o %s --quiet", cfg_path("xor.cfg"), dir);
        EXPECT(rc == 0, "train configs/xor.cfg", out);
    }
    return dir;
}

/* The Yin-Yang CI run: configs/yinyang_apical.cfg, 15 epochs, 2 threads. Test accuracy swings
 * by a few points from epoch to epoch (Adam, lr 0.5; one seed drops from 90 to 79 % and back).
 * Measured for seeds 1-20 (one run each, 15 epochs, the li readout): after 13 epochs seeds 2
 * and 7 are below 90 %, after 14 seed 15 (89.7 %); after 15, 91.8 to 96.6 % (median 94.5 %).
 * The bound, 90 % after 15 epochs, holds for all twenty; the test runs seeds 1, 2 and 3 (92.4,
 * 93.7 and 95.8 %; seed 13 is the lowest of the twenty: 91.8 %). */
#define YY_EPOCHS 15
#define YY_SEEDS 3
static const char *yy_run(void) {
    static int done;
    static char out[OUT_CAP];
    const char *dir = harness_path("yy");
    if (!done) {
        done = 1;
        int rc = apical(out, "train %s -o %s --quiet --threads 2 --epochs %d",
                        cfg_path("yinyang_apical.cfg"), dir, YY_EPOCHS);
        EXPECT(rc == 0, "train yinyang", out);
    }
    return dir;
}

/* ---------------------------------------------------------------------------------------------
 * Learning: XOR and Yin-Yang.
 */

/* The hidden layer's alignment on XOR with --align: the cosine of the apical rule's update
 * (symmetric feedback) with BPTT's gradient, per epoch. Measured for seeds 1-8, both rules:
 * lowest epoch 0.89-0.96, mean over the 30 epochs 0.95-0.98; with random feedback the mean is
 * -0.15 to 0.43 and epochs go below 0. A rule that stops following the gradient fails these. */
#define COS_SYM_MIN 0.8
#define COS_SYM_MEAN 0.9

/* The lowest and the mean value of a column over the epochs (NaN: none). */
static void cos_stats(const struct csv *c, const char *name, double *lo, double *mean) {
    int k = csv_col(c, name);
    *lo = *mean = NAN;
    if (k < 0 || c->nrows < 1) return;
    double s = 0, m = INFINITY;
    for (int r = 0; r < c->nrows; r++)
        s += c->v[r][k], m = fmin(m, c->v[r][k]);
    *lo = m, *mean = s / c->nrows;
}

/* Checks of a finished run's outputs: csv shape, summary.json echo, 100 % on XOR. */
static void check_xor_solved(const char *dir, const char *rule, int align, const char *ctx) {
    struct csv c;
    int ok = csv_read(dir, &c);
    EXPECT(ok, ctx, dir);
    /* epoch, loss, train_acc, test_loss, test_acc, seconds, rate of hid (+ cos per layer) */
    EXPECT(c.ncols == 7 + (align ? 2 : 0), ctx, dir);
    EXPECT(c.nrows == 30, ctx, dir);
    for (int r = 0; r < c.nrows; r++)
        EXPECT(c.v[r][0] == r + 1, ctx, dir);
    EXPECT(csv_last(&c, "test_acc") == 100.0, ctx, dir);
    EXPECT(csv_last(&c, "train_acc") == 100.0, ctx, dir);
    /* below chance: ln 2 is the cross-entropy of a 50/50 guess */
    EXPECT(csv_last(&c, "test_loss") < log(2.0), ctx, dir);
    if (align) {
        /* the readout's update is delta e_j in both rules: cosine 1 */
        EXPECT(fabs(csv_last(&c, "cos_out") - 1) < 1e-9, ctx, dir);
        double lo, mean;
        cos_stats(&c, "cos_hid", &lo, &mean);
        EXPECT(lo > COS_SYM_MIN && mean > COS_SYM_MEAN, ctx, dir);
    }
    char path[1100];
    snprintf(path, sizeof path, "%s/summary.json", dir);
    cJSON *j = harness_read_json(path);
    EXPECT(j != NULL, ctx, path);
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(j, "settings");
    EXPECT(!strcmp(json_str(s, "rule"), rule), ctx, path);
    EXPECT(!strcmp(json_str(cJSON_GetObjectItemCaseSensitive(s, "data"), "set"), "xor"), ctx, path);
    EXPECT(harness_json_num(j, "epochs_done") == 30, ctx, path);
    EXPECT(harness_json_num(j, "final_test_acc") == 100.0, ctx, path);
    EXPECT(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(j, "history")) == 30, ctx, path);
    cJSON_Delete(j);
}

static void test_xor_apical(void) {
    /* Truth: XOR's four points; 100 % means every point right. That needs the hidden layer
     * (the readout-only control below cannot pass 75 %), so its weights must have moved. */
    const char *dir = xor_run();
    check_xor_solved(dir, "apical", 0, "xor apical");
    static const char *const sets[] = {"learning.epochs=30"};
    const char *cfg = cfg_path("xor.cfg");
    size_t n = 0;
    double loss = NAN, acc = NAN;
    double *w = ck_weights(cfg, sets, 1, dir, &n, &loss, &acc);
    EXPECT(w != NULL && acc == 100.0, "xor: re-evaluated checkpoint", dir);
    struct train *t = open_train(cfg, sets, 1, 1, NULL);
    EXPECT(t != NULL, "xor: open", cfg);
    if (w && t) {
        const struct snn *net = train_net(t);
        const struct snn_layer *h = &net->L[0];
        double moved = 0;
        for (size_t k = 0; k < (size_t)h->n_in * h->n; k++) {
            double d = fabs(w[h->w_off + k] - net->params[h->w_off + k]);
            moved = d > moved ? d : moved;
        }
        /* initial weights are N(15, 60) pA: a change of 1 pA is no rounding */
        EXPECT(moved > 1.0, "xor: hidden weights learned", dir);
    }
    train_close(t);
    free(w);
}

static void test_xor_bptt(void) {
    /* Truth: as above, by BPTT; with --align the readout's cosine is 1 (the same update) and
     * the hidden layer's stays above the bound measured for symmetric feedback (COS_SYM_*),
     * which random feedback does not reach. */
    static char out[OUT_CAP];
    const char *dir = harness_path("xor_bptt");
    int rc = apical(out, "train %s -o %s --quiet --align --set 'learning.rule=\"bptt\"'",
                    cfg_path("xor.cfg"), dir);
    EXPECT(rc == 0, "xor bptt", out);
    check_xor_solved(dir, "bptt", 1, "xor bptt");
    /* the control that makes the alignment bound mean something: random feedback fails it */
    dir = harness_path("xor_bptt_random");
    rc = apical(out,
                "train %s -o %s --quiet --align --set 'learning.rule=\"bptt\"' --set "
                "'projections.fb.feedback=\"random\"' --set "
                "'projections.fb.weight={ dist = \"normal\"; mean = 0.0; std = 1.0; }'",
                cfg_path("xor.cfg"), dir);
    EXPECT(rc == 0, "xor bptt, random feedback", out);
    struct csv c;
    double lo = NAN, mean = NAN;
    EXPECT(csv_read(dir, &c) && c.nrows == 30, "xor bptt, random feedback", dir);
    cos_stats(&c, "cos_hid", &lo, &mean);
    fprintf(stderr, "  random feedback: cos_hid lowest %.3f, mean %.3f\n", lo, mean);
    EXPECT(lo < COS_SYM_MIN && mean < COS_SYM_MEAN, "random feedback is not aligned", dir);
}

static void test_xor_readout_only(void) {
    /* Truth: the readout is a linear filter of the input currents, so its summed potentials are
     * affine in (x1, x2); f(0,1) + f(1,0) = f(0,0) + f(1,1) forbids separating XOR: at most 3 of
     * 4 points, on every epoch. The control that makes the 100 % above mean something. */
    static char out[OUT_CAP];
    const char *cfg = harness_write(
        "xor_linear.cfg",
        "simulation = { dt = 1.0; duration = 20.0; seed = 1; };\n"
        "populations = ( { name = \"in\"; size = 4; model = \"spike_source\"; },\n"
        "  { name = \"out\"; size = 2; model = \"li\"; c_m = 200.0; tau_m = 10.0; e_l = -70.0;\n"
        "    tau_syn_ex = 3.0; } );\n"
        "projections = ( { name = \"w\"; from = \"in\"; to = \"out\"; rule = \"all_to_all\";\n"
        "  weight = { dist = \"normal\"; mean = 0.0; std = 100.0; }; } );\n"
        "learning = { rule = \"bptt\"; optimizer = { type = \"adam\"; lr = 1.0; };\n"
        "  batch = 4; epochs = 30; };\n"
        "data = { set = \"xor\"; train = 16; };\n"
        "encoder = { type = \"current\"; gain = 1.0; };\n");
    const char *dir = harness_path("xor_linear");
    int rc = apical(out, "train %s -o %s --quiet", cfg, dir);
    EXPECT(rc == 0, "xor readout only", out);
    struct csv c;
    EXPECT(csv_read(dir, &c) && c.nrows == 30, "xor readout only", dir);
    int k = csv_col(&c, "test_acc");
    EXPECT(k >= 0, "xor readout only", dir);
    for (int r = 0; k >= 0 && r < c.nrows; r++)
        EXPECT(c.v[r][k] <= 75.0, "xor readout only", dir);
}

static void test_yinyang(void) {
    /* Truth: > 90 % on the 1000 test points (the publication's split) for seeds 1 to YY_SEEDS
     * (see YY_EPOCHS for the bound's twenty seeds); summary.json echoes the rule and the csv's
     * numbers; the checkpoint's weights, loaded anew, give the same test accuracy and loss (the
     * reported numbers belong to the weights that were saved). */
    static char out[OUT_CAP];
    for (int seed = 2; seed <= YY_SEEDS; seed++) {
        char name[32];
        snprintf(name, sizeof name, "yy_seed%d", seed);
        const char *d = harness_path(name);
        int rc = apical(out, "train %s -o %s --quiet --threads 2 --epochs %d --seed %d",
                        cfg_path("yinyang_apical.cfg"), d, YY_EPOCHS, seed);
        struct csv c;
        EXPECT(rc == 0 && csv_read(d, &c) && c.nrows == YY_EPOCHS, name, out);
        double acc = csv_last(&c, "test_acc");
        fprintf(stderr, "  Yin-Yang, seed %d, after %d epochs: test %.1f %%\n", seed, YY_EPOCHS,
                acc);
        EXPECT(acc > 90.0, name, d);
    }
    const char *dir = yy_run();
    struct csv c;
    EXPECT(csv_read(dir, &c), "yinyang csv", dir);
    EXPECT(c.ncols == 7 && c.nrows == YY_EPOCHS, "yinyang csv", dir);
    EXPECT(!strcmp(c.head[0], "epoch") && !strcmp(c.head[4], "test_acc") &&
               !strcmp(c.head[6], "rate_hz_hid"),
           "yinyang csv", dir);
    double acc = csv_last(&c, "test_acc"), tl = csv_last(&c, "test_loss");
    fprintf(stderr, "  Yin-Yang, seed 1, after %d epochs: test %.1f %%\n", YY_EPOCHS, acc);
    EXPECT(acc > 90.0, "yinyang accuracy", dir);
    char path[1100];
    snprintf(path, sizeof path, "%s/summary.json", dir);
    cJSON *j = harness_read_json(path);
    EXPECT(j != NULL, "summary.json parses", path);
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(j, "settings");
    EXPECT(!strcmp(json_str(s, "rule"), "apical"), "summary rule", path);
    EXPECT(harness_json_num(s, "epochs") == YY_EPOCHS &&
               harness_json_num(j, "epochs_done") == YY_EPOCHS,
           "summary epochs", path);
    EXPECT(harness_json_num(j, "threads") == 2, "summary threads", path);
    EXPECT(fabs(harness_json_num(j, "final_test_acc") - acc) < 1e-9, "summary = csv", path);
    const cJSON *hist = cJSON_GetObjectItemCaseSensitive(j, "history");
    EXPECT(cJSON_GetArraySize(hist) == YY_EPOCHS, "summary history", path);
    for (int r = 0; r < c.nrows && r < cJSON_GetArraySize(hist); r++) {
        const cJSON *h = cJSON_GetArrayItem(hist, r);
        EXPECT(harness_json_num(h, "epoch") == r + 1, "summary history", path);
        EXPECT(fabs(harness_json_num(h, "test_acc") - c.v[r][4]) < 1e-9, "summary history", path);
        EXPECT(fabs(harness_json_num(h, "loss") - c.v[r][1]) <= 1e-9 * fabs(c.v[r][1]), "summary",
               path);
    }
    cJSON_Delete(j);
    static const char *const sets[] = {"learning.epochs=15"};
    const char *cfg = cfg_path("yinyang_apical.cfg");
    size_t n = 0;
    double l2 = NAN, a2 = NAN;
    double *w = ck_weights(cfg, sets, 1, dir, &n, &l2, &a2);
    EXPECT(w != NULL && a2 == acc, "re-evaluated accuracy = csv", dir);
    EXPECT(fabs(l2 - tl) <= 1e-9 * tl, "re-evaluated loss = csv", dir);
    free(w);
    /* and apical eval, the user's way to the same number (%.2f) */
    int rc = apical(out, "eval %s --weights %s/checkpoint.bin", cfg, dir);
    cJSON *ev = rc == 0 ? cJSON_Parse(out) : NULL;
    EXPECT(rc == 0 && ev != NULL, "apical eval yinyang", out);
    EXPECT(fabs(harness_json_num(ev, "accuracy") - acc) < 0.0051, "apical eval = csv", out);
    cJSON_Delete(ev);
}

/* ---------------------------------------------------------------------------------------------
 * Determinism and checkpoints.
 */

static void test_threads(void) {
    /* Truth: train.h's promise: mini-batches are cut into fixed chunks summed in a fixed
     * order, so weights, optimizer state and every logged number are the same bits for 1, 2, 3
     * and 4 threads (2000 samples: 63 mini-batches, the last one short). A different seed must
     * change them, or the comparison could not fail. */
    static char out[OUT_CAP];
    const char *cfg = cfg_path("yinyang_apical.cfg");
    const char *common = "--quiet --epochs 2 --set data.train=2000";
    char dirs[5][1024];
    for (int k = 1; k <= 4; k++) {
        char name[32];
        snprintf(name, sizeof name, "thr%d", k);
        snprintf(dirs[k], sizeof dirs[k], "%s", harness_path(name));
        int rc = apical(out, "train %s -o %s %s --threads %d", cfg, dirs[k], common, k);
        EXPECT(rc == 0, "threads", out);
        char path[1100];
        snprintf(path, sizeof path, "%s/summary.json", dirs[k]);
        cJSON *j = harness_read_json(path);
        EXPECT(harness_json_num(j, "threads") == k, "--threads reached the run", path);
        cJSON_Delete(j);
    }
    struct csv a, b;
    EXPECT(csv_read(dirs[1], &a) && a.nrows == 2, "threads csv", dirs[1]);
    for (int k = 2; k <= 4; k++) {
        EXPECT(ck_same(dirs[1], dirs[k], 2), "checkpoint 1 thread = k threads", dirs[k]);
        EXPECT(csv_read(dirs[k], &b) && csv_same(&a, &b), "csv 1 thread = k threads", dirs[k]);
    }
    /* 4 threads of which a random number works on each mini-batch (core/team on a busy
     * machine): the same bits */
    {
        const char *sets[] = {"data.train=2000", "learning.epochs=2"};
        struct train_opts o = {.threads = 4, .quiet = 1, .team_test = 0x9e3779b97f4a7c15ULL};
        struct train *t = NULL;
        struct err e = {0};
        const char *dir = harness_path("thr_team");
        EXPECT(train_open(&t, cfg, sets, 2, &o, &e) == 0, "team: open", e.msg);
        EXPECT(t && train_run(t, dir, 0, &e) == 0, "team: run", e.msg);
        train_close(t);
        EXPECT(ck_same(dirs[1], dir, 2), "checkpoint 1 thread = a changing team", dir);
    }
    const char *other = harness_path("thr_seed2");
    int rc = apical(out, "train %s -o %s %s --threads 2 --seed 2", cfg, other, common);
    EXPECT(rc == 0, "seed 2", out);
    EXPECT(!ck_same(dirs[1], other, 2), "another seed, other weights", other);
}

static void test_resume_cli(void) {
    /* Truth: an uninterrupted 3-epoch run. 1 epoch, then --resume --epochs 3 (learning.epochs
     * is outside the config hash), must reproduce its checkpoint and csv bit for bit. */
    static char out[OUT_CAP];
    const char *cfg = cfg_path("yinyang_apical.cfg");
    const char *common = "--quiet --threads 2 --set data.train=2000 --set data.test=500";
    const char *full = harness_path("res_full"), *part = harness_path("res_part");
    int rc = apical(out, "train %s -o %s %s --epochs 3", cfg, full, common);
    EXPECT(rc == 0, "uninterrupted", out);
    rc = apical(out, "train %s -o %s %s --epochs 1", cfg, part, common);
    EXPECT(rc == 0, "first epoch", out);
    rc = apical(out,
                "train %s -o %s --threads 2 --set data.train=2000 --set data.test=500 "
                "--epochs 3 --resume",
                cfg, part);
    EXPECT(rc == 0, "resume", out);
    EXPECT(strstr(out, "resuming") && strstr(out, "at epoch 2, mini-batch 1"), "resume", out);
    EXPECT(strstr(out, "epoch 2/3") && strstr(out, "epoch 3/3") && !strstr(out, "epoch 1/3"),
           "resume trains epochs 2 and 3 only", out);
    struct csv a, b;
    EXPECT(csv_read(full, &a) && a.nrows == 3, "csv", full);
    EXPECT(csv_read(part, &b) && csv_same(&a, &b), "resumed csv = uninterrupted", part);
    EXPECT(ck_same(full, part, 3), "resumed checkpoint = uninterrupted", part);
}

static void test_resume_mid_epoch(void) {
    /* Truth: an uninterrupted 2-epoch run. train_opts.stop is read after every mini-batch, so
     * a flag already set stops a run after exactly one: resuming with it set walks the run one
     * mini-batch at a time (150 samples: 5 mini-batches, the last one of 22), through the end
     * of epoch 1 (where the stop comes after the epoch's outputs) into epoch 2; then a resume
     * without it finishes. Weights, history and checkpoint must equal the uninterrupted run. */
    static const char *const sets[] = {"data.train=150", "data.test=100", "learning.epochs=2"};
    const char *cfg = cfg_path("yinyang_apical.cfg");
    const char *full = harness_path("mid_full"), *part = harness_path("mid_part");
    struct err e = {0};
    struct train *t = open_train(cfg, sets, 3, 2, NULL);
    CU_ASSERT_FATAL(t != NULL);
    EXPECT(train_run(t, full, 0, &e) == 0, "uninterrupted", e.msg);
    const struct snn *net = train_net(t);
    size_t np = net->nparams;
    double *want = malloc(sizeof *want * np);
    memcpy(want, net->params, sizeof *want * np);
    uint32_t nh = 0;
    struct train_epoch hw[2];
    memcpy(hw, train_history(t, &nh), sizeof hw);
    EXPECT(nh == 2, "uninterrupted history", "");
    train_close(t);

    volatile sig_atomic_t stop = 1;
    static const char *const where[] = {"epoch 1, mini-batch 1", "epoch 1, mini-batch 2",
                                        "epoch 1, mini-batch 3", "epoch 1, mini-batch 4",
                                        "after epoch 1",         "epoch 2, mini-batch 1"};
    for (int r = 0; r < 6; r++) {
        t = open_train(cfg, sets, 3, 1 + r % 3, &stop);
        CU_ASSERT_FATAL(t != NULL);
        memset(&e, 0, sizeof e);
        int rc = train_run(t, part, r > 0, &e);
        EXPECT(rc == ERR_INTERRUPTED, "stopped", e.msg);
        EXPECT(strstr(e.msg, where[r]) != NULL, where[r], e.msg);
        EXPECT(strstr(e.msg, "checkpoint.bin") != NULL, where[r], e.msg);
        train_history(t, &nh);
        EXPECT(nh == (r < 4 ? 0u : 1u), where[r], e.msg);
        train_close(t);
    }
    stop = 0;
    t = open_train(cfg, sets, 3, 3, &stop);
    CU_ASSERT_FATAL(t != NULL);
    memset(&e, 0, sizeof e);
    EXPECT(train_run(t, part, 1, &e) == 0, "resume to the end", e.msg);
    net = train_net(t);
    EXPECT(net->nparams == np && memcmp(net->params, want, sizeof *want * np) == 0,
           "interrupted weights = uninterrupted", part);
    const struct train_epoch *h = train_history(t, &nh);
    EXPECT(nh == 2, "history", part);
    for (uint32_t k = 0; k < nh && k < 2; k++) {
        EXPECT(h[k].epoch == hw[k].epoch && h[k].loss == hw[k].loss && h[k].acc == hw[k].acc &&
                   h[k].test_loss == hw[k].test_loss && h[k].test_acc == hw[k].test_acc &&
                   h[k].rate_hz[0] == hw[k].rate_hz[0],
               "history = uninterrupted", part);
    }
    train_close(t);
    free(want);
    struct csv a, b;
    EXPECT(csv_read(full, &a) && a.nrows == 2, "csv", full);
    EXPECT(csv_read(part, &b) && csv_same(&a, &b), "csv = uninterrupted", part);
    EXPECT(ck_same(full, part, 2), "checkpoint = uninterrupted", part);
}

/* Starts apical with argv (NULL-ended) and its stdout on a pipe; stderr into err_path. */
static pid_t spawn(char *const *argv, const char *err_path, FILE **stdout_of) {
    int fd[2];
    if (pipe(fd) != 0) return -1;
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        FILE *ef = freopen(err_path, "w", stderr);
        (void)ef;
        dup2(fd[1], 1);
        close(fd[0]), close(fd[1]);
        execv(argv[0], argv);
        _exit(127);
    }
    close(fd[1]);
    *stdout_of = fdopen(fd[0], "r");
    return pid;
}

static void test_sigint_resume(void) {
    /* Truth: the Yin-Yang CI run, uninterrupted. The same run stopped by SIGINT once epoch 1
     * is logged (the handler is in place by then; 14 epochs remain to land in) exits 130,
     * leaves checkpoint.bin and no temporary file, and --resume ends with the same bytes. */
    const char *ref = yy_run();
    const char *dir = harness_path("yy_sigint"), *err_path = harness_path("yy_sigint.err");
    char epochs[16], *argv[16];
    snprintf(epochs, sizeof epochs, "%d", YY_EPOCHS);
    int a = 0;
    argv[a++] = (char *)harness_bin(), argv[a++] = "train";
    argv[a++] = (char *)cfg_path("yinyang_apical.cfg");
    argv[a++] = "-o", argv[a++] = (char *)dir, argv[a++] = "--threads", argv[a++] = "2";
    argv[a++] = "--epochs", argv[a++] = epochs, argv[a++] = NULL;
    FILE *so = NULL;
    pid_t pid = spawn(argv, err_path, &so);
    CU_ASSERT_FATAL(pid > 0 && so != NULL);
    char line[4096], log[OUT_CAP] = "";
    int sent = 0;
    while (fgets(line, sizeof line, so)) {
        strncat(log, line, sizeof log - strlen(log) - 1);
        if (!sent && !strncmp(line, "epoch 1/", 8)) sent = kill(pid, SIGINT) == 0;
    }
    fclose(so);
    int st = 0;
    waitpid(pid, &st, 0);
    char *err = harness_slurp(err_path, NULL);
    strncat(log, err ? err : "", sizeof log - strlen(log) - 1);
    free(err);
    EXPECT(sent, "SIGINT sent after epoch 1", log);
    EXPECT(WIFEXITED(st) && WEXITSTATUS(st) == 130, "exit 130 on SIGINT", log);
    EXPECT(strstr(log, "apical: interrupted") && strstr(log, "checkpoint.bin"), "message", log);
    EXPECT(!harness_sanitizer_text(log), "sigint", log);
    char ck[1100];
    snprintf(ck, sizeof ck, "%s/checkpoint.bin", dir);
    EXPECT(access(ck, F_OK) == 0, "checkpoint after SIGINT", log);
    EXPECT(harness_count_files(dir, ".tmp") == 0, "no temporary files left", log);
    static char out[OUT_CAP];
    int rc = apical(out, "train %s -o %s --threads 2 --epochs %d --resume --quiet",
                    cfg_path("yinyang_apical.cfg"), dir, YY_EPOCHS);
    EXPECT(rc == 0, "resume after SIGINT", out);
    struct csv c1, c2;
    EXPECT(csv_read(ref, &c1) && csv_read(dir, &c2) && csv_same(&c1, &c2), "csv = uninterrupted",
           dir);
    EXPECT(ck_same(ref, dir, YY_EPOCHS), "checkpoint = uninterrupted", dir);
}

/* ---------------------------------------------------------------------------------------------
 * Bad inputs, a run that overflows, apical eval.
 */

static void test_bad_inputs(void) {
    /* Truth: docs (exit status 2 for bad input) and the validation messages of learning/train,
     * learning/snn and learning/lcfg: each case names the file and the setting or cause. */
    static char out[OUT_CAP];
    const char *xcfg = cfg_path("xor.cfg");
    const char *ok_dir = xor_run();
    /* the same network without the feedback projection */
    const char *nofb = harness_write(
        "xor_nofb.cfg",
        "simulation = { dt = 1.0; duration = 20.0; seed = 1; };\n"
        "populations = ( { name = \"in\"; size = 4; model = \"spike_source\"; },\n"
        "  { name = \"hid\"; size = 16; model = \"mc_lif\"; v_th = -60.0; v_reset = -70.0;\n"
        "    t_ref = 0.0; compartments = (\n"
        "    { name = \"soma\"; c_m = 200.0; g_l = 20.0; e_l = -70.0; tau_syn_ex = 3.0; },\n"
        "    { name = \"apical\"; c_m = 100.0; g_l = 10.0; e_l = -70.0; g_c = 0.0;\n"
        "      parent = \"soma\"; } ); },\n"
        "  { name = \"out\"; size = 2; model = \"li\"; c_m = 200.0; tau_m = 10.0; e_l = -70.0;\n"
        "    tau_syn_ex = 3.0; } );\n"
        "projections = (\n"
        "  { name = \"w_in\"; from = \"in\"; to = \"hid\"; rule = \"all_to_all\";\n"
        "    weight = { dist = \"normal\"; mean = 15.0; std = 60.0; }; },\n"
        "  { name = \"w_out\"; from = \"hid\"; to = \"out\"; rule = \"all_to_all\";\n"
        "    weight = { dist = \"normal\"; mean = 0.0; std = 100.0; }; } );\n"
        "learning = { rule = \"apical\"; batch = 4; epochs = 1; };\n"
        "data = { set = \"xor\"; train = 16; };\n"
        "encoder = { type = \"current\"; };\n");
    /* without feedback, BPTT needs none: the refusal below is the apical rule's */
    int rc = apical(out, "train %s -o %s --quiet --set 'learning.rule=\"bptt\"'", nofb,
                    harness_path("nofb_bptt"));
    EXPECT(rc == 0, "no feedback, bptt", out);

    /* checkpoints: cut after the header, after the weights, and not one at all */
    char ck[1100];
    snprintf(ck, sizeof ck, "%s/checkpoint.bin", ok_dir);
    size_t n = 0;
    char *bytes = harness_slurp(ck, &n);
    CU_ASSERT_FATAL(bytes != NULL && n > 1000);
    const char *cut_dir = harness_path("cut");
    mkdir(cut_dir, 0777);
    char cut[1100], head[1100], junk[1100];
    snprintf(cut, sizeof cut, "%s/checkpoint.bin", cut_dir);
    snprintf(head, sizeof head, "%s/head.bin", harness_tmpdir());
    FILE *f = fopen(cut, "wb");
    fwrite(bytes, 1, n - 100, f), fclose(f);
    f = fopen(head, "wb");
    fwrite(bytes, 1, 300, f), fclose(f);
    free(bytes);
    snprintf(junk, sizeof junk, "%s", harness_write("junk.bin", "not a checkpoint at all\n"));
    const char *empty = harness_path("no_fmnist");
    mkdir(empty, 0777);

    struct {
        const char *what;
        char cmd[2048];
        const char *want[4];
    } cases[24];
    int nc = 0;
#define CASE(W, W1, W2, W3, ...)                                                                   \
    do {                                                                                           \
        cases[nc].what = (W);                                                                      \
        snprintf(cases[nc].cmd, sizeof cases[nc].cmd, __VA_ARGS__);                                \
        cases[nc].want[0] = (W1), cases[nc].want[1] = (W2), cases[nc].want[2] = (W3);              \
        cases[nc].want[3] = NULL;                                                                  \
        nc++;                                                                                      \
    } while (0)
    const char *o = harness_path("bad_out");
    CASE("readout size != classes", "xor.cfg: populations", "readout out has 3 units", "2 classes",
         "train %s -o %s --quiet --set populations.out.size=3", xcfg, o);
    CASE("input size != features", "xor.cfg: populations", "input layer has 5 units", "4 features",
         "train %s -o %s --quiet --set populations.in.size=5", xcfg, o);
    CASE("unknown feedback mode",
         "--set projections.fb.feedback=\"bogus\": projections.fb.feedback",
         "unknown choice \"bogus\"", "(symmetric, random, direct, learned)",
         "train %s -o %s --quiet --set 'projections.fb.feedback=\"bogus\"'", xcfg, o);
    CASE("feedback onto a coupled compartment", "xor.cfg: projections.fb.feedback",
         "coupled to the soma", "segregated apical",
         "train %s -o %s --quiet --set populations.hid.compartments.apical.g_c=10.0", xcfg, o);
    CASE("feedback onto the soma", "xor.cfg: projections.fb.feedback",
         "compartment \"soma\" of hid", "segregated apical",
         "train %s -o %s --quiet --set 'projections.fb.compartment=\"soma\"'", xcfg, o);
    CASE("random feedback without weights", "projections.fb.feedback", "random feedback",
         "weight distribution", "train %s -o %s --quiet --set 'projections.fb.feedback=\"random\"'",
         xcfg, o);
    CASE("apical rule without feedback", "xor_nofb.cfg: projections", "learning.rule = \"apical\"",
         "hid gets no feedback projection", "train %s -o %s --quiet", nofb, o);
    CASE("--align without feedback", "xor_nofb.cfg: projections", "learning.align = true",
         "hid gets no feedback", "train %s -o %s --quiet --align --set 'learning.rule=\"bptt\"'",
         nofb, o);
    CASE("learning rate out of range", "learning.optimizer.lr", "1e+30", NULL,
         "train %s -o %s --quiet --set learning.optimizer.lr=1e30", xcfg, o);
    CASE("fashion-mnist missing", "no_fmnist/train-images-idx3-ubyte.gz",
         "package dataset-fashion-mnist", "apt-get install dataset-fashion-mnist",
         "train %s -o %s --quiet --set 'data.dir=\"%s\"'", cfg_path("fmnist_apical.cfg"), o, empty);
    CASE("eval: checkpoint cut in the weights", "head.bin", "truncated checkpoint (weights)", NULL,
         "eval %s --weights %s", xcfg, head);
    CASE("eval: not a checkpoint", "junk.bin", "not an apical checkpoint", NULL,
         "eval %s --weights %s", xcfg, junk);
    CASE("eval: another network's checkpoint", "checkpoint.bin", "holds 96 weights", "network 102",
         "eval %s --weights %s --set populations.hid.size=17", xcfg, ck);
    CASE("resume: checkpoint cut short", "cut/checkpoint.bin", "truncated checkpoint", NULL,
         "train %s -o %s --quiet --resume", xcfg, cut_dir);
    CASE("resume: no checkpoint", "bad_out/checkpoint.bin", "cannot open the checkpoint", NULL,
         "train %s -o %s --quiet --resume", xcfg, o);
    CASE("resume: another config", "checkpoint.bin", "comes from another config",
         "same config and --set", "train %s -o %s --quiet --resume --set learning.batch=8", xcfg,
         ok_dir);
#undef CASE
    for (int k = 0; k < nc; k++) {
        rc = harness_apical(cases[k].cmd, out, sizeof out);
        EXPECT(rc == 2, cases[k].what, out);
        const char *line = strstr(out, "apical: ");
        EXPECT(line != NULL, cases[k].what, out);
        for (int w = 0; line && cases[k].want[w]; w++)
            EXPECT(strstr(line, cases[k].want[w]) != NULL, cases[k].what, out);
        EXPECT(!harness_sanitizer_text(out), cases[k].what, out);
    }
    /* the refused resume left the good run alone */
    struct csv c;
    EXPECT(csv_read(ok_dir, &c) && c.nrows == 30, "refused resume wrote nothing", ok_dir);
}

/* The header of checkpoint.bin as learning/train.c writes it (struct ck_head there). */
struct ck_head_view {
    char magic[8];
    uint32_t version, nlayers;
    uint64_t config_hash, nparams, nforward;
    uint32_t epoch, next_batch, nhist, pad;
    double part[6 + 2 * 8];
};

/* Writes bytes[0 .. n) with edit applied into DIR/checkpoint.bin of a fresh folder; returns
 * the folder. */
static const char *ck_variant(const char *name, const unsigned char *bytes, size_t n,
                              void (*edit)(unsigned char *b, size_t n)) {
    const char *dir = harness_path(name);
    mkdir(dir, 0777);
    unsigned char *b = malloc(n ? n : 1);
    memcpy(b, bytes, n);
    if (edit) edit(b, n);
    char path[1100];
    snprintf(path, sizeof path, "%s/checkpoint.bin", dir);
    FILE *f = fopen(path, "wb");
    if (f) fwrite(b, 1, n, f), fclose(f);
    free(b);
    return dir;
}

static void set_u32(unsigned char *b, size_t off, uint32_t v) {
    memcpy(b + off, &v, sizeof v);
}
static void ed_nhist_wraps(unsigned char *b, size_t n) {
    (void)n; /* epoch and history agree, so only the length can tell: nhist + 1 wraps to 0 */
    set_u32(b, offsetof(struct ck_head_view, nhist), 0xffffffffu);
    set_u32(b, offsetof(struct ck_head_view, epoch), 0xffffffffu);
}
static void ed_nhist_huge(unsigned char *b, size_t n) {
    (void)n;
    set_u32(b, offsetof(struct ck_head_view, nhist), 100000000u);
    set_u32(b, offsetof(struct ck_head_view, epoch), 100000000u);
}
static void ed_nhist_only(unsigned char *b, size_t n) {
    (void)n;
    set_u32(b, offsetof(struct ck_head_view, nhist), 0xffffffffu);
}
static void ed_next_batch(unsigned char *b, size_t n) {
    (void)n;
    set_u32(b, offsetof(struct ck_head_view, next_batch), 0x7fffffffu);
}
static void ed_magic(unsigned char *b, size_t n) {
    (void)n;
    memcpy(b, "APICALCX", 8);
}
static void ed_nparams(unsigned char *b, size_t n) {
    (void)n;
    uint64_t v = UINT64_MAX / 4;
    memcpy(b + offsetof(struct ck_head_view, nparams), &v, sizeof v);
}
/* the last history entry (struct train_epoch closes the file) names another epoch */
static void ed_hist_epoch(unsigned char *b, size_t n) {
    set_u32(b, n - sizeof(struct train_epoch) + offsetof(struct train_epoch, epoch), 7);
}
static void ed_part_nan(unsigned char *b, size_t n) {
    (void)n;
    double v = NAN;
    memcpy(b + offsetof(struct ck_head_view, part) + 6 * sizeof(double), &v, sizeof v);
}

static void test_corrupt_checkpoints(void) {
    /* Truth: the checkpoint layout (learning/train.c: header, weights, optimizer state,
     * history) and the promise that every count read from a file is checked before it sizes
     * or indexes anything. Each file below is a good checkpoint with one thing broken; each
     * must be refused by --resume (and the counts also by eval) with exit 2, a message naming
     * the file and what is wrong, and no sanitizer report. A count of history entries of
     * 2^32 - 1 once made `count + 1` wrap and the read overflow the heap; 1e8 once reported
     * "out of memory". */
    static char out[OUT_CAP];
    const char *xcfg = cfg_path("xor.cfg");
    char ck[1100];
    snprintf(ck, sizeof ck, "%s/checkpoint.bin", xor_run());
    size_t n = 0;
    unsigned char *good = (unsigned char *)harness_slurp(ck, &n);
    CU_ASSERT_FATAL(good != NULL &&
                    n > sizeof(struct ck_head_view) + 30 * sizeof(struct train_epoch));
    /* xor.cfg: Adam, 30 epochs of 4 mini-batches of 4 samples */
    struct {
        const char *name;
        size_t len;
        void (*edit)(unsigned char *, size_t);
        const char *want[2];
        int eval_too; /* eval reads the header's counts as well */
    } cases[] = {
        {"ck_wraps", n, ed_nhist_wraps, {"truncated checkpoint", "4294967295 epochs"}, 1},
        {"ck_huge", n, ed_nhist_huge, {"truncated checkpoint", "100000000 epochs"}, 1},
        {"ck_nhist", n, ed_nhist_only, {"4294967295 epochs", NULL}, 1},
        {"ck_batch", n, ed_next_batch, {"corrupt checkpoint", "mini-batch 2147483648 of 4"}, 0},
        {"ck_magic", n, ed_magic, {"not an apical checkpoint", NULL}, 1},
        {"ck_nparams", n, ed_nparams, {"holds 4611686018427387903 weights", NULL}, 1},
        {"ck_hist", n, ed_hist_epoch, {"corrupt checkpoint", "entry 30 is for epoch 7"}, 0},
        {"ck_part", n, ed_part_nan, {"corrupt checkpoint", "unfinished epoch"}, 0},
        {"ck_cut_head", 40, NULL, {"truncated checkpoint (header)", NULL}, 1},
        {"ck_cut_hist", n - 5, NULL, {"truncated checkpoint", "Adam's state"}, 0},
        {"ck_padded", n + 8, NULL, {"malformed checkpoint", NULL}, 1},
        {"ck_empty", 0, NULL, {"not an apical checkpoint", NULL}, 1},
    };
    unsigned char *padded = calloc(n + 8, 1);
    memcpy(padded, good, n);
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        const char *dir = ck_variant(cases[k].name, padded, cases[k].len, cases[k].edit);
        for (int eval = 0; eval <= cases[k].eval_too; eval++) {
            int rc = eval ? apical(out, "eval %s --weights %s/checkpoint.bin", xcfg, dir)
                          : apical(out, "train %s -o %s --quiet --resume", xcfg, dir);
            const char *line = strstr(out, "apical: ");
            EXPECT(rc == 2, cases[k].name, out);
            EXPECT(line && strstr(line, "checkpoint.bin: "), cases[k].name, out);
            for (int w = 0; line && w < 2 && cases[k].want[w]; w++)
                EXPECT(strstr(line, cases[k].want[w]) != NULL, cases[k].name, out);
            EXPECT(!harness_sanitizer_text(out), cases[k].name, out);
        }
    }
    /* the optimizer's state: Adam's first second moment made negative (its first value
     * follows the header, the weights and the step count) */
    const struct ck_head_view *h = (const struct ck_head_view *)good;
    size_t v0 = sizeof *h + 8 * h->nparams + 8 + 8 * h->nforward;
    memcpy(padded, good, n);
    double neg = -1;
    memcpy(padded + v0, &neg, sizeof neg);
    const char *dir = ck_variant("ck_adam_v", padded, n, NULL);
    int rc = apical(out, "train %s -o %s --quiet --resume", xcfg, dir);
    EXPECT(rc == 2 && strstr(out, "negative second moment"), "negative second moment", out);
    /* not a file: a folder, and a FIFO (no writer: opening it must not wait for one) */
    dir = harness_path("ck_fifo");
    mkdir(dir, 0777);
    char fifo[1100];
    snprintf(fifo, sizeof fifo, "%s/checkpoint.bin", dir);
    EXPECT(mkfifo(fifo, 0600) == 0, "mkfifo", fifo);
    rc = apical_limited(out, 20, 0, NULL, "train %s -o %s --quiet --resume", xcfg, dir);
    EXPECT(rc == 2 && strstr(out, "not a regular file"), "fifo", out);
    rc = apical_limited(out, 20, 0, NULL, "eval %s --weights %s", xcfg, dir);
    EXPECT(rc == 2 && strstr(out, "not a regular file"), "folder", out);
    /* and the good file, unchanged, still resumes (nothing left to train) */
    dir = ck_variant("ck_good", good, n, NULL);
    rc = apical(out, "train %s -o %s --resume", xcfg, dir);
    EXPECT(rc == 0 && strstr(out, "nothing to train: 30 epochs done"), "good checkpoint", out);
    free(padded);
    free(good);
}

/* The epochs each output of DIR records: checkpoint.bin's history count (its header),
 * training.csv's rows, summary.json's epochs_done and history length; -1 where unreadable. */
struct out_epochs {
    long ck, csv, sum, sum_hist;
};
static struct out_epochs out_epochs(const char *dir) {
    struct out_epochs o = {-1, -1, -1, -1};
    char path[1100];
    snprintf(path, sizeof path, "%s/checkpoint.bin", dir);
    size_t n = 0;
    char *b = harness_slurp(path, &n);
    if (b && n >= sizeof(struct ck_head_view))
        o.ck = ((const struct ck_head_view *)(const void *)b)->nhist;
    free(b);
    struct csv c;
    if (csv_read(dir, &c)) o.csv = c.nrows;
    snprintf(path, sizeof path, "%s/summary.json", dir);
    cJSON *j = harness_read_json(path);
    if (j) {
        o.sum = (long)harness_json_num(j, "epochs_done");
        o.sum_hist = cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(j, "history"));
    }
    cJSON_Delete(j);
    return o;
}

/* A failed run: exit 1, one message naming the cause and the epoch that was not saved, the
 * four outputs at one epoch (want, or none of them when want is 0), nothing staged left. */
static void check_failed_run(int rc, const char *out, const char *dir, const char *cause,
                             long want, const char *ctx) {
    EXPECT(rc == 1, ctx, out);
    const char *line = strstr(out, "apical: ");
    EXPECT(line && strstr(line, cause), ctx, out);
    char saved[64];
    snprintf(saved, sizeof saved, "epoch %ld was not saved", want + 1);
    EXPECT(line && strstr(line, saved), ctx, out);
    EXPECT(!harness_sanitizer_text(out), ctx, out);
    struct out_epochs o = out_epochs(dir);
    fprintf(stderr, "  %s: checkpoint %ld, csv %ld, summary %ld (history %ld) epochs\n", ctx, o.ck,
            o.csv, o.sum, o.sum_hist);
    if (want > 0)
        EXPECT(o.ck == want && o.csv == want && o.sum == want && o.sum_hist == want, ctx, out);
    else
        EXPECT(o.ck < 0 && o.csv < 0 && o.sum < 0, ctx, out);
    EXPECT(harness_count_files(dir, ".tmp") + harness_count_files(dir, ".next") == 0, ctx, out);
}

static void test_full_disk(void) {
    /* Truth: the uninterrupted XOR run, and the promise (train.h) that a failed epoch leaves
     * checkpoint.bin, training.csv and summary.json at the previous epoch, together. A file
     * size limit (RLIMIT_FSIZE with SIGXFSZ ignored: writes fail with EFBIG, as on a full disk;
     * no root needed) stops the run at the epoch whose outputs first outgrow it: curves.svg at
     * small limits, checkpoint.bin with 300 hidden neurons. The run must exit 1 with the cause,
     * the outputs must agree, and --resume without the limit must end exactly as the
     * uninterrupted run (the same history and weights). Then each staged output in turn cannot
     * be created (a folder in the way of its temporary file), at epoch 4. */
    static char out[OUT_CAP];
    const char *xcfg = cfg_path("xor.cfg"), *ref = xor_run();
    static const long kib[] = {3, 4, 6, 8, 10};
    for (size_t k = 0; k < sizeof kib / sizeof *kib; k++) {
        char name[32];
        snprintf(name, sizeof name, "fsize%ld", kib[k]);
        const char *dir = harness_path(name);
        int rc = apical_limited(out, 120, kib[k], NULL, "train %s -o %s --quiet", xcfg, dir);
        struct out_epochs o = out_epochs(dir);
        check_failed_run(rc, out, dir, "File too large", o.sum < 0 ? 0 : o.sum, name);
        EXPECT(o.sum < 30, name, out);
        rc = apical(out, "train %s -o %s --quiet %s", xcfg, dir, o.sum > 0 ? "--resume" : "");
        EXPECT(rc == 0, name, out);
        struct csv a, b;
        EXPECT(csv_read(ref, &a) && csv_read(dir, &b) && csv_same(&a, &b), name, dir);
        EXPECT(ck_same(ref, dir, 30), name, dir);
    }
    const char *dir = harness_path("fsize_ck");
    int rc = apical_limited(out, 120, 45, NULL,
                            "train %s -o %s --quiet --set populations.hid.size=300", xcfg, dir);
    check_failed_run(rc, out, dir, "File too large", 15, "checkpoint.bin outgrows 45 KiB");
    EXPECT(strstr(out, "checkpoint.bin.next"), "checkpoint first", out);

    static const char *const names[] = {"checkpoint.bin", "training.csv", "curves.svg",
                                        "summary.json"};
    for (int k = 0; k < 4; k++) {
        char name[64], blocker[1200];
        snprintf(name, sizeof name, "blocked_%d", k);
        dir = harness_path(name);
        rc = apical(out, "train %s -o %s --quiet --epochs 3", xcfg, dir);
        EXPECT(rc == 0, name, out);
        snprintf(blocker, sizeof blocker, "%s/%s.next.tmp", dir, names[k]);
        EXPECT(mkdir(blocker, 0777) == 0, name, blocker);
        rc = apical(out, "train %s -o %s --quiet --epochs 6 --resume", xcfg, dir);
        rmdir(blocker);
        check_failed_run(rc, out, dir, names[k], 3, names[k]);
    }
}

/* The "memory: about X MiB" line of a train run's output, or NAN. */
static double shown_mib(const char *out) {
    const char *m = strstr(out, "memory: about ");
    return m ? strtod(m + strlen("memory: about "), NULL) : NAN;
}

static void test_trainer_guards(void) {
    /* Truth: the sizes the trainer allocates (weights, optimizer, gradients: the layer sizes;
     * workspaces: T x units per thread) and the machine's physical memory (sysconf, as apical
     * run's check). A hidden layer of 1e8 neurons (about 290 GiB at 2 threads) and a
     * presentation of 1e8 steps (about 210 GiB) are refused with exit 2 before anything is
     * allocated, naming the setting to shrink; 1e9 steps overflow the 32-bit event counts and
     * are refused as such. Both once ran silently (3.7 GB allocated, minutes of work). The
     * estimate printed before a run is then checked against the peak memory the run had: it
     * must not be below it (the safe side), nor more than twice it. */
    static char out[OUT_CAP];
    const char *xcfg = cfg_path("xor.cfg");
    const double gib = 1073741824.0;
    double phys = (double)sysconf(_SC_PHYS_PAGES) * (double)sysconf(_SC_PAGESIZE);
    const char *dir = harness_path("guard");
    if (phys < 250 * gib) {
        int rc = apical_limited(out, 60, 0, NULL,
                                "train %s -o %s --threads 2 --set populations.hid.size=100000000",
                                xcfg, dir);
        const char *line = strstr(out, "apical: ");
        EXPECT(rc == 2, "1e8 neurons refused", out);
        EXPECT(line && strstr(line, "populations.hid.size: training needs about") &&
                   strstr(line, "GiB of memory available") && strstr(line, "100000000 units"),
               "1e8 neurons: the message", out);
        EXPECT(shown_mib(out) > 250 * 1024, "1e8 neurons: the estimate printed first", out);
        EXPECT(access(dir, F_OK) != 0, "1e8 neurons: nothing written", out);
        EXPECT(!harness_sanitizer_text(out), "1e8 neurons", out);
    } else {
        fprintf(stderr, "  %.0f GiB of memory: the 1e8-neuron refusal is not tested\n", phys / gib);
    }
    if (phys < 180 * gib) {
        int rc = apical_limited(out, 60, 0, NULL,
                                "train %s -o %s --threads 2 --set simulation.duration=1e8", xcfg,
                                dir);
        const char *line = strstr(out, "apical: ");
        EXPECT(rc == 2 && line && strstr(line, "simulation.duration: training needs about"),
               "1e8 steps refused", out);
    }
    int rc = apical_limited(out, 60, 0, NULL, "train %s -o %s --set simulation.duration=1e9",
                            xcfg, dir);
    const char *line = strstr(out, "apical: ");
    EXPECT(rc == 2 && line &&
               strstr(line, "simulation.duration: 1000000000 steps x 16 units of hid"),
           "1e9 steps: event counts", out);
    EXPECT(!harness_sanitizer_text(out), "1e9 steps", out);

    /* what a run says before and while it trains: the plan, then the first mini-batch */
    rc = apical(out, "train %s -o %s --epochs 2", xcfg, dir);
    EXPECT(rc == 0, "xor, 2 epochs", out);
    const char *head = strstr(out, "apical train "), *mem = strstr(out, "memory: about "),
               *prog = strstr(out, "progress: epoch 1/2, mini-batch 1/4: "),
               *ep = strstr(out, "epoch 1/2  loss");
    EXPECT(head && mem && prog && ep && head < mem && mem < prog && prog < ep, "plan, progress",
           out);
    EXPECT(prog && strstr(prog, "s to go\n"), "progress has an ETA", out);
    rc = apical(out, "train %s -o %s --epochs 3 --resume --quiet", xcfg, dir);
    EXPECT(rc == 0 && out[0] == '\0', "--quiet prints nothing", out);

    /* the estimate against the peak: 1e5 hidden neurons, 1 thread, 1 epoch (~1 s) */
    struct rusage ru;
    memset(&ru, 0, sizeof ru);
    rc = apical_limited(out, 120, 0, &ru,
                        "train %s -o %s --threads 1 --epochs 1 --set populations.hid.size=100000",
                        xcfg, harness_path("guard_peak"));
    double est = shown_mib(out), peak = ru.ru_maxrss / 1024.0;
    fprintf(stderr, "  1e5 hidden neurons: estimate %.1f MiB, peak resident %.1f MiB\n", est,
            peak);
    EXPECT(rc == 0, "1e5 neurons", out);
    /* 20 MiB: the program, its libraries and stdio, which the estimate leaves out. Under
     * AddressSanitizer the peak is the sanitizer's (shadow memory, redzones, quarantine: 164 to
     * 346 MiB seen against the same 179 MiB estimate), so only the plain build is held to it */
    double slack = 20;
#ifdef __SANITIZE_ADDRESS__
    slack = 1e9;
#endif
    EXPECT(peak <= est + slack && est <= 2 * peak, "estimate ~ peak", out);
}

static void test_nonfinite(void) {
    /* Truth: a closed form. SGD with L2 decay steps p <- p - lr (g + wd p); with lr = wd = 1e6
     * the decay term multiplies |p| by ~1e12 per mini-batch and the gradient (bounded spike
     * traces times a softmax error) cannot compete, so the first weight to leave the doubles is
     * the largest initial one, after as many mini-batches as the recurrence below takes. The
     * run must stop there with exit status 1, naming that layer, epoch and mini-batch, and
     * checkpoint.bin must be exactly the state after the last whole epoch (= a clean run of
     * that many epochs), finite and loadable. (learning.optimizer.lr alone cannot do it: the
     * config caps it at 1e6, and Adam's step is lr whatever the gradient.) */
    static char out[OUT_CAP];
    const char *cfg = cfg_path("xor.cfg");
    static const char *const sets[] = {"learning.optimizer.type=\"sgd\"",
                                       "learning.optimizer.lr=1e6",
                                       "learning.optimizer.weight_decay=1e6"};
    const double lr = 1e6, wd = 1e6;
    const uint32_t nb = 4; /* 16 samples in mini-batches of 4 */
    struct train *t = open_train(cfg, sets, 3, 1, NULL);
    CU_ASSERT_FATAL(t != NULL);
    const struct snn *net = train_net(t);
    int bad_layer = -1;
    long bad_step = 0;
    for (int l = 0; l < net->nlayers; l++) {
        const struct snn_layer *L = &net->L[l];
        double m = 0;
        for (size_t k = 0; k < (size_t)L->n_in * L->n; k++)
            m = fmax(m, fabs(net->params[L->w_off + k]));
        long s = 0;
        while (isfinite(m) && s < 1000)
            m = m - lr * (wd * m), s++;
        if (bad_layer < 0 || s < bad_step) bad_layer = l, bad_step = s;
    }
    char layer[64];
    snprintf(layer, sizeof layer, "layer %s", net->L[bad_layer].name);
    train_close(t);
    uint32_t good_epochs = (uint32_t)((bad_step - 1) / nb);
    char where[128];
    snprintf(where, sizeof where, "epoch %u, mini-batch %u", good_epochs + 1,
             (unsigned)((bad_step - 1) % nb + 1));
    fprintf(stderr, "  overflow predicted at %s (%s)\n", where, layer);
    CU_ASSERT_FATAL(good_epochs >= 1 && good_epochs < 30);

    const char *dir = harness_path("nan");
    int rc = apical(out,
                    "train %s -o %s --set 'learning.optimizer.type=\"sgd\"' --set "
                    "learning.optimizer.lr=1e6 --set learning.optimizer.weight_decay=1e6",
                    cfg, dir);
    EXPECT(rc == 1, "overflow: exit 1", out);
    const char *line = strstr(out, "apical: ");
    EXPECT(line && strstr(line, where) && strstr(line, layer) && strstr(line, "NaN or infinite"),
           "overflow: message names epoch, mini-batch and layer", out);
    EXPECT(!harness_sanitizer_text(out), "overflow", out);
    struct csv c;
    EXPECT(csv_read(dir, &c) && c.nrows == (int)good_epochs, "csv keeps the good epochs", dir);

    /* the same run, stopped cleanly after the last good epoch */
    const char *clean = harness_path("nan_clean");
    rc = apical(out,
                "train %s -o %s --quiet --epochs %u --set 'learning.optimizer.type=\"sgd\"' "
                "--set learning.optimizer.lr=1e6 --set learning.optimizer.weight_decay=1e6",
                cfg, clean, good_epochs);
    EXPECT(rc == 0, "clean run", out);
    EXPECT(ck_same(clean, dir, good_epochs), "checkpoint = last good state", dir);
    char ep[64];
    snprintf(ep, sizeof ep, "learning.epochs=%u", good_epochs);
    const char *const lsets[] = {sets[0], sets[1], sets[2], ep};
    size_t n = 0;
    double loss, acc;
    double *w = ck_weights(cfg, lsets, 4, dir, &n, &loss, &acc);
    EXPECT(w != NULL && all_finite(w, n), "checkpoint loads, finite", dir);
    free(w);
    rc = apical(out, "eval %s --weights %s/checkpoint.bin", cfg, dir);
    EXPECT(rc == 0 && strstr(out, "\"accuracy\""), "apical eval reads it", out);
}

static void test_eval_cli(void) {
    /* Truth: the last epoch's test numbers in training.csv (evaluated right after the
     * checkpoint's weights were made); --train: train_eval on the training split. */
    static char out[OUT_CAP];
    const char *dir = xor_run(), *cfg = cfg_path("xor.cfg");
    struct csv c;
    EXPECT(csv_read(dir, &c), "csv", dir);
    int rc = apical(out, "eval %s --weights %s/checkpoint.bin", cfg, dir);
    EXPECT(rc == 0, "eval", out);
    const char *nl = strchr(out, '\n');
    EXPECT(nl && nl[1] == '\0', "one line", out);
    cJSON *j = cJSON_Parse(out);
    EXPECT(j != NULL, "JSON", out);
    EXPECT(!strcmp(json_str(j, "split"), "test"), "split", out);
    EXPECT(strstr(json_str(j, "weights"), "checkpoint.bin") != NULL, "weights", out);
    EXPECT(harness_json_num(j, "accuracy") == csv_last(&c, "test_acc"), "eval = csv accuracy", out);
    EXPECT(fabs(harness_json_num(j, "loss") - csv_last(&c, "test_loss")) < 5.1e-7,
           "eval = csv loss", out);
    cJSON_Delete(j);
    rc = apical(out, "eval %s --weights %s/checkpoint.bin --train", cfg, dir);
    j = rc == 0 ? cJSON_Parse(out) : NULL;
    EXPECT(j != NULL && !strcmp(json_str(j, "split"), "train"), "eval --train", out);
    static const char *const sets[] = {"learning.epochs=30"};
    struct train *t = open_train(cfg, sets, 1, 2, NULL);
    struct err e = {0};
    double loss = NAN, acc = NAN;
    if (t && train_run(t, dir, 1, &e) == 0) train_eval(t, 1, &loss, &acc, &e);
    train_close(t);
    EXPECT(fabs(harness_json_num(j, "accuracy") - acc) < 0.0051, "eval --train = train_eval", out);
    cJSON_Delete(j);
    /* the API's own loader, which apical eval uses */
    t = open_train(cfg, sets, 1, 2, NULL);
    CU_ASSERT_FATAL(t != NULL);
    char ck[1100];
    snprintf(ck, sizeof ck, "%s/checkpoint.bin", dir);
    memset(&e, 0, sizeof e);
    rc = train_load_weights(t, ck, &e);
    EXPECT(rc == 0, "train_load_weights on a checkpoint train_run wrote", e.msg);
    if (rc == 0) {
        EXPECT(train_eval(t, 0, &loss, &acc, &e) == 0 && acc == csv_last(&c, "test_acc"),
               "train_load_weights + train_eval = csv", e.msg);
    }
    train_close(t);
}

static void test_set_learning_group(void) {
    /* Truth: docs/config.md: a --set VALUE may be a whole group, `{ ... }`, which replaces the
     * setting. summary.json must then echo the group's values. */
    static char out[OUT_CAP];
    const char *dir = harness_path("set_group");
    int rc = apical(out,
                    "train %s -o %s --quiet --epochs 1 --set "
                    "'learning.optimizer={ type = \"sgd\"; lr = 0.25; }'",
                    cfg_path("xor.cfg"), dir);
    EXPECT(rc == 0, "--set group", out);
    char path[1100];
    snprintf(path, sizeof path, "%s/summary.json", dir);
    cJSON *j = harness_read_json(path);
    const cJSON *op = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(j, "settings"), "optimizer");
    EXPECT(!strcmp(json_str(op, "type"), "sgd"), "--set learning.optimizer={type=\"sgd\";...}",
           path);
    EXPECT(harness_json_num(op, "lr") == 0.25, "--set learning.optimizer={...lr=0.25;}", path);
    cJSON_Delete(j);
}

static int train_suite(void) {
    CU_pSuite s = CU_add_suite("train", NULL, NULL);
    if (!s) return -1;
    if (!CU_add_test(s, "XOR solved by the apical rule", test_xor_apical) ||
        !CU_add_test(s, "XOR solved by BPTT (--align)", test_xor_bptt) ||
        !CU_add_test(s, "XOR: a readout alone stays <= 75 %", test_xor_readout_only) ||
        !CU_add_test(s, "Yin-Yang > 90 % (3 seeds), outputs agree", test_yinyang) ||
        !CU_add_test(s, "same bits for 1-4 threads", test_threads) ||
        !CU_add_test(s, "--epochs k, --resume = uninterrupted", test_resume_cli) ||
        !CU_add_test(s, "stop flag mid-epoch, resume = uninterrupted", test_resume_mid_epoch) ||
        !CU_add_test(s, "SIGINT, resume = uninterrupted", test_sigint_resume) ||
        !CU_add_test(s, "bad inputs exit 2", test_bad_inputs) ||
        !CU_add_test(s, "corrupt checkpoints exit 2", test_corrupt_checkpoints) ||
        !CU_add_test(s, "a full disk: the outputs agree, resume", test_full_disk) ||
        !CU_add_test(s, "memory estimate, refusal, progress", test_trainer_guards) ||
        !CU_add_test(s, "overflow stops, last good checkpoint kept", test_nonfinite) ||
        !CU_add_test(s, "apical eval", test_eval_cli) ||
        !CU_add_test(s, "--set of a whole learning group", test_set_learning_group))
        return -1;
    return 0;
}
TEST_SUITE(train_suite)
