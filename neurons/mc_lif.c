/* neurons/mc_lif: the multi-compartment LIF (see mc_lif.h for the equations and both schemes).
 * The update is specialised per compartment count and synapse type so that the small
 * matrix-vector products unroll and the loop over neurons vectorises. */
#include "neurons/mc_lif.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/rng.h"
#include "neurons/expm.h"
#include "neurons/threshold.h"
#include "neurons/vexp.h"

static const char *const syn_choices[] = {"current", "conductance", NULL};
static const char *const spiking_choices[] = {"threshold", "escape", NULL};
static const char *const esc_reset_choices[] = {"clamp", "none", NULL};

static const struct param params[MC_NPARAMS] = {
    [MC_V_TH] = {"v_th", "mV", -50.0, -1e4, 1e4, 0, 0, NULL, "somatic spike threshold"},
    [MC_V_RESET] = {"v_reset", "mV", -65.0, -1e4, 1e4, 0, 0, NULL, "somatic reset potential"},
    [MC_T_REF] = {"t_ref", "ms", 2.0, 0, 1e6, 0, 0, NULL, "somatic refractory period"},
    [MC_SYNAPSE] = {"synapse", "", 0, 0, 1, 0, 0, syn_choices,
                    "\"current\": weights in pA onto exponential currents; \"conductance\": "
                    "weights in nS onto exponential conductances"},
    /* escape noise: NEST's pp_cond_exp_mc_urbanczik names and defaults (phi_max, rate_slope,
     * beta, theta; the last two renamed here: learning.surrogate has a beta, the trainer a
     * theta) */
    [MC_SPIKING] = {"spiking", "", 0, 0, 1, 0, 0, spiking_choices,
                    "\"threshold\": a spike when the soma reaches v_th; \"escape\": spikes drawn "
                    "with rate phi(v) = phi_max / (1 + rate_slope exp(beta_escape (theta_escape - "
                    "v)))"},
    [MC_PHI_MAX] = {"phi_max", "/ms", 0.15, 0, 1e6, 0, 0, NULL,
                    "escape noise: the highest rate (spiking = \"escape\" only)"},
    [MC_RATE_SLOPE] = {"rate_slope", "", 0.5, 0, 1e9, 0, 0, NULL,
                       "escape noise: k in phi (spiking = \"escape\" only)"},
    [MC_BETA_ESC] = {"beta_escape", "/mV", 1.0 / 3.0, 0, 1e3, 0, 0, NULL,
                     "escape noise: steepness of phi (spiking = \"escape\" only)"},
    [MC_THETA_ESC] = {"theta_escape", "mV", -55.0, -1e4, 1e4, 0, 0, NULL,
                      "escape noise: where phi = phi_max / (1 + rate_slope) (spiking = "
                      "\"escape\" only)"},
    [MC_ESC_RESET] = {"escape_reset", "", 0, 0, 1, 0, 0, esc_reset_choices,
                      "after an escape spike: \"clamp\" the soma at v_reset for t_ref (as a "
                      "threshold spike); \"none\": leave it, t_ref is only a dead time (NEST's "
                      "pp_cond_exp_mc_urbanczik)"},
};

static const struct param cparams[MC_NCPARAMS] = {
    [MC_C_M] = {"c_m", "pF", 200.0, 0, 1e9, 1, 0, NULL, "capacitance"},
    [MC_G_L] = {"g_l", "nS", 10.0, 0, 1e9, 0, 0, NULL, "leak conductance"},
    [MC_E_L] = {"e_l", "mV", -70.0, -1e4, 1e4, 0, 0, NULL, "leak reversal potential"},
    [MC_G_C] = {"g_c", "nS", 10.0, 0, 1e9, 0, 0, NULL,
                "coupling conductance to the parent compartment (ignored for the soma)"},
    [MC_TAU_SYN_EX] = {"tau_syn_ex", "ms", 2.0, 0, 1e9, 1, 0, NULL,
                       "excitatory current (or conductance) decay"},
    [MC_TAU_SYN_IN] = {"tau_syn_in", "ms", 2.0, 0, 1e9, 1, 0, NULL,
                       "inhibitory current (or conductance) decay"},
    [MC_I_E] = {"i_e", "pA", 0.0, -1e9, 1e9, 0, 0, NULL, "constant bias current"},
    [MC_E_EX] = {"e_ex", "mV", 0.0, -1e4, 1e4, 0, 0, NULL,
                 "excitatory reversal potential (synapse = \"conductance\" only)"},
    [MC_E_IN] = {"e_in", "mV", -80.0, -1e4, 1e4, 0, 0, NULL,
                 "inhibitory reversal potential (synapse = \"conductance\" only)"},
};

static const char *const state_names[] = {"v", "i_ex", "i_in"};
static const char *const state_units[] = {"mV", "pA", "pA"};
static const char *const port_names[] = {"ex", "in"};

#define NC NRN_MAX_COMPS
#define NX (3 * NC)

/* One propagator: v_c <- sum_j pv[c][j] x_j + q[c] + qs[c] i_stim, with x = (v, i_ex, i_in)
 * stacked by kind (x_j for j < n are the potentials, then n excitatory, then n inhibitory).
 * Conductance mode uses only the potentials' block pv[c][j < n] and adds sum_j qu[c][j] u_j,
 * the response to a constant current u_j (pA) into compartment j over the step. */
struct mc_prop {
    double pv[NC][NX];
    double q[NC], qs[NC];
    double qu[NC][NC];
};

/* Conductance mode's predictor: the total current into compartment c at potentials v is
 * i0[c] + sum_d lv[c][d] v_d + (synaptic), its conductance g0[c] + (synaptic); half[c] is
 * dt / (2 c_m). Conductances enter as their step means, g * mean_x[c]. */
