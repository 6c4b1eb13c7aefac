/* sweep/exec: claiming, running and recording points. */
#include "sweep/exec.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/spec.h"
#include "io/afile.h"
#include "io/cfg.h"
#include "sweep/mpi.h"
#include "sweep/store.h"

#define TAIL_LINES 20
#define TAIL_BYTES 4000

double exec_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

static void iso_time(char *buf, size_t n)
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void append_line(const char *path, const char *line)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0666);
    if (fd < 0) return;
    ssize_t w = write(fd, line, strlen(line));
    (void)w;
    close(fd);
}

static void remove_in(const char *out, long point, const char *name)
{
    char f[1200];
    if (!store_point_file(out, point, name, f, sizeof f)) unlink(f);
}

static void nap(long ns)
{
    struct timespec ts = {0, ns};
    nanosleep(&ts, NULL);
}

static void host_name(char *buf, size_t n)
{
    snprintf(buf, n, "?");
    gethostname(buf, n);
    buf[n - 1] = '\0';
}

/* The child: its own log, the claim kept across exec, and gone when the sweep dies. resume:
 * `apical run --resume DIR` goes on from the stopped run in DIR/run.tmp (which holds the
 * resolved config and the checkpoint); otherwise the point is run from the plan. */
static void child(const struct plan *p, const char *out, long point, const struct exec_opts *o,
                  int resume, int lockfd, int logfd, pid_t parent)
{
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent) _exit(143);
    /* its own process group: a Ctrl-C at the terminal reaches the sweep only, which passes
     * SIGTERM on (a run stopped by SIGINT publishes what it has instead of a checkpoint); the
     * sweep's handlers go (signals were blocked since the fork: none is lost) */
    setpgid(0, 0);
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    fcntl(lockfd, F_SETFD, 0);
    int null = open("/dev/null", O_RDONLY);
    if (null >= 0) dup2(null, 0);
    dup2(logfd, 1);
    dup2(logfd, 2);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    /* an argument vector, no shell: a value (a path, a --set, a swept value) is one argument
     * whatever characters it holds */
    int argc = 0, max = 16 + 2 * (p->nsets + p->naxes);
    char **argv = calloc((size_t)max, sizeof *argv);
    char dir[1100], threads[32], every[40];
    if (!argv || store_point_dir(out, point, dir, sizeof dir)) _exit(127);
    argv[argc++] = (char *)o->bin;
    argv[argc++] = "run";
    if (resume) {
        argv[argc++] = "--resume";
        argv[argc++] = dir;
    } else {
        argv[argc++] = (char *)p->config;
        for (int s = 0; s < p->nsets; s++) {
            argv[argc++] = "--set";
            argv[argc++] = p->sets[s];
        }
        for (int a = 0; a < p->naxes; a++) {
            char *set = malloc(1100);
            if (!set) _exit(127);
            plan_set_text(p, point, a, set, 1100);
            argv[argc++] = "--set";
            argv[argc++] = set;
        }
        argv[argc++] = "-o";
        argv[argc++] = dir;
    }
    if (o->threads > 0) {
        snprintf(threads, sizeof threads, "%d", o->threads);
        argv[argc++] = "--threads";
        argv[argc++] = threads;
    }
    if (o->ckpt_every_ms > 0) {
        snprintf(every, sizeof every, "%.17g", o->ckpt_every_ms);
        argv[argc++] = "--checkpoint-every";
        argv[argc++] = every;
    }
    argv[argc] = NULL;
    /* a point is one process, even when this sweep is a rank of an mpirun */
    mpi_forget_launch();
    execv(o->bin, argv);
    fprintf(stderr, "apical sweep: cannot run %s: %s\n", o->bin, strerror(errno));
    _exit(127);
}

/* Starts the child of a claimed point (lockfd) into s, and says so in attempts.log ("start" or
 * "resume") and run.log (with note, why a stopped run was not resumed, if any). */
