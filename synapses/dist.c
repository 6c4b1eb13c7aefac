/* synapses/dist: one function per shape; constant draws consume no random numbers. */
#include "synapses/dist.h"

#include <math.h>

double dist_draw(const struct dist *d, struct rng *r)
{
    double x;
    switch (d->kind) {
    case DIST_UNIFORM: x = d->a + (d->b - d->a) * rng_uniform(r); break;
    case DIST_NORMAL: x = d->a + d->b * rng_normal(r); break;
    case DIST_LOGNORMAL: x = exp(d->a + d->b * rng_normal(r)); break;
    default: return d->a;
    }
    if (x < d->lo) x = d->lo;
    if (x > d->hi) x = d->hi;
    return x;
}

double dist_mean(const struct dist *d)
{
    switch (d->kind) {
    case DIST_UNIFORM: return 0.5 * (d->a + d->b);
    case DIST_LOGNORMAL: return exp(d->a + 0.5 * d->b * d->b);
    default: return d->a;
    }
}
