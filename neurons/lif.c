/* neurons/lif: exact integration of the current-based LIF (see lif.h for the equations). */
#include "neurons/lif.h"

#include <math.h>

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
    double p22, p11_ex, p11_in, p21_ex, p21_in, p20;
    double e_l, v_th, v_reset, i_e;
    int32_t ref_steps;
};

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
    d->p22 = exp(-h / tau_m);
    d->p11_ex = exp(-h / p[LIF_TAU_SYN_EX]);
    d->p11_in = exp(-h / p[LIF_TAU_SYN_IN]);
    d->p21_ex = nrn_psc_propagator(h, tau_m, p[LIF_TAU_SYN_EX], c_syn);
    d->p21_in = nrn_psc_propagator(h, tau_m, p[LIF_TAU_SYN_IN], c_syn);
    d->p20 = -tau_m / c * expm1(-h / tau_m);
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
    const double drive = d->p20 * (d->i_e + c->i_ext);
    const double e_l = d->e_l, p22 = d->p22, p21_ex = d->p21_ex, p21_in = d->p21_in;
    const double p11_ex = d->p11_ex, p11_in = d->p11_in;
    const struct nrn_reset reset = {d->v_th, d->v_reset, d->ref_steps};
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
};