struct mc_cond {
    double lv[NC][NC], i0[NC], g0[NC], half[NC];
    double e_ex[NC], e_in[NC], mean_ex[NC], mean_in[NC];
};

struct mc_derived {
    int n, cond;
    struct mc_prop free, clamped;
    double dex[NC], din[NC]; /* current (or conductance) decay per step */
    struct mc_cond c;
    double v_th, v_reset;
    int32_t ref_steps;
    /* spiking = "escape": p = 1 - exp(-pdt / (1 + exp(beta (theta - u) + log_k))), pdt =
     * phi_max dt (k = 0 gives log_k = -inf and phi = phi_max) */
    int escape, esc_clamp;
    double esc_pdt, esc_beta, esc_theta, esc_log_k, esc_phi_max;
    /* the dendritic prediction V* = (vs_i0 + sum_c vs_g[c] v_c) / vs_den: vs_g[c] the
     * coupling of the soma's children, 0 for the other compartments (vs_den = 0: V* = e_l) */
    double vs_i0, vs_den, vs_e_l, vs_g[NC];
};

/* The continuous-time system: dx/dt = A x + b + bs i_stim, x stacked by kind. */
static void system_matrix(const struct nrn_shape *s, double *a, double *b, double *bs, int clamp)
{
    const int n = s->ncomp, m = 3 * n;
    memset(a, 0, sizeof(double) * m * m);
    memset(b, 0, sizeof(double) * m);
    memset(bs, 0, sizeof(double) * m);
    for (int c = 0; c < n; c++) {
        const double *p = s->cparams[c];
        a[(n + c) * m + n + c] = -1.0 / p[MC_TAU_SYN_EX];
        a[(2 * n + c) * m + 2 * n + c] = -1.0 / p[MC_TAU_SYN_IN];
        if (clamp && c == 0) continue; /* the clamped soma does not move */
        double cm = p[MC_C_M], gsum = p[MC_G_L];
        for (int d = 0; d < n; d++) {
            double g = 0;
            if (d != c && s->parent[c] == d && c > 0) g = p[MC_G_C];
            if (d != c && s->parent[d] == c && d > 0) g = s->cparams[d][MC_G_C];
            if (g == 0) continue;
            a[c * m + d] += g / cm;
            gsum += g;
        }
        a[c * m + c] = -gsum / cm;
        a[c * m + n + c] = 1.0 / cm;
        a[c * m + 2 * n + c] = 1.0 / cm;
        b[c] = (p[MC_G_L] * p[MC_E_L] + p[MC_I_E]) / cm;
        if (c == 0) bs[c] = 1.0 / cm;
    }
}

/* Propagator of the affine system over h: exponentiate [[A h, b h, bs h, U h], [0, 0, 0, 0]],
 * where U, one unit-current column per compartment, is there only in conductance mode (so
 * that current mode's propagator is the same to the bit as before that mode existed). */
static int propagator(const struct nrn_shape *s, double h, int clamp, struct mc_prop *out,
                      struct mc_derived *d)
{
    const int n = s->ncomp, m = 3 * n, nu = d->cond ? n : 0, k = m + 2 + nu;
    double a[NX * NX], b[NX], bs[NX], big[(NX + 2 + NC) * (NX + 2 + NC)],
        e[(NX + 2 + NC) * (NX + 2 + NC)];
    system_matrix(s, a, b, bs, clamp);
    memset(big, 0, sizeof big);
    for (int i = 0; i < m; i++) {
        for (int j = 0; j < m; j++) big[i * k + j] = a[i * m + j] * h;
        big[i * k + m] = b[i] * h;
        big[i * k + m + 1] = bs[i] * h;
    }
    /* a current into compartment j enters as a[j][n + j] does (1/c_m; 0 on the clamped soma) */
    for (int j = 0; j < nu; j++) big[j * k + m + 2 + j] = a[j * m + n + j] * h;
    if (expm(k, big, e, NULL) != 0) return -1;
    memset(out, 0, sizeof *out);
    for (int c = 0; c < n; c++) {
        for (int j = 0; j < m; j++) out->pv[c][j] = e[c * k + j];
        out->q[c] = e[c * k + m];
        out->qs[c] = e[c * k + m + 1];
        for (int j = 0; j < nu; j++) out->qu[c][j] = e[c * k + m + 2 + j];
    }
    if (!clamp)
        for (int c = 0; c < n; c++) {
            d->dex[c] = e[(n + c) * k + n + c];
            d->din[c] = e[(2 * n + c) * k + 2 * n + c];
        }
    return 0;
}

/* The predictor's constants: row c of the free system's potential block times c_m,c, which
 * gives the passive current into c, and the step means of the decaying conductances. */
static void cond_constants(const struct nrn_shape *s, double h, struct mc_derived *d)
{
    const int n = s->ncomp, m = 3 * n;
    double a[NX * NX], b[NX], bs[NX];
    system_matrix(s, a, b, bs, 0);
    struct mc_cond *k = &d->c;
    for (int c = 0; c < n; c++) {
        const double *p = s->cparams[c], cm = p[MC_C_M];
        for (int j = 0; j < n; j++) k->lv[c][j] = a[c * m + j] * cm;
        k->i0[c] = p[MC_G_L] * p[MC_E_L] + p[MC_I_E];
        k->g0[c] = -k->lv[c][c];
        k->half[c] = 0.5 * h / cm;
        k->e_ex[c] = p[MC_E_EX];
        k->e_in[c] = p[MC_E_IN];
        k->mean_ex[c] = -p[MC_TAU_SYN_EX] / h * expm1(-h / p[MC_TAU_SYN_EX]);
        k->mean_in[c] = -p[MC_TAU_SYN_IN] / h * expm1(-h / p[MC_TAU_SYN_IN]);
    }
}

