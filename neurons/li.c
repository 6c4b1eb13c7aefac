/* neurons/li: exact integration of the leaky integrator (see li.h for the equations). */
#include "neurons/li.h"

#include <float.h>
#include <string.h>

#include "neurons/lif.h"

static const struct param params[LI_NPARAMS] = {
    [LI_C_M] = {"c_m", "pF", 250.0, 0, 1e9, 1, 0, NULL, "membrane capacitance"},
    [LI_TAU_M] = {"tau_m", "ms", 10.0, 0, 1e9, 1, 0, NULL, "membrane time constant"},
    [LI_E_L] = {"e_l", "mV", -70.0, -1e4, 1e4, 0, 0, NULL, "resting potential"},
    [LI_TAU_SYN_EX] = {"tau_syn_ex", "ms", 2.0, 0, 1e9, 1, 0, NULL, "excitatory current decay"},
    [LI_TAU_SYN_IN] = {"tau_syn_in", "ms", 2.0, 0, 1e9, 1, 0, NULL, "inhibitory current decay"},
    [LI_I_E] = {"i_e", "pA", 0.0, -1e9, 1e9, 0, 0, NULL, "constant input current"},
};

static const char *const state_names[] = {"v", "i_ex", "i_in"};
static const char *const state_units[] = {"mV", "pA", "pA"};
static const char *const port_names[] = {"ex", "in"};

struct li_derived {
    struct lif_prop k;
    double e_l, i_e;
};

static int li_prepare(const double *p, const struct nrn_shape *shape, double h, void *out,
                      struct err *e)
{
    (void)shape, (void)e;
    struct li_derived *d = out;
    lif_prop_init(&d->k, h, p[LI_C_M], p[LI_TAU_M], p[LI_C_M], p[LI_TAU_SYN_EX], p[LI_TAU_SYN_IN]);
    d->e_l = p[LI_E_L];
    d->i_e = p[LI_I_E];
    return 0;
}

static void li_initial(const double *p, const struct nrn_shape *shape, double *s0)
{
    (void)shape;
    s0[LI_V] = p[LI_E_L];
    s0[LI_I_EX] = 0.0;
    s0[LI_I_IN] = 0.0;
}

#define LI_BLOCK 256
_Static_assert(LI_BLOCK <= NRN_ZERO_BLOCK, "zeros hold one block");

static const int port_state[] = {LI_I_EX, LI_I_IN};

/* lif_update's step without the refractory select and the threshold; the non-finite check is
 * the only pass after it (a readout is small, so it stays a plain loop). */
__attribute__((target_clones("avx512f", "avx2", "default"))) static uint32_t
li_update(const struct nrn_ctx *c, uint32_t begin, uint32_t end, uint32_t *spikes)
{
    (void)spikes;
    const struct li_derived *d = c->derived;
    double *restrict v = c->state[LI_V];
    double *restrict ie = c->state[LI_I_EX];
    double *restrict ii = c->state[LI_I_IN];
    const double drive = d->k.p20 * (d->i_e + c->i_ext);
    const double e_l = d->e_l, p22 = d->k.p22, p21_ex = d->k.p21_ex, p21_in = d->k.p21_in;
    const double p11_ex = d->k.p11_ex, p11_in = d->k.p11_in;
    for (uint32_t b0 = begin; b0 < end; b0 += LI_BLOCK) {
        const uint32_t b1 = end - b0 < LI_BLOCK ? end : b0 + LI_BLOCK;
        double *restrict in_ex = c->zeros ? c->zeros : c->input[LI_PORT_EX] + b0;
        double *restrict in_in = c->zeros ? c->zeros + NRN_ZERO_BLOCK : c->input[LI_PORT_IN] + b0;
#pragma omp simd
        for (uint32_t i = b0; i < b1; i++) {
            v[i] = e_l + p22 * (v[i] - e_l) + p21_ex * ie[i] + p21_in * ii[i] + drive;
            ie[i] = p11_ex * ie[i] + in_ex[i - b0];
            ii[i] = p11_in * ii[i] + in_in[i - b0];
            in_ex[i - b0] = 0.0;
            in_in[i - b0] = 0.0;
        }
        int64_t bad = 0;
        for (uint32_t i = b0; i < b1; i++)
            bad |= (v[i] != v[i]) | (v[i] < -DBL_MAX) | (v[i] > DBL_MAX);
        if (__builtin_expect(bad != 0, 0))
            for (uint32_t i = b0; i < b1; i++)
                if (!(v[i] >= -DBL_MAX && v[i] <= DBL_MAX) && *c->nonfinite > i) *c->nonfinite = i;
    }
    return 0;
}

/* Trainable as a readout (spiking = 0): lif's step relative to rest e_l + tau_m i_e / c_m. */
static int li_linear(const double *p, const struct nrn_shape *shape, int port, double h,
                     struct nrn_linear *out, struct err *e)
{
    memset(out, 0, sizeof *out);
    if (port != LI_PORT_EX)
        return err_set(e, ERR_INPUT, NULL, 0, "receptor",
                       "a learned weight changes sign; use receptor \"ex\" (its tau_syn_ex "
                       "applies to both signs)");
    struct li_derived d;
    li_prepare(p, shape, h, &d, e);
    lif_prop_linear(&d.k, out);
    out->spiking = 0;
    out->rest = p[LI_E_L] + p[LI_TAU_M] * p[LI_I_E] / p[LI_C_M];
    return 0;
}

const struct nrn_ops li_ops = {
    .name = "li",
    .doc = "leaky integrator (non-spiking readout), exponential synaptic currents, exact",
    .params = params,
    .nparams = LI_NPARAMS,
    .state_names = state_names,
    .state_units = state_units,
    .nstate = 3,
    .port_names = port_names,
    .nports = 2,
    .derived_size = sizeof(struct li_derived),
    .prepare = li_prepare,
    .initial = li_initial,
    .port_state = port_state,
    .update = li_update,
    .linear = li_linear,
};