static int spawn(const struct plan *p, const char *out, long point, const struct exec_opts *o,
                 int resume, const char *note, int lockfd, struct exec_slot *s, struct err *e)
{
    char logp[1200], attempts[1200], line[1400], when[32], host[128];
    if (store_point_file(out, point, "run.log", logp, sizeof logp) ||
        store_point_file(out, point, "attempts.log", attempts, sizeof attempts))
        return err_set(e, ERR_INPUT, out, 0, "", "path too long");
    host_name(host, sizeof host);
    iso_time(when, sizeof when);
    snprintf(line, sizeof line, "%s %s host=%s pid=%ld\n", resume ? "resume" : "start", when,
             host, (long)getpid());
    append_line(attempts, line);
    int logfd = open(logp, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0666);
    if (logfd < 0) return err_set(e, ERR_IO, logp, 0, "", "cannot write: %s", strerror(errno));
    int k = snprintf(line, sizeof line, "== apical sweep: point %ld, %s on %s", point, when, host);
    if (resume)
        snprintf(line + k, sizeof line - (size_t)k, ", resumed from %s\n", STORE_CKPT);
    else if (note)
        snprintf(line + k, sizeof line - (size_t)k,
                 ", started over: its stopped run cannot be resumed (%.1000s)\n", note);
    else
        snprintf(line + k, sizeof line - (size_t)k, "\n");
    ssize_t w = write(logfd, line, strlen(line));
    (void)w;
    /* the sweep's SIGINT and SIGTERM wait until the child has its own handlers */
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    sigprocmask(SIG_BLOCK, &block, &old);
    pid_t parent = getpid();
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) child(p, out, point, o, resume, lockfd, logfd, parent);
    sigprocmask(SIG_SETMASK, &old, NULL);
    close(logfd);
    if (pid < 0) return err_set(e, ERR_IO, "", 0, "", "cannot start a process: %s", strerror(errno));
    s->point = point;
    s->pid = pid;
    s->lockfd = lockfd;
    s->resumed = resume;
    s->over = !resume && note;
    s->t0 = exec_now();
    return 0;
}

/* A stopped run that will not be resumed, and why; the point starts over. */
static void warn_over(long point, const char *why)
{
    fprintf(stderr, "[sweep] warning: point %ld: its stopped run cannot be resumed (%s); "
                    "starting the point over\n", point, why);
}

/* Whether the point's folder holds a stopped run to resume: 1 yes, 0 none, -1 one that is not
 * this point's (why says how), which the point's fresh start will replace. The stopped run's
 * resolved config must be the planned one (as done.json's check of the summary's hash): a
 * folder holding another point's run.tmp would otherwise resume to that point's results. */
static int resumable(const struct plan *p, const char *out, long point, char *why, size_t n)
{
    char cfg[1200];
    if (!store_stopped(out, point) ||
        store_point_file(out, point, AFILE_STAGE "/config.cfg", cfg, sizeof cfg))
        return 0;
    struct net_spec spec;
    char *resolved = NULL;
    struct err e = {0};
    memset(&spec, 0, sizeof spec);
    int rc = cfg_load(cfg, NULL, 0, &spec, &resolved, &e);
    free(resolved);
    if (rc) {
        char msg[1200];
        err_format(&e, msg, sizeof msg);
        snprintf(why, n, "its config: %s", msg);
        return -1;
    }
    unsigned long long h = spec.config_hash;
    spec_free(&spec);
    if (p->hash && p->hash[point] && h != p->hash[point]) {
        snprintf(why, n, "it ran another config: hash %016llx, planned %016llx", h,
                 p->hash[point]);
        return -1;
    }
    return 1;
}

/* The point's claim. With wait, polls: a stop must end the wait, and a signal that came just
 * before a blocking flock would not interrupt it. 0, 2 when held elsewhere (with wait: when a
 * stop came), or ERR_IO. */
static int take_claim(int fd, const char *lockp, int wait, const struct exec_opts *o,
                      struct err *e)
{
    for (;;) {
        if (flock(fd, LOCK_EX | LOCK_NB) == 0) return 0;
        if (errno == EINTR) continue;
        if (errno != EWOULDBLOCK)
            return err_set(e, ERR_IO, lockp, 0, "", "cannot lock: %s", strerror(errno));
        if (!wait || (o->stop && *o->stop)) return 2;
        nap(50 * 1000 * 1000);
    }
}