/* The settings of one spiking mode used in the other do nothing: a non-default value is a
 * mistake (forgotten `spiking = "escape"`, a threshold that escape noise ignores), refused
 * rather than ignored. */
static int spiking_settings(const double *p, struct err *e)
{
    if (p[MC_SPIKING] == MC_SPIKE_THRESHOLD) {
        if (p[MC_V_RESET] >= p[MC_V_TH])
            return err_set(e, ERR_INPUT, NULL, 0, "v_reset", "must be below v_th (%g mV)",
                           p[MC_V_TH]);
        for (int k = MC_PHI_MAX; k <= MC_ESC_RESET; k++)
            if (p[k] != params[k].def)
                return err_set(e, ERR_INPUT, NULL, 0, params[k].name,
                               "an escape-noise setting, but spiking = \"threshold\" (the "
                               "default): set spiking = \"escape\", or leave %s out",
                               params[k].name);
        return 0;
    }
    if (p[MC_V_TH] != params[MC_V_TH].def)
        return err_set(e, ERR_INPUT, NULL, 0, "v_th",
                       "%g mV: with spiking = \"escape\" the soma has no threshold (its rate is "
                       "phi(v), centred by theta_escape); leave v_th out",
                       p[MC_V_TH]);
    if (p[MC_ESC_RESET] == MC_ESC_NONE && p[MC_V_RESET] != params[MC_V_RESET].def)
        return err_set(e, ERR_INPUT, NULL, 0, "v_reset",
                       "%g mV: with escape_reset = \"none\" the soma is not reset; leave v_reset "
                       "out, or set escape_reset = \"clamp\"",
                       p[MC_V_RESET]);
    return 0;
}

static int mc_prepare(const double *p, const struct nrn_shape *s, double h, void *out,
                      struct err *e)
{
    struct mc_derived *d = out;
    memset(d, 0, sizeof *d);
    int rc = spiking_settings(p, e);
    if (rc) return rc;
    if (s->ncomp < 1 || s->ncomp > NC)
        return err_set(e, ERR_INPUT, NULL, 0, "compartments", "needs 1 to %d compartments", NC);
    d->n = s->ncomp;
    d->cond = p[MC_SYNAPSE] == MC_SYN_CONDUCTANCE;
    if (propagator(s, h, 0, &d->free, d) || propagator(s, h, 1, &d->clamped, d))
        return err_set(e, ERR_INPUT, NULL, 0, "compartments",
                       "the propagator cannot be computed accurately (ill-conditioned system: "
                       "check for extreme conductances or time constants)");
    /* the clamped soma stays where it is */
    memset(d->clamped.pv[0], 0, sizeof d->clamped.pv[0]);
    d->clamped.pv[0][0] = 1.0;
    d->clamped.q[0] = d->clamped.qs[0] = 0.0;
    memset(d->clamped.qu[0], 0, sizeof d->clamped.qu[0]);
    if (d->cond) cond_constants(s, h, d);
    d->v_th = p[MC_V_TH];
    d->v_reset = p[MC_V_RESET];
    d->ref_steps = (int32_t)lround(p[MC_T_REF] / h);
    d->escape = p[MC_SPIKING] == MC_SPIKE_ESCAPE;
    d->esc_clamp = p[MC_ESC_RESET] == MC_ESC_CLAMP;
    d->esc_pdt = p[MC_PHI_MAX] * h;
    d->esc_beta = p[MC_BETA_ESC];
    d->esc_theta = p[MC_THETA_ESC];
    d->esc_log_k = log(p[MC_RATE_SLOPE]);
    d->esc_phi_max = p[MC_PHI_MAX];
    const double *soma = s->cparams[0];
    d->vs_i0 = soma[MC_G_L] * soma[MC_E_L];
    d->vs_den = soma[MC_G_L];
    d->vs_e_l = soma[MC_E_L];
    for (int c = 1; c < s->ncomp; c++)
        if (s->parent[c] == 0) {
            d->vs_g[c] = s->cparams[c][MC_G_C];
            d->vs_den += d->vs_g[c];
        }
    return 0;
}

/* Initial state: the resting potentials of the coupled tree (A_vv v = -b), currents zero. */
static void mc_initial(const double *p, const struct nrn_shape *s, double *s0)
{
    (void)p;
    const int n = s->ncomp, m = 3 * n;
    double a[NX * NX], b[NX], bs[NX], g[NC][NC + 1];
    system_matrix(s, a, b, bs, 0);
    for (int i = 0; i < n; i++) {
        for (int j = 0; j < n; j++) g[i][j] = a[i * m + j];
        g[i][n] = -b[i];
    }
    int ok = 1;
    for (int c = 0; c < n && ok; c++) {
        int piv = c;
        for (int r = c + 1; r < n; r++)
            if (fabs(g[r][c]) > fabs(g[piv][c])) piv = r;
        for (int j = 0; j <= n; j++) {
            double t = g[c][j];
            g[c][j] = g[piv][j];
            g[piv][j] = t;
        }
        if (fabs(g[c][c]) < 1e-300) {
            ok = 0;
            break;
        }
        for (int r = 0; r < n; r++) {
            if (r == c) continue;
            double f = g[r][c] / g[c][c];
            for (int j = c; j <= n; j++) g[r][j] -= f * g[c][j];
        }
    }
    for (int c = 0; c < n; c++) {
        /* without any leak there is no rest: start at the leak reversal */
        s0[c * MC_NSTATE + MC_V] = ok ? g[c][n] / g[c][c] : s->cparams[c][MC_E_L];
        s0[c * MC_NSTATE + MC_I_EX] = 0.0;
        s0[c * MC_NSTATE + MC_I_IN] = 0.0;
    }
}

