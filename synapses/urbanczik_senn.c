/* synapses/urbanczik_senn: see urbanczik_senn.h. Per (source, part) the rule keeps the two
 * traces of the source's arrivals, x_L and x_s (each arrival adds 1, then they decay with tau_L
 * and tau_s: PSP = c (x_L - x_s)), and the arrivals still on their way (a ring of delay + 1
 * slots: a spike stamped S arrives at the end of update S - 1 + d, where its current jumps).
 * Per synapse: the initial weight w0, the running sum I of the changes and their low-pass
 * E = sum_k PI_k e^{-(t - t_k)/tau_Delta}, so that w = w0 + I - E (NEST's PI_integral_ and
 * PI_exp_integral_). Per target neuron, one double the step reuses. Cost per step: two
 * quantities per target neuron (an exp each), two multiplies per source, a few flops per
 * synapse. */
#include "synapses/urbanczik_senn.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

enum { P_ETA, P_TAU_DELTA, P_W_MIN, P_W_MAX };

#define US_MAX_DELAY 4096 /* steps: the arrivals' ring is per source */
#define US_PAPER_UNIT 15.0 /* mV: NEST's h and its weight scale each carry one */

static const struct param params[] = {
    {"eta", "", 0.07, 0, 1e12, 0, 0, NULL,
     "learning rate (NEST's eta, same units: the weight scale 15 tau_L tau_s / (tau_L - "
     "tau_s) is applied here, as there)"},
    {"tau_Delta", "ms", 100.0, 0, 1e9, 1, 0, NULL,
     "time constant of the low-pass filter of the weight change (NEST's tau_Delta)"},
    {"w_min", "", 0.0, -1e12, 1e12, 0, 0, NULL, "lower bound of the weight (NEST's Wmin)"},
    {"w_max", "", 100.0, -1e12, 1e12, 0, 0, NULL, "upper bound of the weight (NEST's Wmax)"},
};

struct us {
    double eta, w_min, w_max, e_delta; /* e_delta = e^{-dt/tau_Delta} */
    /* from bind */
    int q_phi, q_h;     /* the target's quantities phi_star, h_star */
    double e_l, e_s;    /* per-step decay of the traces */
    double scale;       /* eta 15 mV 15 c, c = tau_L tau_s / (tau_L - tau_s) */
    uint32_t delay, W;  /* steps; arrival slots */
};

static int prepare(const double *p, double dt_ms, void *derived, struct pl_needs *needs,
                   struct err *e)
{
    struct us *s = derived;
    memset(s, 0, sizeof *s);
    s->eta = p[P_ETA];
    s->w_min = p[P_W_MIN];
    s->w_max = p[P_W_MAX];
    if (s->w_min > s->w_max)
        return err_set(e, ERR_INPUT, NULL, 0, "w_min", "%g is above w_max (%g)", s->w_min, s->w_max);
    s->e_delta = exp(-dt_ms / p[P_TAU_DELTA]);
    needs->changes_weight = 1;
    needs->flushes = 1; /* it reads no spike history: nothing to flush */
    return 0;
}

/* The choice a population made for its model's parameter `name` ("" if it has none). */
static const char *choice_of(const struct pl_target *t, const char *name)
{
    const int k = nrn_param_index(t->model, name);
    if (k < 0 || !t->model->params[k].choices) return "";
    return t->model->params[k].choices[(int)t->params[k]];
}

