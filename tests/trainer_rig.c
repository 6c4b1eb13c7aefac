/* tests/trainer_rig: see trainer_rig.h. */
#include "tests/trainer_rig.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/cfg.h"
#include "learning/lcfg.h"
#include "tests/harness.h"

uint32_t rig_feed(void *self, int k, int64_t step, uint32_t begin, uint32_t end, uint32_t *ids,
                  double *amp)
{
    (void)k;
    const struct rig_inputs *x = self;
    const int64_t s = step / x->T, t = step % x->T;
    if (s >= x->nsamples) return 0;
    const struct snn_input *in = &x->in[s];
    uint32_t m = 0;
    for (uint32_t q = 0; q < in->n; q++)
        if (in->t[q] == t && in->j[q] >= begin && in->j[q] < end) {
            amp[m] = in->v[q];
            ids[m++] = in->j[q];
        }
    return m;
}

/* The projections' feedback modes into self (int[SNN_MAX_PROJS]), as apical train reads them. */
static int read_fb(void *self, const struct cfg_ctx *c, const config_setting_t *root,
                   const struct net_spec *s)
{
    return lcfg_read_feedback(c, root, s, self);
}

int rig_load(const char *name, const char *text, const char *const *sets, int nsets,
             struct net_spec *spec, struct snn **sn)
{
    const char *path = harness_write(name, text);
    static const char *const blocks[] = {"learning", "data", "encoder", NULL};
    struct snn_opts o = {0};
    struct cfg_ext ext = {.blocks = blocks, .read = read_fb, .self = o.feedback,
                          .proj_keys = lcfg_proj_keys};
    char *resolved = NULL;
    struct err e = {0};
    memset(spec, 0, sizeof *spec);
    int rc = sn ? cfg_load_ext(path, sets, nsets, &ext, spec, &resolved, &e)
                : cfg_load(path, sets, nsets, spec, &resolved, &e);
    free(resolved);
    if (!rc && sn) {
        o.T = (uint32_t)lround(spec->duration_ms / spec->dt_ms);
        surr_init(&o.surr, "fast_sigmoid", 0.5, NAN, "", NULL);
        o.file = path;
        rc = snn_create(sn, spec, &o, &e);
    }
    if (rc) {
        char buf[1024];
        err_format(&e, buf, sizeof buf);
        fprintf(stderr, "%s: %s\n", name, buf);
    }
    return rc;
}

void rig_share_weights(struct snn *sn, struct net *n)
{
    for (int l = 0; l < sn->nlayers; l++) {
        struct snn_layer *L = &sn->L[l];
        double *W = sn->params + L->w_off;
        const size_t cnt = (size_t)L->n_in * L->n;
        uint64_t *q = malloc(cnt * sizeof *q);
        uint32_t *src = malloc(cnt * sizeof *src), *tgt = malloc(cnt * sizeof *tgt);
        CU_ASSERT_FATAL(q && src && tgt);
        struct err e = {0};
        CU_ASSERT_EQUAL_FATAL(net_proj_order(n, L->proj, q, src, tgt, &e), 0);
        CU_ASSERT_PTR_NOT_NULL_FATAL(n->projs[L->proj].w);
        for (size_t c = 0; c < cnt; c++) {
            CU_ASSERT_FATAL(src[c] * L->n + tgt[c] == c); /* canonical = the trainer's rows */
            float w = (float)W[c];
            W[c] = w;
            n->projs[L->proj].w[q[c]] = w;
            if (n->plast[L->proj] && n->plast[L->proj]->synd[0])
                n->plast[L->proj]->synd[0][2 * q[c]] = w;
        }
        free(q);
        free(src);
        free(tgt);
    }
}

void rig_inputs_free(struct rig_inputs *x)
{
    for (int i = 0; i < x->nsamples; i++) snn_input_free(&x->in[i]);
}
