/* io/rec_weights: the recorder of record.weights: chosen synapses of plastic projections, their
 * weights written to weights.csv (header t_ms,projection,source,target,weight; one row per
 * synapse per sample time, ordered by time, then entry, then synapse) through the engine's
 * weight probes. Written under a temporary name and renamed only by rec_weights_close(commit),
 * like io/rec's recorders; mark/detach let a stopped run go on with the file. */
#ifndef APICAL_REC_WEIGHTS_H
#define APICAL_REC_WEIGHTS_H

#include <stdint.h>

#include "core/err.h"
#include "engine/net.h"

struct rec_weights;

/* Selects every entry's synapses, sets the network's probes (at the gcd of the entries'
 * intervals) and opens path; a fresh file gets the header and the rows of time n->step (the
 * initial weights). from: NULL, or the bytes a stopped run's file had (rec_weights_mark), to
 * go on with it. Which synapses, in terms of the canonical order of engine/net.h
 * (net_proj_order: by source, then target, then creation), the same for any thread count:
 * for synapses = N, N canonical numbers drawn without replacement from (seed,
 * RNG_STREAM_RECORD, entry index), in increasing order (all of them if there are at most N);
 * for pairs, the first synapse from source to target, in the order given (ERR_INPUT naming
 * the entry's file and line and record.weights.[i].pairs when there is none). */
int rec_weights_open(struct rec_weights **r, struct recorder *out, struct net *n, const char *path,
                     const unsigned long long *from, struct err *e);
/* Between two steps (the run stopped): writes the rows of time n->step if due, and the file's
 * bytes so far into *bytes. r may be NULL (*bytes = 0). */
int rec_weights_mark(struct rec_weights *r, unsigned long long *bytes, struct err *e);
/* Closes, keeping the file as it is (a stopped run, after a mark). r may be NULL. */
void rec_weights_detach(struct rec_weights *r);
/* After the run: with commit, writes the rows of time n->step if due and renames the file into
 * place; else removes it. r may be NULL. */
int rec_weights_close(struct rec_weights *r, int commit, struct err *e);

#endif
