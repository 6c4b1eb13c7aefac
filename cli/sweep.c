/* cli/sweep: `apical sweep` (plan, validate and run points here, as a Slurm array or as MPI
 * ranks), `apical sweep collect` (the results table from the point folders) and `apical sweep
 * plot` (a line plot or heatmap of a metric). Owns the flags and the messages; the work is in
 * sweep/. Design and file layout: docs/sweeps.md. */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "io/afile.h"
#include "io/suggest.h"
#include "sweep/exec.h"
#include "sweep/mpi.h"
#include "sweep/plan.h"
#include "sweep/slurm.h"
#include "sweep/store.h"
#include "sweep/table.h"

static const char usage[] =
    "usage: apical sweep [CONFIG] [-o OUT] [options]      run a sweep (or resume OUT's)\n"
    "       apical sweep collect OUT                      rebuild OUT/results.csv and .jsonl\n"
    "       apical sweep plot OUT --x PATH [--y PATH] --z METRIC[,METRIC] -o FILE.svg\n"
    "\n"
    "What to sweep (after the config's sweep block, if any):\n"
    "  --grid PATH=VALUES   a new axis. VALUES: a,b,c | lo:hi:n | lin:lo:hi:n | log:lo:hi:n\n"
    "                       | uniform:lo:hi | loguniform:lo:hi (the last two with --samples)\n"
    "  --zip PATH=VALUES    moves together with the axis before it (same number of values)\n"
    "  --samples N          N points drawn at random from the axes instead of the full grid\n"
    "  --sample-seed S      seed of that draw (default: the sweep block's seed, else 1)\n"
    "  --set PATH=VALUE     applied to every point; --seed N is --set simulation.seed=N\n"
    "Running:\n"
    "  -o, --out OUT        the sweep's folder (default out/CONFIG-NAME-sweep); without CONFIG,\n"
    "                       resumes the sweep planned in OUT/sweep.json\n"
    "  --jobs K             K points at once (default 1); the threads are shared between them\n"
    "  --threads T          threads in all (default OMP_NUM_THREADS, else every core)\n"
    "  --retry-failed       run points that failed before again\n"
    "  --checkpoint-every MS  each point writes a checkpoint every MS of simulated time\n"
    "                       (SIGTERM or SIGINT to the sweep always stops its points with one;\n"
    "                       the next run of the sweep resumes them)\n"
    "  --dry-run            validate and list the points; run nothing\n"
    "  --quiet              no line per point\n"
    "  --task-index I       run array task I only (points I*M ... I*M+M-1 for --chunk M)\n"
    "Slurm:\n"
    "  --slurm              write OUT/sweep.sbatch, OUT/collect.sbatch and OUT/submit.sh\n"
    "  --submit             and submit them (prints the job ids)\n"
    "  --chunk M            points per array task (default 1); --jobs K caps running tasks (%K)\n"
    "  --partition P  --time T  --mem M  --cpus-per-task C  --account A  --job-name N\n"
    "  --sbatch LINE        one more #SBATCH line (repeatable), e.g. --sbatch --qos=long\n"
    "Exit status: 0 every point done, 1 some point failed or is missing, 2 bad input,\n"
    "130/143 interrupted (run it again to go on). Reference: docs/sweeps.md\n";

#define MAX_AXES PLAN_MAX_AXES

struct sweep_args {
    const char *config, *out, *sets[CLI_MAX_SETS];
    int nsets;
    const char *axes[MAX_AXES];
    int zip[MAX_AXES], naxes;
    long samples, task_index;
    int has_samples, has_seed, jobs, threads, retry, dry, quiet, slurm, submit;
    unsigned long long sample_seed;
    double ckpt_every_ms;
    char seed_set[64];
    struct slurm_opts so;
};

/* The only mutable file-scope state: what a signal handler may touch. */
static volatile sig_atomic_t stop_signal;
static void on_signal(int sig) { stop_signal = sig; }

static int bad(const char *msg, const char *arg)
{
    fprintf(stderr, "apical: sweep: %s%s%s\n(see apical sweep --help)\n", msg, arg ? ": " : "",
            arg ? arg : "");
    return 2;
}

