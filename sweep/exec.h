/* sweep/exec: running points. Each point is a child process of the same binary
 * (`apical run CONFIG --set ... -o OUT/points/NNNNN`), so a crash, a NaN or a memory blow-up
 * costs that point only, and its stderr is kept in run.log. A point is claimed with an flock on
 * its folder's lock file, held by the sweep and the child together, so two sweeps (or a sweep
 * and the orphan of a killed one) never run the same point at once. done.json or failed.json is
 * written only after the child has exited. */
#ifndef APICAL_SWEEP_EXEC_H
#define APICAL_SWEEP_EXEC_H

#include <signal.h>
#include <sys/types.h>

#include "core/err.h"
#include "sweep/plan.h"

struct exec_opts {
    const char *bin;                  /* the apical binary to run points with */
    int threads;                      /* --threads for each point; 0: the run's own default */
    int retry_failed;                 /* run points that have failed.json again */
    volatile sig_atomic_t *stop;      /* set by a signal handler: stop starting, end children */
    /* called after each point ends (state is a STORE_* value), e.g. to update the table */
    void (*on_point)(void *ctx, long point, int state, double wall_s);
    void *ctx;
};

struct exec_slot {
    long point;
    pid_t pid;
    int lockfd;
    double t0;
};

struct exec_report {
    long ran, done, failed, skipped, interrupted;
};

/* Claims and starts one point. Returns 1 when started (s filled), 0 when there is nothing to
 * do (done already, or failed and not retried), 2 when another process holds the point (only
 * when !wait), or a negative ERR_* code. */
int exec_start(const struct plan *p, const char *out, long point, const struct exec_opts *o,
               int wait, struct exec_slot *s, struct err *e);

/* Records how the child of s ended (status from waitpid); stopping: the sweep is being
 * interrupted, so a child that did not finish is left pending rather than failed. Returns the
 * STORE_* state now on disk. Releases the claim. */
int exec_finish(const struct plan *p, const char *out, struct exec_slot *s, int status,
                int stopping, struct err *e);

/* Runs the given points, up to jobs at once, and waits for points other processes hold.
 * Returns 0, ERR_INTERRUPTED when *o->stop was set, or another ERR_* code. */
int exec_points(const struct plan *p, const char *out, const long *points, long n, int jobs,
                const struct exec_opts *o, struct exec_report *r, struct err *e);

/* Runs one point to its end in this process (claim, child, marker): for Slurm tasks and MPI
 * ranks. Returns the STORE_* state, or a negative ERR_* code. */
int exec_one(const struct plan *p, const char *out, long point, const struct exec_opts *o,
             struct err *e);

double exec_now(void);

#endif
