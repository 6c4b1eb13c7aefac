/* learning/snn: the layered training network (see snn.h for the equations). */
#include "learning/snn.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "core/dist.h"
#include "neurons/registry.h"
#include "synapses/proj.h"

/* ---- names (snn.h: one table per enum, in its order) ---- */

const char *const snn_rule_names[] = {"apical", "bptt", NULL};
const char *const snn_feedback_names[] = {"none", "symmetric", "random", "direct", "learned", NULL};
const char *const snn_loss_names[] = {"softmax_ce", "mse", "softmax_ce_mean", NULL};

int snn_feedback_index(const char *name) {
    for (int k = 0; name && snn_feedback_names[k]; k++)
        if (!strcmp(name, snn_feedback_names[k])) return k;
    return -1;
}

/* ---- inputs ---- */

int snn_input_reserve(struct snn_input *in, uint32_t cap, struct err *e) {
    if (cap <= in->cap) return 0;
    uint32_t *t = realloc(in->t, sizeof *t * cap);
    if (t) in->t = t;
    uint32_t *j = realloc(in->j, sizeof *j * cap);
    if (j) in->j = j;
    double *v = realloc(in->v, sizeof *v * cap);
    if (v) in->v = v;
    if (!t || !j || !v) return err_set(e, ERR_NOMEM, "", 0, "", "out of memory (input events)");
    in->cap = cap;
    return 0;
}

void snn_input_free(struct snn_input *in) {
    free(in->t);
    free(in->j);
    free(in->v);
    memset(in, 0, sizeof *in);
}

/* ---- compiling the layers ---- */