/* "unknown option: --job (did you mean --jobs?)" */
static int unknown_option(const char *s)
{
    static const char *const opts[] = {
        "--grid",   "--zip",       "--samples", "--sample-seed", "--set",           "--seed",
        "--out",    "--jobs",      "--threads", "--task-index",  "--chunk",         "--partition",
        "--time",   "--mem",       "--account", "--job-name",    "--cpus-per-task", "--sbatch",
        "--checkpoint-every",
        "--help",   "--retry-failed", "--dry-run", "--quiet",    "--slurm",         "--submit",
        NULL}; /* from --help on, flags without a value */
    char msg[200];
    return bad("unknown option", cli_unknown_option(s, opts, msg, sizeof msg));
}

static int parse_long(const char *s, long lo, long hi, long *v)
{
    char *end;
    errno = 0;
    long long x = strtoll(s, &end, 10);
    if (!*s || *end || errno || x < lo || x > hi) return -1;
    *v = (long)x;
    return 0;
}

static int parse_args(int argc, char **argv, struct sweep_args *a)
{
    memset(a, 0, sizeof *a);
    a->jobs = 1;
    a->task_index = -1;
    a->so.chunk = 1;
    for (int i = 1; i < argc; i++) {
        const char *s = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        long n;
#define NEEDS_VALUE                                                                                \
    do {                                                                                           \
        if (!v) return bad("missing value after", s);                                              \
        i++;                                                                                       \
    } while (0)
        if (!strcmp(s, "--help") || !strcmp(s, "-h")) {
            fputs(usage, stdout);
            return -1;
        } else if (!strcmp(s, "--grid") || !strcmp(s, "--zip")) {
            NEEDS_VALUE;
            if (a->naxes == MAX_AXES) return bad("too many axes", NULL);
            a->zip[a->naxes] = s[2] == 'z';
            a->axes[a->naxes++] = v;
        } else if (!strcmp(s, "--set")) {
            NEEDS_VALUE;
            if (a->nsets == CLI_MAX_SETS - 1) return bad("too many --set", NULL);
            a->sets[a->nsets++] = v;
        } else if (!strcmp(s, "--seed")) {
            NEEDS_VALUE;
            if (parse_long(v, 0, LONG_MAX, &n)) return bad("--seed needs an integer >= 0", v);
            snprintf(a->seed_set, sizeof a->seed_set, "simulation.seed=%ldL", n);
            if (a->nsets == CLI_MAX_SETS - 1) return bad("too many --set", NULL);
            a->sets[a->nsets++] = a->seed_set;
        } else if (!strcmp(s, "-o") || !strcmp(s, "--out")) {
            NEEDS_VALUE;
            a->out = v;
        } else if (!strcmp(s, "--samples")) {
            NEEDS_VALUE;
            if (parse_long(v, 1, PLAN_MAX_POINTS, &a->samples))
                return bad("--samples needs an integer in [1, 1000000]", v);
            a->has_samples = 1;
        } else if (!strcmp(s, "--sample-seed")) {
            NEEDS_VALUE;
            if (parse_long(v, 0, LONG_MAX, &n)) return bad("--sample-seed needs an integer >= 0", v);
            a->sample_seed = (unsigned long long)n;
            a->has_seed = 1;
        } else if (!strcmp(s, "--jobs") || !strcmp(s, "-j")) {
            NEEDS_VALUE;
            if (parse_long(v, 1, 4096, &n)) return bad("--jobs needs an integer in [1, 4096]", v);
            a->jobs = (int)n;
            a->so.throttle = (int)n;
        } else if (!strcmp(s, "--threads")) {
            NEEDS_VALUE;
            if (parse_long(v, 1, 4096, &n)) return bad("--threads needs an integer in [1, 4096]", v);
            a->threads = (int)n;
        } else if (!strcmp(s, "--task-index")) {
            NEEDS_VALUE;
            if (parse_long(v, 0, PLAN_MAX_POINTS, &a->task_index))
                return bad("--task-index needs an integer >= 0", v);
        } else if (!strcmp(s, "--chunk")) {
            NEEDS_VALUE;
            if (parse_long(v, 1, PLAN_MAX_POINTS, &a->so.chunk))
                return bad("--chunk needs an integer >= 1", v);
        } else if (!strcmp(s, "--cpus-per-task")) {
            NEEDS_VALUE;
            if (parse_long(v, 1, 4096, &n)) return bad("--cpus-per-task needs an integer >= 1", v);
            a->so.cpus = (int)n;
        } else if (!strcmp(s, "--partition")) {
            NEEDS_VALUE;
            a->so.partition = v;
        } else if (!strcmp(s, "--time")) {
            NEEDS_VALUE;
            a->so.time = v;
        } else if (!strcmp(s, "--mem")) {
            NEEDS_VALUE;
            a->so.mem = v;
        } else if (!strcmp(s, "--account")) {
            NEEDS_VALUE;
            a->so.account = v;
        } else if (!strcmp(s, "--job-name")) {
            NEEDS_VALUE;
            a->so.job_name = v;
        } else if (!strcmp(s, "--sbatch")) {
            NEEDS_VALUE;
            if (a->so.nextra == SLURM_MAX_EXTRA) return bad("too many --sbatch lines", NULL);
            a->so.extra[a->so.nextra++] = v; /* checked with the other script values */
        } else if (!strcmp(s, "--checkpoint-every")) {
            NEEDS_VALUE;
            char *end;
            errno = 0;
            double ms = strtod(v, &end);
            if (!*v || *end || errno || !(ms > 0) || !isfinite(ms))
                return bad("--checkpoint-every needs a time in ms > 0", v);
            a->ckpt_every_ms = a->so.ckpt_every_ms = ms;
        } else if (!strcmp(s, "--retry-failed")) {
            a->retry = a->so.retry_failed = 1;
        } else if (!strcmp(s, "--dry-run")) {
            a->dry = 1;
        } else if (!strcmp(s, "--quiet") || !strcmp(s, "-q")) {
            a->quiet = 1;
        } else if (!strcmp(s, "--slurm")) {
            a->slurm = 1;
        } else if (!strcmp(s, "--submit")) {
            a->submit = a->slurm = 1;
        } else if (s[0] == '-' && s[1]) {
            return unknown_option(s);
        } else if (!a->config) {
            a->config = s;
        } else {
            return bad("unexpected argument", s);
        }
#undef NEEDS_VALUE
    }
    if (!a->config && !a->out) return bad("give a CONFIG, or -o OUT to resume a sweep", NULL);
    if (!a->config && (a->naxes || a->nsets || a->has_samples || a->has_seed))
        return bad("--grid, --zip, --set, --seed and --samples need the CONFIG", NULL);
    if (a->task_index >= 0 && a->slurm) return bad("--task-index runs a task; --slurm writes them", NULL);
    return 0;
}

