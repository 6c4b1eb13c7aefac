/* neurons/lif: exact integration of the current-based LIF (see lif.h for the equations). */
#include "neurons/lif.h"

#include <math.h>
#include <string.h>

#include "neurons/threshold.h"

static const char *const syn_choices[] = {"current", "voltage", NULL};

static const struct param params[LIF_NPARAMS] = {
    [LIF_C_M] = {"c_m", "pF", 250.0, 0, 1e9, 1, 0, NULL, "membrane capacitance"},
    [LIF_TAU_M] = {"tau_m", "ms", 10.0, 0, 1e9, 1, 0, NULL, "membrane time constant"},
    [LIF_E_L] = {"e_l", "mV", -70.0, -1e4, 1e4, 0, 0, NULL, "resting potential"},
    [LIF_V_TH] = {"v_th", "mV", -55.0, -1e4, 1e4, 0, 0, NULL, "spike threshold"},
    [LIF_V_RESET] = {"v_reset", "mV", -70.0, -1e4, 1e4, 0, 0, NULL, "reset potential"},
    [LIF_T_REF] = {"t_ref", "ms", 2.0, 0, 1e6, 0, 0, NULL, "absolute refractory period"},
    [LIF_TAU_SYN_EX] = {"tau_syn_ex", "ms", 2.0, 0, 1e9, 1, 0, NULL, "excitatory current decay"},
    [LIF_TAU_SYN_IN] = {"tau_syn_in", "ms", 2.0, 0, 1e9, 1, 0, NULL, "inhibitory current decay"},
    [LIF_I_E] = {"i_e", "pA", 0.0, -1e9, 1e9, 0, 0, NULL, "constant input current"},
    [LIF_SYNAPSE] = {"synapse", "", 0, 0, 1, 0, 0, syn_choices,
                     "\"current\": weights in pA; \"voltage\": weights are jumps in mV (CUBA)"},
};

static const char *const state_names[] = {"v", "i_ex", "i_in"};
static const char *const state_units[] = {"mV", "pA", "pA"};
static const char *const port_names[] = {"ex", "in"};

struct lif_derived {
    struct lif_prop k;
    double e_l, v_th, v_reset, i_e;
    int32_t ref_steps;
};

void lif_prop_init(struct lif_prop *k, double h, double c_m, double tau_m, double c_syn,
                   double tau_syn_ex, double tau_syn_in)
{
    k->p22 = exp(-h / tau_m);
    k->p11_ex = exp(-h / tau_syn_ex);
    k->p11_in = exp(-h / tau_syn_in);
    k->p21_ex = nrn_psc_propagator(h, tau_m, tau_syn_ex, c_syn);
    k->p21_in = nrn_psc_propagator(h, tau_m, tau_syn_in, c_syn);
    k->p20 = -tau_m / c_m * expm1(-h / tau_m);
}

void lif_prop_linear(const struct lif_prop *k, struct nrn_linear *out)
{
    out->reaches_soma = 1;
    out->D = 2;
    out->P[0] = k->p22;
    out->P[1] = k->p21_ex;
    out->P[2] = 0.0;
    out->P[3] = k->p11_ex;
    out->q[0] = k->p21_ex;
    out->q[1] = k->p11_ex;
}

static int lif_prepare(const double *p, const struct nrn_shape *shape, double h, void *out,
                       struct err *e)
{
    (void)shape;
    struct lif_derived *d = out;
    if (p[LIF_V_RESET] >= p[LIF_V_TH])
        return err_set(e, ERR_INPUT, NULL, 0, "v_reset", "must be below v_th (%g mV)", p[LIF_V_TH]);
    double tau_m = p[LIF_TAU_M], c = p[LIF_C_M];
    /* In voltage mode the synaptic variable enters as i/tau_m instead of i/c_m. */
    double c_syn = p[LIF_SYNAPSE] == LIF_SYN_VOLTAGE ? tau_m : c;
    lif_prop_init(&d->k, h, c, tau_m, c_syn, p[LIF_TAU_SYN_EX], p[LIF_TAU_SYN_IN]);
    d->e_l = p[LIF_E_L];
    d->v_th = p[LIF_V_TH];
    d->v_reset = p[LIF_V_RESET];
    d->i_e = p[LIF_I_E];
    d->ref_steps = (int32_t)lround(p[LIF_T_REF] / h);
    return 0;
}

static void lif_initial(const double *p, const struct nrn_shape *shape, double *s0)
{
    (void)shape;
    s0[LIF_V] = p[LIF_E_L];
    s0[LIF_I_EX] = 0.0;
    s0[LIF_I_IN] = 0.0;
}