/* The trainer's view (nrn_ops.linear): the potentials of the compartments coupled to the soma
 * (g_c > 0 all the way up; parents come first, so one pass finds them, soma first) and the ex
 * current of the port's compartment: those rows and columns of system_matrix, the rest of the
 * tree having no path to them, exponentiated over one step. Relative to rest, so b drops. */
static int mc_linear(const double *p, const struct nrn_shape *s, int port, double h,
                     struct nrn_linear *out, struct err *e)
{
    memset(out, 0, sizeof *out);
    if (p[MC_SPIKING] != MC_SPIKE_THRESHOLD)
        return err_set(e, ERR_INPUT, NULL, 0, "spiking",
                       "\"escape\": a trained layer spikes where its potential crosses v_th (the "
                       "surrogate's soft step stands for that threshold), not by escape noise; "
                       "set spiking = \"threshold\" to train it");
    if (p[MC_SYNAPSE] != MC_SYN_CURRENT)
        return err_set(e, ERR_INPUT, NULL, 0, "synapse",
                       "\"conductance\": training needs current synapses (weights change sign "
                       "while learning)");
    if (p[MC_T_REF] != 0)
        return err_set(e, ERR_INPUT, NULL, 0, "t_ref",
                       "%g ms: a trained layer has no refractory period (set t_ref = 0.0)",
                       p[MC_T_REF]);
    if (p[MC_V_RESET] >= p[MC_V_TH])
        return err_set(e, ERR_INPUT, NULL, 0, "v_reset", "must be below v_th (%g mV)", p[MC_V_TH]);
    const int n = s->ncomp, m = 3 * n, cin = port / 2;
    if (n < 1 || n > NC || port < 0 || cin >= n)
        return err_set(e, ERR_INPUT, NULL, 0, "compartments", "needs 1 to %d compartments", NC);
    int comp[NC], slot[NC], nc = 0;
    for (int c = 0; c < n; c++) {
        slot[c] = c == 0 || (slot[s->parent[c]] >= 0 && s->cparams[c][MC_G_C] > 0) ? nc : -1;
        if (slot[c] >= 0) comp[nc++] = c;
    }
    if (slot[cin] < 0) return 0;
    if (port % 2 != 0) /* port 0 of a compartment is "ex" */
        return err_set(e, ERR_INPUT, NULL, 0, "receptor",
                       "a learned weight changes sign; use receptor \"ex\" (its tau_syn_ex "
                       "applies to both signs)");
    double a[NX * NX], b[NX], bs[NX], ah[NRN_LIN_MAX * NRN_LIN_MAX] = {0};
    system_matrix(s, a, b, bs, 0);
    const int D = nc + 1, I = nc;
    for (int k = 0; k < nc; k++)
        for (int j = 0; j < nc; j++) ah[k * D + j] = a[comp[k] * m + comp[j]] * h;
    ah[slot[cin] * D + I] = a[cin * m + n + cin] * h;
    ah[I * D + I] = a[(n + cin) * m + n + cin] * h;
    if (expm(D, ah, out->P, NULL) != 0)
        return err_set(e, ERR_INPUT, NULL, 0, "compartments",
                       "the propagator cannot be computed accurately (ill-conditioned system: "
                       "check for extreme conductances or time constants)");
    out->reaches_soma = 1;
    out->D = D;
    for (int r = 0; r < D; r++) out->q[r] = out->P[r * D + I];
    double rest[NRN_MAX_STATE];
    mc_initial(p, s, rest);
    out->spiking = 1;
    out->theta = p[MC_V_TH] - rest[MC_V];
    out->reset = p[MC_V_RESET] - rest[MC_V];
    out->rest = rest[MC_V];
    return 0;
}

/* Neurons per pass: with 3 compartments the block's 15 state and input rows (7.5 KiB) stay in
 * L1 from one pass to the next; measured, 64 beats 256 by 1.25x (bench/neuron_cost). */
#define MC_BLOCK 64

/* The dendrites' share of the non-finite check (the soma's goes with its spike test). */
static inline __attribute__((always_inline)) void
mc_check_dendrites(const struct nrn_ctx *cx, double *const *x, uint32_t b0, uint32_t b1,
                   const int n)
{
    for (int c = 1; c < n; c++) {
        /* an all-ones exponent marks Inf and NaN; OR-ing integers vectorises, where a
         * floating-point reduction would be one long chain of dependent adds */
        uint64_t bad = 0;
        for (uint32_t i = b0; i < b1; i++) {
            uint64_t u;
            memcpy(&u, &x[c][i], sizeof u);
            bad |= (~u & 0x7ff0000000000000ULL) == 0;
        }
        if (__builtin_expect(bad != 0, 0))
            for (uint32_t i = b0; i < b1; i++)
                if (!isfinite(x[c][i]) && *cx->nonfinite > i) *cx->nonfinite = i;
    }
}

/* Pass (3) of both updates: the refractory neurons get their clamped potentials back; then
 * threshold, reset and the non-finite check. Returns the new spike count. */