/* ---- the plan ---- */

static int make_plan(const struct sweep_args *a, struct plan *p, struct err *e)
{
    memset(p, 0, sizeof *p);
    p->seed = 1;
    char *abs = realpath(a->config, NULL);
    if (!abs) return err_set(e, ERR_INPUT, a->config, 0, "", "cannot open: %s", strerror(errno));
    snprintf(p->config, sizeof p->config, "%s", abs);
    free(abs);
    int rc = plan_read_block(p, p->config, e);
    if (rc) return rc;
    p->sets = calloc((size_t)a->nsets + 1, sizeof *p->sets);
    if (!p->sets) return err_set(e, ERR_NOMEM, "", 0, "", "out of memory");
    for (int s = 0; s < a->nsets; s++) {
        if (!(p->sets[s] = strdup(a->sets[s]))) return err_set(e, ERR_NOMEM, "", 0, "", "out of memory");
        p->nsets++;
    }
    for (int x = 0; x < a->naxes && !rc; x++) rc = plan_add_axis_text(p, a->axes[x], a->zip[x], e);
    if (rc) return rc;
    if (a->has_samples) p->samples = a->samples;
    if (a->has_seed) p->seed = a->sample_seed;
    return plan_expand(p, e);
}

static void default_out(char *buf, size_t n, const char *config)
{
    const char *base = strrchr(config, '/');
    base = base ? base + 1 : config;
    const char *dot = strrchr(base, '.');
    int len = dot && dot != base ? (int)(dot - base) : (int)strlen(base);
    snprintf(buf, n, "out/%.*s-sweep", len, base);
}

