/* tests/test_sweep_resume: a sweep stopped by SIGTERM goes on from its points' checkpoints.
 * Truth: the point folders of the same sweep run without a stop, byte for byte (spikes CSV and
 * binary, traces, raster, trace picture, resolved config) with the same spike counts; a resumed
 * point's spikes.bin is the very file (inode) its stopped run was writing, so it was continued,
 * not written again; stopped runs that cannot be resumed (another point's config, a checkpoint
 * of another config: the resume exits 2) are started over with a warning. */
#include <CUnit/CUnit.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests/harness.h"

#define OUT_CAP 65536
#define NPOINTS 4

/* About 0.4 s per point here (longer under the sanitizers), spikes in both
 * formats and traces, so that every recorder is cut and continued. */
static const char cfg_text[] =
    "simulation = { dt = 0.1; duration = 12000.0; seed = 3; };\n"
    "populations = ( { name = \"exc\"; size = 40; }, { name = \"inh\"; size = 10; } );\n"
    "projections = (\n"
    "  { name = \"ee\"; from = \"exc\"; to = \"exc\"; rule = \"fixed_indegree\"; k = 5;\n"
    "    weight = 20.0; delay = 1.0; },\n"
    "  { name = \"ie\"; from = \"inh\"; to = \"exc\"; receptor = \"in\";\n"
    "    rule = \"fixed_indegree\"; k = 5; weight = -40.0; delay = 1.0; } );\n"
    "stimuli = (\n"
    "  { name = \"bg\"; type = \"poisson\"; target = \"exc\"; rate = 8000.0; weight = 60.0; },\n"
    "  { name = \"bgi\"; type = \"poisson\"; target = \"inh\"; rate = 8000.0; weight = 60.0; } );\n"
    "record = { spikes = \"all\"; formats = [\"csv\", \"bin\"];\n"
    "  traces = ( { population = \"exc\"; neurons = [0, 1]; variables = [\"v\"];\n    interval = 0.7; } ); };\n";

static const char grid[] = "--grid stimuli.bg.rate=6000,7000,8000,9000 --jobs 2 --threads 2";

static const char *const outputs[] = {"spikes.csv", "spikes.bin", "traces.csv", "raster.svg",
                                      "traces.svg", "config.cfg", NULL};

static void expect_(int ok, const char *cond, unsigned line, const char *ctx, const char *out)
{
    if (!ok) fprintf(stderr, "\n    [%s] expected %s\n    output: %s\n", ctx, cond, out ? out : "");
    CU_assertImplementation(ok ? CU_TRUE : CU_FALSE, line, cond, __FILE__, "", CU_FALSE);
}
#define EXPECT(cond, ctx, out) expect_(!!(cond), #cond, __LINE__, (ctx), (out))

static const char *bin(void)
{
    const char *b = getenv("APICAL_BIN");
    return b && *b ? b : "./apical";
}

static const char *path_of(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static const char *path_of(const char *fmt, ...)
{
    static char ring[8][1400];
    static int k;
    char *p = ring[k++ % 8];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p, sizeof ring[0], fmt, ap);
    va_end(ap);
    return p;
}

static int exists(const char *path) { return access(path, F_OK) == 0; }

static char *slurp0(const char *path)
{
    char *t = harness_slurp(path, NULL);
    return t ? t : calloc(1, 1);
}

/* The "spikes" numbers of a summary.json, in order, as text. */
static void spike_counts(const char *summary, char *buf, size_t n)
{
    char *s = slurp0(summary), *p = s;
    size_t at = 0;
    buf[0] = 0;
    while ((p = strstr(p, "\"spikes\":")) && at + 32 < n) {
        at += (size_t)snprintf(buf + at, n - at, "%ld,", strtol(p + 9, NULL, 10));
        p += 9;
    }
    free(s);
}

static void nap_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

/* `apical sweep CFG -o DIR GRID extra` in the background, its output into log; in a process
 * group of its own (as a terminal's foreground job), led by the returned pid. */
static pid_t spawn_sweep(const char *log, const char *cfg, const char *dir, const char *extra)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "exec %s sweep %s -o %s %s %s", bin(), cfg, dir, grid,
             extra);
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        setpgid(0, 0);
        int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
        }
        execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
        _exit(127);
    }
    return pid;
}

/* A copy of a file (or, with -r, a folder) through cp. */
static int copy(const char *from, const char *to)
{
    char cmd[3000];
    snprintf(cmd, sizeof cmd, "cp -r '%s' '%s'", from, to);
    return system(cmd);
}

