/* neurons/mc_lif: exact integration of the multi-compartment LIF (see mc_lif.h). The update
 * is specialised per compartment count so that the small matrix-vector products unroll and
 * the loop over neurons vectorises. */
#include "neurons/mc_lif.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "neurons/expm.h"

static const struct nrn_param params[MC_NPARAMS] = {
    [MC_V_TH] = {"v_th", "mV", -50.0, -1e4, 1e4, 0, 0, NULL, "somatic spike threshold"},
    [MC_V_RESET] = {"v_reset", "mV", -65.0, -1e4, 1e4, 0, 0, NULL, "somatic reset potential"},
    [MC_T_REF] = {"t_ref", "ms", 2.0, 0, 1e6, 0, 0, NULL, "somatic refractory period"},
};

static const struct nrn_param cparams[MC_NCPARAMS] = {
    [MC_C_M] = {"c_m", "pF", 200.0, 0, 1e9, 1, 0, NULL, "capacitance"},
    [MC_G_L] = {"g_l", "nS", 10.0, 0, 1e9, 0, 0, NULL, "leak conductance"},
    [MC_E_L] = {"e_l", "mV", -70.0, -1e4, 1e4, 0, 0, NULL, "leak reversal potential"},
    [MC_G_C] = {"g_c", "nS", 10.0, 0, 1e9, 0, 0, NULL,
                "coupling conductance to the parent compartment (ignored for the soma)"},
    [MC_TAU_SYN_EX] = {"tau_syn_ex", "ms", 2.0, 0, 1e9, 1, 0, NULL, "excitatory current decay"},
    [MC_TAU_SYN_IN] = {"tau_syn_in", "ms", 2.0, 0, 1e9, 1, 0, NULL, "inhibitory current decay"},
    [MC_I_E] = {"i_e", "pA", 0.0, -1e9, 1e9, 0, 0, NULL, "constant bias current"},
};

static const char *const state_names[] = {"v", "i_ex", "i_in"};
static const char *const state_units[] = {"mV", "pA", "pA"};
static const char *const port_names[] = {"ex", "in"};

#define NC NRN_MAX_COMPS
#define NX (3 * NC)

/* One propagator: v_c <- sum_j pv[c][j] x_j + q[c] + qs[c] i_stim, with x = (v, i_ex, i_in)
 * stacked by kind (x_j for j < n are the potentials, then n excitatory, then n inhibitory). */
struct mc_prop {
    double pv[NC][NX];
    double q[NC], qs[NC];
};