/* Threads for each point: --threads, else OMP_NUM_THREADS, else the cores this process may use,
 * shared between the points running at once. 0: leave it to the config. */
static int point_threads(const struct sweep_args *a, int jobs)
{
    long total = a->threads;
    const char *env = getenv("OMP_NUM_THREADS");
    if (!total && env && parse_long(env, 1, 4096, &total)) total = 0;
    if (!total && jobs == 1) return 0;
    if (!total) {
        cpu_set_t set;
        total = sched_getaffinity(0, sizeof set, &set) == 0 ? CPU_COUNT(&set) : 1;
    }
    return total / jobs > 0 ? (int)(total / jobs) : 1;
}

/* ---- progress and the table while points run ---- */

struct progress {
    const struct plan *plan;
    const char *out;
    struct table table;
    int write_table, quiet;
    long finished, failed;
    double last_write;
};

static void on_point(void *ctx, long point, int state, double wall)
{
    struct progress *g = ctx;
    if (state == STORE_PENDING) return;
    if (state == STORE_DONE) {
        g->finished++;
        struct err e = {0};
        if (g->write_table && !table_add(&g->table, g->out, point, &e) &&
            exec_now() - g->last_write >= 1.0) {
            table_write(&g->table, g->out, &e);
            g->last_write = exec_now();
        }
    } else {
        g->failed++;
    }
    if (g->quiet && state == STORE_DONE) return;
    char vals[512] = "";
    for (int a = 0, k = 0; a < g->plan->naxes && k < (int)sizeof vals - 1; a++)
        k += snprintf(vals + k, sizeof vals - (size_t)k, "%s%s=%s", a ? " " : "",
                      g->plan->axes[a].path, plan_cell(g->plan, point, a));
    if (state == STORE_DONE)
        fprintf(stderr, "[sweep] point %ld done in %.1f s: %s\n", point, wall, vals);
    else
        fprintf(stderr, "[sweep] point %ld FAILED after %.1f s: %s; see %s/points/%05ld/failed.json\n",
                point, wall, vals, g->out, point);
}

/* ---- collect ---- */

/* Prints the sweep's state; returns 0 when every point is done. */
static int report(const struct plan *p, const char *out, long *ndone)
{
    long done = 0, failed = 0, nstopped = 0;
    for (long i = 0; i < p->npoints; i++) {
        int st = store_state(out, i);
        if (st == STORE_DONE) done++;
        if (st == STORE_PENDING) nstopped += store_stopped(out, i);
        if (st != STORE_FAILED) continue;
        if (++failed > 10) continue;
        char path[1200];
        store_point_file(out, i, "failed.json", path, sizeof path);
        struct err e = {0};
        cJSON *j = store_json_read(path, &e);
        long code = -1;
        const char *tail = store_jstr(j, "stderr_tail"), *last = "";
        if (store_jlong(j, "exit_status", 0, 255, &code)) code = -1;
        if (tail) {
            const char *t = tail, *nl = strrchr(t, '\n');
            while (nl && nl[1] == '\0' && nl > t) {
                const char *q = nl - 1;
                while (q > t && *q != '\n') q--;
                nl = q > t ? q : NULL;
            }
            last = nl ? nl + 1 : t;
        }
        fprintf(stderr, "[sweep] point %ld failed (exit status %ld): %.*s\n", i, code,
                (int)strcspn(last, "\n"), last);
        cJSON_Delete(j);
    }
    if (failed > 10) fprintf(stderr, "[sweep] ... and %ld more failed points\n", failed - 10);
    char left[96] = "";
    if (nstopped)
        snprintf(left, sizeof left, " (%ld of them stopped with a checkpoint: they resume)",
                 nstopped);
    fprintf(stderr, "[sweep] %ld of %ld points done, %ld failed, %ld not run%s%s\n", done,
            p->npoints, failed, p->npoints - done - failed, left,
            failed ? " (apical sweep -o OUT --retry-failed runs the failed ones again)" : "");
    if (ndone) *ndone = done;
    return done == p->npoints ? 0 : 1;
}

