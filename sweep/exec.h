/* sweep/exec: running points. Each point is a child process of the same binary
 * (`apical run CONFIG --set ... -o OUT/points/NNNNN`), so a crash, a NaN or a memory blow-up
 * costs that point only, and its stderr is kept in run.log. A point is claimed with an flock on
 * its folder's lock file, held by the sweep and the child together, so two sweeps (or a sweep
 * and the orphan of a killed one) never run the same point at once. done.json or failed.json is
 * written only after the child has exited.
 *
 * Stopping and going on: a stop (SIGINT or SIGTERM to the sweep) passes SIGTERM to the running
 * points, which write a checkpoint into their staging folder (run.tmp/checkpoint.bin) and exit;
 * they are left unmarked. A point whose folder holds such a checkpoint is next run as
 * `apical run --resume OUT/points/NNNNN`; one whose stopped run cannot be resumed (another
 * point's config, or the resume refused with exit status 2: a corrupt checkpoint) is started
 * over, with a warning. */
#ifndef APICAL_SWEEP_EXEC_H
#define APICAL_SWEEP_EXEC_H

#include <signal.h>
#include <sys/types.h>

#include "core/err.h"
#include "sweep/plan.h"

struct exec_opts {
    const char *bin;                  /* the apical binary to run points with */
    int threads;                      /* --threads for each point; 0: the run's own default */
    double ckpt_every_ms;             /* --checkpoint-every for each point; 0: none */
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
    int resumed; /* the child is `apical run --resume` */
    int over;    /* the child starts over a stopped run that could not be resumed */
    double t0;
};

struct exec_report {
    long ran, done, failed, skipped, interrupted;
    long resumed;   /* went on from a stopped run's checkpoint */
    long restarted; /* had a stopped run that could not be resumed: started over */
};

/* exec_finish's answer when a resume was refused and the point was started over in the same
 * slot (and claim): wait for s->pid again. */
#define EXEC_RESTARTED 3

/* Claims and starts one point (resuming its stopped run if it left a checkpoint). Returns 1 when
 * started (s filled), 0 when there is nothing to do (done already, or failed and not retried),
 * 2 when another process holds the point (only when !wait; with wait, when a stop came while
 * waiting), or a negative ERR_* code. */
int exec_start(const struct plan *p, const char *out, long point, const struct exec_opts *o,
               int wait, struct exec_slot *s, struct err *e);

/* Records how the child of s ended (status from waitpid); stopping: the sweep is being
 * interrupted, so a child that did not finish is left pending rather than failed (a stopped
 * run keeps its checkpoint). Returns the STORE_* state now on disk and releases the claim; or,
 * when a resume exited 2 and the sweep is not stopping, starts the point over in s and returns
 * EXEC_RESTARTED (the claim kept). */
int exec_finish(const struct plan *p, const char *out, struct exec_slot *s, int status,
                int stopping, const struct exec_opts *o, struct err *e);

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
