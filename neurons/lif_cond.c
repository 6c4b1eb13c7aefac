/* neurons/lif_cond: conductance-based LIF (see lif_cond.h for the equations and scheme). */
#include "neurons/lif_cond.h"

#include <math.h>

#include "neurons/threshold.h"
#include "neurons/vexp.h"

static const struct param params[LIFC_NPARAMS] = {
    [LIFC_C_M] = {"c_m", "pF", 200.0, 0, 1e9, 1, 0, NULL, "membrane capacitance"},
    [LIFC_G_L] = {"g_l", "nS", 10.0, 0, 1e9, 1, 0, NULL, "leak conductance"},
    [LIFC_E_L] = {"e_l", "mV", -60.0, -1e4, 1e4, 0, 0, NULL, "leak reversal potential"},
    [LIFC_E_EX] = {"e_ex", "mV", 0.0, -1e4, 1e4, 0, 0, NULL, "excitatory reversal potential"},
    [LIFC_E_IN] = {"e_in", "mV", -80.0, -1e4, 1e4, 0, 0, NULL, "inhibitory reversal potential"},
    [LIFC_V_TH] = {"v_th", "mV", -50.0, -1e4, 1e4, 0, 0, NULL, "spike threshold"},
    [LIFC_V_RESET] = {"v_reset", "mV", -60.0, -1e4, 1e4, 0, 0, NULL, "reset potential"},
    [LIFC_T_REF] = {"t_ref", "ms", 5.0, 0, 1e6, 0, 0, NULL, "absolute refractory period"},
    [LIFC_TAU_SYN_EX] = {"tau_syn_ex", "ms", 5.0, 0, 1e9, 1, 0, NULL, "excitatory decay"},
    [LIFC_TAU_SYN_IN] = {"tau_syn_in", "ms", 10.0, 0, 1e9, 1, 0, NULL, "inhibitory decay"},
    [LIFC_I_E] = {"i_e", "pA", 0.0, -1e9, 1e9, 0, 0, NULL, "constant input current"},
};

static const char *const state_names[] = {"v", "g_ex", "g_in"};
static const char *const state_units[] = {"mV", "nS", "nS"};
static const char *const port_names[] = {"ex", "in"};

struct lifc_derived {
    double h, c_m, g_l, e_l, e_ex, e_in, v_th, v_reset, i_e;
    double decay_ex, decay_in; /* e^{-h/tau} */
    double mean_ex, mean_in;   /* step average of e^{-t/tau}: (tau/h)(1 - e^{-h/tau}) */
    int32_t ref_steps;
};

static int lifc_prepare(const double *p, const struct nrn_shape *shape, double h, void *out,
                        struct err *e)
{
    (void)shape;
    struct lifc_derived *d = out;
    if (p[LIFC_V_RESET] >= p[LIFC_V_TH])
        return err_set(e, ERR_INPUT, NULL, 0, "v_reset", "must be below v_th (%g mV)",
                       p[LIFC_V_TH]);
    d->h = h;
    d->c_m = p[LIFC_C_M];
    d->g_l = p[LIFC_G_L];
    d->e_l = p[LIFC_E_L];
    d->e_ex = p[LIFC_E_EX];
    d->e_in = p[LIFC_E_IN];
    d->v_th = p[LIFC_V_TH];
    d->v_reset = p[LIFC_V_RESET];
    d->i_e = p[LIFC_I_E];
    d->decay_ex = exp(-h / p[LIFC_TAU_SYN_EX]);
    d->decay_in = exp(-h / p[LIFC_TAU_SYN_IN]);
    d->mean_ex = -p[LIFC_TAU_SYN_EX] / h * expm1(-h / p[LIFC_TAU_SYN_EX]);
    d->mean_in = -p[LIFC_TAU_SYN_IN] / h * expm1(-h / p[LIFC_TAU_SYN_IN]);
    d->ref_steps = (int32_t)lround(p[LIFC_T_REF] / h);
    return 0;
}

static void lifc_initial(const double *p, const struct nrn_shape *shape, double *s0)
{
    (void)shape;
    s0[LIFC_V] = p[LIFC_E_L];
    s0[LIFC_G_EX] = 0.0;
    s0[LIFC_G_IN] = 0.0;
}

#define LIFC_BLOCK 64 /* neurons per pass: small, so that at COBA rates most blocks have no spike  \
                       */
_Static_assert(LIFC_BLOCK <= NRN_ZERO_BLOCK, "zeros hold one block");

static const int port_state[] = {LIFC_G_EX, LIFC_G_IN};

/* As lif's update: a branch-free pass that vectorises (vexp instead of libm's exp, a select
 * for the refractory clamp), then the threshold, which also finds non-finite potentials. */
__attribute__((target_clones("avx512f", "avx2", "default"))) static uint32_t
lifc_update(const struct nrn_ctx *c, uint32_t begin, uint32_t end, uint32_t *spikes)
{
    const struct lifc_derived *d = c->derived;
    double *restrict v = c->state[LIFC_V];
    double *restrict ge = c->state[LIFC_G_EX];
    double *restrict gi = c->state[LIFC_G_IN];
    int32_t *restrict refr = c->refr;
    const double leak = d->g_l * d->e_l + d->i_e + c->i_ext;
    const double k = -d->h / d->c_m, g_l = d->g_l, e_ex = d->e_ex, e_in = d->e_in;
    const double mean_ex = d->mean_ex, mean_in = d->mean_in;
    const double decay_ex = d->decay_ex, decay_in = d->decay_in;
    const struct nrn_reset reset = {d->v_th, d->v_reset, d->ref_steps, c->v_spike};
    uint32_t n = 0;
    for (uint32_t b0 = begin; b0 < end; b0 += LIFC_BLOCK) {
        const uint32_t b1 = end - b0 < LIFC_BLOCK ? end : b0 + LIFC_BLOCK;
        double *restrict in_ex = c->zeros ? c->zeros : c->input[0] + b0;
        double *restrict in_in = c->zeros ? c->zeros + NRN_ZERO_BLOCK : c->input[1] + b0;
#pragma omp simd
        for (uint32_t i = b0; i < b1; i++) {
            const double vi = v[i];
            const double gex = ge[i] * mean_ex, gin = gi[i] * mean_in;
            const double gtot = g_l + gex + gin;
            const double vinf = (leak + gex * e_ex + gin * e_in) / gtot;
            const double free = vinf + (vi - vinf) * vexp(k * gtot);
            const int32_t r = refr[i];
            v[i] = r > 0 ? vi : free;
            refr[i] = r - (r > 0);
            ge[i] = decay_ex * ge[i] + in_ex[i - b0];
            gi[i] = decay_in * gi[i] + in_in[i - b0];
            in_ex[i - b0] = 0.0;
            in_in[i - b0] = 0.0;
        }
        n = nrn_threshold(v, refr, b0, b1, &reset, spikes, n, c->nonfinite);
    }
    return n;
}

const struct nrn_ops lif_cond_ops = {
    .name = "lif_cond",
    .doc = "conductance-based LIF, exponential conductances, exponential integrator",
    .params = params,
    .nparams = LIFC_NPARAMS,
    .state_names = state_names,
    .state_units = state_units,
    .nstate = 3,
    .port_names = port_names,
    .nports = 2,
    .derived_size = sizeof(struct lifc_derived),
    .prepare = lifc_prepare,
    .initial = lifc_initial,
    .port_state = port_state,
    .update = lifc_update,
};
