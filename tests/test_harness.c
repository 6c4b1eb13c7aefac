/* tests/test_harness: the helpers other suites stand on (tests/main.c). Truth: their promises in
 * tests/harness.h: a run past its time is killed (-9) within a bound, a file past its size
 * fails as on a full disk (POSIX RLIMIT_FSIZE: EFBIG once SIGXFSZ is ignored), output is cut
 * at the buffer and NUL-terminated, and the small readers count what is there. */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "tests/harness.h"

#define EXPECT HARNESS_EXPECT

static void test_within_time(void)
{
    /* hello.cfg for 1e5 s of simulated time would run for hours: killed after 0.5 s */
    static char out[8192];
    char args[2048];
    snprintf(args, sizeof args,
             "run %s/configs/hello.cfg -o %s --threads 1 --set simulation.duration=1e8",
             harness_root(), harness_path("within_time"));
    double t0 = harness_now_s();
    int rc = harness_apical_within(0.5, HARNESS_ANY_SIZE, args, out, sizeof out);
    double took = harness_now_s() - t0;
    EXPECT(rc == -9, "killed", out);
    EXPECT(took >= 0.5 && took < 10, "within the time", out);
    EXPECT(strstr(out, "[apical]") != NULL, "its output so far", out);
}

static void test_within_file_size(void)
{
    /* 100 bytes a file: the first output that grows past it fails the run (exit 1), as a full
     * disk would; with no limit the same run succeeds */
    static char out[8192];
    char args[2048];
    snprintf(args, sizeof args, "run %s/configs/hello.cfg -o %s --quiet", harness_root(),
             harness_path("within_size"));
    EXPECT(harness_apical_within(0, 100, args, out, sizeof out) == 1, "100 bytes", out);
    EXPECT(strstr(out, "File too large") != NULL, "100 bytes", out);
    EXPECT(!harness_sanitizer_text(out), "100 bytes", out);
    EXPECT(harness_apical_within(30, HARNESS_ANY_SIZE, args, out, sizeof out) == 0, "no limit",
           out);
}

static void test_output_cut(void)
{
    /* apical --help prints more than 16 bytes: 15 of them and a NUL, and the status all the same */
    char out[16];
    memset(out, 'x', sizeof out);
    EXPECT(harness_apical("--help", out, sizeof out) == 0, "--help", out);
    EXPECT(out[15] == '\0' && strlen(out) == 15 && !strncmp(out, "usage: apical", 13), "cut",
           out);
}

static void test_readers(void)
{
    CU_ASSERT(harness_count("a<b<b<", NULL, "<") == 3);
    const char *s = "<x><x><x>";
    CU_ASSERT(harness_count(s, s + 3, "<x>") == 1);
    CU_ASSERT(harness_count("aaaa", NULL, "aa") == 2); /* not overlapping */
    const char *dir = harness_path("count_files");
    mkdir(dir, 0700);
    char p[1200];
    const char *names[] = {"a.tmp", "b.tmp", "c.tmp.x", "tmp", ".tmp"};
    for (int i = 0; i < 5; i++) {
        snprintf(p, sizeof p, "count_files/%s", names[i]);
        harness_write(p, "");
    }
    CU_ASSERT(harness_count_files(dir, ".tmp") == 3);
    CU_ASSERT(harness_count_files(harness_path("no_such_dir"), ".tmp") == 0);
    CU_ASSERT(harness_exists(dir) && !harness_exists(harness_path("no_such_dir")));
    CU_ASSERT(harness_sanitizer_text("==1==ERROR: AddressSanitizer: heap-buffer-overflow"));
    CU_ASSERT(harness_sanitizer_text("x.c:3:5: runtime error: signed integer overflow"));
    CU_ASSERT(!harness_sanitizer_text("apical: x.cfg:3: populations.exc.size: must be > 0"));
}

static int suite_harness(void)
{
    CU_pSuite s = CU_add_suite("harness", NULL, NULL);
    if (!s) return -1;
    if (!CU_add_test(s, "apical within a time", test_within_time) ||
        !CU_add_test(s, "apical within a file size", test_within_file_size) ||
        !CU_add_test(s, "output cut at the buffer", test_output_cut) ||
        !CU_add_test(s, "counts, files, sanitizer reports", test_readers))
        return -1;
    return 0;
}
TEST_SUITE(suite_harness)
