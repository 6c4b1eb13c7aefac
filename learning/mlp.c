/* learning/mlp: the reference perceptron. Written for clarity, not speed: it runs on test-sized
 * networks. */
#include "learning/mlp.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"

static size_t layout(const int *size, int nlayers, double *base, double **w, double **b)
{
    size_t k = 0;
    for (int l = 0; l < nlayers; l++) {
        if (base) w[l] = base + k;
        k += (size_t)size[l + 1] * size[l];
        if (base) b[l] = base + k;
        k += (size_t)size[l + 1];
    }
    return k;
}

int mlp_create(struct mlp **out, int nlayers, const int *size, const enum mlp_act *act,
               const struct surr *surr, struct err *e)
{
    *out = NULL;
    if (nlayers < 1 || nlayers > MLP_MAX_LAYERS)
        return err_set(e, ERR_INPUT, NULL, 0, NULL, "%d layers: 1 to %d", nlayers, MLP_MAX_LAYERS);
    for (int l = 0; l <= nlayers; l++)
        if (size[l] < 1)
            return err_set(e, ERR_INPUT, NULL, 0, NULL, "layer size %d of entry %d: must be >= 1",
                           size[l], l);
    for (int l = 0; l < nlayers; l++) {
        if (act[l] < MLP_IDENTITY || act[l] > MLP_SPIKE)
            return err_set(e, ERR_INPUT, NULL, 0, NULL, "layer %d: unknown activation %d", l,
                           (int)act[l]);
        if ((act[l] == MLP_SOFT || act[l] == MLP_SPIKE) && (!surr || !surr->shape))
            return err_set(e, ERR_INPUT, NULL, 0, NULL,
                           "layer %d: soft and spike activations need a surrogate", l);
    }
    struct mlp *m = calloc(1, sizeof *m);
    if (!m) return err_set(e, ERR_NOMEM, NULL, 0, NULL, "out of memory");
    m->nlayers = nlayers;
    memcpy(m->size, size, (size_t)(nlayers + 1) * sizeof *size);
    memcpy(m->act, act, (size_t)nlayers * sizeof *act);
    if (surr) m->surr = *surr;
    m->nparams = layout(size, nlayers, NULL, NULL, NULL);
    m->params = calloc(m->nparams, sizeof *m->params);
    if (!m->params) {
        size_t n = m->nparams;
        free(m);
        return err_set(e, ERR_NOMEM, NULL, 0, NULL, "out of memory for %zu parameters", n);
    }
    layout(size, nlayers, m->params, m->w, m->b);
    *out = m;
    return 0;
}

void mlp_destroy(struct mlp *m)
{
    if (!m) return;
    free(m->params);
    free(m);
}

void mlp_init(struct mlp *m, uint64_t seed)
{
    for (int l = 0; l < m->nlayers; l++) {
        struct rng r;
        rng_init(&r, seed, MLP_STREAM + (uint32_t)l, 0, 0);
        int nin = m->size[l], nout = m->size[l + 1];
        double a = sqrt(6.0 / (nin + nout));
        for (size_t k = 0; k < (size_t)nin * nout; k++) m->w[l][k] = a * (2 * rng_uniform(&r) - 1);
        memset(m->b[l], 0, (size_t)nout * sizeof(double));
    }
}

struct mlp_grad *mlp_grad_create(const struct mlp *m)
{
    struct mlp_grad *g = calloc(1, sizeof *g);
    if (!g) return NULL;
    g->nparams = m->nparams;
    g->flat = calloc(m->nparams, sizeof *g->flat);
    if (!g->flat) {
        free(g);
        return NULL;
    }
    layout(m->size, m->nlayers, g->flat, g->w, g->b);
    return g;
}

void mlp_grad_destroy(struct mlp_grad *g)
{
    if (!g) return;
    free(g->flat);
    free(g);
}

void mlp_grad_zero(struct mlp_grad *g) { memset(g->flat, 0, g->nparams * sizeof *g->flat); }

struct mlp_work *mlp_work_create(const struct mlp *m)
{
    struct mlp_work *w = calloc(1, sizeof *w);
    if (!w) return NULL;
    int ok = 1;
    for (int l = 0; l < m->nlayers; l++) {
        size_t n = (size_t)m->size[l + 1];
        ok &= (w->z[l] = calloc(n, sizeof(double))) != NULL;
        ok &= (w->h[l] = calloc(n, sizeof(double))) != NULL;
        ok &= (w->dh[l] = calloc(n, sizeof(double))) != NULL;
        ok &= (w->delta[l] = calloc(n, sizeof(double))) != NULL;
    }
    if (!ok) {
        mlp_work_destroy(w);
        return NULL;
    }
    return w;
}

void mlp_work_destroy(struct mlp_work *w)
{
    if (!w) return;
    for (int l = 0; l < MLP_MAX_LAYERS; l++) {
        free(w->z[l]);
        free(w->h[l]);
        free(w->dh[l]);
        free(w->delta[l]);
    }
    free(w);
}