static void test_stop_and_resume(void)
{
    static char out[OUT_CAP];
    const char *cfg = harness_write("swr.cfg", cfg_text);
    char ref[1100], dir[1100], log[1100], held[1100], p0[1200], p2[1200], p3[1200], args[4096];
    snprintf(ref, sizeof ref, "%s/swr_ref", harness_tmpdir());
    snprintf(dir, sizeof dir, "%s/swr_out", harness_tmpdir());
    snprintf(log, sizeof log, "%s/swr.log", harness_tmpdir());
    snprintf(held, sizeof held, "%s/swr_held.bin", harness_tmpdir());
    snprintf(p0, sizeof p0, "%s/points/00000", dir);
    snprintf(p2, sizeof p2, "%s/points/00002", dir);
    snprintf(p3, sizeof p3, "%s/points/00003", dir);

    /* the truth: the same sweep, never stopped */
    snprintf(args, sizeof args, "sweep %s -o %s %s --quiet", cfg, ref, grid);
    int st = harness_apical(args, out, sizeof out);
    EXPECT(st == 0, "the uninterrupted sweep", out);

    /* stopped by SIGTERM once points 0 and 1 (running together) have written a checkpoint
     * (--checkpoint-every: a 24th of the way in); 2 and 3 are not started yet */
    pid_t pid = spawn_sweep(log, cfg, dir, "--checkpoint-every 500");
    double t0 = now_s();
    while (!(exists(path_of("%s/points/00000/run.tmp/checkpoint.bin", dir)) &&
             exists(path_of("%s/points/00001/run.tmp/checkpoint.bin", dir))) &&
           now_s() - t0 < 60)
        nap_ms(2);
    kill(pid, SIGTERM);
    int status = 0;
    waitpid(pid, &status, 0);
    char *l = slurp0(log);
    EXPECT(WIFEXITED(status) && WEXITSTATUS(status) == 143, "SIGTERM: exit 143", l);
    EXPECT(strstr(l, "sweep stopped by SIGTERM") && strstr(l, "stopped with a checkpoint") &&
               strstr(l, "go on with apical sweep -o "),
           "the stop says how to go on", l);
    free(l);
    EXPECT(exists(path_of("%s/run.tmp/checkpoint.bin", p0)) &&
               !exists(path_of("%s/done.json", p0)) && !exists(path_of("%s/failed.json", p0)),
           "point 0 stopped with a checkpoint, unmarked", p0);
    for (int i = 0; i < NPOINTS; i++)
        EXPECT(!exists(path_of("%s/points/%05d/failed.json", dir, i)), "nothing failed", dir);
    EXPECT(!exists(path_of("%s/points/00002", dir)) && !exists(path_of("%s/points/00003", dir)),
           "points 2 and 3 never started", dir);
    /* collect counts the stopped points */
    snprintf(args, sizeof args, "sweep collect %s", dir);
    st = harness_apical(args, out, sizeof out);
    EXPECT(st == 1 && strstr(out, "stopped with a checkpoint: they resume"), "collect", out);
    /* Slurm tasks pass --checkpoint-every on */
    snprintf(args, sizeof args, "sweep -o %s --slurm --checkpoint-every 500", dir);
    st = harness_apical(args, out, sizeof out);
    char *sb = slurp0(path_of("%s/sweep.sbatch", dir));
    EXPECT(st == 0 && strstr(sb, " --checkpoint-every 500\n"), "--slurm --checkpoint-every", sb);
    free(sb);

    /* the file point 0's run was writing, held here so that its inode cannot be reused */
    EXPECT(link(path_of("%s/run.tmp/spikes.bin.tmp", p0), held) == 0, "hold spikes.bin", held);
    struct stat a, b;
    stat(held, &a);
    /* point 2: its own config, but the checkpoint of point 0 (another config): the resume exits
     * 2; point 3: the whole stopped run of point 0, whose config is not point 3's */
    mkdir(p2, 0777);
    mkdir(path_of("%s/run.tmp", p2), 0777);
    EXPECT(copy(path_of("%s/points/00002/config.cfg", ref), path_of("%s/run.tmp/", p2)) == 0 &&
               copy(path_of("%s/run.tmp/checkpoint.bin", p0), path_of("%s/run.tmp/", p2)) == 0,
           "point 2 with a foreign checkpoint", p2);
    mkdir(p3, 0777);
    EXPECT(copy(path_of("%s/run.tmp", p0), path_of("%s/", p3)) == 0, "point 3 with point 0's run",
           p3);

    /* the sweep again (without its config: from sweep.json) */
    snprintf(args, sizeof args, "sweep -o %s --jobs 2 --threads 2", dir);
    st = harness_apical(args, out, sizeof out);
    EXPECT(st == 0 && strstr(out, "4 of 4 points done"), "resumed to the end", out);
    EXPECT(strstr(out, "resumed from a checkpoint, 2 started over"), "the sweep's count", out);
    EXPECT(strstr(out, "warning: point 2: its stopped run cannot be resumed (apical run --resume "
                       "exited 2") &&
               strstr(out, "another config"),
           "point 2: the resume exited 2, started over", out);
    EXPECT(strstr(out, "warning: point 3: its stopped run cannot be resumed (it ran another "
                       "config"),
           "point 3: not resumed, started over", out);
    EXPECT(stat(path_of("%s/spikes.bin", p0), &b) == 0 && a.st_ino == b.st_ino &&
               a.st_dev == b.st_dev,
           "point 0's spikes.bin is the file its stopped run wrote: resumed", p0);
    char *att = slurp0(path_of("%s/attempts.log", p0)), *rl = slurp0(path_of("%s/run.log", p0));
    EXPECT(!strncmp(att, "start ", 6) && strstr(att, "\nresume "), "attempts.log: start, resume",
           att);
    EXPECT(strstr(rl, "resumed from run.tmp/checkpoint.bin"), "run.log says resumed", rl);
    free(att);
    free(rl);
    for (int i = 0; i < NPOINTS; i++) {
        char pi[1200], ri[1200];
        snprintf(pi, sizeof pi, "%s/points/%05d", dir, i);
        snprintf(ri, sizeof ri, "%s/points/%05d", ref, i);
        for (int k = 0; outputs[k]; k++) {
            const char *x = path_of("%s/%s", ri, outputs[k]), *y = path_of("%s/%s", pi, outputs[k]);
            EXPECT(harness_same_file(x, y), "the uninterrupted sweep's bytes", y);
        }
        char ca[256], cb[256];
        spike_counts(path_of("%s/summary.json", ri), ca, sizeof ca);
        spike_counts(path_of("%s/summary.json", pi), cb, sizeof cb);
        EXPECT(ca[0] && !strcmp(ca, cb), "the same spike counts", cb);
        EXPECT(exists(path_of("%s/done.json", pi)) && !exists(path_of("%s/run.tmp", pi)),
               "done, no staging folder left", pi);
    }
    /* finished points never run again */
    st = harness_apical(args, out, sizeof out);
    EXPECT(st == 0 && strstr(out, "ran 0 point"), "nothing left", out);
    unlink(held);
}

