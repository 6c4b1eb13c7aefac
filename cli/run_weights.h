/* cli/run_weights: a run's weights in and out through io/weights (weights.bin): every plastic
 * projection's weights at the end, and --weights DIR|FILE at the start, into the projections
 * of the network the config builds, matched by name and checked synapse by synapse. */
#ifndef APICAL_RUN_WEIGHTS_H
#define APICAL_RUN_WEIGHTS_H

#include "core/err.h"
#include "engine/net.h"

/* Writes the weights of n's plastic projections (canonical order) to path, atomically. */
int run_weights_save(const struct net *n, const char *path, struct err *e);
/* Loads path (a weights.bin or a folder holding one) into n, built and not yet run: every
 * projection of the file must be one of n's with the same synapses, and every plastic
 * projection of n must be in the file. ERR_INPUT naming the file and what differs. */
int run_weights_load(struct net *n, const char *path, struct err *e);

#endif
