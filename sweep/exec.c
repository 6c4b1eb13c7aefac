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

#include "io/afile.h"
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

/* The child: its own log, the claim kept across exec, and gone when the sweep dies. */
static void child(const struct plan *p, const char *out, long point, const struct exec_opts *o,
                  int lockfd, int logfd, pid_t parent)
{
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent) _exit(143);
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
    int argc = 0, max = 12 + 2 * (p->nsets + p->naxes);
    char **argv = calloc((size_t)max, sizeof *argv);
    char dir[1100], threads[32];
    if (!argv || store_point_dir(out, point, dir, sizeof dir)) _exit(127);
    argv[argc++] = (char *)o->bin;
    argv[argc++] = "run";
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
    if (o->threads > 0) {
        snprintf(threads, sizeof threads, "%d", o->threads);
        argv[argc++] = "--threads";
        argv[argc++] = threads;
    }
    argv[argc++] = "-o";
    argv[argc++] = dir;
    argv[argc] = NULL;
    execv(o->bin, argv);
    fprintf(stderr, "apical sweep: cannot run %s: %s\n", o->bin, strerror(errno));
    _exit(127);
}

int exec_start(const struct plan *p, const char *out, long point, const struct exec_opts *o,
               int wait, struct exec_slot *s, struct err *e)
{
    char dir[1100], lockp[1200], logp[1200], line[256], when[32];
    if (store_point_dir(out, point, dir, sizeof dir) ||
        store_point_file(out, point, "lock", lockp, sizeof lockp) ||
        store_point_file(out, point, "run.log", logp, sizeof logp))
        return err_set(e, ERR_INPUT, out, 0, "", "path too long");
    int st = store_state(out, point);
    if (st == STORE_DONE || (st == STORE_FAILED && !o->retry_failed)) return 0;
    int rc = afile_mkdirs(dir, e);
    if (rc) return rc;
    int fd = open(lockp, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
    if (fd < 0) return err_set(e, ERR_IO, lockp, 0, "", "cannot open: %s", strerror(errno));
    while (flock(fd, wait ? LOCK_EX : LOCK_EX | LOCK_NB) != 0) {
        if (errno == EINTR && !(o->stop && *o->stop)) continue;
        close(fd);
        if (errno == EWOULDBLOCK || errno == EINTR) return 2;
        return err_set(e, ERR_IO, lockp, 0, "", "cannot lock: %s", strerror(errno));
    }
    /* whoever held the claim may have finished the point meanwhile */
    st = store_state(out, point);
    if (st == STORE_DONE || (st == STORE_FAILED && !o->retry_failed)) {
        close(fd);
        return 0;
    }
    remove_in(out, point, "failed.json");
    remove_in(out, point, "summary.json");
    char host[128] = "?";
    gethostname(host, sizeof host);
    host[sizeof host - 1] = '\0';
    iso_time(when, sizeof when);
    snprintf(line, sizeof line, "start %s host=%s pid=%ld\n", when, host, (long)getpid());
    char attempts[1200];
    store_point_file(out, point, "attempts.log", attempts, sizeof attempts);
    append_line(attempts, line);
    int logfd = open(logp, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0666);
    if (logfd < 0) {
        close(fd);
        return err_set(e, ERR_IO, logp, 0, "", "cannot write: %s", strerror(errno));
    }
    snprintf(line, sizeof line, "== apical sweep: point %ld, %s on %s\n", point, when, host);
    ssize_t w = write(logfd, line, strlen(line));
    (void)w;
    pid_t parent = getpid();
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) child(p, out, point, o, fd, logfd, parent);
    close(logfd);
    if (pid < 0) {
        close(fd);
        return err_set(e, ERR_IO, "", 0, "", "cannot start a process: %s", strerror(errno));
    }
    s->point = point;
    s->pid = pid;
    s->lockfd = fd;
    s->t0 = exec_now();
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

int exec_finish(const struct plan *p, const char *out, struct exec_slot *s, int status,
                int stopping, struct err *e)
{
    double wall = exec_now() - s->t0;
    char host[128] = "?", when[32], why[300], path[1200];
    gethostname(host, sizeof host);
    host[sizeof host - 1] = '\0';
    iso_time(when, sizeof when);
    int exited = WIFEXITED(status), code = exited ? WEXITSTATUS(status) : -1;
    int sig = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
    const char *bad = NULL;
    int state;
    if (exited && code == 0 && !(bad = bad_summary(p, out, s->point, why, sizeof why))) {
        state = STORE_DONE;
    } else if (stopping) {
        state = STORE_PENDING; /* ours to re-run, not the point's fault */
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

static int wait_child(pid_t pid, int *status, const struct exec_opts *o, int *killed)
{
    for (;;) {
        pid_t got = waitpid(pid, status, 0);
        if (got == pid) return 0;
        if (got < 0 && errno != EINTR) return -1;
        if (o->stop && *o->stop && !*killed) {
            kill(pid, SIGTERM);
            *killed = 1;
        }
    }
}

int exec_one(const struct plan *p, const char *out, long point, const struct exec_opts *o,
             struct err *e)
{
    struct exec_slot s;
    int rc = exec_start(p, out, point, o, 1, &s, e);
    if (rc < 0) return rc;
    if (rc != 1) return store_state(out, point);
    int status = 0, killed = 0;
    if (wait_child(s.pid, &status, o, &killed))
        return err_set(e, ERR_IO, "", 0, "", "lost the process of point %ld", point);
    int st = exec_finish(p, out, &s, status, o->stop && *o->stop, e);
    if (st >= 0 && o->on_point) o->on_point(o->ctx, point, st, exec_now() - s.t0);
    return st;
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
    int running = 0, killed = 0, rc = 0;
    for (;;) {
        int stopping = o->stop && *o->stop;
        while (!stopping && !rc && running < jobs && next < n) {
            int k = 0;
            while (slots[k].pid) k++;
            int got = exec_start(p, out, points[next], o, 0, &slots[k], e);
            if (got < 0) rc = got;
            else if (got == 1) running++, r->ran++;
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
            else if (got == 1) running++, r->ran++;
            else if (got == 2) ilater--; /* interrupted while waiting */
            else r->skipped++;
            continue;
        }
        int status;
        pid_t pid = waitpid(-1, &status, 0);
        if (pid < 0) {
            if (errno != EINTR) {
                rc = err_set(e, ERR_IO, "", 0, "", "waiting for points: %s", strerror(errno));
                break;
            }
            if (o->stop && *o->stop && !killed) {
                for (int k = 0; k < jobs; k++)
                    if (slots[k].pid) kill(slots[k].pid, SIGTERM);
                killed = 1;
            }
            continue;
        }
        for (int k = 0; k < jobs; k++) {
            if (slots[k].pid != pid) continue;
            double t0 = slots[k].t0;
            long pt = slots[k].point;
            int st = exec_finish(p, out, &slots[k], status, o->stop && *o->stop, e);
            running--;
            if (st < 0) {
                rc = st;
            } else {
                count(r, st);
                if (o->on_point) o->on_point(o->ctx, pt, st, exec_now() - t0);
            }
        }
    }
    /* an error leaves no child behind */
    for (int k = 0; k < jobs; k++) {
        if (!slots[k].pid) continue;
        int status;
        kill(slots[k].pid, SIGTERM);
        waitpid(slots[k].pid, &status, 0);
        struct err ignore;
        exec_finish(p, out, &slots[k], status, 1, &ignore);
    }
    free(slots);
    free(later);
    if (!rc && o->stop && *o->stop) rc = err_set(e, ERR_INTERRUPTED, "", 0, "", "interrupted");
    return rc;
}
