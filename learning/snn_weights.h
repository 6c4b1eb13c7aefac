/* learning/snn_weights: a training network's weights (learning/snn) as weights.bin (io/weights),
 * the file `apical run --weights` reads, and back. Knows where snn keeps each projection's
 * weights and the engine's canonical order of an all_to_all projection's synapses (by source,
 * then target); owns no network and writes nothing but through io/weights.
 *
 * Every projection of the config is one record, in the config's order: a forward projection
 * l - 1 -> l holds W (synapse j -> i is W[j * n + i], rows by presynaptic unit: already the
 * canonical order); a feedback projection A -> L with a matrix of its own (random, direct,
 * learned) holds B (synapse k -> i is B[i * n_A + k], transposed on the way); a `symmetric`
 * one holds the transpose of the forward weights of the layer above (synapse k -> i is
 * W_A[i * n_A + k]), which the trainer derives and never stores: those are the weights its
 * apical rule sends back, without the PSP area factor kgain it applies on the way. Weights
 * are rounded to binary32 on the way out and widened exactly on the way in. */
#ifndef APICAL_SNN_WEIGHTS_H
#define APICAL_SNN_WEIGHTS_H

#include "core/err.h"
#include "core/spec.h"
#include "io/weights.h"
#include "learning/snn.h"

/* The records of every projection of n (s: the spec n was compiled from, for the names), in
 * the config's order, weights from n->params; *out and its arrays are the caller's
 * (snnw_free). ERR_NOMEM. */
int snnw_export(const struct snn *n, const struct net_spec *s, struct wt_proj **out, int *nproj,
                struct err *e);
void snnw_free(struct wt_proj *p, int nproj);

/* snnw_export, then wt_save to path (atomically). ERR_NONFINITE, writing nothing, when a
 * weight does not fit binary32 (|w| > 3.4e38: a diverging run), naming the projection and
 * synapse. */
int snnw_save(const struct snn *n, const struct net_spec *s, const char *path, struct err *e);

/* Reads path (weights.bin, or a folder holding one) into n->params. The file must describe
 * this network: every projection of n and no other, each with the same populations (names,
 * sizes) and synapses; otherwise ERR_INPUT naming the file and the first difference (io/weights'
 * wt_apply). A symmetric feedback projection's synapses are checked like any other's, its
 * weights are not read (the trainer derives them from the layer above). Nothing of n changes
 * unless the whole file fits. */
int snnw_load(struct snn *n, const struct net_spec *s, const char *path, struct err *e);

#endif
