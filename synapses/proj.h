/* synapses/proj: one projection's synapses, stored as compressed sparse rows by source and,
 * within a source, grouped by the thread that owns the target, so that thread k delivering a
 * spike touches only its own targets (no atomics). Per synapse: 32-bit target, a 32-bit float
 * weight only when weights vary within the projection, and a 16-bit delay only when delays
 * vary. */
#ifndef APICAL_PROJ_H
#define APICAL_PROJ_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/spec.h"

#define PROJ_MAX_DELAY_STEPS 65535

struct proj {
    int src_pop, tgt_pop, port;
    uint32_t nsrc, ntgt;
    int nparts;
    uint64_t *row;    /* nsrc*nparts + 1: synapses of (source s, part k) start at row[s*nparts+k] */
    uint32_t *tgt;
    float *w;         /* per-synapse weight, or NULL when all equal w_const */
    float w_const;
    uint16_t *delay;  /* per-synapse delay in steps, or NULL when all equal delay_steps */
    uint16_t delay_steps, min_delay, max_delay;
    uint64_t nsyn;
    size_t bytes;     /* what this projection allocated */
};

/* Generates the synapses of spec s (projection number index) deterministically: the result is
 * the same for any nparts except for the grouping. Runs on up to nparts OpenMP threads. */
int proj_build(struct proj *p, const struct proj_spec *s, int index, uint32_t nsrc,
               uint32_t ntgt, int same_pop, double dt_ms, uint64_t seed, int nparts,
               struct err *e);
void proj_free(struct proj *p);

/* The weight of synapse q. */
static inline float proj_weight(const struct proj *p, uint64_t q)
{
    return p->w ? p->w[q] : p->w_const;
}

/* The delay of synapse q, in steps. */
static inline uint32_t proj_delay(const struct proj *p, uint64_t q)
{
    return p->delay ? p->delay[q] : p->delay_steps;
}

/* Converts a delay in ms to whole steps (rounded, at least 1). */
uint32_t proj_delay_steps(double delay_ms, double dt_ms);

/* Expected number of synapses (exact for all rules but fixed_probability). */
double proj_expected_count(const struct proj_spec *s, uint32_t nsrc, uint32_t ntgt, int same_pop);

#endif
