/* tests/test_sweep_slurm: `apical sweep --slurm --submit` against a real single-node Slurm that
 * tests/slurm/start.sh starts on loopback (munged, slurmctld, slurmd; stopped by PID with
 * stop.sh). Without root or the slurm-wlm and munge packages the test says so and skips; when
 * the packages are there but the daemons do not start, it fails with their logs. A second suite,
 * sweep_scripts, needs no Slurm: it gives every option that reaches a script hostile values and
 * runs the scripts with bash, sbatch replaced by tests/slurm/sbatch. */
#include <CUnit/CUnit.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
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

/* ---------------------------------------------------------------------------------------------
 * The scripts' text (issue #19): hostile values for every option that reaches a script. No
 * Slurm needed: the scripts are checked with bash -n and run with bash, sbatch replaced by
 * tests/slurm/sbatch.
 */

static const char quick_cfg[] =
    "simulation = { dt = 0.1; duration = 20.0; seed = 5; };\n"
    "populations = ( { name = \"exc\"; size = 20; } );\n"
    "stimuli = ( { name = \"bg\"; type = \"poisson\"; target = \"exc\"; rate = 8000.0; "
    "weight = 60.0; } );\n"
    "sweep = { grid = ( { path = \"stimuli.bg.rate\"; values = [6000.0, 9000.0]; } ); };\n";

/* argv[0] run in cwd with the extra environment entries env (NULL-terminated, may be NULL);
 * stdout and stderr into out. The exit status, or -1. No shell reads the arguments. */
static int run_in(const char *cwd, char *const argv[], char *const env[], char *out, size_t n)
{
    int fds[2];
    if (pipe(fds) != 0) return -1;
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(fds[1], 1);
        dup2(fds[1], 2);
        close(fds[0]);
        close(fds[1]);
        if (chdir(cwd) != 0) _exit(126);
        for (int i = 0; env && env[i]; i++) putenv(env[i]);
        execvp(argv[0], argv);
        _exit(127);
    }
    close(fds[1]);
    size_t k = 0;
    ssize_t got;
    while ((got = read(fds[0], out + k, n - 1 - k)) > 0 || (got < 0 && errno == EINTR))
        if (got > 0 && (k += (size_t)got) + 1 >= n) break;
    out[k] = '\0';
    char sink[4096];
    while (read(fds[0], sink, sizeof sink) > 0) {
    }
    close(fds[0]);
    int st;
    if (pid < 0 || waitpid(pid, &st, 0) != pid) return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* 1 when the script's leading comment block (what sbatch reads options from) holds want and
 * no #SBATCH line comes after it. */
static int sbatch_block_has(const char *script, const char *want)
{
    const char *l = strchr(script, '\n'); /* after #! */
    int found = 0, in_block = 1;
    for (l = l ? l + 1 : script; *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : l + strlen(l)) {
        size_t len = strcspn(l, "\n");
        if (len > 0 && l[0] != '#') in_block = 0;
        if (!in_block && !strncmp(l, "#SBATCH", 7)) return 0;
        if (in_block && !strncmp(l, want, strlen(want))) found = 1;
    }
    return found;
}

static int pwned(const char *base)
{
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "find %s -name PWNED | grep -q . || test -e PWNED", base);
    return system(cmd) == 0;
}

/* Runs the three scripts of the sweep in out as Slurm would (sbatch is the stub); returns a
 * description of the first thing wrong, or NULL. */