static inline __attribute__((always_inline)) uint32_t
mc_finish_block(const struct nrn_ctx *cx, double *const *x, uint32_t b0, uint32_t b1,
                int nref, const uint32_t *ref_id, double (*ref_v)[NC], uint32_t *spikes,
                uint32_t nspk, const int n)
{
    const struct mc_derived *d = cx->derived;
    int32_t *refr = cx->refr;
    for (int r = 0; r < nref; r++) {
        for (int c = 0; c < n; c++) x[c][ref_id[r]] = ref_v[r][c];
        refr[ref_id[r]]--;
    }
    const struct nrn_reset reset = {d->v_th, d->v_reset, d->ref_steps, cx->v_spike};
    nspk = nrn_threshold(x[0], refr, b0, b1, &reset, spikes, nspk, cx->nonfinite);
    mc_check_dendrites(cx, x, b0, b1, n);
    return nspk;
}

/* Escape noise over the somata v of neurons [b0, b1), b1 - b0 <= MC_BLOCK, at the end of the
 * step: each one not refractory in this step (refr > 0: the step's clamp or dead time, counted
 * down after this) spikes with p = 1 - exp(-phi(v) dt), drawn from its own counter (seed,
 * stream, neuron, step), so neither the order nor the thread that asks matters. The p pass
 * vectorises with vexp, which gives the same bits in any lane (libm's exp would be a call, and
 * libmvec's other bits); 1 - e^{-x} so computed is off by ~1e-16 absolute, the resolution of
 * the 53-bit uniform it meets. The draws are a scalar pass. */
static inline __attribute__((always_inline)) uint32_t
mc_escape_draw(const struct nrn_ctx *cx, double *v, int32_t *refr, uint32_t b0, uint32_t b1,
               uint32_t *spikes, uint32_t nspk)
{
    const struct mc_derived *d = cx->derived;
    const double pdt = d->esc_pdt, beta = d->esc_beta, theta = d->esc_theta, lk = d->esc_log_k;
    const uint32_t step = (uint32_t)cx->step, nb = b1 - b0;
    double pb[MC_BLOCK];
    for (uint32_t i = 0; i < nb; i++) {
        /* capped so that + lk = -inf (k = 0) never meets +inf; vexp(710) is inf already */
        double z = beta * (theta - v[b0 + i]);
        z = z < 2000.0 ? z : 2000.0;
        pb[i] = 1.0 - vexp(-pdt / (1.0 + vexp(z + lk)));
    }
    for (uint32_t i = b0; i < b1; i++) {
        if (!(v[i] > -DBL_MAX && v[i] < DBL_MAX)) { /* NaN fails both */
            if (*cx->nonfinite > i) *cx->nonfinite = i;
            continue;
        }
        if (refr[i] > 0) continue;
        struct rng r;
        rng_init(&r, cx->seed, cx->stream, i, step);
        if (rng_uniform(&r) < pb[i - b0]) {
            spikes[nspk++] = i;
            if (cx->v_spike) cx->v_spike[i] = v[i];
            if (d->esc_clamp) v[i] = d->v_reset;
            refr[i] = d->ref_steps;
        }
    }
    return nspk;
}

/* Pass (3) with escape noise: the clamped potentials back (escape_reset = "clamp"; with
 * "none" the refractory somata keep their free step), the draws, then the refractory
 * counters (after the draws, which skip the neurons refractory in this step). */
static inline __attribute__((always_inline)) uint32_t
mc_finish_escape(const struct nrn_ctx *cx, double *const *x, uint32_t b0, uint32_t b1,
                 int nref, const uint32_t *ref_id, double (*ref_v)[NC], uint32_t *spikes,
                 uint32_t nspk, const int n)
{
    const struct mc_derived *d = cx->derived;
    int32_t *refr = cx->refr;
    if (d->esc_clamp)
        for (int r = 0; r < nref; r++)
            for (int c = 0; c < n; c++) x[c][ref_id[r]] = ref_v[r][c];
    nspk = mc_escape_draw(cx, x[0], refr, b0, b1, spikes, nspk);
    for (int r = 0; r < nref; r++) refr[ref_id[r]]--;
    mc_check_dendrites(cx, x, b0, b1, n);
    return nspk;
}

/* Current mode, one block in passes. (1) The few refractory neurons take their soma-clamped
 * step into a side buffer. (2) Every neuron takes the free step: with n known at compile time
 * the loops over compartments unroll completely and the loop over neurons vectorises, each
 * neuron's sums taken in the same order as a scalar loop would. (3) mc_finish_block.
 * Computing the free step for refractory neurons too is cheaper than a per-neuron branch in
 * the hot loop. */
