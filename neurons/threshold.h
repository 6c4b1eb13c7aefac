/* neurons/threshold: the spike test every point-soma model ends its block update with.
 * A vectorised pass asks whether any potential of the block is at or above threshold or not
 * finite; only then does the scalar pass find the neurons, record spikes, reset them and
 * report the first non-finite one. At a few Hz most blocks have none. */
#ifndef APICAL_THRESHOLD_H
#define APICAL_THRESHOLD_H

#include <float.h>
#include <math.h>
#include <stdint.h>

struct nrn_reset {
    double v_th, v_reset;
    int32_t ref_steps;
    double *v_spike; /* nrn_ctx.v_spike, or NULL */
};

/* Neurons [b0, b1) of potentials v; appends spiking ids to spikes (n so far) and returns the
 * new count; lowers *nonfinite to the first neuron whose potential is NaN or infinite. */
static inline uint32_t nrn_threshold(double *v, int32_t *refr, uint32_t b0, uint32_t b1,
                                     const struct nrn_reset *r, uint32_t *spikes, uint32_t n,
                                     uint32_t *nonfinite)
{
    /* its own loop: folded into a model's update loop, the reduction stops that vectorising */
    int64_t cross = 0;
    for (uint32_t i = b0; i < b1; i++)
        cross |= (v[i] >= r->v_th) | (v[i] != v[i]) | (v[i] < -DBL_MAX);
    if (!cross) return n;
    for (uint32_t i = b0; i < b1; i++) {
        /* one test finds both a spike and a fault (NaN fails both sides) */
        if (__builtin_expect(!(v[i] < r->v_th && v[i] > -DBL_MAX), 0)) {
            if (isfinite(v[i])) {
                spikes[n++] = i;
                if (r->v_spike) r->v_spike[i] = v[i];
                v[i] = r->v_reset;
                refr[i] = r->ref_steps;
            } else if (*nonfinite > i) {
                *nonfinite = i;
            }
        }
    }
    return n;
}

#endif
