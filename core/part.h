/* core/part: how n neurons are split into contiguous ranges, one per thread. Thread k owns
 * [part_begin(n,T,k), part_begin(n,T,k+1)) of every population, for updates and as a target of
 * delivery; projections store synapses grouped by these ranges. */
#ifndef APICAL_PART_H
#define APICAL_PART_H

#include <stdint.h>

static inline uint32_t part_begin(uint32_t n, int nparts, int k)
{
    return (uint32_t)((uint64_t)n * (uint64_t)k / (uint64_t)nparts);
}

/* The k with part_begin(k) <= i < part_begin(k+1). */
static inline int part_owner(uint32_t n, int nparts, uint32_t i)
{
    return (int)(((uint64_t)(i + 1) * (uint64_t)nparts - 1) / n);
}

#endif
