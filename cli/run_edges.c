/* cli/run_edges: between the engine's storage (grouped by thread) and io/edges, a few sources
 * at a time, so that writing needs buffers of a chunk, not of the network. */
#include "cli/run_edges.h"

#include <stdlib.h>

#include "io/edges.h"

#define SPAN 65536 /* synapses per piece, unless one source has more */

struct cursor {
    const struct net *n;
    uint32_t s;      /* the next source of the projection being written */
    int proj;        /* -1 before the first */
    size_t cap;      /* the buffers' length */
    uint64_t *q;
    uint32_t *src, *tgt;
    float *w;
    double *d;
};

static int grow(struct cursor *c, size_t m, struct err *e)
{
    if (m <= c->cap) return 0;
    free(c->q);
    free(c->src);
    free(c->tgt);
    free(c->w);
    free(c->d);
    c->q = malloc(m * sizeof *c->q);
    c->src = malloc(m * sizeof *c->src);
    c->tgt = malloc(m * sizeof *c->tgt);
    c->w = malloc(m * sizeof *c->w);
    c->d = malloc(m * sizeof *c->d);
    c->cap = m;
    if (!c->q || !c->src || !c->tgt || !c->w || !c->d) {
        c->cap = 0;
        return err_set(e, ERR_NOMEM, NULL, 0, NULL, "out of memory writing edges");
    }
    return 0;
}

/* The next sources of projection j whose synapses fit in SPAN (at least one source). */
static int next_part(void *self, int j, struct edges_part *pt, struct err *e)
{
    struct cursor *c = self;
    const struct net *n = c->n;
    const struct proj *pr = &n->projs[j];
    if (c->proj != j) c->proj = j, c->s = 0;
    uint32_t s1 = c->s;
    uint64_t m = 0;
    while (s1 < pr->nsrc && (m == 0 || m + net_proj_span(n, j, s1, s1 + 1) <= SPAN))
        m += net_proj_span(n, j, s1, s1 + 1), s1++;
    int rc = grow(c, m > SPAN ? (size_t)m : SPAN, e);
    if (!rc) rc = net_proj_order_range(n, j, c->s, s1, c->q, c->src, c->tgt, e);
    for (uint64_t i = 0; !rc && i < m; i++) {
        c->w[i] = proj_weight(pr, c->q[i]);
        c->d[i] = proj_delay(pr, c->q[i]) * n->dt_ms;
    }
    c->s = s1;
    *pt = (struct edges_part){.n = (size_t)m, .src = c->src, .tgt = c->tgt, .w = c->w,
                              .delay_ms = c->d};
    return rc;
}

int run_edges_save(const struct net *n, const char *nodes_path, const char *edges_path,
                   struct err *e)
{
    size_t np = (size_t)(n->npops > n->nprojs ? n->npops : n->nprojs) + 1;
    struct edges_nodes *nodes = calloc(np, sizeof *nodes);
    struct edges_pop *edges = calloc(np, sizeof *edges);
    struct cursor c = {.n = n, .proj = -1};
    int rc = 0;
    if (!nodes || !edges) rc = err_set(e, ERR_NOMEM, NULL, 0, NULL, "out of memory");
    for (int i = 0; !rc && i < n->npops; i++)
        nodes[i] = (struct edges_nodes){.name = n->pops[i].name, .size = n->pops[i].n,
                                        .model = n->pops[i].ops->name,
                                        .is_virtual = n->pops[i].ops->update == NULL};
    for (int j = 0; !rc && j < n->nprojs; j++) {
        const struct proj *pr = &n->projs[j];
        edges[j] = (struct edges_pop){.name = n->spec->projs[j].name,
                                      .src = n->pops[pr->src_pop].name,
                                      .tgt = n->pops[pr->tgt_pop].name, .nsyn = pr->nsyn,
                                      .type_id = (uint32_t)j};
    }
    if (!rc) rc = edges_write_nodes(nodes_path, nodes, n->npops, e);
    if (!rc) rc = edges_write(edges_path, edges, n->nprojs, next_part, &c, e);
    free(nodes);
    free(edges);
    free(c.q);
    free(c.src);
    free(c.tgt);
    free(c.w);
    free(c.d);
    return rc;
}
