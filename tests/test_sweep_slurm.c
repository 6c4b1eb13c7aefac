/* tests/test_sweep_slurm: `apical sweep --slurm --submit` against a real single-node Slurm that
 * tests/slurm/start.sh starts on loopback (munged, slurmctld, slurmd; stopped by PID with
 * stop.sh). Without root or the slurm-wlm and munge packages the test says so and skips; when
 * the packages are there but the daemons do not start, it fails with their logs. */
#include <CUnit/CUnit.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests/harness.h"

#define OUT_CAP 65536

static void expect_(int ok, const char *cond, unsigned line, const char *ctx, const char *out)
{
    if (!ok) fprintf(stderr, "\n    [%s] expected %s\n    output: %s\n", ctx, cond, out ? out : "");
    CU_assertImplementation(ok ? CU_TRUE : CU_FALSE, line, cond, __FILE__, "", CU_FALSE);
}
#define EXPECT(cond, ctx, out) expect_(!!(cond), #cond, __LINE__, (ctx), (out))

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
    char cmd[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    int st = system(cmd);
    return st == -1 || !WIFEXITED(st) ? -1 : WEXITSTATUS(st);
}

static char *slurp0(const char *path)
{
    char *t = harness_slurp(path, NULL);
    return t ? t : calloc(1, 1);
}

/* The first n comma-separated fields of every line (the swept values and the results, not the
 * timings). */
static void first_fields(const char *csv, int n, char *buf, size_t cap)
{
    size_t k = 0;
    int f = 0;
    for (const char *c = csv; *c && k + 2 < cap; c++) {
        if (*c == '\n') {
            buf[k++] = '\n';
            f = 0;
        } else if (*c == ',' && ++f >= n) {
            continue;
        } else if (f < n) {
            buf[k++] = *c;
        }
    }
    buf[k] = '\0';
}

static const char cfg_text[] =
    "simulation = { dt = 0.1; duration = 200.0; seed = 5; };\n"
    "populations = ( { name = \"exc\"; size = 40; }, { name = \"inh\"; size = 10; } );\n"
    "projections = (\n"
    "  { name = \"ee\"; from = \"exc\"; to = \"exc\"; rule = \"fixed_indegree\"; k = 5;\n"
    "    weight = 20.0; delay = 1.0; },\n"
    "  { name = \"ie\"; from = \"inh\"; to = \"exc\"; receptor = \"in\"; rule = \"fixed_indegree\";\n"
    "    k = 5; weight = -40.0; delay = 1.0; } );\n"
    "stimuli = (\n"
    "  { name = \"bg\"; type = \"poisson\"; target = \"exc\"; rate = 8000.0; weight = 60.0; },\n"
    "  { name = \"bgi\"; type = \"poisson\"; target = \"inh\"; rate = 8000.0; weight = 60.0; } );\n"
    "sweep = { grid = ( { path = \"stimuli.bg.rate\"; lin = [6000.0, 10000.0]; n = 5; } ); };\n";