static void test_ctrl_c(void)
{
    /* A Ctrl-C at a terminal sends SIGINT to the whole foreground process group: the points must
     * still stop with a checkpoint (SIGTERM from the sweep), not publish what they have. */
    static char out[OUT_CAP];
    const char *cfg = harness_write("swr_int.cfg", cfg_text);
    char dir[1100], log[1100], args[2048];
    snprintf(dir, sizeof dir, "%s/swr_int", harness_tmpdir());
    snprintf(log, sizeof log, "%s/swr_int.log", harness_tmpdir());
    pid_t pid = spawn_sweep(log, cfg, dir, "--checkpoint-every 500");
    double t0 = now_s();
    while (!exists(path_of("%s/points/00000/run.tmp/checkpoint.bin", dir)) && now_s() - t0 < 60)
        nap_ms(2);
    kill(-pid, SIGINT);
    int status = 0;
    waitpid(pid, &status, 0);
    char *l = slurp0(log);
    EXPECT(WIFEXITED(status) && WEXITSTATUS(status) == 130, "SIGINT: exit 130", l);
    EXPECT(strstr(l, "sweep stopped by SIGINT"), "the stop says so", l);
    free(l);
    EXPECT(exists(path_of("%s/points/00000/run.tmp/checkpoint.bin", dir)) &&
               !exists(path_of("%s/points/00000/summary.json", dir)),
           "point 0 stopped with a checkpoint, published nothing", dir);
    snprintf(args, sizeof args, "sweep -o %s --jobs 2 --threads 2", dir);
    int st = harness_apical(args, out, sizeof out);
    EXPECT(st == 0 && strstr(out, "resumed from a checkpoint") && strstr(out, "4 of 4 points done"),
           "resumed", out);
}

static void test_bad_flag(void)
{
    static char out[OUT_CAP];
    const char *cfg = harness_write("swr_flag.cfg", cfg_text);
    static const char *const bad[] = {"0", "-5", "abc", "1e999", "nan", ""};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char args[2048];
        snprintf(args, sizeof args, "sweep %s -o %s/swr_flag %s --checkpoint-every '%s'", cfg,
                 harness_tmpdir(), grid, bad[i]);
        int st = harness_apical(args, out, sizeof out);
        EXPECT(st == 2 && strstr(out, "--checkpoint-every needs a time in ms > 0"), args, out);
    }
    EXPECT(!exists(path_of("%s/swr_flag", harness_tmpdir())), "nothing written", NULL);
}

static int suite_sweep_resume(void)
{
    CU_pSuite s = CU_add_suite("sweep_resume", NULL, NULL);
    if (!s) return -1;
    if (!CU_add_test(s, "SIGTERM: exit 143, checkpoints; resumed = the uninterrupted sweep",
                     test_stop_and_resume) ||
        !CU_add_test(s, "Ctrl-C to the process group: the points checkpoint", test_ctrl_c) ||
        !CU_add_test(s, "--checkpoint-every: bad values", test_bad_flag))
        return -1;
    return 0;
}
TEST_SUITE(suite_sweep_resume)
