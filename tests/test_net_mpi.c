/* tests/test_net_mpi: one network on 1, 2 and 3 MPI ranks x 1 and 2 threads (engine/xchg,
 * cli/run_ranks), started by mpirun --oversubscribe over shared memory. Truth: the same config
 * run as one process by $APICAL_BIN: spikes.csv, spikes.bin and traces.csv byte for byte and
 * summary.json's spike counts, CV of ISI and synaptic events per population equal. The MPI
 * build (make MPI=1, build-mpi/apical, as tests/test_sweep_mpi makes it; $APICAL_MPI_BIN
 * instead when set) is made by the test; without mpicc and mpirun, or in a sanitizer build
 * (Open MPI's own allocations make LeakSanitizer noisy, and build-mpi is not sanitized), it
 * says so and skips. */
#include <CUnit/CUnit.h>
#include <cjson/cJSON.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "tests/harness.h"

#define EXPECT HARNESS_EXPECT
#define OUT_CAP 65536

/* Open MPI as root, shared memory only, no binding: 6 threads of 3 ranks on a 2-core machine */
#define MPIRUN                                                                                     \
    "OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_btl=self,vader "          \
    "OMPI_MCA_btl_vader_single_copy_mechanism=none timeout -k 5 240 "                            \
    "mpirun --allow-run-as-root --oversubscribe --bind-to none"


/* The MPI build's apical, or NULL (said why) when these tests skip. */
static const char *mpi_bin(void)
{
    static char bin[2048];
    static int state; /* 0 not tried, 1 ready, -1 skip */
    static char out[OUT_CAP];
    if (state) return state > 0 ? bin : NULL;
    state = -1;
#if defined(__SANITIZE_ADDRESS__)
    fprintf(stderr, "\n    SKIPPED: a sanitizer build (the MPI tests run in the plain one)");
    return NULL;
#endif
    if (harness_sh(out, sizeof out, "command -v mpicc && command -v mpirun") != 0) {
        fprintf(stderr, "\n    SKIPPED: no Open MPI here (apt-get install openmpi-bin libopenmpi-dev)");
        return NULL;
    }
    const char *env = getenv("APICAL_MPI_BIN");
    if (env && *env) {
        snprintf(bin, sizeof bin, "%s", env);
    } else {
        /* the build test_sweep_mpi makes, one test process at a time; a make running this test
         * must not pass its flags on (nor BUILD and PROG, which make puts into the environment
         * when they are given on its command line) */
        int st = harness_sh(out, sizeof out,
                        "cd %s && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u SANITIZE -u BUILD "
                        "-u PROG flock /tmp/apical-mpi-build.lock make -s MPI=1 build-mpi/apical",
                        harness_root());
        EXPECT(st == 0, "make MPI=1", out);
        if (st != 0) return NULL;
        snprintf(bin, sizeof bin, "%s/build-mpi/apical", harness_root());
    }
    state = 1;
    return bin;
}

/* Per population: spikes and CV of ISI; and the synaptic events, from summary.json. */
static int summary_counts(const char *dir, char *buf, size_t n)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/summary.json", dir);
    cJSON *j = harness_read_json(path);
    if (!j) return -1;
    size_t k = (size_t)snprintf(buf, n, "events %.17g", harness_json_num(j, "synaptic_events"));
    const cJSON *pops = cJSON_GetObjectItemCaseSensitive(j, "populations"), *p;
    cJSON_ArrayForEach(p, pops)
    {
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(p, "name");
        if (k < n)
            k += (size_t)snprintf(buf + k, n - k, "; %s %.17g spikes, CV %.17g",
                                  cJSON_IsString(name) ? name->valuestring : "?",
                                  harness_json_num(p, "spikes"), harness_json_num(p, "cv_isi"));
    }
    cJSON_Delete(j);
    return 0;
}

/* Config (a file of configs/) for `ms` of simulated time: every split's files against one
 * process's. */
