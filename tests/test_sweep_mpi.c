/* tests/test_sweep_mpi: `apical sweep` as 3 ranks of one mpirun (shared-memory transport only):
 * rank 0 hands out the points, ranks 1 and 2 run them. The MPI build (make MPI=1,
 * build-mpi/apical) is made by the test itself; without mpicc and mpirun it says so and skips. */
#include <CUnit/CUnit.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/harness.h"

#define OUT_CAP 65536

static void expect_(int ok, const char *cond, unsigned line, const char *ctx, const char *out)
{
    if (!ok) fprintf(stderr, "\n    [%s] expected %s\n    output: %s\n", ctx, cond, out ? out : "");
    CU_assertImplementation(ok ? CU_TRUE : CU_FALSE, line, cond, __FILE__, "", CU_FALSE);
}
#define EXPECT(cond, ctx, out) expect_(!!(cond), #cond, __LINE__, (ctx), (out))


static char *slurp0(const char *path)
{
    char *t = harness_slurp(path, NULL);
    return t ? t : calloc(1, 1);
}

static void first_fields(const char *csv, int n, char *buf, size_t cap)
{
    size_t k = 0;
    int f = 0;
    for (const char *c = csv; *c && k + 2 < cap; c++) {
        if (*c == '\n') buf[k++] = '\n', f = 0;
        else if (*c == ',' && ++f >= n) continue;
        else if (f < n) buf[k++] = *c;
    }
    buf[k] = '\0';
}

static const char cfg_text[] =
    "simulation = { dt = 0.1; duration = 600.0; seed = 9; };\n"
    "populations = ( { name = \"exc\"; size = 40; }, { name = \"inh\"; size = 10; } );\n"
    "projections = (\n"
    "  { name = \"ee\"; from = \"exc\"; to = \"exc\"; rule = \"fixed_indegree\"; k = 5;\n"
    "    weight = 20.0; delay = 1.0; },\n"
    "  { name = \"ie\"; from = \"inh\"; to = \"exc\"; receptor = \"in\"; rule = \"fixed_indegree\";\n"
    "    k = 5; weight = -40.0; delay = 1.0; } );\n"
    "stimuli = (\n"
    "  { name = \"bg\"; type = \"poisson\"; target = \"exc\"; rate = 8000.0; weight = 60.0; },\n"
    "  { name = \"bgi\"; type = \"poisson\"; target = \"inh\"; rate = 8000.0; weight = 60.0; } );\n";

static void test_mpi_ranks(void)
{
    /* Truth: the same sweep run by one process: with 3 ranks every point runs exactly once and
     * rank 0's table equals the serial table. */
    static char out[OUT_CAP];
    const char *root = harness_root();
    if (harness_sh(out, sizeof out, "command -v mpicc && command -v mpirun") != 0) {
        fprintf(stderr, "\n    SKIPPED: no Open MPI here (apt-get install openmpi-bin libopenmpi-dev)");
        return;
    }
    /* the MPI build, one test process at a time; a make running this test must not pass its
     * flags (SANITIZE=1, exported by make to its commands) on */
    int st = harness_sh(out, sizeof out,
                    "cd %s && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u SANITIZE flock /tmp/apical-mpi-build.lock "
                    "make -s MPI=1 build-mpi/apical",
                    root);
    EXPECT(st == 0, "make MPI=1", out);
    if (st != 0) return;
    const char *cfg = harness_write("mpi_sweep.cfg", cfg_text);
    char dir[1024], serial[1024];
    snprintf(dir, sizeof dir, "%s/mpi_out", harness_tmpdir());
    snprintf(serial, sizeof serial, "%s/mpi_serial", harness_tmpdir());
    const char *grid = "--grid stimuli.bg.rate=6000:10000:5 --grid projections.ee.weight=10,30";
    st = harness_sh(out, sizeof out,
                "OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_btl=self,vader "
                "OMPI_MCA_btl_vader_single_copy_mechanism=none "
                "mpirun --allow-run-as-root --oversubscribe --bind-to none -np 3 "
                "%s/build-mpi/apical sweep %s %s -o %s --threads 1",
                root, cfg, grid, dir);
    EXPECT(st == 0 && strstr(out, "10 of 10 points done") && strstr(out, "on rank 1") &&
               strstr(out, "on rank 2"),
           "mpirun -np 3", out);
    for (long i = 0; i < 10; i++) {
        char p[1200];
        snprintf(p, sizeof p, "%s/points/%05ld/attempts.log", dir, i);
        char *att = slurp0(p);
        int n = 0;
        for (char *c = att; *c; c++) n += *c == '\n';
        EXPECT(n == 1, "each point ran exactly once", att);
        free(att);
    }
    static char sout[OUT_CAP];
    char args[2048];
    snprintf(args, sizeof args, "sweep %s %s -o %s --threads 1 --quiet", cfg, grid, serial);
    st = harness_apical(args, sout, sizeof sout);
    EXPECT(st == 0, "serial sweep", sout);
    char p1[1200], p2[1200];
    snprintf(p1, sizeof p1, "%s/results.csv", dir);
    snprintf(p2, sizeof p2, "%s/results.csv", serial);
    char *t1 = slurp0(p1), *t2 = slurp0(p2);
    static char a[OUT_CAP], b[OUT_CAP];
    /* point, the two swept values, rate_hz, cv_isi, version, config_hash */
    first_fields(t1, 7, a, sizeof a);
    first_fields(t2, 7, b, sizeof b);
    EXPECT(strlen(a) > 100 && !strcmp(a, b), "MPI table = serial table", a);
    free(t1);
    free(t2);
}

static int sweep_mpi_suite(void)
{
    CU_pSuite s = CU_add_suite("sweep_mpi", NULL, NULL);
    if (!s) return -1;
    if (!CU_add_test(s, "points shared by 3 MPI ranks", test_mpi_ranks)) return -1;
    return 0;
}
TEST_SUITE(sweep_mpi_suite)