static const char *check_scripts(const char *out, const char *work, const char *stubdir,
                                 char *buf, size_t n)
{
    static char o[OUT_CAP];
    char sb[1200], coll[1200], submit[1200], log[1200], path[4096];
    snprintf(sb, sizeof sb, "%s/sweep.sbatch", out);
    snprintf(coll, sizeof coll, "%s/collect.sbatch", out);
    snprintf(submit, sizeof submit, "%s/submit.sh", out);
    snprintf(log, sizeof log, "%s/sbatch.log", work);
    char *t = slurp0(sb), *c = slurp0(coll);
    int block = sbatch_block_has(t, "#SBATCH --array=0-1\n") &&
                sbatch_block_has(t, "#SBATCH --output=") &&
                sbatch_block_has(c, "#SBATCH --output=");
    free(t);
    free(c);
    if (!block) return "the #SBATCH block of sweep.sbatch or collect.sbatch is broken";
    char *n1[] = {"bash", "-n", sb, NULL}, *n2[] = {"bash", "-n", coll, NULL},
         *n3[] = {"sh", "-n", submit, NULL};
    if (run_in(work, n1, NULL, o, sizeof o) || run_in(work, n2, NULL, o, sizeof o) ||
        run_in(work, n3, NULL, o, sizeof o))
        return snprintf(buf, n, "sh -n: %.4000s", o), buf;
    char *r1[] = {"bash", sb, NULL}, *r2[] = {"bash", coll, NULL}, *r3[] = {"sh", submit, NULL};
    char *task[] = {"SLURM_ARRAY_TASK_ID=0", "SLURM_CPUS_PER_TASK=1", NULL};
    if (run_in(work, r1, task, o, sizeof o) != 0) return snprintf(buf, n, "task 0: %.4000s", o), buf;
    char done[1200];
    snprintf(done, sizeof done, "%s/points/00000/done.json", out);
    if (access(done, F_OK) != 0) return "task 0 did not run point 0";
    if (run_in(work, r2, NULL, o, sizeof o) != 1) return snprintf(buf, n, "collector: %.4000s", o), buf;
    static char envpath[4200], envlog[1300];
    snprintf(envpath, sizeof envpath, "PATH=%s:%s", stubdir, getenv("PATH") ? getenv("PATH") : "");
    snprintf(envlog, sizeof envlog, "SBATCH_STUB_LOG=%s", log);
    char *env[] = {envpath, envlog, NULL};
    unlink(log);
    if (run_in(work, r3, env, o, sizeof o) != 0) return snprintf(buf, n, "submit.sh: %.4000s", o), buf;
    /* sbatch got the scripts by their exact paths, the collector after the array */
    snprintf(path, sizeof path, "--parsable\n%s\n--\n--parsable\n--dependency=afterany:4242\n%s\n--\n",
             sb, coll);
    char *got = slurp0(log);
    int same = !strcmp(got, path);
    if (!same) snprintf(buf, n, "sbatch was called with:\n%.4000s", got);
    free(got);
    return same ? NULL : buf;
}