int exec_start(const struct plan *p, const char *out, long point, const struct exec_opts *o,
               int wait, struct exec_slot *s, struct err *e)
{
    char dir[1100], lockp[1200];
    if (store_point_dir(out, point, dir, sizeof dir) ||
        store_point_file(out, point, "lock", lockp, sizeof lockp))
        return err_set(e, ERR_INPUT, out, 0, "", "path too long");
    int st = store_state(out, point);
    if (st == STORE_DONE || (st == STORE_FAILED && !o->retry_failed)) return 0;
    int rc = afile_mkdirs(dir, e);
    if (rc) return rc;
    int fd = open(lockp, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
    if (fd < 0) return err_set(e, ERR_IO, lockp, 0, "", "cannot open: %s", strerror(errno));
    if ((rc = take_claim(fd, lockp, wait, o, e)) != 0) {
        close(fd);
        return rc;
    }
    /* whoever held the claim may have finished the point meanwhile */
    st = store_state(out, point);
    if (st == STORE_DONE || (st == STORE_FAILED && !o->retry_failed)) {
        close(fd);
        return 0;
    }
    remove_in(out, point, "failed.json");
    remove_in(out, point, "summary.json");
    char why[1400];
    int res = resumable(p, out, point, why, sizeof why);
    if (res < 0) warn_over(point, why);
    if ((rc = spawn(p, out, point, o, res > 0, res < 0 ? why : NULL, fd, s, e)) != 0) {
        close(fd);
        return rc;
    }
    return 1;
}

static cJSON *values_obj(const struct plan *p, long point)
{
    cJSON *v = cJSON_CreateObject();
    for (int a = 0; a < p->naxes; a++)
        cJSON_AddStringToObject(v, p->axes[a].path, plan_cell(p, point, a));
    return v;
}

/* Why a run that exited 0 is still not a result, or NULL. */
static const char *bad_summary(const struct plan *p, const char *out, long point, char *buf,
                               size_t n)
{
    char path[1200];
    store_point_file(out, point, "summary.json", path, sizeof path);
    struct err e = {0};
    cJSON *j = store_json_read(path, &e);
    if (!j || !cJSON_IsObject(j)) {
        snprintf(buf, n, "the run exited 0 but its summary.json %s",
                 j ? "is not a JSON object" : "cannot be read");
        cJSON_Delete(j);
        return buf;
    }
    const char *h = store_jstr(j, "config_hash");
    const char *why = NULL;
    if (store_jtrue(j, "interrupted")) {
        snprintf(buf, n, "the run was interrupted");
        why = buf;
    } else if (p->hash && p->hash[point] && h && strtoull(h, NULL, 16) != p->hash[point]) {
        snprintf(buf, n, "the config changed since the sweep was planned (hash %.16s, planned "
                         "%016llx)", h, p->hash[point]);
        why = buf;
    }
    cJSON_Delete(j);
    return why;
}

/* A resume refused with exit status 2 (a corrupt or foreign checkpoint, nothing to resume):
 * the point starts over in the same slot, under the same claim. 0 (EXEC_RESTARTED follows), or
 * an error with the claim released. */
static int start_over(const struct plan *p, const char *out, struct exec_slot *s,
                      const struct exec_opts *o, struct err *e)
{
    char logp[1200], why[700];
    store_point_file(out, s->point, "run.log", logp, sizeof logp);
    char *last = store_tail(logp, 1, 600);
    snprintf(why, sizeof why, "apical run --resume exited 2: %.*s", (int)strcspn(last, "\n"),
             last);
    free(last);
    warn_over(s->point, why);
    int rc = spawn(p, out, s->point, o, 0, why, s->lockfd, s, e);
    if (rc) {
        close(s->lockfd);
        s->lockfd = -1;
        s->pid = 0;
    }
    return rc;
}

int exec_finish(const struct plan *p, const char *out, struct exec_slot *s, int status,
                int stopping, const struct exec_opts *o, struct err *e)
{
    int exited = WIFEXITED(status), code = exited ? WEXITSTATUS(status) : -1;
    int sig = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
    if (s->resumed && exited && code == 2 && !stopping) {
        int rc = start_over(p, out, s, o, e);
        return rc ? rc : EXEC_RESTARTED;
    }
    double wall = exec_now() - s->t0;
    char host[128], when[32], why[300], path[1200];
    host_name(host, sizeof host);
    iso_time(when, sizeof when);
    const char *bad = NULL;
    int state;
    if (exited && code == 0 && !(bad = bad_summary(p, out, s->point, why, sizeof why))) {
        state = STORE_DONE;
    } else if (stopping || (exited && code == 143 && store_stopped(out, s->point))) {
        /* ours to go on with, not the point's fault; 143 with a checkpoint is a run stopped
         * by SIGTERM (Slurm signals every process of a job: the point may end before the
         * sweep has seen its own signal) */
        state = STORE_PENDING;
    } else {
        state = STORE_FAILED;
    }
    int rc = 0;
    if (state != STORE_PENDING) {
        cJSON *j = cJSON_CreateObject();
        cJSON_AddNumberToObject(j, "point", (double)s->point);
        cJSON_AddItemToObject(j, "values", values_obj(p, s->point));
        cJSON_AddStringToObject(j, "status", state == STORE_DONE ? "done" : "failed");
        if (exited) cJSON_AddNumberToObject(j, "exit_status", code);
        else cJSON_AddNullToObject(j, "exit_status");
        if (sig) cJSON_AddNumberToObject(j, "signal", sig);
        cJSON_AddNumberToObject(j, "wall_s", wall);
        cJSON_AddStringToObject(j, "host", host);
        cJSON_AddStringToObject(j, "finished", when);
        if (state == STORE_FAILED) {
            char logp[1200];
            store_point_file(out, s->point, "run.log", logp, sizeof logp);
            char *tail = store_tail(logp, TAIL_LINES, TAIL_BYTES);
            if (bad) cJSON_AddStringToObject(j, "reason", bad);
            else if (sig) cJSON_AddStringToObject(j, "reason", "killed by a signal");
            else cJSON_AddStringToObject(j, "reason", "the run exited with a non-zero status");
            cJSON_AddStringToObject(j, "stderr_tail", tail);
            free(tail);
        }
        store_point_file(out, s->point, state == STORE_DONE ? "done.json" : "failed.json", path,
                         sizeof path);
        rc = store_json_write(path, j, e);
        cJSON_Delete(j);
    }
    close(s->lockfd);
    s->lockfd = -1;
    s->pid = 0;
    return rc ? rc : state;
}

/* Ends every running child of slots with SIGTERM (they write a checkpoint and exit 143). */
static void stop_children(const struct exec_slot *slots, int n)
{
    for (int k = 0; k < n; k++)
        if (slots[k].pid) kill(slots[k].pid, SIGTERM);
}

/* waitpid(pid) (pid -1: any child) that looks at the stop flag every 10 ms: a signal that came
 * just before a blocking waitpid would not interrupt it, and the points would run on to their
 * end. The first time the flag is seen, the children of slots get SIGTERM. Returns the pid
 * reaped, or -1 with errno. */
static pid_t reap(pid_t pid, int *status, const struct exec_opts *o, const struct exec_slot *slots,
                  int nslots, int *stopped)
{
    for (;;) {
        if (o->stop && *o->stop && !*stopped) {
            stop_children(slots, nslots);
            *stopped = 1;
        }
        pid_t got = waitpid(pid, status, WNOHANG);
        if (got > 0) return got;
        if (got < 0 && errno != EINTR) return -1;
        if (got == 0) nap(10 * 1000 * 1000);
    }
}

int exec_one(const struct plan *p, const char *out, long point, const struct exec_opts *o,
             struct err *e)
{
    struct exec_slot s;
    int rc = exec_start(p, out, point, o, 1, &s, e);
    if (rc < 0) return rc;
    if (rc != 1) return store_state(out, point);
    int stopped = 0, st;
    do {
        int status = 0;
        if (reap(s.pid, &status, o, &s, 1, &stopped) < 0) {
            close(s.lockfd);
            return err_set(e, ERR_IO, "", 0, "", "lost the process of point %ld", point);
        }
        st = exec_finish(p, out, &s, status, o->stop && *o->stop, o, e);
    } while (st == EXEC_RESTARTED);
    if (st >= 0 && o->on_point) o->on_point(o->ctx, point, st, exec_now() - s.t0);
    return st;
}

static void started(struct exec_report *r, const struct exec_slot *s)
{
    r->ran++;
    r->resumed += s->resumed;
    r->restarted += s->over;
}

static void count(struct exec_report *r, int st)
{
    if (st == STORE_DONE) r->done++;
    else if (st == STORE_FAILED) r->failed++;
    else r->interrupted++;
}

int exec_points(const struct plan *p, const char *out, const long *points, long n, int jobs,
                const struct exec_opts *o, struct exec_report *r, struct err *e)
{
    if (jobs < 1) jobs = 1;
    struct exec_slot *slots = calloc((size_t)jobs, sizeof *slots);
    long *later = calloc((size_t)n + 1, sizeof *later);
    if (!slots || !later) {
        free(slots);
        free(later);
        return err_set(e, ERR_NOMEM, "", 0, "", "out of memory");
    }
    long next = 0, nlater = 0, ilater = 0;
    int running = 0, stopped = 0, rc = 0;
    for (;;) {
        int stopping = o->stop && *o->stop;
        while (!stopping && !rc && running < jobs && next < n) {
            int k = 0;
            while (slots[k].pid) k++;
            int got = exec_start(p, out, points[next], o, 0, &slots[k], e);
            if (got < 0) rc = got;
            else if (got == 1) started(r, &slots[k]), running++;
            else if (got == 2) later[nlater++] = points[next];
            else r->skipped++;
            next++;
        }
        if (running == 0) {
            if (stopping || rc || ilater == nlater) break;
            /* every other point is settled: wait for the ones another process holds */
            long pt = later[ilater++];
            fprintf(stderr, "[sweep] point %ld is being run by another process; waiting for it\n",
                    pt);
            int got = exec_start(p, out, pt, o, 1, &slots[0], e);
            if (got < 0) rc = got;
            else if (got == 1) started(r, &slots[0]), running++;
            else if (got == 2) ilater--; /* interrupted while waiting */
            else r->skipped++;
            continue;
        }
        int status;
        pid_t pid = reap(-1, &status, o, slots, jobs, &stopped);
        if (pid < 0) {
            rc = err_set(e, ERR_IO, "", 0, "", "waiting for points: %s", strerror(errno));
            break;
        }
        for (int k = 0; k < jobs; k++) {
            if (slots[k].pid != pid) continue;
            double t0 = slots[k].t0;
            long pt = slots[k].point;
            int st = exec_finish(p, out, &slots[k], status, o->stop && *o->stop, o, e);
            if (st == EXEC_RESTARTED) {
                r->resumed--;
                r->restarted++;
                break;
            }
            running--;
            if (st < 0) {
                rc = st;
            } else {
                count(r, st);
                if (o->on_point) o->on_point(o->ctx, pt, st, exec_now() - t0);
            }
            break;
        }
    }
    /* an error leaves no child behind */
    for (int k = 0; k < jobs; k++) {
        if (!slots[k].pid) continue;
        int status;
        kill(slots[k].pid, SIGTERM);
        waitpid(slots[k].pid, &status, 0);
        struct err ignore;
        exec_finish(p, out, &slots[k], status, 1, o, &ignore);
    }
    free(slots);
    free(later);
    if (!rc && o->stop && *o->stop) rc = err_set(e, ERR_INTERRUPTED, "", 0, "", "interrupted");
    return rc;
}
