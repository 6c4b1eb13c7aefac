/* sweep/slurm: a sweep as a Slurm job array. Writes OUT/sweep.sbatch (one array task per chunk
 * of points that still needs running; each task runs `apical sweep -o OUT --task-index
 * $SLURM_ARRAY_TASK_ID` with OMP_NUM_THREADS from SLURM_CPUS_PER_TASK), OUT/collect.sbatch (the
 * results table, submitted with --dependency=afterany on the array) and OUT/submit.sh (both
 * submissions), and can submit them. Knows nothing of how points run. */
#ifndef APICAL_SWEEP_SLURM_H
#define APICAL_SWEEP_SLURM_H

#include <stddef.h>

#include "core/err.h"
#include "sweep/plan.h"

#define SLURM_MAX_EXTRA 32

struct slurm_opts {
    const char *partition, *time, *mem, *account, *job_name; /* NULL: left out */
    int cpus;                  /* --cpus-per-task; 0: left out (Slurm's default, 1) */
    long chunk;                /* points per array task, >= 1 */
    int throttle;              /* %K: at most K tasks at once; 0: no limit */
    int retry_failed;          /* tasks also re-run failed points */
    double ckpt_every_ms;      /* tasks pass --checkpoint-every on to points; 0: not */
    const char *extra[SLURM_MAX_EXTRA]; /* more #SBATCH lines ("--qos=long" or "#SBATCH ...") */
    int nextra;
};

/* Refuses every value that could leave its line or its word in a script, as ERR_INPUT naming
 * the option: a control character anywhere (a newline would end the #SBATCH block and start a
 * command); in the values of #SBATCH options (partition, time, mem, account, job name, and out
 * in --output) also spaces, quotes, backslashes and '#', where sbatch would end or reinterpret
 * the word. Shell words (bin, out on command lines) are single-quoted instead. out may be NULL
 * (not checked). */
int slurm_check(const struct slurm_opts *o, const char *out, struct err *e);

/* Writes the scripts for the points not yet done (and failed ones when retrying), after
 * slurm_check. *ntasks is the number of array tasks; 0 means nothing is left to run (no scripts
 * are written). out and bin must be absolute. */
int slurm_write(const struct plan *p, const char *out, const char *bin, const struct slurm_opts *o,
                long *ntasks, struct err *e);

/* Submits OUT/sweep.sbatch, then OUT/collect.sbatch after it; fills the two job ids. */
int slurm_submit(const char *out, char *array_id, char *collect_id, size_t n, struct err *e);

#endif
