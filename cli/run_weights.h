/* cli/run_weights: a run's weights in and out through io/weights (weights.bin): --weights
 * DIR|FILE at the start, into the projections of the network the config builds (plastic or
 * static), matched by name and checked synapse by synapse; at the end, the weights of every
 * plastic projection and of every projection the file set. */
#ifndef APICAL_RUN_WEIGHTS_H
#define APICAL_RUN_WEIGHTS_H

#include <stdint.h>

#include "core/err.h"
#include "engine/net.h"

/* Writes to path, atomically, the weights (canonical order) of n's plastic projections and of
 * those with loaded[j] set (loaded may be NULL: plastic ones only). */
int run_weights_save(const struct net *n, const uint8_t *loaded, const char *path, struct err *e);
/* Loads path (a weights.bin or a folder holding one) into n, built and not yet run: every
 * projection of the file must be one of n's with the same synapses, and every plastic
 * projection of n must be in the file. A static projection with one weight for all gets an
 * array of its own. ERR_INPUT naming the file and what differs. loaded (n->nprojs entries, or
 * NULL) gets 1 for each projection the file set. */
int run_weights_load(struct net *n, const char *path, uint8_t *loaded, struct err *e);

#endif