static int collect(const char *out)
{
    struct plan p;
    struct table t;
    struct err e = {0};
    if (plan_load(&p, out, &e)) return cli_report(&e);
    int rc = table_load(&t, &p, out, &e);
    if (!rc) rc = table_write(&t, out, &e);
    if (rc) {
        table_free(&t);
        plan_free(&p);
        return cli_report(&e);
    }
    fprintf(stderr, "[sweep] wrote %s/results.csv and %s/results.jsonl (%ld rows)\n", out, out,
            t.ndone);
    int status = report(&p, out, NULL);
    table_free(&t);
    plan_free(&p);
    return status;
}

/* ---- running ---- */

/* The sweep was stopped: what is kept and how to go on. Returns 143 (SIGTERM) or 130. */
static int stopped(const struct plan *p, const char *out, const char *again)
{
    long ckpt = 0, done = 0;
    for (long i = 0; i < p->npoints; i++) {
        int st = store_state(out, i);
        done += st == STORE_DONE;
        ckpt += st == STORE_PENDING && store_stopped(out, i);
    }
    fprintf(stderr, "apical: sweep stopped by %s: %ld of %ld points done, %ld stopped with a "
                    "checkpoint; go on with %s\n",
            stop_signal == SIGTERM ? "SIGTERM" : stop_signal == SIGINT ? "SIGINT" : "a signal",
            done, p->npoints, ckpt, again);
    return stop_signal == SIGTERM ? 143 : 130;
}

static int self_exe(char *buf, size_t n)
{
    ssize_t k = readlink("/proc/self/exe", buf, n - 1);
    if (k <= 0) return -1;
    buf[k] = '\0';
    return 0;
}

static int run_slurm(struct sweep_args *a, const struct plan *p, const char *out, const char *bin)
{
    struct err e = {0};
    long ntasks;
    if (slurm_write(p, out, bin, &a->so, &ntasks, &e)) return cli_report(&e);
    if (!ntasks) {
        fprintf(stderr, "[sweep] no point left to run: nothing to submit%s\n",
                a->retry ? "" : " (failed points run again with --retry-failed)");
        return collect(out);
    }
    long last = (p->npoints + a->so.chunk - 1) / a->so.chunk - 1;
    fprintf(stderr, "[sweep] wrote %s/sweep.sbatch (%ld array task(s)), %s/collect.sbatch, "
                    "%s/submit.sh\n", out, ntasks, out, out);
    if (last >= 1000)
        fprintf(stderr, "[sweep] note: array indices go up to %ld; Slurm's default MaxArraySize "
                        "is 1001 (use --chunk to need fewer tasks)\n", last);
    if (!a->submit) {
        fprintf(stderr, "[sweep] submit with: %s/submit.sh\n", out);
        return 0;
    }
    char job[64], coll[64];
    if (slurm_submit(out, job, coll, sizeof job, &e)) return cli_report(&e);
    printf("%s %s\n", job, coll);
    fprintf(stderr, "[sweep] submitted array job %s and collector job %s (afterany)\n", job, coll);
    return 0;
}

