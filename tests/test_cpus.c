/* tests/test_cpus: the default thread count. Truth: the affinity mask the test sets itself,
 * the Slurm variable it sets, and the thread count summary.json reports under OMP_NUM_THREADS. */
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cpus.h"
#include "tests/harness.h"

static void test_affinity_and_slurm(void)
{
    cpu_set_t saved, one;
    CU_ASSERT_EQUAL_FATAL(sched_getaffinity(0, sizeof saved, &saved), 0);
    const char *omp = getenv("OMP_NUM_THREADS");
    if (omp && *omp) return; /* the user's choice wins; checked through the CLI below */
    unsetenv("SLURM_CPUS_PER_TASK");
    CU_ASSERT_EQUAL(cpus_default_threads(), CPU_COUNT(&saved));
    CPU_ZERO(&one);
    for (int c = 0; c < CPU_SETSIZE; c++)
        if (CPU_ISSET(c, &saved)) {
            CPU_SET(c, &one);
            break;
        }
    CU_ASSERT_EQUAL_FATAL(sched_setaffinity(0, sizeof one, &one), 0);
    CU_ASSERT_EQUAL(cpus_default_threads(), 1);
    CU_ASSERT_EQUAL(sched_setaffinity(0, sizeof saved, &saved), 0);
    setenv("SLURM_CPUS_PER_TASK", "1", 1);
    CU_ASSERT_EQUAL(cpus_default_threads(), 1);
    setenv("SLURM_CPUS_PER_TASK", "100000", 1); /* more than the mask, or nonsense: the mask */
    CU_ASSERT_EQUAL(cpus_default_threads(), CPU_COUNT(&saved));
    setenv("SLURM_CPUS_PER_TASK", "2x", 1);
    CU_ASSERT_EQUAL(cpus_default_threads(), CPU_COUNT(&saved));
    unsetenv("SLURM_CPUS_PER_TASK");
}

/* The thread count apical reports in summary.json when run as `env VARS apical run ...`. */
static int summary_threads(const char *vars)
{
    char cmd[4096], path[1200];
    const char *bin = getenv("APICAL_BIN");
    snprintf(path, sizeof path, "%s/cpus-out", harness_tmpdir());
    snprintf(cmd, sizeof cmd,
             "env -u OMP_NUM_THREADS -u SLURM_CPUS_PER_TASK %s '%s' run '%s/configs/hello.cfg' "
             "--quiet -o '%s' >/dev/null 2>&1",
             vars, bin && *bin ? bin : "./apical", harness_root(), path);
    if (system(cmd) != 0) return -1;
    snprintf(path, sizeof path, "%s/cpus-out/summary.json", harness_tmpdir());
    char *text = harness_slurp(path, NULL);
    const char *at = text ? strstr(text, "\"threads\":") : NULL;
    int t = at ? atoi(at + strlen("\"threads\":")) : -1;
    free(text);
    return t;
}

static void test_cli_threads(void)
{
    CU_ASSERT_EQUAL(summary_threads("OMP_NUM_THREADS=3"), 3);
    CU_ASSERT_EQUAL(summary_threads("SLURM_CPUS_PER_TASK=1"), 1);
}

static int suite_cpus(void)
{
    CU_pSuite s = CU_add_suite("cpus", NULL, NULL);
    if (!s) return -1;
    CU_add_test(s, "default threads: affinity mask, SLURM_CPUS_PER_TASK", test_affinity_and_slurm);
    CU_add_test(s, "apical run: OMP_NUM_THREADS and Slurm's count", test_cli_threads);
    return 0;
}
TEST_SUITE(suite_cpus)