static double act_f(const struct mlp *m, enum mlp_act a, double z)
{
    switch (a) {
    case MLP_IDENTITY: return z;
    case MLP_SIGMOID: return 1.0 / (1.0 + exp(-z));
    case MLP_TANH: return tanh(z);
    case MLP_RELU: return z > 0 ? z : 0.0;
    case MLP_SOFT: return surr_step(&m->surr, z);
    case MLP_SPIKE: return z > 0 ? 1.0 : 0.0;
    }
    return NAN;
}

static double act_df(const struct mlp *m, enum mlp_act a, double z)
{
    switch (a) {
    case MLP_IDENTITY: return 1.0;
    case MLP_SIGMOID: {
        double s = 1.0 / (1.0 + exp(-z));
        return s * (1.0 - s);
    }
    case MLP_TANH: {
        double t = tanh(z);
        return 1.0 - t * t;
    }
    case MLP_RELU: return z > 0 ? 1.0 : 0.0;
    case MLP_SOFT:
    case MLP_SPIKE: return surr_psi(&m->surr, z);
    }
    return NAN;
}

const double *mlp_forward(const struct mlp *m, struct mlp_work *w, const double *x)
{
    const double *in = x;
    for (int l = 0; l < m->nlayers; l++) {
        int nin = m->size[l], nout = m->size[l + 1];
        for (int i = 0; i < nout; i++) {
            const double *row = m->w[l] + (size_t)i * nin;
            double z = m->b[l][i];
            for (int j = 0; j < nin; j++) z += row[j] * in[j];
            w->z[l][i] = z;
            w->h[l][i] = act_f(m, m->act[l], z);
        }
        in = w->h[l];
    }
    return w->h[m->nlayers - 1];
}

double mlp_loss(enum mlp_loss loss, int n, const double *y, const double *t, double *dy)
{
    if (loss == MLP_MSE) {
        double s = 0;
        for (int k = 0; k < n; k++) {
            double d = y[k] - t[k];
            s += 0.5 * d * d;
            if (dy) dy[k] = d;
        }
        return s;
    }
    /* log softmax with the largest logit subtracted: no overflow */
    double mx = y[0];
    for (int k = 1; k < n; k++) mx = y[k] > mx ? y[k] : mx;
    double sum = 0;
    for (int k = 0; k < n; k++) sum += exp(y[k] - mx);
    double lse = mx + log(sum), s = 0;
    for (int k = 0; k < n; k++) {
        if (t[k] != 0) s -= t[k] * (y[k] - lse);
        if (dy) dy[k] = exp(y[k] - lse) - t[k];
    }
    return s;
}

double mlp_backprop(const struct mlp *m, struct mlp_work *w, const double *x, enum mlp_loss loss,
                    const double *t, double scale, struct mlp_grad *g)
{
    const int L = m->nlayers;
    const double *y = mlp_forward(m, w, x);
    double value = mlp_loss(loss, m->size[L], y, t, w->dh[L - 1]);
    for (int l = L - 1; l >= 0; l--) {
        int nin = m->size[l], nout = m->size[l + 1];
        for (int i = 0; i < nout; i++)
            w->delta[l][i] = w->dh[l][i] * act_df(m, m->act[l], w->z[l][i]);
        const double *in = l ? w->h[l - 1] : x;
        if (g)
            for (int i = 0; i < nout; i++) {
                double d = scale * w->delta[l][i];
                double *grow = g->w[l] + (size_t)i * nin;
                for (int j = 0; j < nin; j++) grow[j] += d * in[j];
                g->b[l][i] += d;
            }
        if (l > 0) /* dLoss/dh_{l-1} = W_l^T delta_l */
            for (int j = 0; j < nin; j++) {
                double s = 0;
                for (int i = 0; i < nout; i++) s += m->w[l][(size_t)i * nin + j] * w->delta[l][i];
                w->dh[l - 1][j] = s;
            }
    }
    return value;
}

double mlp_batch(const struct mlp *m, struct mlp_work *w, size_t n, const double *x,
                 enum mlp_loss loss, const double *t, struct mlp_grad *g)
{
    mlp_grad_zero(g);
    const int nin = m->size[0], nout = m->size[m->nlayers];
    double s = 0;
    for (size_t k = 0; k < n; k++)
        s += mlp_backprop(m, w, x + k * nin, loss, t + k * nout, 1.0 / (double)n, g);
    return s / (double)n;
}

void mlp_sgd(struct mlp *m, const struct mlp_grad *g, double lr)
{
    for (size_t k = 0; k < m->nparams; k++) m->params[k] -= lr * g->flat[k];
}

int mlp_argmax(int n, const double *y)
{
    int best = 0;
    for (int k = 1; k < n; k++)
        if (y[k] > y[best]) best = k;
    return best;
}
