/* neurons/poisson_source: a population of independent Poisson spike trains (NEST's
 * poisson_generator feeding parrot_neurons), whose spikes go through projections, plastic ones
 * included. No input ports, no state.
 *
 * In every step [t, t + dt) with start <= t < stop (stop < 0: to the end), each neuron spikes
 * with probability p = 1 - exp(-rate dt), the chance that a Poisson process of that rate has an
 * event in the step, independently of every other neuron and step; at most one spike per
 * neuron and step, so the realised rate is p / dt (9.9995 Hz for 10 Hz at dt = 0.1 ms) and the
 * intervals are geometric: mean dt / p, CV sqrt(1 - p).
 *
 * Draws: neurons come in blocks of POISSON_BLOCK; in each step a block's spikes are found by
 * skipping geometric gaps floor(ln u / ln(1 - p)) from core/rng keyed (seed, stream, block,
 * step), which gives exactly the independent per-neuron Bernoulli draws at a cost of one draw
 * per block and per spike instead of one per neuron (27 ns each: 3 s per simulated second for
 * 12 000 inputs at dt = 0.1 ms). A neuron's train depends on (seed, population, neuron, step)
 * only: not on threads (a part that starts inside a block redraws the block and keeps its own
 * neurons), nor on the population's size. */
#ifndef APICAL_POISSON_SOURCE_H
#define APICAL_POISSON_SOURCE_H

#include "core/neuron.h"

enum { POIS_RATE, POIS_START, POIS_STOP, POIS_NPARAMS };

#define POISSON_BLOCK 256

extern const struct nrn_ops poisson_source_ops;

#endif