static int bad(const struct snn_opts *o, struct err *e, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int bad(const struct snn_opts *o, struct err *e, const char *path, const char *fmt, ...) {
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return err_set(e, ERR_INPUT, o->file ? o->file : "", 0, path, "%s", msg);
}

/* A model's refusal (nrn_ops.linear) under the config's path: the receptor is the projection's
 * setting, anything else the population's. */
static int refused(const struct snn_opts *o, const struct err *why, const struct pop_spec *ps,
                   const struct proj_spec *pj, struct err *e) {
    char path[SPEC_NAME + 300];
    if (!strcmp(why->path, "receptor"))
        snprintf(path, sizeof path, "projections.%s.receptor", pj->name);
    else
        snprintf(path, sizeof path, "populations.%s.%s", ps->name, why->path);
    return bad(o, e, path, "%s", why->msg);
}

/* The layer's dynamics as its model gives them (nrn_ops.linear) for the forward projection's
 * port: the state relative to rest that drives the soma, exactly over one step. */
static int layer_dynamics(struct snn_layer *L, const struct pop_spec *ps,
                          const struct proj_spec *pj, double dt, uint32_t T,
                          const struct snn_opts *o, const char *path, struct err *e) {
    struct nrn_linear lin;
    struct err why = {0};
    if (ps->model->linear(ps->params, &ps->shape, pj->port, dt, &lin, &why) != 0)
        return refused(o, &why, ps, pj, e);
    if (!lin.reaches_soma)
        return bad(o, e, path,
                   "compartment \"%s\" of %s is not coupled to the soma (g_c = 0 on "
                   "the way): its input could never reach the spike",
                   ps->shape.names[pj->port / ps->model->nports], ps->name);
    const int D = lin.D;
    L->D = D;
    memcpy(L->P, lin.P, sizeof(double) * D * D);
    memcpy(L->q, lin.q, sizeof(double) * D);
    L->spiking = lin.spiking;
    L->theta = lin.theta;
    L->reset = lin.reset;
    /* kgain: sum over the presentation of the soma's response to a unit input */
    double x[SNN_MAX_D], y[SNN_MAX_D];
    memcpy(x, L->q, sizeof x);
    L->kgain = 0;
    for (uint32_t n = 0; n < T; n++) {
        L->kgain += x[0];
        int same = 1;
        for (int r = 0; r < D; r++) {
            y[r] = 0;
            for (int c = 0; c < D; c++)
                y[r] += L->P[r * D + c] * x[c];
            same &= y[r] == x[r];
        }
        /* x has decayed to a fixed point (zeros, or the smallest subnormals, which rounding keeps)
         * too small to change the sum: every later step would add the same nothing, so stop
         * (the same bits; long presentations would spend seconds here) */
        if (same && L->kgain + x[0] == L->kgain) break;
        memcpy(x, y, sizeof x);
    }
    return 0;
}

/* The forward projection into population p (not a feedback one), or -1; *count gets how many. */
static int forward_into(const struct net_spec *s, const struct snn_opts *o, int p, int *count) {
    int found = -1;
    *count = 0;
    for (int k = 0; k < s->nprojs; k++)
        if (s->projs[k].to == p && o->feedback[k] == SNN_FB_NONE) {
            found = k;
            (*count)++;
        }
    return found;
}

static int forward_from(const struct net_spec *s, const struct snn_opts *o, int p, int *count) {
    int found = -1;
    *count = 0;
    for (int k = 0; k < s->nprojs; k++)
        if (s->projs[k].from == p && o->feedback[k] == SNN_FB_NONE) {
            found = k;
            (*count)++;
        }
    return found;
}

/* Any model that gives its linear dynamics (nrn_ops.linear) can be a layer. */
static int check_neuron(const struct pop_spec *ps, const struct snn_opts *o, struct err *e) {
    if (ps->model->linear) return 0;
    char path[SPEC_NAME + 32], known[256] = "";
    snprintf(path, sizeof path, "populations.%s.model", ps->name);
    for (int i = 0; nrn_model(i); i++) {
        if (!nrn_model(i)->linear) continue;
        if (known[0]) strncat(known, ", ", sizeof known - strlen(known) - 1);
        strncat(known, nrn_model(i)->name, sizeof known - strlen(known) - 1);
    }
    return bad(o, e, path,
               "%s cannot be trained (it gives no linear dynamics between spikes); "
               "trainable models: %s",
               ps->model->name, known);
}

/* Follows the forward chain from the single spike source to the readout. */
static int chain(struct snn *n, const struct net_spec *s, const struct snn_opts *o, struct err *e) {
    int src = -1;
    for (int p = 0; p < s->npops; p++) {
        if (strcmp(s->pops[p].model->name, "spike_source")) continue;
        if (src >= 0)
            return bad(o, e, "populations",
                       "two inputs (%s, %s): a training network has one "
                       "spike_source, the input layer",
                       s->pops[src].name, s->pops[p].name);
        src = p;
    }
    if (src < 0)
        return bad(o, e, "populations",
                   "no spike_source: the input layer is a spike_source "
                   "population whose spikes come from the encoder");
    n->nin = s->pops[src].size;
    if ((uint64_t)n->T * n->nin >= UINT32_MAX)
        return bad(o, e, "simulation.duration",
                   "%u steps x %u inputs = %.3g input slots, more than the 2^32 - 1 a sample's "
                   "event list holds",
                   n->T, n->nin, (double)n->T * n->nin);
    int cur = src, cnt;
    char path[SPEC_NAME + 32];
    for (;;) {
        int k = forward_from(s, o, cur, &cnt);
        if (cnt == 0) break;
        const struct proj_spec *pj = &s->projs[k];
        snprintf(path, sizeof path, "projections.%s", pj->name);
        if (cnt > 1)
            return bad(o, e, path,
                       "%s feeds %d layers forward: training layers form one chain "
                       "(mark feedback projections with feedback = ...)",
                       s->pops[cur].name, cnt);
        if (n->nlayers == SNN_MAX_LAYERS)
            return bad(o, e, path, "more than %d layers", SNN_MAX_LAYERS);
        int in;
        forward_into(s, o, pj->to, &in);
        if (in > 1)
            return bad(o, e, path, "%s has %d forward inputs: a layer takes only the one below",
                       s->pops[pj->to].name, in);
        if (pj->rule != CONN_ALL_TO_ALL)
            return bad(o, e, path,
                       "rule: forward projections of a training network are "
                       "all_to_all (weights become zero where they are not needed)");
        const struct pop_spec *ps = &s->pops[pj->to];
        int rc = check_neuron(ps, o, e);
        if (rc) return rc;
        /* a layer's spikes over a presentation are listed with 32-bit counts (snn_input) */
        if ((uint64_t)n->T * ps->size >= UINT32_MAX)
            return bad(o, e, "simulation.duration",
                       "%u steps x %u units of %s = %.3g spike slots, more than the 2^32 - 1 a "
                       "sample's event list holds",
                       n->T, ps->size, ps->name, (double)n->T * ps->size);
        struct snn_layer *L = &n->L[n->nlayers];
        snprintf(L->name, sizeof L->name, "%s", ps->name);
        L->pop = pj->to;
        L->n = ps->size;
        L->n_in = s->pops[cur].size;
        L->proj = k;
        L->fb_proj = -1;
        L->fb_src = -1;
        rc = layer_dynamics(L, ps, pj, n->dt, n->T, o, path, e);
        if (rc) return rc;
        n->nlayers++;
        for (int l = 0; l < n->nlayers - 1; l++)
            if (n->L[l].pop == pj->to)
                return bad(o, e, path, "the forward chain returns to %s", ps->name);
        cur = pj->to;
    }
    if (n->nlayers < 1)
        return bad(o, e, "projections", "nothing is fed by the input %s", s->pops[src].name);
    for (int p = 0; p < s->npops; p++) {
        int used = p == src;
        for (int l = 0; l < n->nlayers; l++)
            used |= n->L[l].pop == p;
        if (!used)
            return bad(o, e, "populations", "%s is not in the forward chain from %s",
                       s->pops[p].name, s->pops[src].name);
    }
    for (int l = 0; l < n->nlayers; l++) {
        const struct snn_layer *L = &n->L[l];
        const char *model = s->pops[L->pop].model->name;
        snprintf(path, sizeof path, "populations.%s.model", L->name);
        if (l == n->nlayers - 1 && L->spiking)
            return bad(o, e, path,
                       "%s spikes: the readout %s (the last layer) is a non-spiking leaky "
                       "integrator; use model = \"li\"",
                       model, L->name);
        if (l < n->nlayers - 1 && !L->spiking)
            return bad(o, e, path,
                       "%s does not spike: it is the readout's model (model = \"li\" for the "
                       "last layer only); the hidden layer %s needs a spiking one",
                       model, L->name);
        snprintf(path, sizeof path, "populations.%s.v_th", L->name);
        if (L->spiking && !(L->theta > 0))
            return bad(o, e, path, "%s: v_th must lie above the resting potential", L->name);
    }
    n->nout = n->L[n->nlayers - 1].n;
    return 0;
}

static int layer_of(const struct snn *n, int pop) {
    for (int l = 0; l < n->nlayers; l++)
        if (n->L[l].pop == pop) return l;
    return -1;
}

static int feedback(struct snn *n, const struct net_spec *s, const struct snn_opts *o,
                    struct err *e) {
    char path[SPEC_NAME + 32];
    for (int k = 0; k < s->nprojs; k++) {
        const int mode = o->feedback[k];
        if (mode == SNN_FB_NONE) continue;
        const struct proj_spec *pj = &s->projs[k];
        snprintf(path, sizeof path, "projections.%s.feedback", pj->name);
        if (mode < SNN_FB_NONE || mode > SNN_FB_LEARNED) /* learning/lcfg reads only names */
            return bad(o, e, path, "unknown mode %d", mode);
        const char *name = snn_feedback_names[mode];
        int to = layer_of(n, pj->to), from = layer_of(n, pj->from);
        if (to < 0 || from < 0 || to >= n->nlayers - 1)
            return bad(o, e, path, "feedback runs from a layer to a hidden layer below it");
        if (mode == SNN_FB_DIRECT && from != n->nlayers - 1)
            return bad(o, e, path, "%s feedback comes from the readout %s, not %s", name,
                       n->L[n->nlayers - 1].name, n->L[from].name);
        if (mode != SNN_FB_DIRECT && from != to + 1)
            return bad(o, e, path,
                       "%s feedback comes from the layer just above (%s), not %s "
                       "(or use %s)",
                       name, n->L[to + 1].name, n->L[from].name, snn_feedback_names[SNN_FB_DIRECT]);
        struct snn_layer *L = &n->L[to];
        if (L->fb_proj >= 0)
            return bad(o, e, path, "%s already gets feedback from projection %s", L->name,
                       s->projs[L->fb_proj].name);
        const struct pop_spec *ps = &s->pops[pj->to];
        int c = pj->port / ps->model->nports;
        /* the layer's own settings passed in chain(), so the model can refuse only the
         * receptor here, which it checks only where the input reaches the soma */
        struct nrn_linear lin;
        struct err why = {0};
        if (ps->model->linear(ps->params, &ps->shape, pj->port, n->dt, &lin, &why) != 0 ||
            lin.reaches_soma)
            return bad(o, e, path,
                       "compartment \"%s\" of %s is coupled to the soma: the error "
                       "needs a segregated apical compartment (g_c = 0 on its way to the soma)",
                       ps->shape.names[c], ps->name);
        if (pj->rule != CONN_ALL_TO_ALL)
            return bad(o, e, path, "feedback projections are all_to_all");
        if (mode != SNN_FB_SYMMETRIC && pj->weight.kind == DIST_CONST && pj->weight.a == 0)
            return bad(o, e, path, "%s feedback needs a weight distribution to draw from", name);
        L->fb = mode;
        L->fb_proj = k;
        L->fb_src = from;
    }
    return 0;
}

/* Each layer's D (snn.h, "Delays"): its forward projection's delay in steps + 1. The engine
 * rounds a delay to whole steps; training takes only delays that are whole already and the same
 * for every synapse, since the layers' events are shifted by one D per layer. Feedback
 * projections carry no signal forward, so their delays play no part. */
static int delays(struct snn *n, const struct net_spec *s, const struct snn_opts *o,
                  struct err *e) {
    char path[SPEC_NAME + 32];
    for (int l = 0; l < n->nlayers; l++) {
        const struct proj_spec *pj = &s->projs[n->L[l].proj];
        const struct dist *d = &pj->delay;
        snprintf(path, sizeof path, "projections.%s.delay", pj->name);
        if (d->kind != DIST_CONST)
            return bad(o, e, path,
                       "a distributed delay: a training network needs one constant delay per "
                       "forward projection, a whole number of steps (dt = %g ms)",
                       n->dt);
        double x = d->a / n->dt, st = floor(x + 0.5);
        if (!(fabs(x - st) <= 1e-9 * fmax(1.0, st)))
            return bad(o, e, path,
                       "%g ms is %.6g steps of dt = %g ms: a training network needs a whole "
                       "number of steps (the engine would round it to %.0f steps)",
                       d->a, x, n->dt, fmax(st, 1.0));
        n->L[l].delay = proj_delay_steps(d->a, n->dt) + 1;
    }
    return 0;
}

static void draw_weights(double *w, uint32_t rows, uint32_t cols, const struct dist *d,
                         uint64_t seed, int proj) {
    for (uint32_t j = 0; j < rows; j++) {
        struct rng r;
        rng_init(&r, seed, SNN_STREAM + (uint32_t)proj, j, 0);
        for (uint32_t i = 0; i < cols; i++)
            w[(size_t)j * cols + i] = dist_draw(d, &r);
    }
}

int snn_compile(struct snn **out, const struct net_spec *s, const struct snn_opts *o,
                struct err *e) {
    *out = NULL;
    struct snn *n = calloc(1, sizeof *n);
    if (!n) return err_set(e, ERR_NOMEM, "", 0, "", "out of memory");
    n->T = o->T;
    n->dt = s->dt_ms;
    n->soft = o->soft;
    n->detach_reset = o->detach_reset;
    n->surr = o->surr;
    n->loss = o->loss;
    n->mse_target = o->mse_target;
    n->rate_target_hz = o->rate_target_hz;
    n->rate_strength = o->rate_strength;
    int rc = 0;
    if (s->nprojs > SNN_MAX_PROJS)
        rc = bad(o, e, "projections", "%d projections: a training network has at most %d",
                 s->nprojs, SNN_MAX_PROJS);
    if (!rc) rc = chain(n, s, o, e);
    if (!rc) rc = feedback(n, s, o, e);
    if (!rc) rc = delays(n, s, o, e);
    if (rc) {
        free(n);
        return rc;
    }
    size_t off = 0;
    for (int l = 0; l < n->nlayers; l++) {
        n->L[l].w_off = off;
        off += (size_t)n->L[l].n_in * n->L[l].n;
    }
    n->nforward = off;
    for (int l = 0; l < n->nlayers; l++) {
        struct snn_layer *L = &n->L[l];
        if (L->fb == SNN_FB_NONE || L->fb == SNN_FB_SYMMETRIC) continue;
        L->b_off = off;
        off += (size_t)L->n * n->L[L->fb_src].n;
    }
    n->nparams = off;
    *out = n;
    return 0;
}

int snn_init_weights(struct snn *n, const struct net_spec *s, struct err *e) {
    free(n->params);
    n->params = malloc(sizeof *n->params * (n->nparams ? n->nparams : 1));
    if (!n->params) return err_set(e, ERR_NOMEM, "", 0, "", "out of memory (weights)");
    for (int l = 0; l < n->nlayers; l++) {
        struct snn_layer *L = &n->L[l];
        draw_weights(n->params + L->w_off, L->n_in, L->n, &s->projs[L->proj].weight, s->seed,
                     L->proj);
        if (L->fb != SNN_FB_NONE && L->fb != SNN_FB_SYMMETRIC)
            draw_weights(n->params + L->b_off, L->n, n->L[L->fb_src].n,
                         &s->projs[L->fb_proj].weight, s->seed, L->fb_proj);
    }
    return 0;
}

int snn_create(struct snn **out, const struct net_spec *s, const struct snn_opts *o,
               struct err *e) {
    int rc = snn_compile(out, s, o, e);
    if (!rc && (rc = snn_init_weights(*out, s, e))) {
        snn_destroy(*out);
        *out = NULL;
    }
    return rc;
}

void snn_destroy(struct snn *n) {
    if (!n) return;
    free(n->params);
    free(n);
}

/* ---- one sample ---- */

struct snn_lwork {
    double *U, *S, *G, *X, *Dl; /* T x n: potential, spike, q^T mu, ext, delta */
    double *z, *zn;             /* D x n */
    double *reg;                /* n: the regulariser's dLoss/ds */
    struct snn_input ev;        /* this layer's output spikes, by step */
};

struct snn_work {
    int nlayers;
    struct snn_lwork L[SNN_MAX_LAYERS];
    double *wt;   /* scratch: a transposed weight matrix */
    double *tmp;  /* scratch: max n */
    uint32_t *nz; /* scratch: max n */
};

struct snn_work *snn_work_create(const struct snn *n) {
    struct snn_work *w = calloc(1, sizeof *w);
    if (!w) return NULL;
    w->nlayers = n->nlayers;
    size_t maxw = 0, maxn = 0;
    int ok = 1;
    for (int l = 0; l < n->nlayers; l++) {
        const struct snn_layer *L = &n->L[l];
        struct snn_lwork *lw = &w->L[l];
        size_t tn = (size_t)n->T * L->n;
        double **arr[] = {&lw->U, &lw->S, &lw->G, &lw->X, &lw->Dl};
        for (size_t k = 0; k < sizeof arr / sizeof *arr; k++)
            ok &= (*arr[k] = calloc(tn ? tn : 1, sizeof(double))) != NULL;
        ok &= (lw->z = calloc((size_t)L->D * L->n, sizeof(double))) != NULL;
        ok &= (lw->zn = calloc((size_t)L->D * L->n, sizeof(double))) != NULL;
        ok &= (lw->reg = calloc(L->n, sizeof(double))) != NULL;
        ok &= snn_input_reserve(&lw->ev, (uint32_t)tn + 1, NULL) == 0; /* + the spare slot */
        if ((size_t)L->n_in * L->n > maxw) maxw = (size_t)L->n_in * L->n;
        if (L->n > maxn) maxn = L->n;
        if (L->n_in > maxn) maxn = L->n_in;
    }
    ok &= (w->wt = calloc(maxw ? maxw : 1, sizeof(double))) != NULL;
    ok &= (w->tmp = calloc(maxn + 1, sizeof(double))) != NULL;
    ok &= (w->nz = calloc(maxn + 1, sizeof(uint32_t))) != NULL;
    if (!ok) {
        snn_work_destroy(w);
        return NULL;
    }
    return w;
}

double snn_work_bytes(const struct snn *n) {
    double b = sizeof(struct snn_work), maxw = 0, maxn = 0;
    for (int l = 0; l < n->nlayers; l++) {
        const struct snn_layer *L = &n->L[l];
        double tn = (double)n->T * L->n;
        b += 5 * 8 * tn + 2 * 8.0 * L->D * L->n + 8.0 * L->n; /* U S G X Dl, z zn, reg */
        b += (tn + 1) * (4 + 4 + 8);                          /* ev: t, j, v */
        maxw = fmax(maxw, (double)L->n_in * L->n);
        maxn = fmax(maxn, fmax(L->n, L->n_in));
    }
    return b + 8 * maxw + (maxn + 1) * (8 + 4); /* wt, tmp, nz */
}

void snn_work_destroy(struct snn_work *w) {
    if (!w) return;
    for (int l = 0; l < w->nlayers; l++) {
        struct snn_lwork *lw = &w->L[l];
        free(lw->U), free(lw->S), free(lw->G), free(lw->X), free(lw->Dl);
        free(lw->z), free(lw->zn), free(lw->reg);
        snn_input_free(&lw->ev);
    }
    free(w->wt);
    free(w->tmp);
    free(w->nz);
    free(w);
}

const double *snn_work_u(const struct snn_work *w, int l) {
    return w->L[l].U;
}
const double *snn_work_s(const struct snn_work *w, int l) {
    return w->L[l].S;
}

/* The hot loops are compiled for AVX-512, AVX2 and plain x86-64 and picked at load time; all are
 * elementwise with the same operation order, so every clone gives the same bits. */
#define SNN_HOT __attribute__((target_clones("avx512f", "avx2", "default")))

/* y[i] += v x[i] */
SNN_HOT static void axpy(uint32_t m, double v, const double *restrict x, double *restrict y) {
    for (uint32_t i = 0; i < m; i++)
        y[i] += v * x[i];
}

/* zn = P z + q c for m units (D rows of m each). Specialised for small D so the unit loop is the
 * only loop left and vectorises; the sum runs q, then k = 0 .. D-1, in every variant. */
static inline __attribute__((always_inline)) void step_d(const int D, const double *Pm,
                                                         const double *qv, const double *restrict z,
                                                         const double *restrict c,
                                                         double *restrict zn, uint32_t m) {
    double P[SNN_MAX_D * SNN_MAX_D], q[SNN_MAX_D];
    memcpy(P, Pm, sizeof(double) * D * D);
    memcpy(q, qv, sizeof(double) * D);
    for (uint32_t i = 0; i < m; i++)
        for (int r = 0; r < D; r++) {
            double a = q[r] * c[i];
            for (int k = 0; k < D; k++)
                a += P[r * D + k] * z[(size_t)k * m + i];
            zn[(size_t)r * m + i] = a;
        }
}

SNN_HOT static void step_all(int D, const double *P, const double *q, const double *z,
                             const double *c, double *zn, uint32_t m) {
    switch (D) {
    case 2:
        step_d(2, P, q, z, c, zn, m);
        break;
    case 3:
        step_d(3, P, q, z, c, zn, m);
        break;
    default:
        step_d(D, P, q, z, c, zn, m);
        break;
    }
}

SNN_HOT static void threshold(uint32_t m, const double *restrict u, double theta,
                              double *restrict s) {
    for (uint32_t i = 0; i < m; i++)
        s[i] = u[i] >= theta ? 1.0 : 0.0;
}

/* the soma after a spike s: v + s (r - u), so a soft spike moves it part of the way */
SNN_HOT static void reset(uint32_t m, const double *restrict u, const double *restrict s, double r,
                          double *restrict v) {
    for (uint32_t i = 0; i < m; i++)
        v[i] += s[i] * (r - u[i]);
}

/* c = sum over the events k0 .. k1 - 1 of v W[j], in that order, four rows per pass over c. */
SNN_HOT static void gather_step(uint32_t m, const double *W, const struct snn_input *in,
                                uint32_t k0, uint32_t k1, double *restrict c) {
    memset(c, 0, sizeof(double) * m);
    uint32_t k = k0;
    for (; k + 4 <= k1; k += 4) {
        const double v0 = in->v[k], v1 = in->v[k + 1], v2 = in->v[k + 2], v3 = in->v[k + 3];
        const double *w0 = W + (size_t)in->j[k] * m, *w1 = W + (size_t)in->j[k + 1] * m,
                     *w2 = W + (size_t)in->j[k + 2] * m, *w3 = W + (size_t)in->j[k + 3] * m;
        for (uint32_t i = 0; i < m; i++) {
            double a = c[i];
            a += v0 * w0[i];
            a += v1 * w1[i];
            a += v2 * w2[i];
            a += v3 * w3[i];
            c[i] = a;
        }
    }
    for (; k < k1; k++)
        axpy(m, in->v[k], W + (size_t)in->j[k] * m, c);
}

/* Appends (t, i, s_i) for every s_i != 0. Spikes are rare: eight units at a time are skipped
 * when all their bits but the signs are zero (-0 is no spike, as in s != 0). */
static void push_spikes(uint32_t m, const double *s, uint32_t t, struct snn_input *ev) {
    uint32_t ne = ev->n, i = 0;
    for (; i + 8 <= m; i += 8) {
        uint64_t any = 0;
        for (int k = 0; k < 8; k++) {
            uint64_t b;
            memcpy(&b, s + i + k, sizeof b);
            any |= b << 1;
        }
        if (!any) continue;
        for (uint32_t k = i; k < i + 8; k++)
            if (s[k] != 0) ev->t[ne] = t, ev->j[ne] = k, ev->v[ne++] = s[k];
    }
    for (; i < m; i++)
        if (s[i] != 0) ev->t[ne] = t, ev->j[ne] = i, ev->v[ne++] = s[i];
    ev->n = ne;
}

/* One layer from rest: each step's input c(t) = sum over the input events that arrive in it
 * (stamped t - D) of v W[j] (gathered as the steps come, events are sorted by step; those
 * arriving at T or later are never reached), then the exact step and the spikes. c is scratch
 * of m. */
static void layer_forward(const struct snn *n, const struct snn_layer *L, struct snn_lwork *lw,
                          const struct snn_input *in, double *c) {
    const uint32_t m = L->n;
    const int D = L->D;
    const double *W = n->params + L->w_off;
    memset(lw->z, 0, sizeof(double) * D * m); /* every sample starts at rest */
    lw->ev.n = 0;
    const uint32_t dl = L->delay;
    uint32_t k = 0;
    for (uint32_t t = 0; t < n->T; t++) {
        uint32_t k1 = k;
        while (t >= dl && k1 < in->n && in->t[k1] == t - dl)
            k1++;
        gather_step(m, W, in, k, k1, c);
        k = k1;
        step_all(D, L->P, L->q, lw->z, c, lw->zn, m);
        double *u = lw->U + (size_t)t * m, *s = lw->S + (size_t)t * m, *v = lw->zn;
        memcpy(u, v, sizeof(double) * m);
        if (L->spiking) {
            if (n->soft)
                surr_step_n(&n->surr, m, u, L->theta, s);
            else
                threshold(m, u, L->theta, s);
            reset(m, u, s, L->reset, v);
            push_spikes(m, s, t, &lw->ev);
        }
        double *sw = lw->z;
        lw->z = lw->zn;
        lw->zn = sw;
    }
}

/* Per-step loss of the readout and its gradient dLoss/dy(t) into X (already divided by T). */
/* libm's exp: saturated softmaxes cancel in p - 1, where vexp's last-bit differences would show */
static double readout_loss(const struct snn *n, struct snn_lwork *lw, int label, int *pred,
                           double *sum) {
    const uint32_t K = n->nout, T = n->T;
    double loss = 0;
    for (uint32_t k = 0; k < K; k++)
        sum[k] = 0;
    for (uint32_t t = 0; t < T; t++) {
        const double *y = lw->U + (size_t)t * K;
        double *d = lw->X + (size_t)t * K;
        for (uint32_t k = 0; k < K; k++)
            sum[k] += y[k];
        if (n->loss == SNN_LOSS_CE_MEAN) continue;
        if (n->loss == SNN_LOSS_CE) {
            double mx = y[0], z = 0;
            for (uint32_t k = 1; k < K; k++)
                mx = y[k] > mx ? y[k] : mx;
            for (uint32_t k = 0; k < K; k++)
                d[k] = exp(y[k] - mx);
            for (uint32_t k = 0; k < K; k++)
                z += d[k];
            loss += (log(z) + mx - y[label]) / T;
            for (uint32_t k = 0; k < K; k++)
                d[k] = (d[k] / z - (k == (uint32_t)label)) / T;
        } else {
            for (uint32_t k = 0; k < K; k++) {
                double r = y[k] - (k == (uint32_t)label ? n->mse_target : 0.0);
                loss += 0.5 * r * r / T;
                d[k] = r / T;
            }
        }
    }
    if (n->loss == SNN_LOSS_CE_MEAN) {
        /* one softmax of the time-mean potential; every step shares its gradient */
        double mx = sum[0] / T, z = 0, *p = lw->X;
        for (uint32_t k = 1; k < K; k++)
            mx = sum[k] / T > mx ? sum[k] / T : mx;
        for (uint32_t k = 0; k < K; k++)
            p[k] = exp(sum[k] / T - mx);
        for (uint32_t k = 0; k < K; k++)
            z += p[k];
        loss = log(z) + mx - sum[label] / T;
        for (uint32_t k = 0; k < K; k++)
            p[k] = (p[k] / z - (k == (uint32_t)label)) / T;
        for (uint32_t t = 1; t < T; t++)
            memcpy(lw->X + (size_t)t * K, p, sizeof(double) * K);
    }
    int best = 0;
    for (uint32_t k = 1; k < K; k++)
        if (sum[k] > sum[best]) best = (int)k;
    *pred = best;
    return loss;
}

void snn_forward(const struct snn *n, struct snn_work *w, const struct snn_input *in, int label,
                 struct snn_result *r) {
    memset(r, 0, sizeof *r);
    const struct snn_input *ev = in;
    for (int l = 0; l < n->nlayers; l++) {
        const struct snn_layer *L = &n->L[l];
        struct snn_lwork *lw = &w->L[l];
        layer_forward(n, L, lw, ev, w->tmp);
        ev = &lw->ev;
        if (!L->spiking) continue;
        /* the firing-rate regulariser: strength x mean over units of (rate - target)^2 */
        double cnt = 0, to_hz = 1000.0 / (n->T * n->dt);
        for (uint32_t k = 0; k < lw->ev.n; k++)
            cnt += lw->ev.v[k];
        r->spikes[l] = cnt;
        memset(lw->reg, 0, sizeof(double) * L->n);
        if (n->rate_strength > 0) {
            double *rate = w->tmp;
            memset(rate, 0, sizeof(double) * L->n);
            for (uint32_t k = 0; k < lw->ev.n; k++)
                rate[lw->ev.j[k]] += lw->ev.v[k] * to_hz;
            for (uint32_t i = 0; i < L->n; i++) {
                double d = rate[i] - n->rate_target_hz;
                r->loss += n->rate_strength * d * d / L->n;
                lw->reg[i] = n->rate_strength * 2 * d / L->n * to_hz;
            }
        }
    }
    struct snn_lwork *top = &w->L[n->nlayers - 1];
    r->loss += readout_loss(n, top, label, &r->pred, w->tmp);
}

/* ext[t][j] = f * sum_i M[j][i] v[t][i] for t < steps (i ascending; ext starts at zero), M rows
 * of length m (j < rows), via its transpose so that the inner loop runs along j; four terms of i
 * per pass over ext[t]. A step whose v equals the step before's gets a copy of its row: the same
 * sum (with loss = "softmax_ce_mean" the readout's error is the same in every step). A shift by
 * D is v + D m over T - D steps. */
SNN_HOT static void back_project(uint32_t steps, double *restrict wt, const double *M,
                                 uint32_t rows, uint32_t m, double f, const double *v,
                                 double *restrict ext, uint32_t *nz) {
    for (uint32_t j = 0; j < rows; j++)
        for (uint32_t i = 0; i < m; i++)
            wt[(size_t)i * rows + j] = f * M[(size_t)j * m + i];
    for (uint32_t t = 0; t < steps; t++) {
        const double *vt = v + (size_t)t * m;
        double *restrict x = ext + (size_t)t * rows;
        if (t > 0 && !memcmp(vt, vt - m, sizeof(double) * m)) {
            memcpy(x, x - rows, sizeof(double) * rows);
            continue;
        }
        uint32_t cnt = 0;
        for (uint32_t i = 0; i < m; i++)
            if (vt[i] != 0) nz[cnt++] = i;
        uint32_t k = 0;
        for (; k + 4 <= cnt; k += 4) {
            const double g0 = vt[nz[k]], g1 = vt[nz[k + 1]], g2 = vt[nz[k + 2]], g3 = vt[nz[k + 3]];
            const double *c0 = wt + (size_t)nz[k] * rows, *c1 = wt + (size_t)nz[k + 1] * rows,
                         *c2 = wt + (size_t)nz[k + 2] * rows, *c3 = wt + (size_t)nz[k + 3] * rows;
            for (uint32_t j = 0; j < rows; j++) {
                double a = x[j];
                a += g0 * c0[j];
                a += g1 * c1[j];
                a += g2 * c2[j];
                a += g3 * c3[j];
                x[j] = a;
            }
        }
        for (; k < cnt; k++)
            axpy(rows, vt[nz[k]], wt + (size_t)nz[k] * rows, x);
    }
}

/* Row j of gw += scale v g for each event (t, j, v) of k0 .. k1 - 1, all of one step (so the rows
 * are distinct), four rows per pass over g; each row gets the same single term as one by one. */
SNN_HOT static void scatter_step(uint32_t m, double scale, const double *restrict g,
                                 const struct snn_input *ev, uint32_t k0, uint32_t k1, double *gw) {
    uint32_t k = k0;
    for (; k + 4 <= k1; k += 4) {
        const double v0 = scale * ev->v[k], v1 = scale * ev->v[k + 1], v2 = scale * ev->v[k + 2],
                     v3 = scale * ev->v[k + 3];
        double *restrict r0 = gw + (size_t)ev->j[k] * m,
                         *restrict r1 = gw + (size_t)ev->j[k + 1] * m,
                         *restrict r2 = gw + (size_t)ev->j[k + 2] * m,
                         *restrict r3 = gw + (size_t)ev->j[k + 3] * m;
        for (uint32_t i = 0; i < m; i++) {
            const double x = g[i];
            r0[i] += v0 * x;
            r1[i] += v1 * x;
            r2[i] += v2 * x;
            r3[i] += v3 * x;
        }
    }
    for (; k < k1; k++)
        axpy(m, scale * ev->v[k], g, gw + (size_t)ev->j[k] * m);
}

/* One step of the adjoint for m units: nu = P^T mu, then the spike's terms (mode 0: readout,
 * 1: apical rule, 2: BPTT, keep = 1 differentiates the reset), then g = q^T nu. */
static inline __attribute__((always_inline)) void
adj_d(const int D, const double *Pm, const double *qv, const int mode, double keep, double reset,
      const double *restrict mu, double *restrict nu, const double *restrict u,
      const double *restrict s, const double *restrict x, const double *restrict reg,
      const double *restrict psi, double *restrict dl, double *restrict g, uint32_t m) {
    double P[SNN_MAX_D * SNN_MAX_D], q[SNN_MAX_D];
    memcpy(P, Pm, sizeof(double) * D * D);
    memcpy(q, qv, sizeof(double) * D);
    for (uint32_t i = 0; i < m; i++) {
        double o[SNN_MAX_D] = {0};
        for (int k = 0; k < D; k++) {
            double a = 0;
            for (int r = 0; r < D; r++)
                a += P[r * D + k] * mu[(size_t)r * m + i];
            o[k] = a;
        }
        if (mode == 0) {
            o[0] += x[i];
            dl[i] = x[i];
        } else if (mode == 1) {
            double d = (x[i] + reg[i]) * psi[i];
            dl[i] = d;
            o[0] += d;
        } else {
            double ds = x[i] + reg[i] + keep * o[0] * (reset - u[i]);
            o[0] = o[0] * (1 - s[i]) + ds * psi[i];
        }
        double a = 0;
        for (int r = 0; r < D; r++) {
            nu[(size_t)r * m + i] = o[r];
            a += q[r] * o[r];
        }
        g[i] = a;
    }
}

SNN_HOT static void adj_step(int D, const double *P, const double *q, int mode, double keep,
                             double reset, const double *mu, double *nu, const double *u,
                             const double *s, const double *x, const double *reg, const double *psi,
                             double *dl, double *g, uint32_t m) {
    /* D and the mode as constants: each case is one branch-free loop the vectoriser takes */
#define ADJ(d, md) adj_d(d, P, q, md, keep, reset, mu, nu, u, s, x, reg, psi, dl, g, m)
#define ADJ_MODES(d) (mode == 0 ? ADJ(d, 0) : mode == 1 ? ADJ(d, 1) : ADJ(d, 2))
    switch (D) {
    case 1:
        ADJ_MODES(1);
        break;
    case 2:
        ADJ_MODES(2);
        break;
    case 3:
        ADJ_MODES(3);
        break;
    default:
        ADJ_MODES(D);
        break;
    }
#undef ADJ_MODES
#undef ADJ
}

/* The adjoint of one layer, t = T-1 .. 0, given X = dLoss/ds (or the apical potential a, for
 * the apical rule): fills G = q^T mu and, for the apical rule, Dl = a psi. */
static void layer_backward(const struct snn *n, const struct snn_layer *L, struct snn_lwork *lw,
                           int rule, double *psi) {
    const uint32_t m = L->n;
    const int D = L->D;
    const int mode = !L->spiking ? 0 : rule == SNN_BPTT ? 2 : 1;
    /* detached: the reset's s is held constant (no psi path through the reset) */
    const double keep = n->detach_reset ? 0.0 : 1.0;
    double *mu = lw->z, *nu = lw->zn;
    memset(mu, 0, sizeof(double) * D * m);
    for (uint32_t tt = n->T; tt-- > 0;) {
        const size_t o = (size_t)tt * m;
        if (mode) surr_psi_n(&n->surr, m, lw->U + o, L->theta, psi);
        adj_step(D, L->P, L->q, mode, keep, L->reset, mu, nu, lw->U + o, lw->S + o, lw->X + o,
                 lw->reg, psi, lw->Dl + o, lw->G + o, m);
        double *sw = mu;
        mu = nu;
        nu = sw;
    }
}

/* Layer l's forward weights: row j of its block of grad += scale v G[t + D] for each input
 * event (t, j, v); events are sorted, and those stamped `until` or later, arriving at T or
 * later, are the tail. */
static void layer_weights(const struct snn *n, struct snn_work *w, const struct snn_input *in,
                          int l, double scale, double *grad) {
    const struct snn_layer *L = &n->L[l];
    const struct snn_lwork *lw = &w->L[l];
    const struct snn_input *ev = l ? &w->L[l - 1].ev : in;
    double *gw = grad + L->w_off;
    const uint32_t m = L->n, dl = L->delay, until = dl < n->T ? n->T - dl : 0;
    for (uint32_t k = 0; k < ev->n && ev->t[k] < until;) {
        uint32_t k1 = k;
        while (k1 < ev->n && ev->t[k1] == ev->t[k])
            k1++;
        scatter_step(m, scale, lw->G + (size_t)(ev->t[k] + dl) * m, ev, k, k1, gw);
        k = k1;
    }
}

void snn_layer_apical(const struct snn *n, struct snn_work *w, const struct snn_input *in, int l,
                      const double *x, double scale, double *grad) {
    struct snn_lwork *lw = &w->L[l];
    memcpy(lw->X, x, sizeof(double) * n->T * n->L[l].n);
    layer_backward(n, &n->L[l], lw, SNN_APICAL, w->tmp);
    layer_weights(n, w, in, l, scale, grad);
}

void snn_backward(const struct snn *n, struct snn_work *w, const struct snn_input *in, int label,
                  int rule, double scale, double *grad) {
    (void)label; /* the readout's dLoss/dy was left in its X by snn_forward */
    for (int l = 0; l < n->nlayers - 1; l++)
        memset(w->L[l].X, 0, sizeof(double) * n->T * n->L[l].n);
    for (int l = n->nlayers - 1; l >= 0; l--) {
        const struct snn_layer *L = &n->L[l];
        struct snn_lwork *lw = &w->L[l];
        if (rule == SNN_APICAL && l < n->nlayers - 1 && L->fb != SNN_FB_NONE) {
            const struct snn_layer *A = &n->L[L->fb_src];
            const double *B =
                L->fb == SNN_FB_SYMMETRIC ? n->params + A->w_off : n->params + L->b_off;
            /* a(t) pairs with the error where this layer's spikes of t land in A: S steps on */
            uint32_t S = 0;
            for (int k = l + 1; k <= L->fb_src; k++)
                S += n->L[k].delay;
            /* symmetric: W of the layer above is n x A->n in [i][k] order, as B is */
            if (S < n->T)
                back_project(n->T - S, w->wt, B, L->n, A->n, A->kgain,
                             w->L[L->fb_src].Dl + (size_t)S * A->n, lw->X, w->nz);
        }
        layer_backward(n, L, lw, rule, w->tmp);
        layer_weights(n, w, in, l, scale, grad);
        const uint32_t m = L->n, dl = L->delay;
        /* dLoss/ds of the layer below at t: W G[t + D] (nothing for t + D >= T) */
        if (rule == SNN_BPTT && l > 0 && dl < n->T)
            back_project(n->T - dl, w->wt, n->params + L->w_off, L->n_in, m, 1.0,
                         lw->G + (size_t)dl * m, w->L[l - 1].X, w->nz);
    }
}
