/* synapses/apical: see apical.h. Per (source, part) the rule keeps the trace's linear state z
 * (D doubles, z <- P z + q x each step, x the weight-free input that arrived: the target
 * model's propagator from nrn_ops.linear), the arrivals still on their way (a ring of
 * delay + 2 slots: a spike delivered at step s arrives in update s + d and moves the soma
 * from update s + d + 1) and, with a lag, the trace's last lag + 1 values. Per target neuron:
 * psi's last lag + 1 values. Per synapse: the weight in double and the sum since the window
 * began. Cost per step: D^2 per source and one multiply-add per synapse. psi reads the soma as
 * the update left it, but at a spike the potential that crossed (pl_step.v_spike), as the
 * trainer's psi does: the sums are the trainer's (tests/test_online_trainer). */
#include "synapses/apical.h"

#include <math.h>
#include <string.h>

#include "core/surrogate.h"

enum { P_ETA, P_A_REST, P_PSI, P_SURROGATE, P_BETA, P_GAMMA, P_WINDOW, P_LAG, P_W_MIN, P_W_MAX };

enum { PSI_SURROGATE, PSI_ONE };
static const char *const psi_choices[] = {"surrogate", "one", NULL};

#define APICAL_MAX_DELAY 4096 /* steps: the arrivals' ring is per source */
#define APICAL_MAX_LAG 65536  /* steps */

static const struct param params[] = {
    {"eta", "", 0.001, 0, 1e12, 0, 0, NULL,
     "learning rate: dw/dt = eta (a - a_rest) psi e, w in the projection's unit, t in ms"},
    {"a_rest", "mV", NAN, -1e4, 1e4, 0, 0, NULL,
     "the apical potential that means no error (default: the compartment's resting potential)"},
    {"psi", "", PSI_SURROGATE, 0, 0, 0, 0, psi_choices,
     "\"surrogate\": psi(u - v_th); \"one\": psi = 1, for a readout whose soma never spikes "
     "(the trainer's readout rule)"},
    {"surrogate", "", SURR_FAST_SIGMOID, 0, 0, 0, 0, surr_names,
     "shape of psi, the surrogate derivative of the soma's spike (learning.md)"},
    {"beta", "/mV", NAN, 0, 1e9, 1, 0, NULL, "width of psi (default: the shape's)"},
    {"gamma", "", NAN, 0, 1e9, 1, 0, NULL, "psi at threshold (default: the shape's)"},
    {"window", "ms", 0.0, 0, 1e9, 0, 0, NULL,
     "changes are summed and applied every window (0: every step)"},
    {"lag", "ms", 0.0, 0, 1e9, 0, 0, NULL,
     "the error at t pairs with psi and e of t - lag (the feedback's round trip)"},
    {"w_min", "", -1e12, -1e12, 1e12, 0, 0, NULL, "lower bound of the weight"},
    {"w_max", "", 1e12, -1e12, 1e12, 0, 0, NULL, "upper bound of the weight"},
};

struct apical {
    double eta, a_rest, w_min, w_max;
    int psi_one;
    struct surr surr;
    int64_t window, lag; /* steps */
    /* from bind */
    int D, W, L;         /* trace state, arrival slots, lag slots */
    int npre;
    int a_var;           /* state index of the apical compartment's potential */
    double v_th;         /* mV */
    uint32_t delay;
    double P[NRN_LIN_MAX * NRN_LIN_MAX], q[NRN_LIN_MAX];
};