static inline __attribute__((always_inline)) uint32_t
mc_update_n(const struct nrn_ctx *cx, uint32_t begin, uint32_t end, uint32_t *spikes, const int n,
            const int escape)
{
    const struct mc_derived *d = cx->derived;
    const struct mc_prop *f = &d->free, *cl = &d->clamped;
    double *x[3 * NC], *in[2 * NC];
    for (int c = 0; c < n; c++) {
        x[c] = cx->state[c * MC_NSTATE + MC_V];
        x[n + c] = cx->state[c * MC_NSTATE + MC_I_EX];
        x[2 * n + c] = cx->state[c * MC_NSTATE + MC_I_IN];
        in[c] = cx->input[2 * c];
        in[n + c] = cx->input[2 * c + 1];
    }
    double drive[NC], drive_cl[NC], pv[NC][3 * NC], decay[2 * NC];
    for (int c = 0; c < n; c++) {
        drive[c] = f->q[c] + f->qs[c] * cx->i_ext;
        drive_cl[c] = cl->q[c] + cl->qs[c] * cx->i_ext;
        for (int j = 0; j < 3 * n; j++) pv[c][j] = f->pv[c][j];
        decay[c] = d->dex[c];
        decay[n + c] = d->din[c];
    }
    int32_t *refr = cx->refr;
    uint32_t nspk = 0, ref_id[MC_BLOCK];
    double ref_v[MC_BLOCK][NC];
    for (uint32_t b0 = begin; b0 < end; b0 += MC_BLOCK) {
        const uint32_t b1 = end - b0 < MC_BLOCK ? end : b0 + MC_BLOCK;
        int nref = 0;
        for (uint32_t i = b0; i < b1; i++) {
            if (refr[i] <= 0) continue;
            for (int c = 0; c < n; c++) {
                double s = drive_cl[c];
                for (int j = 0; j < 3 * n; j++) s += cl->pv[c][j] * x[j][i];
                ref_v[nref][c] = s;
            }
            ref_id[nref++] = i;
        }
#pragma omp simd
        for (uint32_t i = b0; i < b1; i++) {
            double xi[3 * NC];
#pragma GCC unroll 27
            for (int j = 0; j < 3 * n; j++) xi[j] = x[j][i];
#pragma GCC unroll 9
            for (int c = 0; c < n; c++) {
                double s = drive[c];
#pragma GCC unroll 27
                for (int j = 0; j < 3 * n; j++) s += pv[c][j] * xi[j];
                x[c][i] = s;
            }
#pragma GCC unroll 18
            for (int c = 0; c < 2 * n; c++) {
                x[n + c][i] = decay[c] * xi[n + c] + in[c][i];
                in[c][i] = 0.0;
            }
        }
        nspk = escape ? mc_finish_escape(cx, x, b0, b1, nref, ref_id, ref_v, spikes, nspk, n)
                      : mc_finish_block(cx, x, b0, b1, nref, ref_id, ref_v, spikes, nspk, n);
    }
    return nspk;
}

/* Conductance mode: the synaptic current (pA) that compartment c receives over the step, from
 * its potential v, its step-mean conductances ge, gi and f, the passive current into it at the
 * step's start (leak, coupling, bias and stimulus). The potential is predicted at mid-step by
 * a half step of this compartment alone (neighbours held), which relaxes v towards its
 * instantaneous equilibrium v_inf = v + F/G (F, G the total current and conductance at v) by
 * the factor r(z) = 1 / (1 + z + z^2/2), z = dt G / (2 c_m), in place of e^{-z}:
 *   v* = v_inf + (v - v_inf) r(z) = v + (dt / 2c_m) F (1 + z/2) / (1 + z + z^2/2),
 * and the current is ge (e_ex - v*) + gi (e_in - v*). r(z) = e^{-z} + O(z^2) is all that second
 * order needs; with 0 < r <= 1 v* lies between v and v_inf, at rest (F = 0) v* = v, and it
 * costs one division where vexp cost the conductance mode 2.5x its time (bench/neuron_cost). */
static inline __attribute__((always_inline)) double
mc_cond_current(double e_ex, double e_in, double half, double g0, double f, double v, double ge,
                double gi)
{
    const double z = half * (g0 + ge + gi);
    const double fv = f + ge * (e_ex - v) + gi * (e_in - v);
    const double vs = v + half * fv * (1.0 + 0.5 * z) / (1.0 + z * (1.0 + 0.5 * z));
    return ge * (e_ex - vs) + gi * (e_in - vs);
}

/* Conductance mode, in passes over a block like mc_update_n, but each pass a loop over
 * neurons inside a loop over compartments, with the block's intermediate rows in small
 * buffers: (1) every neuron's synaptic currents u from the predictor; (1b) the refractory
 * neurons' clamped step; (2) every neuron's free step, v <- P v + q + qs i_stim + Qu u, then
 * the conductances' decay and input; (3) mc_finish_block. (Written as one `omp simd` loop
 * with per-neuron arrays, as mc_update_n is, GCC 12 did not vectorise it for n > 1.) */