static int bind(void *derived, const struct pl_target *t, struct pl_needs *needs, struct err *e)
{
    struct us *s = derived;
    const struct nrn_ops *m = t->model;
    s->q_phi = nrn_quantity_index(m, "phi_star");
    s->q_h = nrn_quantity_index(m, "h_star");
    if (!m->quantity || s->q_phi < 0 || s->q_h < 0)
        return err_set(e, ERR_INPUT, NULL, 0, "model", "%s declares no dendritic prediction "
                       "(quantities phi_star and h_star: mc_lif does)", m->name);
    if (strcmp(choice_of(t, "spiking"), "escape"))
        return err_set(e, ERR_INPUT, NULL, 0, "spiking", "the rule compares the soma's spikes "
                       "with the rate phi they are drawn from: the target must spike by escape "
                       "noise (spiking = \"escape\")");
    /* conductance synapses: the kernel is the conductance's time course times the membrane's,
     * the driving force left out (docs/dendritic.md); a conductance cannot go below 0 */
    if (!strcmp(choice_of(t, "synapse"), "conductance") && s->w_min < 0)
        return err_set(e, ERR_INPUT, NULL, 0, "w_min", "%g: the target's synapses are "
                       "conductances (synapse = \"conductance\"), which cannot be negative; set "
                       "w_min >= 0", s->w_min);
    const int comp = m->max_comps ? t->port / m->nports : 0, r = t->port % m->nports;
    const char *cname = t->shape->names[comp];
    if (comp == 0 || t->shape->parent[comp] != 0)
        return err_set(e, ERR_INPUT, NULL, 0, "compartment", "the synapses are on %s%s%s: the "
                       "rule learns the dendritic prediction, made of the soma's children (set "
                       "compartment)", comp ? "\"" : "the soma", comp ? cname : "",
                       comp ? "\", not a child of the soma" : "");
    char tname[32];
    snprintf(tname, sizeof tname, "tau_syn_%s", m->port_names[r]);
    const int kc = nrn_cparam_index(m, "c_m"), kl = nrn_cparam_index(m, "g_l"),
              kg = nrn_cparam_index(m, "g_c"), ks = nrn_cparam_index(m, tname);
    if (kc < 0 || kl < 0 || kg < 0 || ks < 0)
        return err_set(e, ERR_INPUT, NULL, 0, "model", "%s has no c_m, g_l, g_c and %s per "
                       "compartment", m->name, tname);
    const double *cp = t->shape->cparams[comp];
    if (!(cp[kg] > 0))
        return err_set(e, ERR_INPUT, NULL, 0, "compartment", "\"%s\" is not coupled to the soma "
                       "(g_c = 0): it is not in the dendritic prediction", cname);
    if (!(cp[kl] > 0))
        return err_set(e, ERR_INPUT, NULL, 0, "compartment", "\"%s\" has g_l = 0: the PSP's "
                       "tau_L = c_m / g_l is infinite", cname);
    const double tau_l = cp[kc] / cp[kl], tau_s = cp[ks];
    if (fabs(tau_l - tau_s) <= 1e-6 * tau_l)
        return err_set(e, ERR_INPUT, NULL, 0, "compartment", "\"%s\": %s = %g ms equals tau_L = "
                       "c_m / g_l = %g ms; the PSP kernel (as NEST's) divides by their difference",
                       cname, tname, tau_s, tau_l);
    if (t->delay < 1 || t->delay > US_MAX_DELAY)
        return err_set(e, ERR_INPUT, NULL, 0, "delay", "%u steps; the rule keeps 1 to %d steps "
                       "of arrivals", t->delay, US_MAX_DELAY);
    s->e_l = exp(-t->dt_ms / tau_l);
    s->e_s = exp(-t->dt_ms / tau_s);
    s->scale = s->eta * US_PAPER_UNIT * US_PAPER_UNIT * tau_l * tau_s / (tau_l - tau_s);
    s->delay = t->delay;
    s->W = t->delay + 1;
    needs->npre = 2 + (int)s->W;
    needs->npost = 1;
    needs->nsynd = 3;
    return 0;
}

static void bounds(const void *derived, double *lo, double *hi)
{
    const struct us *s = derived;
    *lo = s->w_min;
    *hi = s->w_max;
}

static void init_synd(const void *derived, float w, double *synd)
{
    (void)derived;
    synd[0] = w; /* w0 */
    synd[1] = 0; /* I: the changes so far */
    synd[2] = 0; /* E: their low-pass */
}

/* A spike on its way: its amplitude, in the slot of the update it arrives in. */
static double on_pre(const struct pl_row *r)
{
    const struct us *s = r->derived;
    if (r->flush) return 1.0;
    const int64_t at = r->stamp - 1 + s->delay;
    r->pre[2 + (int)(at % s->W)] += r->amp;
    return 1.0;
}

static void on_step(const struct pl_step *st)
{
    const struct us *s = st->derived;
    const uint32_t n = st->end - st->begin;
    /* g_i = scale (S_i - phi(V*_i) dt) h(V*_i), S_i the spikes of this update */
    double *g = st->scratch, *h = st->post + st->begin;
    st->model->quantity(st->model_derived, st->state, s->q_phi, st->begin, st->end, g);
    st->model->quantity(st->model_derived, st->state, s->q_h, st->begin, st->end, h);
    for (uint32_t i = 0; i < n; i++) g[i] = -g[i] * st->dt_ms;
    for (uint32_t k = 0; k < st->nspikes; k++) g[st->spikes[k] - st->begin] += 1.0;
    for (uint32_t i = 0; i < n; i++) g[i] *= s->scale * h[i];
    const int in = (int)(st->step % s->W); /* what arrived at the end of this update */
    for (uint32_t src = 0; src < st->nsrc; src++) {
        const size_t cell = (size_t)src * st->nparts + st->part;
        double *x = st->pre + cell * (2 + s->W);
        const double a = x[2 + in];
        x[2 + in] = 0;
        x[0] = x[0] * s->e_l + a;
        x[1] = x[1] * s->e_s + a;
        const double psp = x[0] - x[1];
        for (uint64_t q = st->row[cell]; q < st->row[cell + 1]; q++) {
            double *y = st->synd + 3 * q;
            const double pi = g[st->tgt[q] - st->begin] * psp;
            y[1] += pi;
            y[2] = y[2] * s->e_delta + pi;
            const double w = y[0] + (y[1] - y[2]);
            st->w[q] = (float)(w < s->w_min ? s->w_min : w > s->w_max ? s->w_max : w);
        }
    }
}

const struct pl_rule urbanczik_senn_rule = {
    .name = "urbanczik_senn",
    .doc = "Urbanczik & Senn (2014), NEST's urbanczik_synapse: dendritic synapses learn the "
           "soma's spikes, dw ~ eta (S - phi(V*)) h(V*) PSP_j, low-pass filtered",
    .params = params,
    .nparams = (int)(sizeof params / sizeof params[0]),
    .derived_size = sizeof(struct us),
    .prepare = prepare,
    .bounds = bounds,
    .on_pre = on_pre,
    .bind = bind,
    .init_synd = init_synd,
    .on_step = on_step,
};
