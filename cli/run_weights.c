/* cli/run_weights: between the engine's storage (grouped by thread) and io/weights' canonical
 * order (by source, then target, then creation), which any thread count shares. */
#include "cli/run_weights.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/cfg.h"
#include "io/weights.h"

/* Projection j's synapses as io/weights describes them; q[c] is canonical synapse c's place
 * in the engine's arrays. The caller frees q and the three arrays. */
static int describe(const struct net *n, int j, struct wt_proj *p, uint64_t **q, struct err *e)
{
    const struct proj *pr = &n->projs[j];
    memset(p, 0, sizeof *p);
    snprintf(p->name, sizeof p->name, "%s", n->spec->projs[j].name);
    snprintf(p->src, sizeof p->src, "%s", n->pops[pr->src_pop].name);
    snprintf(p->tgt, sizeof p->tgt, "%s", n->pops[pr->tgt_pop].name);
    p->nsrc = pr->nsrc;
    p->ntgt = pr->ntgt;
    p->nsyn = pr->nsyn;
    size_t m = pr->nsyn ? pr->nsyn : 1;
    *q = malloc(m * sizeof **q);
    p->src_id = malloc(m * sizeof *p->src_id);
    p->tgt_id = malloc(m * sizeof *p->tgt_id);
    p->w = malloc(m * sizeof *p->w);
    if (!*q || !p->src_id || !p->tgt_id || !p->w)
        return err_set(e, ERR_NOMEM, NULL, 0, p->name, "out of memory for weights");
    int rc = net_proj_order(n, j, *q, p->src_id, p->tgt_id, e);
    for (uint64_t c = 0; !rc && c < pr->nsyn; c++) p->w[c] = proj_weight(pr, (*q)[c]);
    return rc;
}

static void release(struct wt_proj *p, uint64_t *q)
{
    free(p->src_id);
    free(p->tgt_id);
    free(p->w);
    free(q);
}

int run_weights_save(const struct net *n, const uint8_t *loaded, const char *path, struct err *e)
{
    struct wt_proj *ps = calloc((size_t)(n->nprojs ? n->nprojs : 1), sizeof *ps);
    uint64_t **qs = calloc((size_t)(n->nprojs ? n->nprojs : 1), sizeof *qs);
    int np = 0, rc = 0;
    if (!ps || !qs) rc = err_set(e, ERR_NOMEM, path, 0, NULL, "out of memory");
    for (int j = 0; !rc && j < n->nprojs; j++)
        if (n->plast[j] || (loaded && loaded[j])) rc = describe(n, j, &ps[np], &qs[np], e), np++;
    if (!rc) rc = wt_save(path, ps, np, e);
    for (int i = 0; ps && qs && i < np; i++) release(&ps[i], qs[i]);
    free(ps);
    free(qs);
    return rc;
}

int run_weights_load(struct net *n, const char *path, uint8_t *loaded, struct err *e)
{
    struct wt_file f = {0};
    int rc = wt_load(path, &f, e);
    if (rc) return rc;
    if (loaded) memset(loaded, 0, (size_t)n->nprojs);
    /* every projection of the file must be in the network */
    for (int i = 0; !rc && i < f.nproj; i++) {
        int found = 0;
        for (int j = 0; j < n->nprojs && !found; j++)
            found = !strcmp(f.projs[i].name, n->spec->projs[j].name);
        if (!found)
            rc = err_set(e, ERR_INPUT, f.path, 0, "--weights",
                         "projection \"%s\" of the file is not in this network", f.projs[i].name);
    }
    for (int j = 0; !rc && j < n->nprojs; j++) {
        int in_file = 0;
        for (int i = 0; i < f.nproj && !in_file; i++)
            in_file = !strcmp(f.projs[i].name, n->spec->projs[j].name);
        if (!in_file) {
            if (n->plast[j])
                rc = err_set(e, ERR_INPUT, f.path, 0, "--weights",
                             "has no weights for plastic projection \"%s\"",
                             n->spec->projs[j].name);
            continue;
        }
        struct proj *pr = &n->projs[j];
        struct wt_proj want;
        uint64_t *q = NULL;
        rc = describe(n, j, &want, &q, e);
        if (!rc) rc = wt_apply(&f, NULL, &want, e);
        /* a static projection with one weight for all gets one per synapse */
        if (!rc && !pr->w) {
            pr->w = malloc((pr->nsyn ? pr->nsyn : 1) * sizeof *pr->w);
            if (!pr->w) rc = err_set(e, ERR_NOMEM, path, 0, NULL, "out of memory");
            else pr->bytes += pr->nsyn * sizeof *pr->w;
        }
        const struct net_plast *pl = n->plast[j];
        const struct pop_spec *tgt = &n->spec->pops[pr->tgt_pop];
        const int cond = cfg_feeds_conductance(tgt, pr->port);
        for (uint64_t c = 0; !rc && c < pr->nsyn; c++) {
            const float w = want.w[c];
            if (pl && !(w >= (float)pl->lo && w <= (float)pl->hi)) /* floats, as stored */
                rc = err_set(e, ERR_INPUT, f.path, 0, "--weights",
                             "projection \"%s\": weight %g of synapse %u -> %u lies outside the "
                             "bounds [%g, %g] of its plasticity",
                             want.name, w, want.src_id[c], want.tgt_id[c], pl->lo, pl->hi);
            else if (cond && w < 0)
                rc = err_set(e, ERR_INPUT, f.path, 0, "--weights",
                             "projection \"%s\": weight %g of synapse %u -> %u is negative: "
                             "receptor \"%s\" of %s is a conductance, its weights must be >= 0",
                             want.name, w, want.src_id[c], want.tgt_id[c],
                             tgt->model->port_names[pr->port % tgt->model->nports],
                             tgt->model->name);
            else
                pr->w[q[c]] = w;
        }
        if (!rc && loaded) loaded[j] = 1;
        release(&want, q);
    }
    wt_free(&f);
    return rc;
}
