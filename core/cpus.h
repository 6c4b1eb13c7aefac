/* core/cpus: how many threads a run uses when the config does not say: the CPUs this process
 * may use (its affinity mask), fewer when Slurm gives the task fewer (SLURM_CPUS_PER_TASK),
 * and OpenMP's own choice when the user set OMP_NUM_THREADS. */
#ifndef APICAL_CPUS_H
#define APICAL_CPUS_H

/* At least 1, at most 1024 (simulation.threads' bound). */
int cpus_default_threads(void);

#endif
