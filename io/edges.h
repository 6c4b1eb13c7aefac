/* io/edges: a network's connectivity as SONATA files (HDF5): nodes.h5 (a node population per
 * population) and edges.h5 (an edge population per projection, with per-edge weights and
 * delays), written atomically (PATH.tmp, then rename), and one edge population read back as a
 * list of (source, target, weight, delay). Layout (docs/formats.md, nodes.h5 and edges.h5):
 *   /                                 attributes magic and version, as in spikes.h5
 *   /nodes/<population>/              attributes model_type, model_template
 *     node_id, node_group_index       uint64[size] = 0 ... size - 1
 *     node_type_id, node_group_id     uint32[size]: the population's index, 0
 *     0/                              the (empty) node group
 *   /edges/<projection>/
 *     source_node_id, target_node_id  uint64[n], attribute source_population/target_population
 *     edge_type_id, edge_group_id     uint32[n]: the projection's index, 0
 *     edge_group_index                uint64[n] = 0 ... n - 1
 *     0/syn_weight                    float32[n]
 *     0/delay                         float64[n], ms, attribute units = "ms"
 * This module knows files, not networks: the caller hands it plain names, sizes and arrays. */
#ifndef APICAL_EDGES_H
#define APICAL_EDGES_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#define EDGES_MAX (1ull << 34) /* edges one population may hold */

/* ---- writing ---- */

struct edges_nodes { /* one node population */
    const char *name;
    uint32_t size;
    const char *model; /* apical's model name: model_template "apical:<model>" */
    int is_virtual;    /* a spike source: model_type "virtual", else "point_neuron" */
};

/* Writes nodes.h5 at path atomically. ERR_INPUT for a name that cannot name a group or is used
 * twice; ERR_IO if the file cannot be written, and then nothing is left at path or PATH.tmp. */
int edges_write_nodes(const char *path, const struct edges_nodes *p, int np, struct err *e);

struct edges_pop { /* one edge population */
    const char *name, *src, *tgt; /* the projection, its source and target populations */
    uint64_t nsyn;
    uint32_t type_id; /* edge_type_id of its edges */
};

struct edges_part { /* the next few edges of a population, in file order */
    size_t n;
    const uint32_t *src, *tgt;
    const float *w;
    const double *delay_ms;
};

/* Called again and again for population i, from its first edge on, until its nsyn edges have
 * come: fills part with the next n > 0 of them (arrays the caller owns, valid until the next
 * call). */
typedef int (*edges_next_fn)(void *self, int i, struct edges_part *part, struct err *e);

/* Writes edges.h5 at path atomically, the np populations in order, their edges from next. */
int edges_write(const char *path, const struct edges_pop *p, int np, edges_next_fn next,
                void *self, struct err *e);

/* ---- reading ---- */

struct edges_want { /* what an edge population read back must fit */
    const char *pop;               /* /edges/<pop> */
    const char *src_pop, *tgt_pop; /* the names source_population and target_population must
                                    * have, where the file gives them */
    uint32_t nsrc, ntgt;           /* every node id below these */
    double dt_ms;                  /* every delay at least dt and at most max_delay_steps */
    uint32_t max_delay_steps;      /* steps when rounded, round(d / dt) */
    int types;                     /* 1: edge_type_id is needed, and read into type_id */
};

struct edges_list {
    size_t n;
    uint32_t *src, *tgt;
    double *w;        /* NULL where the file has no 0/syn_weight */
    double *delay_ms; /* NULL where the file has no 0/delay */
    uint32_t *type_id; /* edge_type_id where want->types, else NULL */
};

/* Reads edge population want->pop of the SONATA edges file path into l, in the file's order,
 * a chunk at a time (l's arrays and a few buffers of 64 K elements). Every dataset's kind,
 * rank, element type and length, and every number, is checked before it sizes or indexes
 * anything: ERR_INPUT naming the file and the dataset (and element). Edges must be in group
 * 0 with edge_group_index[i] = i where those datasets are present. On error l holds nothing. */
int edges_read(const char *path, const struct edges_want *want, struct edges_list *l,
               struct err *e);
void edges_list_free(struct edges_list *l);

#endif