struct mc_derived {
    int n;
    struct mc_prop free, clamped;
    double dex[NC], din[NC]; /* current decay per step */
    double v_th, v_reset;
    int32_t ref_steps;
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

/* Propagator of the affine system over h: exponentiate [[A h, b h, bs h], [0, 0, 0]]. */
static int propagator(const struct nrn_shape *s, double h, int clamp, struct mc_prop *out,
                      struct mc_derived *d)
{
    const int n = s->ncomp, m = 3 * n, k = m + 2;
    double a[NX * NX], b[NX], bs[NX], big[(NX + 2) * (NX + 2)], e[(NX + 2) * (NX + 2)];
    system_matrix(s, a, b, bs, clamp);
    memset(big, 0, sizeof big);
    for (int i = 0; i < m; i++) {
        for (int j = 0; j < m; j++) big[i * k + j] = a[i * m + j] * h;
        big[i * k + m] = b[i] * h;
        big[i * k + m + 1] = bs[i] * h;
    }
    if (expm(k, big, e, NULL) != 0) return -1;
    memset(out, 0, sizeof *out);
    for (int c = 0; c < n; c++) {
        for (int j = 0; j < m; j++) out->pv[c][j] = e[c * k + j];
        out->q[c] = e[c * k + m];
        out->qs[c] = e[c * k + m + 1];
    }
    if (!clamp)
        for (int c = 0; c < n; c++) {
            d->dex[c] = e[(n + c) * k + n + c];
            d->din[c] = e[(2 * n + c) * k + 2 * n + c];
        }
    return 0;
}

static int mc_prepare(const double *p, const struct nrn_shape *s, double h, void *out,
                      struct err *e)
{
    struct mc_derived *d = out;
    memset(d, 0, sizeof *d);
    if (p[MC_V_RESET] >= p[MC_V_TH])
        return err_set(e, ERR_INPUT, NULL, 0, "v_reset", "must be below v_th (%g mV)", p[MC_V_TH]);
    if (s->ncomp < 1 || s->ncomp > NC)
        return err_set(e, ERR_INPUT, NULL, 0, "compartments", "needs 1 to %d compartments", NC);
    d->n = s->ncomp;
    if (propagator(s, h, 0, &d->free, d) || propagator(s, h, 1, &d->clamped, d))
        return err_set(e, ERR_INPUT, NULL, 0, "compartments",
                       "the propagator cannot be computed accurately (ill-conditioned system: "
                       "check for extreme conductances or time constants)");
    /* the clamped soma stays where it is */
    memset(d->clamped.pv[0], 0, sizeof d->clamped.pv[0]);
    d->clamped.pv[0][0] = 1.0;
    d->clamped.q[0] = d->clamped.qs[0] = 0.0;
    d->v_th = p[MC_V_TH];
    d->v_reset = p[MC_V_RESET];
    d->ref_steps = (int32_t)lround(p[MC_T_REF] / h);
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

/* Neurons per pass: with 3 compartments the block's 15 state and input rows (7.5 KiB) stay in
 * L1 from one pass to the next; measured, 64 beats 256 by 1.25x (bench/neuron_cost). */
#define MC_BLOCK 64

/* One block in passes. (1) The few refractory neurons take their soma-clamped step into a side
 * buffer. (2) Every neuron takes the free step: with n known at compile time the loops over
 * compartments unroll completely and the loop over neurons vectorises, each neuron's sums
 * taken in the same order as a scalar loop would. (3) The refractory neurons get their clamped
 * potentials back; then threshold, reset and the non-finite check. Computing the free step for
 * refractory neurons too is cheaper than a per-neuron branch in the hot loop. */
static inline __attribute__((always_inline)) uint32_t
mc_update_n(const struct nrn_ctx *cx, uint32_t begin, uint32_t end, uint32_t *spikes, const int n)
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
    double *v0 = x[0];
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
        for (int r = 0; r < nref; r++) {
            for (int c = 0; c < n; c++) x[c][ref_id[r]] = ref_v[r][c];
            refr[ref_id[r]]--;
        }
        /* a block with no crossing and no fault at the soma skips the scalar pass (see lif.c) */
        int64_t cross = 0;
        for (uint32_t i = b0; i < b1; i++)
            cross |= (v0[i] >= d->v_th) | (v0[i] != v0[i]) | (v0[i] < -DBL_MAX);
        for (uint32_t i = b0; cross && i < b1; i++) {
            /* one test finds both a spike and a fault (NaN fails both sides) */
            if (__builtin_expect(!(v0[i] < d->v_th && v0[i] > -DBL_MAX), 0)) {
                if (isfinite(v0[i])) {
                    spikes[nspk++] = i;
                    v0[i] = d->v_reset;
                    refr[i] = d->ref_steps;
                } else if (*cx->nonfinite > i) {
                    *cx->nonfinite = i;
                }
            }
        }
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
    return nspk;
}

/* A 4-wide clone for AVX2 machines, chosen at load time. Without FMA the two clones do the
 * same roundings in the same order, so results do not depend on which one runs. */
__attribute__((target_clones("avx2", "default"))) static uint32_t
mc_update(const struct nrn_ctx *c, uint32_t begin, uint32_t end, uint32_t *spikes)
{
    switch (((const struct mc_derived *)c->derived)->n) {
    case 1: return mc_update_n(c, begin, end, spikes, 1);
    case 2: return mc_update_n(c, begin, end, spikes, 2);
    case 3: return mc_update_n(c, begin, end, spikes, 3);
    case 4: return mc_update_n(c, begin, end, spikes, 4);
    case 5: return mc_update_n(c, begin, end, spikes, 5);
    case 6: return mc_update_n(c, begin, end, spikes, 6);
    case 7: return mc_update_n(c, begin, end, spikes, 7);
    case 8: return mc_update_n(c, begin, end, spikes, 8);
    default: return mc_update_n(c, begin, end, spikes, 9);
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
};
