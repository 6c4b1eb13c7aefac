/* tests/test_run_ckpt: apical run --checkpoint-every, SIGTERM and --resume. Truth: the files of
 * the uninterrupted run, byte for byte (spikes CSV and binary, traces, raster, config), and its
 * summary's spike counts; a resumed run may use another thread count. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests/harness.h"

static const char *const outputs[] = {"spikes.csv", "spikes.bin", "traces.csv", "raster.svg",
                                      "traces.svg", NULL};

static char cfg[1200], dur[64];

static void setup(void)
{
    snprintf(cfg, sizeof cfg, "%s/configs/pyramidal.cfg", harness_root());
    snprintf(dur, sizeof dur, "simulation.duration=12000");
}

static int same_file(const char *a, const char *b)
{
    size_t na = 0, nb = 0;
    char *x = harness_slurp(a, &na), *y = harness_slurp(b, &nb);
    int same = x && y && na == nb && !memcmp(x, y, na);
    if (!same) fprintf(stderr, "\n  %s and %s differ\n", a, b);
    free(x);
    free(y);
    return same;
}

/* The "spikes" count of every population in DIR/summary.json, as text. */
static void spike_counts(const char *dir, char *buf, size_t n)
{
    char path[1300];
    snprintf(path, sizeof path, "%s/summary.json", dir);
    char *s = harness_slurp(path, NULL), *p = s;
    size_t at = 0;
    buf[0] = 0;
    while (p && (p = strstr(p, "\"spikes\":")) && at + 32 < n) {
        at += (size_t)snprintf(buf + at, n - at, "%ld,", strtol(p + 9, NULL, 10));
        p += 9;
    }
    free(s);
}

static void check_same(const char *whole, const char *dir)
{
    char a[1300], b[1300];
    for (int i = 0; outputs[i]; i++) {
        snprintf(a, sizeof a, "%s/%s", whole, outputs[i]);
        snprintf(b, sizeof b, "%s/%s", dir, outputs[i]);
        CU_ASSERT(same_file(a, b));
    }
    char ca[512], cb[512];
    spike_counts(whole, ca, sizeof ca);
    spike_counts(dir, cb, sizeof cb);
    CU_ASSERT(ca[0] && !strcmp(ca, cb));
    snprintf(b, sizeof b, "%s/run.tmp", dir);
    struct stat st;
    CU_ASSERT(stat(b, &st) != 0); /* a finished run leaves no staging folder, no checkpoint */
}

static const char *whole_dir(void)
{
    static char dir[1100];
    if (!dir[0]) {
        char args[4096], out[4096];
        snprintf(dir, sizeof dir, "%s/ck-whole", harness_tmpdir());
        snprintf(args, sizeof args, "run '%s' --set %s --threads 2 --quiet -o '%s'", cfg, dur,
                 dir);
        CU_ASSERT_EQUAL(harness_apical(args, out, sizeof out), 0);
    }
    return dir;
}

static void test_every(void)
{
    setup();
    char dir[1100], args[4096], out[4096];
    snprintf(dir, sizeof dir, "%s/ck-every", harness_tmpdir());
    snprintf(args, sizeof args,
             "run '%s' --set %s --threads 3 --quiet -o '%s' --checkpoint-every 1234.5", cfg, dur,
             dir);
    CU_ASSERT_EQUAL(harness_apical(args, out, sizeof out), 0);
    check_same(whole_dir(), dir);
}