static inline __attribute__((always_inline)) uint32_t
mc_update_cond_n(const struct nrn_ctx *cx, uint32_t begin, uint32_t end, uint32_t *spikes,
                 const int n, const int escape)
{
    const struct mc_derived *d = cx->derived;
    const struct mc_prop *f = &d->free, *cl = &d->clamped;
    const struct mc_cond *k = &d->c;
    double *x[3 * NC], *in[2 * NC];
    for (int c = 0; c < n; c++) {
        x[c] = cx->state[c * MC_NSTATE + MC_V];
        x[n + c] = cx->state[c * MC_NSTATE + MC_I_EX];
        x[2 * n + c] = cx->state[c * MC_NSTATE + MC_I_IN];
        in[c] = cx->input[2 * c];
        in[n + c] = cx->input[2 * c + 1];
    }
    /* local copies, which the stores below cannot alias */
    double drive[NC], drive_cl[NC], pv[NC][NC], qu[NC][NC], decay[2 * NC], mean[2 * NC];
    double lv[NC][NC], i0[NC], e_ex[NC], e_in[NC], half[NC], g0[NC];
    for (int c = 0; c < n; c++) {
        drive[c] = f->q[c] + f->qs[c] * cx->i_ext;
        drive_cl[c] = cl->q[c] + cl->qs[c] * cx->i_ext;
        for (int j = 0; j < n; j++) {
            pv[c][j] = f->pv[c][j];
            qu[c][j] = f->qu[c][j];
            lv[c][j] = k->lv[c][j];
        }
        decay[c] = d->dex[c];
        decay[n + c] = d->din[c];
        mean[c] = k->mean_ex[c];
        mean[n + c] = k->mean_in[c];
        i0[c] = k->i0[c] + (c == 0 ? cx->i_ext : 0.0);
        e_ex[c] = k->e_ex[c];
        e_in[c] = k->e_in[c];
        half[c] = k->half[c];
        g0[c] = k->g0[c];
    }
    int32_t *refr = cx->refr;
    uint32_t nspk = 0, ref_id[MC_BLOCK];
    double ref_v[MC_BLOCK][NC], ub[NC][MC_BLOCK], vb[NC][MC_BLOCK];
    for (uint32_t b0 = begin; b0 < end; b0 += MC_BLOCK) {
        const uint32_t b1 = end - b0 < MC_BLOCK ? end : b0 + MC_BLOCK, nb = b1 - b0;
        for (int c = 0; c < n; c++) {
            const double *ge = x[n + c] + b0, *gi = x[2 * n + c] + b0;
            for (uint32_t i = 0; i < nb; i++) {
                double fc = i0[c];
#pragma GCC unroll 9
                for (int j = 0; j < n; j++) fc += lv[c][j] * x[j][b0 + i];
                ub[c][i] = mc_cond_current(e_ex[c], e_in[c], half[c], g0[c], fc, x[c][b0 + i],
                                           mean[c] * ge[i], mean[n + c] * gi[i]);
            }
        }
        int nref = 0;
        for (uint32_t i = b0; i < b1; i++) {
            if (refr[i] <= 0) continue;
            for (int c = 0; c < n; c++) {
                double s = drive_cl[c];
                for (int j = 0; j < n; j++) s += cl->pv[c][j] * x[j][i];
                for (int j = 0; j < n; j++) s += cl->qu[c][j] * ub[j][i - b0];
                ref_v[nref][c] = s;
            }
            ref_id[nref++] = i;
        }
        for (int c = 0; c < n; c++)
            for (uint32_t i = 0; i < nb; i++) {
                double s = drive[c];
#pragma GCC unroll 9
                for (int j = 0; j < n; j++) s += pv[c][j] * x[j][b0 + i];
#pragma GCC unroll 9
                for (int j = 0; j < n; j++) s += qu[c][j] * ub[j][i];
                vb[c][i] = s;
            }
        for (int c = 0; c < n; c++) memcpy(x[c] + b0, vb[c], nb * sizeof(double));
        for (int c = 0; c < 2 * n; c++) {
            double *g = x[n + c] + b0, *q = in[c] + b0;
            for (uint32_t i = 0; i < nb; i++) {
                g[i] = decay[c] * g[i] + q[i];
                q[i] = 0.0;
            }
        }
        nspk = escape ? mc_finish_escape(cx, x, b0, b1, nref, ref_id, ref_v, spikes, nspk, n)
                      : mc_finish_block(cx, x, b0, b1, nref, ref_id, ref_v, spikes, nspk, n);
    }
    return nspk;
}

/* 4-wide clones for AVX2 machines, chosen at load time. Without FMA the two clones do the
 * same roundings in the same order, so results do not depend on which one runs. Conductance
 * mode is a function of its own: inlined into mc_update, it made current mode's n = 2 case
 * 1.5x slower (bench/neuron_cost). */
__attribute__((target_clones("avx2", "default"), noinline)) static uint32_t
mc_update_cond(const struct nrn_ctx *c, uint32_t begin, uint32_t end, uint32_t *spikes)
{
    switch (((const struct mc_derived *)c->derived)->n) {
    case 1: return mc_update_cond_n(c, begin, end, spikes, 1, 0);
    case 2: return mc_update_cond_n(c, begin, end, spikes, 2, 0);
    case 3: return mc_update_cond_n(c, begin, end, spikes, 3, 0);
    case 4: return mc_update_cond_n(c, begin, end, spikes, 4, 0);
    case 5: return mc_update_cond_n(c, begin, end, spikes, 5, 0);
    case 6: return mc_update_cond_n(c, begin, end, spikes, 6, 0);
    case 7: return mc_update_cond_n(c, begin, end, spikes, 7, 0);
    case 8: return mc_update_cond_n(c, begin, end, spikes, 8, 0);
    default: return mc_update_cond_n(c, begin, end, spikes, 9, 0);
    }
}

/* Escape noise, both synapse types: the same updates with mc_finish_escape for their last
 * pass. A function of its own, so that the threshold updates compile exactly as before. */
__attribute__((target_clones("avx2", "default"), noinline)) static uint32_t
mc_update_escape(const struct nrn_ctx *c, uint32_t begin, uint32_t end, uint32_t *spikes)
{
    const struct mc_derived *d = c->derived;
    if (d->cond) {
        switch (d->n) {
        case 1: return mc_update_cond_n(c, begin, end, spikes, 1, 1);
        case 2: return mc_update_cond_n(c, begin, end, spikes, 2, 1);
        case 3: return mc_update_cond_n(c, begin, end, spikes, 3, 1);
        case 4: return mc_update_cond_n(c, begin, end, spikes, 4, 1);
        case 5: return mc_update_cond_n(c, begin, end, spikes, 5, 1);
        case 6: return mc_update_cond_n(c, begin, end, spikes, 6, 1);
        case 7: return mc_update_cond_n(c, begin, end, spikes, 7, 1);
        case 8: return mc_update_cond_n(c, begin, end, spikes, 8, 1);
        default: return mc_update_cond_n(c, begin, end, spikes, 9, 1);
        }
    }
    switch (d->n) {
    case 1: return mc_update_n(c, begin, end, spikes, 1, 1);
    case 2: return mc_update_n(c, begin, end, spikes, 2, 1);
    case 3: return mc_update_n(c, begin, end, spikes, 3, 1);
    case 4: return mc_update_n(c, begin, end, spikes, 4, 1);
    case 5: return mc_update_n(c, begin, end, spikes, 5, 1);
    case 6: return mc_update_n(c, begin, end, spikes, 6, 1);
    case 7: return mc_update_n(c, begin, end, spikes, 7, 1);
    case 8: return mc_update_n(c, begin, end, spikes, 8, 1);
    default: return mc_update_n(c, begin, end, spikes, 9, 1);
    }
}