static void test_hostile_values(void)
{
    /* Truth: issue #19: a newline in --partition, --job-name, --time, --mem, --account or the -o
     * path became a command of sweep.sbatch (an injected touch ran) and ended the #SBATCH block.
     * Every value either is refused (exit 2 naming the option, nothing written) or reaches the
     * scripts so that, run as Slurm runs them, no PWNED file appears and --array stays in the
     * block. Values with control characters are always refused. */
    static char out[OUT_CAP];
    static const char *const options[] = {"--partition", "--job-name", "--time", "--mem",
                                          "--account",   "--sbatch",   "-o"};
    static const char *const values[] = {
        "x\ntouch PWNED", "x\rtouch PWNED", "x\n#SBATCH --array=0", "$(touch PWNED)",
        "`touch PWNED`", "$(touch${IFS}PWNED)", "`touch${IFS}PWNED`", "x;touch${IFS}PWNED",
        "a'b", "a\"b", "a b", "x#y", "a\\b", "x%y", "--comment=a'b\"c\\d $(touch PWNED)", "",
    };
    char base[1100], stubdir[1200], stub[1300], root_stub[1200];
    snprintf(base, sizeof base, "%s/hostile", harness_tmpdir());
    snprintf(stubdir, sizeof stubdir, "%s/bin", base);
    snprintf(stub, sizeof stub, "%s/sbatch", stubdir);
    snprintf(root_stub, sizeof root_stub, "%s/tests/slurm/sbatch", harness_root());
    EXPECT(sh("mkdir -p %s && cp %s %s && chmod +x %s", stubdir, root_stub, stub, stub) == 0,
           "stub", root_stub);
    const char *cfg = harness_write("hostile.cfg", quick_cfg);
    const char *bin = getenv("APICAL_BIN");
    int accepted = 0, refused = 0, k = 0;
    for (size_t oi = 0; oi < sizeof options / sizeof *options; oi++)
        for (size_t vi = 0; vi < sizeof values / sizeof *values; vi++) {
            const char *opt = options[oi], *val = values[vi];
            if (!strcmp(opt, "-o") && (!*val || strchr(val, '/'))) continue;
            char dir[1200], work[1300], sweep_out[1400], ctx[256], why[OUT_CAP / 2];
            snprintf(dir, sizeof dir, "%s/c%03d", base, k++);
            snprintf(work, sizeof work, "%s/work", dir);
            EXPECT(sh("mkdir -p %s", work) == 0, "mkdir", work);
            if (!strcmp(opt, "-o")) snprintf(sweep_out, sizeof sweep_out, "%s/%s", dir, val);
            else snprintf(sweep_out, sizeof sweep_out, "%s/out", dir);
            snprintf(ctx, sizeof ctx, "%s [%s]", opt, val);
            char *argv[] = {(char *)bin, "sweep",      (char *)cfg, "-o", sweep_out, "--slurm",
                            (char *)opt, (char *)val, NULL};
            if (!strcmp(opt, "-o")) argv[6] = NULL;
            int st = run_in(work, argv, NULL, out, sizeof out);
            int control = strpbrk(val, "\n\r") != NULL;
            if (st == 2) {
                refused++;
                char named[64];
                snprintf(named, sizeof named, "%s:", opt);
                EXPECT(strstr(out, named) != NULL, ctx, out);
                EXPECT(access(sweep_out, F_OK) != 0, ctx, "nothing is written when refused");
            } else {
                accepted++;
                EXPECT(st == 0 && !control, ctx, out);
                if (st == 0) {
                    const char *bad = check_scripts(sweep_out, work, stubdir, why, sizeof why);
                    EXPECT(bad == NULL, ctx, bad);
                }
            }
            EXPECT(!pwned(base), ctx, "a PWNED file appeared");
            sh("find %s -name PWNED -delete; rm -f PWNED", base);
        }
    EXPECT(accepted > 10 && refused > 10, "both kinds of value were tried", NULL);

    /* the binary's own path is a shell word of every script: quotes, $( ), backquotes, a
     * newline and spaces in it stay in the word */
    char bindir[1400], hostile_bin[1500], dir[1200], work[1300], sweep_out[1300], why[OUT_CAP / 2];
    snprintf(bindir, sizeof bindir, "%s/b'in $(touch PWNED) `touch PWNED` \"q\" \\\n;x", base);
    snprintf(hostile_bin, sizeof hostile_bin, "%s/apical", bindir);
    mkdir(bindir, 0755);
    char *cp[] = {"cp", (char *)bin, hostile_bin, NULL};
    EXPECT(run_in(base, cp, NULL, out, sizeof out) == 0, "copy the binary", out);
    snprintf(dir, sizeof dir, "%s/binpath", base);
    snprintf(work, sizeof work, "%s/work", dir);
    snprintf(sweep_out, sizeof sweep_out, "%s/out", dir);
    EXPECT(sh("mkdir -p %s", work) == 0, "mkdir", work);
    char *argv[] = {hostile_bin, "sweep", (char *)cfg, "-o", sweep_out, "--slurm", NULL};
    int st = run_in(work, argv, NULL, out, sizeof out);
    EXPECT(st == 0, "hostile binary path", out);
    const char *bad = st == 0 ? check_scripts(sweep_out, work, stubdir, why, sizeof why) : NULL;
    EXPECT(bad == NULL, "hostile binary path", bad);
    EXPECT(!pwned(base), "hostile binary path", "a PWNED file appeared");
}

static int sweep_scripts_suite(void)
{
    CU_pSuite s = CU_add_suite("sweep_scripts", NULL, NULL);
    if (!s) return -1;
    if (!CU_add_test(s, "hostile values in every script option", test_hostile_values)) return -1;
    return 0;
}
TEST_SUITE(sweep_scripts_suite)

static int sweep_slurm_suite(void)
{
    CU_pSuite s = CU_add_suite("sweep_slurm", NULL, NULL);
    if (!s) return -1;
    if (!CU_add_test(s, "job array and collector on a real Slurm", test_slurm_array)) return -1;
    return 0;
}
TEST_SUITE(sweep_slurm_suite)
