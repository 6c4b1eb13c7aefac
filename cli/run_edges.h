/* cli/run_edges: record.connectivity, the network a run built as SONATA files through io/edges:
 * nodes.h5 (its populations) and edges.h5 (its projections, with the weights as the engine
 * holds them at the end of the run and the delays in whole steps, as ms). */
#ifndef APICAL_RUN_EDGES_H
#define APICAL_RUN_EDGES_H

#include "core/err.h"
#include "engine/net.h"

/* Writes nodes_path and edges_path atomically. Edges come in the canonical order of
 * net_proj_order (by source, then target, then creation), the same for any thread count. */
int run_edges_save(const struct net *n, const char *nodes_path, const char *edges_path,
                   struct err *e);

#endif