static void same_as_one_process(const char *config, double ms, const char *files[])
{
    static char out[OUT_CAP];
    const char *bin = mpi_bin();
    if (!bin) return;
    const char *root = harness_root();
    char ref[1024], args[4096];
    snprintf(ref, sizeof ref, "%s/mpi_%s_ref", harness_tmpdir(), config);
    snprintf(args, sizeof args, "run %s/configs/%s.cfg --set simulation.duration=%g -o %s "
             "--threads 1 --quiet", root, config, ms, ref);
    int st = harness_apical(args, out, sizeof out);
    EXPECT(st == 0, config, out);
    if (st) return;
    char want[4096], got[4096];
    EXPECT(summary_counts(ref, want, sizeof want) == 0, "reference summary", ref);
    for (int ranks = 1; ranks <= 3; ranks++)
        for (int threads = 1; threads <= 2; threads++) {
            char dir[1024], ctx[1200];
            snprintf(dir, sizeof dir, "%s/mpi_%s_%dx%d", harness_tmpdir(), config, ranks, threads);
            snprintf(ctx, sizeof ctx, "%s on %d ranks x %d threads", config, ranks, threads);
            st = harness_sh(out, sizeof out, MPIRUN " -np %d %s run %s/configs/%s.cfg "
                        "--set simulation.duration=%g -o %s --threads %d --quiet",
                        ranks, bin, root, config, ms, dir, threads);
            EXPECT(st == 0, ctx, out);
            if (st) continue;
            for (int f = 0; files[f]; f++) {
                char a[1200], b[1200];
                snprintf(a, sizeof a, "%s/%s", ref, files[f]);
                snprintf(b, sizeof b, "%s/%s", dir, files[f]);
                EXPECT(harness_same_file(a, b), ctx, files[f]);
            }
            EXPECT(summary_counts(dir, got, sizeof got) == 0 && !strcmp(got, want), ctx, got);
        }
}

static void test_cuba(void)
{
    /* CUBA: spikes, their binary file and the traced potentials and currents */
    const char *files[] = {"spikes.csv", "spikes.bin", "traces.csv", NULL};
    same_as_one_process("cuba", 300, files);
}

static void test_coba(void)
{
    const char *files[] = {"spikes.csv", "spikes.bin", NULL};
    same_as_one_process("coba", 200, files);
}

static void test_pyramidal(void)
{
    /* mc_lif with dendrites, and its traces */
    const char *files[] = {"spikes.csv", "spikes.bin", "traces.csv", NULL};
    same_as_one_process("pyramidal", 200, files);
}

static void test_refusals(void)
{
    /* What cannot run distributed yet is bad input on every rank, said once, exit 2 without a
     * hang or an output folder; a build without MPI refuses to run as several ranks. */
    static char out[OUT_CAP];
    const char *bin = mpi_bin();
    if (!bin) return;
    const char *root = harness_root(), *tmp = harness_tmpdir();
    int st = harness_sh(out, sizeof out, MPIRUN " -np 2 %s run %s/configs/stdp_song2000.cfg -o "
                    "%s/mpi_refused --quiet", bin, root, tmp);
    EXPECT(st == 2 && strstr(out, "not on several MPI ranks yet") &&
               harness_count(out, NULL, "not on several MPI ranks yet") == 1,
           "a plastic config", out);
    char dir[1100];
    snprintf(dir, sizeof dir, "%s/mpi_refused/summary.json", tmp);
    EXPECT(!harness_exists(dir), "no summary", dir);
    st = harness_sh(out, sizeof out, MPIRUN " -np 2 %s run %s/configs/cuba.cfg -o %s/mpi_ckpt "
                "--checkpoint-every 10 --quiet", bin, root, tmp);
    EXPECT(st == 2 && strstr(out, "--checkpoint-every: not on several MPI ranks yet"),
           "--checkpoint-every", out);
    st = harness_sh(out, sizeof out, MPIRUN " -np 2 %s run %s/configs/cuba.cfg -o %s/mpi_plain "
                "--quiet", harness_bin(), root, tmp);
    EXPECT(st == 2 && strstr(out, "not an MPI build"), "the plain build", out);
}

static void test_failed_rank(void)
{
    /* Rank 0 cannot write its output folder while the others have built the network: the job
     * ends with rank 0's message (MPI_Abort), within the test's time, never a hang. */
    static char out[OUT_CAP];
    const char *bin = mpi_bin();
    if (!bin) return;
    const char *file = harness_write("mpi_not_a_folder", "x\n");
    double t0 = harness_now_s();
    int st = harness_sh(out, sizeof out, MPIRUN " -np 3 %s run %s/configs/cuba.cfg -o %s/sub "
                    "--quiet", bin, harness_root(), file);
    EXPECT(st != 0 && st != 124 && st != 137 && strstr(out, "apical: ") &&
               harness_now_s() - t0 < 60,
           "rank 0 fails", out);
}

static int net_mpi_suite(void)
{
    CU_pSuite s = CU_add_suite("net_mpi", NULL, NULL);
    if (!s) return -1;
    if (!CU_add_test(s, "CUBA: 1-3 ranks x 1-2 threads = one process", test_cuba)) return -1;
    if (!CU_add_test(s, "COBA: 1-3 ranks x 1-2 threads = one process", test_coba)) return -1;
    if (!CU_add_test(s, "pyramidal: 1-3 ranks x 1-2 threads = one process", test_pyramidal))
        return -1;
    if (!CU_add_test(s, "refusals under MPI", test_refusals)) return -1;
    if (!CU_add_test(s, "a failed rank ends the job", test_failed_rank)) return -1;
    return 0;
}
TEST_SUITE(net_mpi_suite)
