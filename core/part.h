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

/* The k with part_begin(k) <= i < part_begin(k+1). Called for every synapse while building:
 * one thread needs no division, and a 32-bit one is several times cheaper than a 64-bit one. */
static inline int part_owner(uint32_t n, int nparts, uint32_t i)
{
    if (nparts == 1) return 0;
    uint64_t x = (uint64_t)(i + 1) * (uint64_t)nparts - 1;
    if ((uint64_t)n * (uint64_t)nparts <= UINT32_MAX) return (int)((uint32_t)x / n);
    return (int)(x / n);
}

#endif
