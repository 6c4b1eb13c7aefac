/* learning/snn_weights: snn's weights as weights.bin records (see snn_weights.h). */
#include "learning/snn_weights.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What projection k of the spec is to n: the forward projection into layer *l (*fb = 0) or
 * the feedback projection onto layer *l (*fb = 1); -1 if neither. */
static int role(const struct snn *n, int k, int *l, int *fb)
{
    for (*l = 0; *l < n->nlayers; (*l)++) {
        const struct snn_layer *L = &n->L[*l];
        if (L->proj == k) return *fb = 0;
        if (L->fb != SNN_FB_NONE && L->fb_proj == k) return *fb = 1, 0;
    }
    return -1;
}

/* Where synapse (j -> i) of the record of layer l's forward (fb = 0) or feedback projection
 * keeps its weight in n->params. */
static size_t param_at(const struct snn *n, int l, int fb, uint32_t j, uint32_t i)
{
    const struct snn_layer *L = &n->L[l];
    if (!fb) return L->w_off + (size_t)j * L->n + i;
    const struct snn_layer *A = &n->L[L->fb_src];
    /* B and the symmetric W of the layer above are both n x n_A, [i][k] */
    return (L->fb == SNN_FB_SYMMETRIC ? A->w_off : L->b_off) + (size_t)i * A->n + j;
}

/* Projection k's record: names, sizes, and its n_src x n_tgt synapses by source, then target. */
static int describe(const struct snn *n, const struct net_spec *s, int k, struct wt_proj *p,
                    struct err *e)
{
    memset(p, 0, sizeof *p);
    const struct proj_spec *ps = &s->projs[k];
    int l, fb = 0;
    if (role(n, k, &l, &fb))
        return err_set(e, ERR_INPUT, NULL, 0, ps->name,
                       "projection \"%s\" is neither a forward nor a feedback projection of the "
                       "training network",
                       ps->name);
    const struct snn_layer *L = &n->L[l];
    snprintf(p->name, sizeof p->name, "%s", ps->name);
    snprintf(p->src, sizeof p->src, "%s", s->pops[ps->from].name);
    snprintf(p->tgt, sizeof p->tgt, "%s", s->pops[ps->to].name);
    p->nsrc = fb ? n->L[L->fb_src].n : L->n_in;
    p->ntgt = L->n;
    p->nsyn = (uint64_t)p->nsrc * p->ntgt;
    size_t m = p->nsyn ? (size_t)p->nsyn : 1;
    p->src_id = malloc(m * sizeof *p->src_id);
    p->tgt_id = malloc(m * sizeof *p->tgt_id);
    p->w = malloc(m * sizeof *p->w);
    if (!p->src_id || !p->tgt_id || !p->w)
        return err_set(e, ERR_NOMEM, NULL, 0, ps->name, "out of memory for its weights");
    uint64_t c = 0;
    for (uint32_t j = 0; j < p->nsrc; j++)
        for (uint32_t i = 0; i < p->ntgt; i++, c++) {
            p->src_id[c] = j;
            p->tgt_id[c] = i;
            p->w[c] = n->params ? (float)n->params[param_at(n, l, fb, j, i)] : 0.0f;
        }
    return 0;
}

void snnw_free(struct wt_proj *p, int nproj)
{
    for (int k = 0; p && k < nproj; k++) {
        free(p[k].src_id);
        free(p[k].tgt_id);
        free(p[k].w);
    }
    free(p);
}

int snnw_export(const struct snn *n, const struct net_spec *s, struct wt_proj **out, int *nproj,
                struct err *e)
{
    *out = NULL;
    *nproj = 0;
    struct wt_proj *p = calloc((size_t)(s->nprojs ? s->nprojs : 1), sizeof *p);
    if (!p) return err_set(e, ERR_NOMEM, NULL, 0, NULL, "out of memory for the weights");
    for (int k = 0; k < s->nprojs; k++) {
        int rc = describe(n, s, k, &p[k], e);
        if (rc) {
            snnw_free(p, k + 1);
            return rc;
        }
    }
    *out = p;
    *nproj = s->nprojs;
    return 0;
}

/* A weight the trainer holds as a finite double but binary32 cannot (|w| > 3.4e38). */
static int too_large(const struct snn *n, const struct wt_proj *p, int k, const char *path,
                     struct err *e)
{
    int l, fb = 0;
    role(n, k, &l, &fb);
    for (uint64_t c = 0; c < p->nsyn; c++)
        if (!isfinite(p->w[c]))
            return err_set(e, ERR_NONFINITE, path, 0, "",
                           "projection \"%s\": weight %g of synapse %u -> %u does not fit "
                           "binary32",
                           p->name, n->params[param_at(n, l, fb, p->src_id[c], p->tgt_id[c])],
                           p->src_id[c], p->tgt_id[c]);
    return 0;
}

int snnw_save(const struct snn *n, const struct net_spec *s, const char *path, struct err *e)
{
    struct wt_proj *p;
    int np, rc = snnw_export(n, s, &p, &np, e);
    if (rc) return rc;
    for (int k = 0; k < np && !rc; k++) rc = too_large(n, &p[k], k, path, e);
    if (!rc) rc = wt_save(path, p, np, e);
    snnw_free(p, np);
    return rc;
}

/* The file's projections that the network lacks: the first, as an error. */
static int foreign(const struct wt_file *f, const struct net_spec *s, struct err *e)
{
    for (int i = 0; i < f->nproj; i++) {
        int k = 0;
        while (k < s->nprojs && strcmp(s->projs[k].name, f->projs[i].name)) k++;
        if (k == s->nprojs)
            return err_set(e, ERR_INPUT, f->path, 0, "",
                           "projection \"%s\" of the file is not in this network",
                           f->projs[i].name);
    }
    return 0;
}

int snnw_load(struct snn *n, const struct net_spec *s, const char *path, struct err *e)
{
    struct wt_file f;
    int rc = wt_load(path, &f, e);
    if (rc) return rc;
    struct wt_proj *want = NULL;
    int np = 0;
    double *params = NULL;
    if (!(rc = foreign(&f, s, e)) && !(rc = snnw_export(n, s, &want, &np, e)) &&
        !(params = malloc(sizeof *params * (n->nparams ? n->nparams : 1))))
        rc = err_set(e, ERR_NOMEM, NULL, 0, NULL, "out of memory for the weights");
    if (!rc) memcpy(params, n->params, sizeof *params * n->nparams);
    for (int k = 0; !rc && k < np; k++) {
        /* synapses checked; want[k].w becomes the file's */
        if ((rc = wt_apply(&f, NULL, &want[k], e))) break;
        int l, fb = 0;
        role(n, k, &l, &fb);
        if (fb && n->L[l].fb == SNN_FB_SYMMETRIC) continue; /* derived, not stored */
        const struct wt_proj *p = &want[k];
        for (uint64_t c = 0; c < p->nsyn; c++)
            params[param_at(n, l, fb, p->src_id[c], p->tgt_id[c])] = (double)p->w[c];
    }
    if (!rc) memcpy(n->params, params, sizeof *params * n->nparams);
    free(params);
    snnw_free(want, np);
    wt_free(&f);
    return rc;
}