static void test_slurm_array(void)
{
    /* Truth: the same sweep run locally: a job array submitted with --submit runs every point
     * once, the afterany collector writes the same table, and submitting again finds nothing
     * left to do. */
    static char out[OUT_CAP];
    const char *root = harness_root();
    /* one fixture at a time on this machine (several engineers run the tests at once) */
    int lock = open("/tmp/apical-slurm-fixture.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0666);
    if (lock >= 0) flock(lock, LOCK_EX);
    char dir[] = "/tmp/apical-slurm-XXXXXX";
    if (!mkdtemp(dir)) {
        EXPECT(0, "mkdtemp", strerror(errno));
        return;
    }
    char err[1100];
    snprintf(err, sizeof err, "%s/start.err", dir);
    int rc = sh("sh %s/tests/slurm/start.sh %s 2> %s", root, dir, err);
    char *why = slurp0(err);
    if (rc == 3) {
        fprintf(stderr, "\n    SKIPPED: no Slurm on this machine: %s", why);
        free(why);
        sh("rm -rf %s", dir);
        if (lock >= 0) close(lock);
        return;
    }
    EXPECT(rc == 0, "the Slurm daemons start", why);
    free(why);
    if (rc != 0) {
        sh("sh %s/tests/slurm/stop.sh %s; rm -rf %s", root, dir, dir);
        if (lock >= 0) close(lock);
        return;
    }
    char conf[1100];
    snprintf(conf, sizeof conf, "%s/slurm.conf", dir);
    setenv("SLURM_CONF", conf, 1);

    const char *cfg = harness_write("slurm_sweep.cfg", cfg_text);
    char sw[1100], local[1100], args[4096];
    snprintf(sw, sizeof sw, "%s/sweep", dir);
    snprintf(local, sizeof local, "%s/local", dir);
    snprintf(args, sizeof args,
             "sweep %s -o %s --slurm --submit --chunk 2 --jobs 2 --cpus-per-task 1 "
             "--time 00:05:00 --job-name apical-test --sbatch --comment=apical-test",
             cfg, sw);
    int st = harness_apical(args, out, sizeof out);
    EXPECT(st == 0 && strstr(out, "submitted array job"), "submit", out);
    long job = 0, coll = 0;
    for (const char *l = out; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
        if (sscanf(l, "%ld %ld", &job, &coll) == 2) break;
    EXPECT(job > 0 && coll > 0, "job ids printed", out);
    char sbatch[1200];
    snprintf(sbatch, sizeof sbatch, "%s/sweep.sbatch", sw);
    char *script = slurp0(sbatch);
    EXPECT(strstr(script, "#SBATCH --array=0-2%2\n") && strstr(script, "--cpus-per-task=1") &&
               strstr(script, "--time=00:05:00") && strstr(script, "#SBATCH --comment=apical-test") &&
               strstr(script, "OMP_NUM_THREADS=\"${SLURM_CPUS_PER_TASK:-1}\"") &&
               strstr(script, "--task-index \"$SLURM_ARRAY_TASK_ID\" --chunk 2"),
           "sweep.sbatch", script);
    free(script);

    /* the collector has run when jobcomp records it */
    char comp[1100], want[64];
    snprintf(comp, sizeof comp, "%s/log/jobcomp.txt", dir);
    snprintf(want, sizeof want, "JobId=%ld ", coll);
    char *log = NULL;
    for (time_t t0 = time(NULL); time(NULL) - t0 < 90;) {
        free(log);
        log = slurp0(comp);
        if (coll && strstr(log, want)) break;
        struct timespec ts = {0, 200000000};
        nanosleep(&ts, NULL);
    }
    const char *line = coll ? strstr(log, want) : NULL;
    EXPECT(line && !strncmp(strstr(line, "JobState="), "JobState=COMPLETED", 18), "collector ran", log);
    int tasks = 0;
    for (const char *c = log; (c = strstr(c, "ArrayTaskId=")); c++) tasks++;
    EXPECT(tasks == 3, "three array tasks", log);
    free(log);

    char csv[1200];
    snprintf(csv, sizeof csv, "%s/results.csv", sw);
    char *table = slurp0(csv);
    snprintf(args, sizeof args, "sweep %s -o %s --threads 1 --quiet", cfg, local);
    st = harness_apical(args, out, sizeof out);
    EXPECT(st == 0, "local sweep", out);
    snprintf(csv, sizeof csv, "%s/results.csv", local);
    char *ltable = slurp0(csv);
    static char a[OUT_CAP], b[OUT_CAP];
    /* point, stimuli.bg.rate, rate_hz, cv_isi, version, config_hash */
    first_fields(table, 6, a, sizeof a);
    first_fields(ltable, 6, b, sizeof b);
    EXPECT(strlen(a) > 0 && !strcmp(a, b), "Slurm table = local table", a);
    int rows = 0;
    for (char *c = table; *c; c++) rows += *c == '\n';
    EXPECT(rows == 6, "five rows and a header", table);
    free(table);
    free(ltable);
    for (long i = 0; i < 5; i++) {
        char p[1200];
        snprintf(p, sizeof p, "%s/points/%05ld/attempts.log", sw, i);
        char *att = slurp0(p);
        int n = 0;
        for (char *c = att; *c; c++) n += *c == '\n';
        EXPECT(n == 1, "each point ran once", att);
        free(att);
    }
    snprintf(args, sizeof args, "sweep -o %s --slurm --submit", sw);
    st = harness_apical(args, out, sizeof out);
    EXPECT(st == 0 && strstr(out, "nothing to submit"), "resubmitting a finished sweep", out);

    unsetenv("SLURM_CONF");
    char pids[1100];
    snprintf(pids, sizeof pids, "%s/pids", dir);
    char *before = slurp0(pids);
    sh("sh %s/tests/slurm/stop.sh %s", root, dir);
    int alive = 0;
    for (char *c = before; *c;) {
        long pid = strtol(c, &c, 10);
        if (pid > 0 && kill((pid_t)pid, 0) == 0) alive++;
        while (*c == '\n') c++;
        if (!pid) break;
    }
    EXPECT(alive == 0, "daemons stopped", before);
    free(before);
    if (!getenv("APICAL_KEEP_TMP")) sh("rm -rf %s", dir);
    if (lock >= 0) close(lock);
}

static int sweep_slurm_suite(void)
{
    CU_pSuite s = CU_add_suite("sweep_slurm", NULL, NULL);
    if (!s) return -1;
    if (!CU_add_test(s, "job array and collector on a real Slurm", test_slurm_array)) return -1;
    return 0;
}
TEST_SUITE(sweep_slurm_suite)
