/* synapses/dist: drawing weights, delays and initial values from a struct dist. */
#ifndef APICAL_DIST_H
#define APICAL_DIST_H

#include "core/rng.h"
#include "core/spec.h"

double dist_draw(const struct dist *d, struct rng *r);
/* The distribution's mean before clipping (for reports and estimates). */
double dist_mean(const struct dist *d);

#endif