#define LIF_BLOCK 256 /* neurons per pass; the block's potentials stay in L1 for the threshold */
_Static_assert(LIF_BLOCK <= NRN_ZERO_BLOCK, "zeros hold one block");

static const int port_state[] = {LIF_I_EX, LIF_I_IN};

/* Per block: the propagator step for every neuron as one branch-free loop that vectorises (a
 * refractory neuron keeps its potential by a select, not a branch), then the spike test
 * (neurons/threshold.h). The AVX2 clone does the same roundings in the same order (no FMA),
 * so results do not depend on the machine. */
__attribute__((target_clones("avx512f", "avx2", "default"))) static uint32_t
lif_update(const struct nrn_ctx *c, uint32_t begin, uint32_t end, uint32_t *spikes)
{
    const struct lif_derived *d = c->derived;
    double *restrict v = c->state[LIF_V];
    double *restrict ie = c->state[LIF_I_EX];
    double *restrict ii = c->state[LIF_I_IN];
    int32_t *restrict refr = c->refr;
    const double drive = d->k.p20 * (d->i_e + c->i_ext);
    const double e_l = d->e_l, p22 = d->k.p22, p21_ex = d->k.p21_ex, p21_in = d->k.p21_in;
    const double p11_ex = d->k.p11_ex, p11_in = d->k.p11_in;
    const struct nrn_reset reset = {d->v_th, d->v_reset, d->ref_steps, c->v_spike};
    uint32_t n = 0;
    for (uint32_t b0 = begin; b0 < end; b0 += LIF_BLOCK) {
        const uint32_t b1 = end - b0 < LIF_BLOCK ? end : b0 + LIF_BLOCK;
        double *restrict in_ex = c->zeros ? c->zeros : c->input[LIF_PORT_EX] + b0;
        double *restrict in_in = c->zeros ? c->zeros + NRN_ZERO_BLOCK : c->input[LIF_PORT_IN] + b0;
#pragma omp simd
        for (uint32_t i = b0; i < b1; i++) {
            const double vi = v[i];
            const double free = e_l + p22 * (vi - e_l) + p21_ex * ie[i] + p21_in * ii[i] + drive;
            const int32_t r = refr[i];
            v[i] = r > 0 ? vi : free;
            refr[i] = r - (r > 0);
            ie[i] = p11_ex * ie[i] + in_ex[i - b0];
            ii[i] = p11_in * ii[i] + in_in[i - b0];
            in_ex[i - b0] = 0.0;
            in_in[i - b0] = 0.0;
        }
        n = nrn_threshold(v, refr, b0, b1, &reset, spikes, n, c->nonfinite);
    }
    return n;
}

/* Trainable with current synapses and no refractory period: the step above without its
 * threshold, relative to rest e_l + tau_m i_e / c_m (where p20 i_e / (1 - p22) puts v). */
static int lif_linear(const double *p, const struct nrn_shape *shape, int port, double h,
                      struct nrn_linear *out, struct err *e)
{
    memset(out, 0, sizeof *out);
    if (p[LIF_SYNAPSE] != LIF_SYN_CURRENT)
        return err_set(e, ERR_INPUT, NULL, 0, "synapse",
                       "\"voltage\": training takes current synapses (weights in pA); set "
                       "synapse = \"current\"");
    if (p[LIF_T_REF] != 0)
        return err_set(e, ERR_INPUT, NULL, 0, "t_ref",
                       "%g ms: a trained layer has no refractory period (set t_ref = 0.0)",
                       p[LIF_T_REF]);
    if (port != LIF_PORT_EX)
        return err_set(e, ERR_INPUT, NULL, 0, "receptor",
                       "a learned weight changes sign; use receptor \"ex\" (its tau_syn_ex "
                       "applies to both signs)");
    struct lif_derived d;
    int rc = lif_prepare(p, shape, h, &d, e);
    if (rc) return rc;
    lif_prop_linear(&d.k, out);
    const double rest = p[LIF_E_L] + p[LIF_TAU_M] * p[LIF_I_E] / p[LIF_C_M];
    out->spiking = 1;
    out->theta = p[LIF_V_TH] - rest;
    out->reset = p[LIF_V_RESET] - rest;
    out->rest = rest;
    return 0;
}

const struct nrn_ops lif_ops = {
    .name = "lif",
    .doc = "current-based LIF, exponential synaptic currents, exact integration",
    .params = params,
    .nparams = LIF_NPARAMS,
    .state_names = state_names,
    .state_units = state_units,
    .nstate = 3,
    .port_names = port_names,
    .nports = 2,
    .derived_size = sizeof(struct lif_derived),
    .prepare = lif_prepare,
    .initial = lif_initial,
    .port_state = port_state,
    .update = lif_update,
    .linear = lif_linear,
};
