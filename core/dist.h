/* core/dist: drawing weights, delays and initial values from a struct dist, and the
 * binomial counts that split a fixed total of synapses among targets. */
#ifndef APICAL_DIST_H
#define APICAL_DIST_H

#include <stdint.h>

#include "core/rng.h"
#include "core/spec.h"

double dist_draw(const struct dist *d, struct rng *r);
/* The distribution's mean before clipping or redrawing (for reports and estimates). */
double dist_mean(const struct dist *d);
/* The probability that one unbounded draw falls in [lo, hi] (1 for constants inside). A
 * distribution that redraws must hold at least DIST_MIN_MASS there. */
#define DIST_MIN_MASS 1e-3
double dist_mass(const struct dist *d);
/* Multiplies every value the distribution can give by f > 0 (bounds included). */
void dist_scale(struct dist *d, double f);

/* Binomial(n, p), exact: inversion when n p is small, else Hormann's transformed rejection
 * with decomposition (BTRD). Work is O(1) in n on average. */
uint64_t dist_binomial(struct rng *r, uint64_t n, double p);

#endif