static void test_sigterm_resume(void)
{
    setup();
    const char *bin = getenv("APICAL_BIN");
    char dir[1100], watch[1200], set[128], args[4096], out[4096];
    snprintf(dir, sizeof dir, "%s/ck-term", harness_tmpdir());
    snprintf(watch, sizeof watch, "%s/run.tmp/spikes.csv.tmp", dir);
    snprintf(set, sizeof set, "%s", dur);
    const char *argv[] = {bin && *bin ? bin : "./apical", "run", cfg, "--set", set, "--threads",
                          "1", "--quiet", "-o", dir, NULL};
    CU_ASSERT_EQUAL(harness_signal_when(argv, watch, SIGTERM, 0.2), 143);
    char ck[1200];
    snprintf(ck, sizeof ck, "%s/run.tmp/checkpoint.bin", dir);
    struct stat st;
    CU_ASSERT_EQUAL(stat(ck, &st), 0);
    snprintf(watch, sizeof watch, "%s/summary.json", dir);
    CU_ASSERT(stat(watch, &st) != 0); /* nothing published */
    /* refused: another setting, another -o; the stopped run stays */
    snprintf(args, sizeof args, "run --resume '%s' --set simulation.seed=9", dir);
    CU_ASSERT_EQUAL(harness_apical(args, out, sizeof out), 2);
    snprintf(args, sizeof args, "run '%s' --resume '%s' --set %s --set simulation.seed=9", cfg,
             dir, dur);
    CU_ASSERT_EQUAL(harness_apical(args, out, sizeof out), 2);
    CU_ASSERT_EQUAL(stat(ck, &st), 0);
    /* stopped again while resumed on 2 threads, then finished on 3 */
    snprintf(watch, sizeof watch, "%s/run.tmp/spikes.csv.tmp", dir);
    const char *argv2[] = {argv[0], "run", "--resume", dir, "--threads", "2", "--quiet", NULL};
    int rc = harness_signal_when(argv2, watch, SIGTERM, 0.2);
    /* the watched file is the stopped run's, there from the start: on a loaded machine (the
     * sanitizer build starts slowly) the signal can come before apical handles it, and the
     * default action ends it (-SIGTERM) with the checkpoint untouched; that resumes too */
    if (rc != 143 && rc != 0 && rc != -SIGTERM) fprintf(stderr, "\n  resumed run: %d\n", rc);
    CU_ASSERT(rc == 143 || rc == 0 || rc == -SIGTERM);
    snprintf(args, sizeof args, "run --resume '%s' --threads 3 --quiet", dir);
    if (rc != 0) CU_ASSERT_EQUAL(harness_apical(args, out, sizeof out), 0);
    check_same(whole_dir(), dir);
}

static void test_bad_resume(void)
{
    setup();
    char dir[1100], args[4096], out[4096], ck[1200];
    snprintf(dir, sizeof dir, "%s/ck-none", harness_tmpdir());
    mkdir(dir, 0777);
    snprintf(args, sizeof args, "run --resume '%s'", dir);
    CU_ASSERT_EQUAL(harness_apical(args, out, sizeof out), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "no stopped run"));
    /* a run stopped by the timer's checkpoint, then its checkpoint cut short */
    snprintf(dir, sizeof dir, "%s/ck-cut", harness_tmpdir());
    const char *bin = getenv("APICAL_BIN");
    char watch[1200], set[128];
    snprintf(set, sizeof set, "%s", dur);
    snprintf(watch, sizeof watch, "%s/run.tmp/spikes.csv.tmp", dir);
    const char *argv[] = {bin && *bin ? bin : "./apical", "run", cfg, "--set", set, "--quiet",
                          "-o", dir, NULL};
    CU_ASSERT_EQUAL_FATAL(harness_signal_when(argv, watch, SIGTERM, 0.2), 143);
    snprintf(ck, sizeof ck, "%s/run.tmp/checkpoint.bin", dir);
    struct stat st;
    CU_ASSERT_EQUAL_FATAL(stat(ck, &st), 0);
    CU_ASSERT_EQUAL(truncate(ck, st.st_size / 2), 0);
    snprintf(args, sizeof args, "run --resume '%s' --quiet", dir);
    CU_ASSERT_EQUAL(harness_apical(args, out, sizeof out), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "checkpoint"));
    CU_ASSERT_EQUAL(stat(ck, &st), 0); /* still there to look at */
}

static int suite_run_ckpt(void)
{
    CU_pSuite s = CU_add_suite("run_ckpt", NULL, NULL);
    if (!s) return -1;
    CU_add_test(s, "--checkpoint-every: the same files", test_every);
    CU_add_test(s, "SIGTERM: exit 143, resumed twice on 2 and 3 threads = uninterrupted",
                test_sigterm_resume);
    CU_add_test(s, "nothing to resume, a cut checkpoint: exit 2, the run stays", test_bad_resume);
    return 0;
}
TEST_SUITE(suite_run_ckpt)