__attribute__((target_clones("avx512f", "avx2", "default"))) static uint32_t
mc_update(const struct nrn_ctx *c, uint32_t begin, uint32_t end, uint32_t *spikes)
{
    const struct mc_derived *d = c->derived;
    if (d->escape) return mc_update_escape(c, begin, end, spikes);
    if (d->cond) return mc_update_cond(c, begin, end, spikes);
    switch (d->n) {
    case 1: return mc_update_n(c, begin, end, spikes, 1, 0);
    case 2: return mc_update_n(c, begin, end, spikes, 2, 0);
    case 3: return mc_update_n(c, begin, end, spikes, 3, 0);
    case 4: return mc_update_n(c, begin, end, spikes, 4, 0);
    case 5: return mc_update_n(c, begin, end, spikes, 5, 0);
    case 6: return mc_update_n(c, begin, end, spikes, 6, 0);
    case 7: return mc_update_n(c, begin, end, spikes, 7, 0);
    case 8: return mc_update_n(c, begin, end, spikes, 8, 0);
    default: return mc_update_n(c, begin, end, spikes, 9, 0);
    }
}

/* What rules may read (nrn_ops.quantities). V* is Urbanczik & Senn's dendritic prediction: the
 * potential the soma would settle at, its leak and its children's couplings alone, with the
 * children held where they are (the soma's own synapses, bias and stimulus left out, as NEST's
 * urbanczik_archiving_node has it). The rates are escape noise's phi; a soma spiking at a
 * threshold has none, so they are NaN there (rules that need them refuse such targets). */
enum { MC_Q_V_STAR, MC_Q_PHI, MC_Q_PHI_STAR, MC_Q_H_STAR, MC_NQ };

static const struct nrn_quantity quantities[MC_NQ] = {
    [MC_Q_V_STAR] = {"v_star", "mV",
                     "dendritic prediction V* = (g_l e_l + sum_d g_c,d v_d) / (g_l + sum_d g_c,d) "
                     "of the soma (its g_l, e_l) over its child compartments d (e_l when the "
                     "sums are 0)"},
    [MC_Q_PHI] = {"phi", "/ms",
                  "escape rate phi(v) of the soma's potential v (NaN for spiking = "
                  "\"threshold\")"},
    [MC_Q_PHI_STAR] = {"phi_star", "/ms",
                       "escape rate phi(V*) of the dendritic prediction (NaN for spiking = "
                       "\"threshold\")"},
    [MC_Q_H_STAR] = {"h_star", "/mV",
                     "d ln phi / dV at V* = beta_escape / (1 + exp(beta_escape (V* - "
                     "theta_escape)) / rate_slope) (NaN for spiking = \"threshold\")"},
};

static double mc_v_star(const struct mc_derived *d, double *const *state, uint32_t i)
{
    if (d->vs_den == 0) return d->vs_e_l;
    double num = d->vs_i0;
    for (int c = 1; c < d->n; c++) num += d->vs_g[c] * state[c * MC_NSTATE + MC_V][i];
    return num / d->vs_den;
}

/* phi(u) = phi_max / (1 + exp(beta (theta - u) + ln k)), the exponent capped as in the draw
 * (k = 0: ln k = -inf, phi = phi_max); libm's exp: the same bits in every thread */
static double mc_phi(const struct mc_derived *d, double u)
{
    double z = d->esc_beta * (d->esc_theta - u);
    z = z < 2000.0 ? z : 2000.0;
    return d->esc_phi_max / (1.0 + exp(z + d->esc_log_k));
}

/* d ln phi / du = beta k e^{beta (theta - u)} / (1 + k e^{beta (theta - u)})
 *              = beta / (1 + exp(beta (u - theta) - ln k)) (k = 0: 0) */
static double mc_h(const struct mc_derived *d, double u)
{
    double z = d->esc_beta * (u - d->esc_theta);
    z = z > -2000.0 ? z : -2000.0; /* so that - ln k = +inf (k = 0) never meets -inf */
    return d->esc_beta / (1.0 + exp(z - d->esc_log_k));
}

static void mc_quantity(const void *derived, double *const *state, int qi, uint32_t begin,
                        uint32_t end, double *out)
{
    const struct mc_derived *d = derived;
    for (uint32_t i = begin; i < end; i++) {
        double *o = out + (i - begin);
        if (qi == MC_Q_V_STAR) {
            *o = mc_v_star(d, state, i);
        } else if (!d->escape) {
            *o = NAN;
        } else if (qi == MC_Q_PHI) {
            *o = mc_phi(d, state[MC_V][i]);
        } else {
            const double vs = mc_v_star(d, state, i);
            *o = qi == MC_Q_PHI_STAR ? mc_phi(d, vs) : mc_h(d, vs);
        }
    }
}

const struct nrn_ops mc_lif_ops = {
    .name = "mc_lif",
    .doc = "LIF soma plus passive dendritic compartments (tree), exact integration",
    .params = params,
    .nparams = MC_NPARAMS,
    .state_names = state_names,
    .state_units = state_units,
    .nstate = MC_NSTATE,
    .port_names = port_names,
    .nports = 2,
    .max_comps = NC,
    .cparams = cparams,
    .ncparams = MC_NCPARAMS,
    .derived_size = sizeof(struct mc_derived),
    .prepare = mc_prepare,
    .initial = mc_initial,
    .update = mc_update,
    .linear = mc_linear,
    .quantities = quantities,
    .nquantities = MC_NQ,
    .quantity = mc_quantity,
};