static int run_here(struct sweep_args *a, const struct plan *p, const char *out, const char *bin)
{
    struct progress g = {.plan = p, .out = out, .quiet = a->quiet};
    struct err e = {0};
    struct exec_opts o = {.bin = bin, .retry_failed = a->retry, .stop = &stop_signal,
                          .ckpt_every_ms = a->ckpt_every_ms, .on_point = on_point, .ctx = &g};
    char again[PATH_MAX + 200];
    int rc = 0;
    struct exec_report r = {0};
    if (a->task_index >= 0) {
        /* one Slurm array task: its chunk, one point after another, no table (the collector) */
        o.threads = point_threads(a, 1);
        long first = a->task_index * a->so.chunk;
        if (first >= p->npoints) {
            fprintf(stderr, "apical: sweep: task %ld has no points (the sweep has %ld)\n",
                    a->task_index, p->npoints);
            return 2;
        }
        int failed = 0;
        for (long i = first; i < p->npoints && i < first + a->so.chunk && !rc; i++) {
            int st = exec_one(p, out, i, &o, &e);
            if (st < 0) rc = st;
            failed |= st == STORE_FAILED;
            if (stop_signal) rc = err_set(&e, ERR_INTERRUPTED, "", 0, "", "interrupted");
        }
        if (rc == ERR_INTERRUPTED) {
            /* under Slurm a requeued or resubmitted task does the same */
            snprintf(again, sizeof again, "apical sweep -o %s --task-index %ld --chunk %ld%s", out,
                     a->task_index, a->so.chunk, a->retry ? " --retry-failed" : "");
            return stopped(p, out, again);
        }
        if (rc) return cli_report(&e);
        return failed ? 1 : 0;
    }
    g.write_table = 1;
    if (table_load(&g.table, p, out, &e)) return cli_report(&e);
    long *pts = malloc((size_t)p->npoints * sizeof *pts);
    if (!pts) {
        table_free(&g.table);
        return cli_report((err_set(&e, ERR_NOMEM, "", 0, "", "out of memory"), &e));
    }
    for (long i = 0; i < p->npoints; i++) pts[i] = i;
    o.threads = point_threads(a, a->jobs);
    if (!a->quiet)
        fprintf(stderr, "[sweep] %ld points (%ld done already), %d at once%s%.0d%s\n", p->npoints,
                g.table.ndone, a->jobs, o.threads ? " on " : "", o.threads,
                o.threads ? " thread(s) each" : "");
    double t0 = exec_now();
    rc = exec_points(p, out, pts, p->npoints, a->jobs, &o, &r, &e);
    free(pts);
    struct err we = {0};
    int wrc = table_write(&g.table, out, &we);
    table_free(&g.table);
    if (rc == ERR_INTERRUPTED) {
        snprintf(again, sizeof again, "apical sweep -o %s (the same command resumes too)", out);
        return stopped(p, out, again);
    }
    if (rc) return cli_report(&e);
    if (wrc) return cli_report(&we);
    char how[128] = "";
    if (r.resumed || r.restarted)
        snprintf(how, sizeof how, " (%ld resumed from a checkpoint, %ld started over)", r.resumed,
                 r.restarted);
    if (!a->quiet)
        fprintf(stderr, "[sweep] ran %ld point(s)%s in %.1f s; table in %s/results.csv\n", r.ran,
                how, exec_now() - t0, out);
    return report(p, out, NULL);
}

/* Bad input found while planning: rank 0 says so and ends every rank (MPI_Abort); the other
 * ranks wait to be ended, so the message is printed once. */
static int plan_failed(int rank, const struct err *e)
{
    if (rank != 0) {
        mpi_barrier();
        return 2;
    }
    int rc = cli_report(e);
    mpi_abort_all();
    return rc;
}