static int prepare(const double *p, double dt_ms, void *derived, struct pl_needs *needs,
                   struct err *e)
{
    struct apical *s = derived;
    memset(s, 0, sizeof *s);
    s->eta = p[P_ETA];
    s->a_rest = p[P_A_REST];
    s->psi_one = p[P_PSI] == PSI_ONE;
    s->w_min = p[P_W_MIN];
    s->w_max = p[P_W_MAX];
    if (s->w_min > s->w_max)
        return err_set(e, ERR_INPUT, NULL, 0, "w_min", "%g is above w_max (%g)", s->w_min, s->w_max);
    if (surr_init(&s->surr, surr_names[(int)p[P_SURROGATE]], p[P_BETA], p[P_GAMMA], "", e))
        return e->code;
    const double w = floor(p[P_WINDOW] / dt_ms + 0.5), l = floor(p[P_LAG] / dt_ms + 0.5);
    if (p[P_WINDOW] > 0 && (w < 1 || fabs(w * dt_ms - p[P_WINDOW]) > 1e-9 * p[P_WINDOW]))
        return err_set(e, ERR_INPUT, NULL, 0, "window", "%g ms is not a whole number of steps "
                       "(dt = %g ms)", p[P_WINDOW], dt_ms);
    if (fabs(l * dt_ms - p[P_LAG]) > 1e-9 * p[P_LAG] || l > APICAL_MAX_LAG)
        return err_set(e, ERR_INPUT, NULL, 0, "lag", "%g ms must be a whole number of steps "
                       "(dt = %g ms), at most %d of them", p[P_LAG], dt_ms, APICAL_MAX_LAG);
    s->window = w < 1 ? 1 : (int64_t)w;
    s->lag = (int64_t)l;
    needs->changes_weight = 1;
    needs->flushes = 1; /* it reads no spike history: nothing to flush */
    return 0;
}

static int bind(void *derived, const struct pl_target *t, struct pl_needs *needs, struct err *e)
{
    struct apical *s = derived;
    const struct nrn_ops *m = t->model;
    if (!m->linear)
        return err_set(e, ERR_INPUT, NULL, 0, "model", "%s gives no linear PSP (nrn_ops.linear: "
                       "lif, li, mc_lif do)", m->name);
    struct nrn_linear lin;
    struct err le = {0};
    if (m->linear(t->params, t->shape, t->port, t->dt_ms, &lin, &le))
        return err_set(e, ERR_INPUT, NULL, 0, le.path, "the target's PSP must be linear, as in "
                       "training: %s", le.msg);
    if (!lin.reaches_soma)
        return err_set(e, ERR_INPUT, NULL, 0, "receptor", "the synapses' compartment is not "
                       "coupled to the soma (g_c = 0 on its way): they cannot move it");
    if (!lin.spiking && !s->psi_one)
        return err_set(e, ERR_INPUT, NULL, 0, "model", "%s does not spike: psi needs a "
                       "threshold (psi = \"one\" for a readout)", m->name);
    const int c = nrn_comp_index(t->shape, "apical");
    if (m->max_comps == 0 || c <= 0)
        return err_set(e, ERR_INPUT, NULL, 0, "compartments", "the target needs a compartment "
                       "named \"apical\": its potential is the rule's error");
    s->a_var = nrn_state_lookup(m, t->shape, "apical.v");
    if (s->a_var < 0)
        return err_set(e, ERR_INPUT, NULL, 0, "compartments", "no potential \"apical.v\"");
    if (isnan(s->a_rest)) {
        double s0[NRN_MAX_STATE];
        m->initial(t->params, t->shape, s0);
        s->a_rest = s0[s->a_var];
    }
    if (t->delay > APICAL_MAX_DELAY)
        return err_set(e, ERR_INPUT, NULL, 0, "delay", "%u steps; the rule keeps at most %d "
                       "steps of arrivals", t->delay, APICAL_MAX_DELAY);
    s->D = lin.D;
    memcpy(s->P, lin.P, sizeof s->P);
    memcpy(s->q, lin.q, sizeof s->q);
    s->v_th = lin.rest + lin.theta;
    s->delay = t->delay;
    s->W = (int)t->delay + 2;
    s->L = (int)s->lag + 1;
    s->npre = s->D + s->W + s->L;
    needs->npre = s->npre;
    needs->npost = s->L;
    needs->nsynd = 2;
    return 0;
}

