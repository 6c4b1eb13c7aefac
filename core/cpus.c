/* core/cpus: the default thread count (see cpus.h). */
#include "core/cpus.h"

#include <omp.h>
#include <sched.h>
#include <stdlib.h>

/* A whole number 1..1024 in text, or 0. */
static int positive(const char *text)
{
    if (!text || !*text) return 0;
    char *end;
    long v = strtol(text, &end, 10);
    return *end || v < 1 || v > 1024 ? 0 : (int)v;
}

int cpus_default_threads(void)
{
    const char *omp = getenv("OMP_NUM_THREADS");
    int n;
    if (omp && *omp) {
        n = omp_get_max_threads();
    } else {
        cpu_set_t set;
        n = sched_getaffinity(0, sizeof set, &set) == 0 ? CPU_COUNT(&set) : omp_get_max_threads();
        int slurm = positive(getenv("SLURM_CPUS_PER_TASK"));
        if (slurm && slurm < n) n = slurm;
    }
    return n < 1 ? 1 : n > 1024 ? 1024 : n;
}
