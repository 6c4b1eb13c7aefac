/* learning/lspec: what the data, encoder and teacher settings mean, shared by the trainer
 * (learning/train) and the presentations of apical run (learning/present). */
#include "learning/lspec.h"

#include <stdio.h>

#include "learning/data_encode.h"
#include "learning/data_yinyang.h"

/* XOR on (x1, x2, 1 - x1, 1 - x2): label x1 xor x2; train cycles the four points. */
static int xor_set(uint32_t n, struct data_set **out, struct err *e) {
    struct data_set *d = data_create(n, 4, 2);
    if (!d) return err_set(e, ERR_NOMEM, "", 0, "", "out of memory");
    for (uint32_t i = 0; i < n; i++) {
        int a = i & 1, b = (i >> 1) & 1;
        float *x = d->x + (size_t)i * 4;
        x[0] = (float)a, x[1] = (float)b, x[2] = (float)(1 - a), x[3] = (float)(1 - b);
        d->y[i] = (uint8_t)(a ^ b);
    }
    snprintf(d->name, sizeof d->name, "xor");
    *out = d;
    return 0;
}

static void truncate_set(struct data_set *d, uint32_t n) {
    if (n && n < d->n) d->n = n;
}

int lspec_load_data(const struct learn_spec *ls, struct data_set **train, struct data_set **test,
                    struct err *e) {
    int rc = 0;
    *train = *test = NULL;
    switch (ls->set) {
    case LSPEC_FMNIST:
        rc = data_fmnist_load(ls->dir, DATA_TRAIN, train, e);
        if (!rc) rc = data_fmnist_load(ls->dir, DATA_TEST, test, e);
        if (!rc) truncate_set(*train, ls->n_train), truncate_set(*test, ls->n_test);
        break;
    case LSPEC_YINYANG:
        rc = yy_generate(ls->data_seed, DATA_TRAIN, ls->n_train, YY_R_SMALL, YY_R_BIG, train, e);
        if (!rc) rc = yy_generate(ls->data_seed, DATA_TEST, ls->n_test, YY_R_SMALL, YY_R_BIG, test, e);
        break;
    default:
        rc = xor_set(ls->n_train ? ls->n_train : 64, train, e);
        if (!rc) rc = xor_set(4, test, e);
    }
    return rc;
}

int lspec_encode(const struct learn_spec *ls, uint32_t nin, uint32_t T, double dt, uint64_t seed,
                 const float *x, uint32_t key, struct snn_input *in, struct enc_spikes *es,
                 struct err *e) {
    in->n = 0;
    if (ls->enc == LSPEC_CURRENT) {
        for (uint32_t s = 0; s < T; s++)
            for (uint32_t j = 0; j < nin; j++) {
                double v = ls->offset + ls->gain * x[j];
                if (v == 0) continue;
                in->t[in->n] = s, in->j[in->n] = j, in->v[in->n++] = v;
            }
        return 0;
    }
    int rc;
    if (ls->enc == LSPEC_LATENCY) {
        struct enc_latency p = {.mode = ls->lat_mode, .tau = ls->tau, .thr = ls->thr, .dt = dt};
        rc = enc_latency(&p, x, es, e);
    } else {
        struct enc_poisson p = {.rate_max = ls->rate_max, .dt = dt, .seed = seed};
        rc = enc_poisson(&p, key, x, es, e);
    }
    if (rc) return rc;
    for (uint32_t s = 0; s < T; s++)
        for (uint32_t k = es->off[s]; k < es->off[s + 1]; k++)
            in->t[in->n] = s, in->j[in->n] = es->unit[k], in->v[in->n++] = 1.0;
    return 0;
}