static void bounds(const void *derived, double *lo, double *hi)
{
    const struct apical *s = derived;
    *lo = s->w_min;
    *hi = s->w_max;
}

static void init_synd(const void *derived, float w, double *synd)
{
    (void)derived;
    synd[0] = w; /* the weight, in double */
    synd[1] = 0; /* the sum since the window began */
}

/* A spike on its way: its amplitude, in the slot of the update it arrives in. */
static double on_pre(const struct pl_row *r)
{
    const struct apical *s = r->derived;
    if (r->flush) return 1.0;
    const int64_t at = r->stamp - 1 + s->delay;
    r->pre[s->D + (int)(at % s->W)] += r->amp;
    return 1.0;
}

static void on_step(const struct pl_step *st)
{
    const struct apical *s = st->derived;
    const int64_t t = st->step;
    const int D = s->D, W = s->W, L = s->L;
    const int now = (int)(t % L), then = (int)((t + 1) % L); /* then: t - lag */
    const double *u = st->state[0], *a = st->state[s->a_var];
    double *g = st->scratch;
    for (uint32_t i = st->begin; i < st->end; i++)
        st->post[(size_t)i * L + now] = s->psi_one ? 1.0 : surr_psi(&s->surr, u[i] - s->v_th);
    /* a neuron that spiked was reset by its update: psi of the potential that crossed, as the
     * trainer's (its u before the reset) */
    for (uint32_t k = 0; k < st->nspikes && !s->psi_one; k++) {
        const uint32_t i = st->spikes[k];
        st->post[(size_t)i * L + now] = surr_psi(&s->surr, st->v_spike[i] - s->v_th);
    }
    for (uint32_t i = st->begin; i < st->end; i++)
        g[i - st->begin] = (a[i] - s->a_rest) * st->post[(size_t)i * L + then] * st->dt_ms;
    const int in = (int)((t + W - 1) % W); /* what arrived in update t - 1 */
    for (uint32_t src = 0; src < st->nsrc; src++) {
        const size_t cell = (size_t)src * st->nparts + st->part;
        double *z = st->pre + cell * s->npre, *pend = z + D, *er = pend + W;
        double x = pend[in], zn[NRN_LIN_MAX];
        pend[in] = 0;
        for (int r = 0; r < D; r++) {
            double v = s->q[r] * x;
            for (int c = 0; c < D; c++) v += s->P[r * D + c] * z[c];
            zn[r] = v;
        }
        memcpy(z, zn, sizeof(double) * D);
        er[now] = z[0];
        const double e = er[then];
        if (e == 0) continue; /* no spike yet within reach */
        for (uint64_t q = st->row[cell]; q < st->row[cell + 1]; q++)
            st->synd[2 * q + 1] += g[st->tgt[q] - st->begin] * e;
    }
    if ((t + 1) % s->window) return;
    for (uint32_t src = 0; src < st->nsrc; src++) {
        const size_t cell = (size_t)src * st->nparts + st->part;
        for (uint64_t q = st->row[cell]; q < st->row[cell + 1]; q++) {
            double *y = st->synd + 2 * q;
            double w = y[0] + s->eta * y[1];
            y[0] = w < s->w_min ? s->w_min : w > s->w_max ? s->w_max : w;
            y[1] = 0;
            st->w[q] = (float)y[0];
        }
    }
}

const struct pl_rule apical_rule = {
    .name = "apical",
    .doc = "online apical rule: the target's apical compartment is the error, dw/dt = eta "
           "(a - a_rest) psi(u) e_j with e_j the synapse's PSP",
    .params = params,
    .nparams = (int)(sizeof params / sizeof params[0]),
    .derived_size = sizeof(struct apical),
    .prepare = prepare,
    .bounds = bounds,
    .on_pre = on_pre,
    .bind = bind,
    .init_synd = init_synd,
    .on_step = on_step,
};