static int sweep_main(struct sweep_args *a)
{
    struct plan p;
    struct err e = {0};
    char outbuf[1024], bin[1024];
    if (self_exe(bin, sizeof bin))
        return fprintf(stderr, "apical: sweep: cannot find its own executable\n"), 1;
    const char *out = a->out;
    if (!out) {
        default_out(outbuf, sizeof outbuf, a->config);
        out = outbuf;
    }
    int rank = mpi_rank();
    if (a->slurm) {
        /* values that cannot go into a script are refused before anything is planned or
         * written; slurm_write checks again with the folder's real path */
        char where[PATH_MAX + 1100];
        if (out[0] == '/' || !getcwd(where, PATH_MAX)) {
            snprintf(where, sizeof where, "%s", out);
        } else {
            size_t k = strlen(where);
            snprintf(where + k, sizeof where - k, "/%s", out);
        }
        if (slurm_check(&a->so, where, &e)) return plan_failed(rank, &e);
    }
    if (mpi_size() > 1 && (a->slurm || a->task_index >= 0 || a->dry)) {
        err_set(&e, ERR_INPUT, "", 0, "", "--slurm, --task-index and --dry-run run without MPI");
        return plan_failed(rank, &e);
    }
    if (a->config) {
        double t0 = exec_now();
        /* rank 0 plans, validates and writes the plan; the others read it from OUT afterwards */
        if (rank == 0 && (make_plan(a, &p, &e) || plan_validate(&p, &e))) {
            plan_free(&p);
            return plan_failed(rank, &e);
        }
        if (rank == 0 && !a->quiet)
            fprintf(stderr, "[sweep] %ld points, every one validated in %.2f s\n", p.npoints,
                    exec_now() - t0);
    }
    if (a->dry && a->config) {
        for (long i = 0; i < p.npoints; i++) {
            printf("%05ld", i);
            for (int x = 0; x < p.naxes; x++) printf(" %s=%s", p.axes[x].path, plan_cell(&p, i, x));
            printf("\n");
        }
        plan_free(&p);
        return 0;
    }
    char absout[PATH_MAX];
    if (rank == 0 && (afile_mkdirs(out, &e) || !realpath(out, absout))) {
        if (!e.code) err_set(&e, ERR_IO, out, 0, "", "%s", strerror(errno));
        if (a->config) plan_free(&p);
        return plan_failed(rank, &e);
    }
    if (a->config && rank == 0) {
        /* the same command again resumes; a different sweep in the same folder is refused */
        out = absout;
        char sj[PATH_MAX + 16];
        snprintf(sj, sizeof sj, "%s/sweep.json", out);
        int rc = 0;
        if (access(sj, F_OK) == 0) {
            struct plan old;
            rc = plan_load(&old, out, &e);
            if (!rc) {
                rc = plan_same(&p, &old, out, &e);
                plan_free(&old);
            }
        }
        if (rc || plan_save(&p, out, &e)) {
            plan_free(&p);
            return plan_failed(rank, &e);
        }
    }
    mpi_barrier();
    if (rank != 0 && !realpath(out, absout)) {
        fprintf(stderr, "apical: sweep: rank %d: %s: %s\n", rank, out, strerror(errno));
        return 2;
    }
    out = absout;
    if ((!a->config || rank != 0) && plan_load(&p, out, &e)) return cli_report(&e);
    int status;
    if (a->dry) {
        report(&p, out, NULL);
        status = 0;
    } else if (a->slurm) {
        status = run_slurm(a, &p, out, bin);
    } else if (mpi_size() > 1) {
        struct exec_opts o = {.bin = bin, .retry_failed = a->retry, .stop = &stop_signal,
                              .threads = point_threads(a, 1), .ckpt_every_ms = a->ckpt_every_ms};
        status = mpi_sweep(&p, out, &o, a->quiet);
        if (rank == 0 && status == 0 && !stop_signal) status = collect(out);
        char again[PATH_MAX + 100];
        snprintf(again, sizeof again, "the same mpirun command (or apical sweep -o %s)", out);
        if (stop_signal && rank == 0)
            status = stopped(&p, out, again);
        else if (stop_signal)
            status = stop_signal == SIGTERM ? 143 : 130;
    } else {
        status = run_here(a, &p, out, bin);
    }
    plan_free(&p);
    return status;
}

int cli_sweep(int argc, char **argv)
{
    if (argc >= 2 && !strcmp(argv[1], "collect")) {
        if (argc != 3 || argv[2][0] == '-') return bad("usage: apical sweep collect OUT", NULL);
        return collect(argv[2]);
    }
    if (argc >= 2 && !strcmp(argv[1], "plot")) return cli_sweep_plot(argc - 1, argv + 1);
    static const char *const subcommands[] = {"collect", "plot", NULL};
    const char *near = argc >= 2 && argv[1][0] != '-' && access(argv[1], F_OK) != 0
                           ? suggest_nearest(argv[1], subcommands)
                           : NULL;
    if (near) {
        char msg[200];
        snprintf(msg, sizeof msg, "%.100s (did you mean apical sweep %s?)", argv[1], near);
        return bad("no such config or subcommand", msg);
    }
    struct sweep_args a;
    int rc = parse_args(argc, argv, &a);
    if (rc) return rc < 0 ? 0 : rc;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal; /* no SA_RESTART: waiting for points wakes up */
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    mpi_begin(&argc, &argv);
    rc = sweep_main(&a);
    mpi_end();
    return rc;
}
