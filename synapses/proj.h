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
    /* rule transpose: synapse q delivers the weight of synapse tie[q] of the projection it
     * reverses (tie_w, or tie_const when that one's weights are all equal); w is NULL */
    uint64_t *tie;
    const float *tie_w;
    float tie_const;
    float tie_gain; /* the transpose's weight setting, times the reversed weight */
};

/* Generates the synapses of spec s (projection number index) deterministically: the result is
 * the same for any nparts except for the grouping. Runs on up to nparts OpenMP threads. */
int proj_build(struct proj *p, const struct proj_spec *s, int index, uint32_t nsrc,
               uint32_t ntgt, int same_pop, double dt_ms, uint64_t seed, int nparts,
               struct err *e);
void proj_free(struct proj *p);

/* Rule transpose: the synapses of q (built for nparts) reversed, source i -> target k of q
 * becoming k -> i, tied to q's weights times s's weight (proj.tie; the caller points tie_w at
 * q's weights once they are final), with s's port and one delay. Synapses onto one target keep q's order, so
 * sums do not depend on nparts. */
int proj_transpose(struct proj *p, const struct proj_spec *s, const struct proj *q,
                   double dt_ms, int nparts, struct err *e);

/* The weight of synapse q. */
static inline float proj_weight(const struct proj *p, uint64_t q)
{
    if (p->w) return p->w[q];
    if (p->tie) return p->tie_gain * (p->tie_w ? p->tie_w[p->tie[q]] : p->tie_const);
    return p->w_const;
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
