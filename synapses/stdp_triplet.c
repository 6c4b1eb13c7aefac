/* synapses/stdp_triplet: four traces, two per side. Presynaptic r1 (tau_plus) and r2 (tau_x),
 * postsynaptic o1 (tau_minus) and o2 (tau_y); each decays and, at its side's spike, grows by
 * 1 (all_to_all) or is set to 1 (nearest_spike). In the synapse's time (a presynaptic spike
 * acts at once, a postsynaptic one reaches the synapse d later), with u = w_ref:
 *   post spike at t:  |w| += u r1(t) (A2_plus  + A3_plus  o2(t - eps))
 *   pre spike at t:   |w| -= u o1(t) (A2_minus + A3_minus r2(t - eps))
 * o2 and r2 are read just before their own side's spike, so a spike's own increment never
 * counts. |w| stays in [0, |w_max|], clipped after every term (NEST: facilitate_, depress_),
 * and w keeps w_max's sign. A named parameter_set fills the taus and amplitudes from Pfister
 * & Gerstner's Tables 3 (visual cortex) and 4 (hippocampal), the row of the chosen pairing. */
#include "synapses/stdp_triplet.h"

#include <math.h>

enum { PAIR_ALL, PAIR_NEAREST };
static const char *const pairings[] = {"all_to_all", "nearest_spike", NULL};

enum { SET_CUSTOM, SET_VC, SET_VC_MIN, SET_HC, SET_HC_MIN, NSETS };
static const char *const sets[] = {"custom",      "visual_cortex",       "visual_cortex_minimal",
                                   "hippocampal", "hippocampal_minimal", NULL};

/* The parameters a set fixes come first, in the order of struct row. */
enum {
    P_TAU_PLUS,
    P_TAU_X,
    P_TAU_MINUS,
    P_TAU_Y,
    P_A2_PLUS,
    P_A3_PLUS,
    P_A2_MINUS,
    P_A3_MINUS,
    NSET_PARAMS,
    P_W_MAX = NSET_PARAMS,
    P_W_REF,
    P_PAIRING,
    P_SET
};

/* A default of NaN means "not given": a user cannot write NaN (the loader wants a finite
 * number), so prepare() can tell a value the user gave from one the set must supply. */
#define UNSET NAN
static const struct param params[] = {
    {"tau_plus", "ms", UNSET, 0, 1e6, 1, 0, NULL,
     "time constant of the presynaptic trace r1 (default 16.8)"},
    {"tau_x", "ms", UNSET, 0, 1e6, 1, 0, NULL,
     "time constant of the presynaptic trace r2 (default 101)"},
    {"tau_minus", "ms", UNSET, 0, 1e6, 1, 0, NULL,
     "time constant of the postsynaptic trace o1 (default 33.7)"},
    {"tau_y", "ms", UNSET, 0, 1e6, 1, 0, NULL,
     "time constant of the postsynaptic trace o2 (default 125)"},
    {"A2_plus", "", UNSET, 0, 1e12, 0, 0, NULL, "pair potentiation, in w_ref (default 5e-10)"},
    {"A3_plus", "", UNSET, 0, 1e12, 0, 0, NULL, "triplet potentiation, in w_ref (default 6.2e-3)"},
    {"A2_minus", "", UNSET, 0, 1e12, 0, 0, NULL, "pair depression, in w_ref (default 7e-3)"},
    {"A3_minus", "", UNSET, 0, 1e12, 0, 0, NULL, "triplet depression, in w_ref (default 2.3e-4)"},
    {"w_max", "", 100.0, -1e12, 1e12, 0, 0, NULL,
     "bound of the weight (weights lie between 0 and w_max; a negative w_max for negative "
     "weights), in the projection's weight unit"},
    {"w_ref", "", 1.0, 0, 1e12, 1, 0, NULL,
     "the weight the amplitudes are counted in: a change is A * w_ref (1: NEST's convention, "
     "amplitudes in the projection's weight unit; the paper's amplitudes are relative to the "
     "weight before induction)"},
    {"pairing", "", PAIR_ALL, 0, 0, 0, 0, pairings,
     "all_to_all (traces add up) or nearest_spike (traces are set to 1 at each spike)"},
    {"parameter_set", "", SET_CUSTOM, 0, 0, 0, 0, sets,
     "custom, or a fit of Pfister & Gerstner 2006 that sets the taus and amplitudes"},
};

/* Pfister & Gerstner 2006, Table 3 (visual cortex, Sjöström et al. 2001) and Table 4
 * (hippocampal culture, Wang et al. 2005): tau_plus = 16.8 ms and tau_minus = 33.7 ms in every
 * row. A minimal model has A3_minus = 0 (and, for visual cortex, A2_plus = 0), which makes
 * tau_x inert; the paper leaves that cell empty, and the full model's tau_x stands there.
 * Read from transcriptions of the tables (the paper itself was not at hand), which agree but
 * for A3_minus of the hippocampal all-to-all full row: 1.4e-3 in one, 1.4e-4 in another; the
 * hippocampal minimal nearest-spike row comes from one transcription only. Check both against
 * the paper (J Neurosci 26:9673, PMC6674434) before relying on them. */
struct row {
    double v[NSET_PARAMS];
};
static const struct row table[NSETS][2] = {
    [SET_VC] = {{{16.8, 101, 33.7, 125, 5e-10, 6.2e-3, 7e-3, 2.3e-4}},
                {{16.8, 714, 33.7, 40, 8.8e-11, 5.3e-2, 6.6e-3, 3.1e-3}}},
    [SET_VC_MIN] = {{{16.8, 101, 33.7, 114, 0, 6.5e-3, 7.1e-3, 0}},
                    {{16.8, 714, 33.7, 40, 0, 5e-2, 8e-3, 0}}},
    [SET_HC] = {{{16.8, 946, 33.7, 27, 6.1e-3, 6.7e-3, 1.6e-3, 1.4e-3}},
                {{16.8, 575, 33.7, 47, 4.6e-3, 9.1e-3, 3e-3, 7.5e-9}}},
    [SET_HC_MIN] = {{{16.8, 946, 33.7, 40, 5.3e-3, 8e-3, 3.5e-3, 0}},
                    {{16.8, 575, 33.7, 48, 4.6e-3, 9.1e-3, 3e-3, 0}}},
};
/* custom: the visual cortex all-to-all full fit, as NEST's stdp_triplet_synapse defaults (NEST
 * takes tau_minus and tau_y from the postsynaptic neuron, 20 and 110 ms by default there) */
#define CUSTOM_ROW table[SET_VC][PAIR_ALL]

struct triplet {
    double tau_plus, tau_x, tau_minus, tau_y, a2p, a3p, a2m, a3m, w_max, w_ref;
    int pairing;
};

static int prepare(const double *p, double dt_ms, void *derived, struct pl_needs *needs,
                   struct err *e)
{
    (void)dt_ms;
    struct triplet *s = derived;
    const int pairing = (int)p[P_PAIRING], set = (int)p[P_SET];
    double v[NSET_PARAMS];
    for (int i = 0; i < NSET_PARAMS; i++) {
        if (set != SET_CUSTOM && !isnan(p[i]))
            return err_set(e, ERR_INPUT, NULL, 0, params[i].name,
                           "is fixed by parameter_set = \"%s\" (Pfister & Gerstner 2006, %s); "
                           "leave it out, or set parameter_set = \"custom\"",
                           sets[set], set <= SET_VC_MIN ? "Table 3" : "Table 4");
        v[i] = set != SET_CUSTOM ? table[set][pairing].v[i] : isnan(p[i]) ? CUSTOM_ROW.v[i] : p[i];
    }
    s->tau_plus = v[P_TAU_PLUS];
    s->tau_x = v[P_TAU_X];
    s->tau_minus = v[P_TAU_MINUS];
    s->tau_y = v[P_TAU_Y];
    s->a2p = v[P_A2_PLUS];
    s->a3p = v[P_A3_PLUS];
    s->a2m = v[P_A2_MINUS];
    s->a3m = v[P_A3_MINUS];
    s->w_max = p[P_W_MAX];
    s->w_ref = p[P_W_REF];
    s->pairing = pairing;
    if (s->w_max == 0)
        return err_set(e, ERR_INPUT, NULL, 0, "w_max", "must not be 0 (weights lie in [0, w_max])");
    needs->ntraces = 2;
    needs->traces[0].tau_ms = s->tau_minus; /* o1 */
    needs->traces[0].nearest = pairing == PAIR_NEAREST;
    needs->traces[1].tau_ms = s->tau_y; /* o2 */
    needs->traces[1].nearest = pairing == PAIR_NEAREST;
    needs->npre = 2; /* r1, r2 just after the source's last spike */
    needs->nsyn = 0;
    needs->changes_weight = 1;
    needs->flushes = 1;
    return 0;
}

static void bounds(const void *derived, double *lo, double *hi)
{
    const struct triplet *s = derived;
    *lo = s->w_max < 0 ? s->w_max : 0;
    *hi = s->w_max < 0 ? 0 : s->w_max;
}

static double on_pre(const struct pl_row *r)
{
    const struct triplet *s = r->derived;
    const int64_t S = r->stamp, L = r->last, seen = r->seen > L ? r->seen : L;
    const double dt = r->dt_ms, sgn = s->w_max < 0 ? -1 : 1, top = fabs(s->w_max);
    const double r1_last = r->pre[0]; /* r1 just after L */
    const double r2 = L == PL_NEVER ? 0 : r->pre[1] * exp(-(double)(S - L) * dt / s->tau_x);
    const double dep = s->a2m + s->a3m * r2; /* per unit of o1: r2 just before this spike */
    const int to1 = r->trace[0], to2 = r->trace[1], nt = r->ntraces;
    for (uint64_t q = r->lo; q < r->hi; q++) {
        const int64_t d = r->delay ? r->delay[q] : r->delay_const;
        const struct pl_hist *h = &r->hist[r->tgt[q]];
        double a = sgn * r->w[q];
        if (L != PL_NEVER) {
            /* postsynaptic spikes that reached the synapse since the last presynaptic one:
             * r1 where they arrive, o2 just before each (from the spike before it) */
            for (uint32_t e = pl_hist_after(h, seen - d); e < h->len; e++) {
                const int64_t P = pl_hist_stamp(h, e);
                if (P > S - d) break;
                const double r1 = r1_last * exp(-(double)(P + d - L) * dt / s->tau_plus);
                double o2 = 0;
                if (e > 0)
                    o2 = pl_hist_val(h, nt, e - 1, to2) *
                         exp(-(double)(P - pl_hist_stamp(h, e - 1)) * dt / s->tau_y);
                a += s->w_ref * r1 * (s->a2p + s->a3p * o2);
                if (a > top) a = top;
            }
        }
        if (r->flush) { /* pairings so far only (core/plast.h) */
            r->w[q] = (float)(sgn * a);
            continue;
        }
        /* o1 where this spike reaches the synapse, from the postsynaptic spikes before it */
        const uint32_t e = pl_hist_after(h, S - d - 1);
        if (e > 0) {
            const double o1 = pl_hist_val(h, nt, e - 1, to1) *
                              exp(-(double)(S - d - pl_hist_stamp(h, e - 1)) * dt / s->tau_minus);
            a -= s->w_ref * o1 * dep;
            if (a < 0) a = 0;
        }
        r->w[q] = (float)(sgn * a);
    }
    if (r->flush) return 1.0;
    if (s->pairing == PAIR_ALL) {
        const double r1 = L == PL_NEVER ? 0 : r1_last * exp(-(double)(S - L) * dt / s->tau_plus);
        r->pre[0] = r1 + 1;
        r->pre[1] = r2 + 1;
    } else {
        r->pre[0] = 1;
        r->pre[1] = 1;
    }
    return 1.0;
}

const struct pl_rule stdp_triplet_rule = {
    .name = "stdp_triplet",
    .doc = "triplet STDP (Pfister & Gerstner 2006, NEST stdp_triplet_synapse): all-to-all or "
           "nearest-spike, with the paper's visual cortex and hippocampal fits",
    .params = params,
    .nparams = (int)(sizeof params / sizeof params[0]),
    .derived_size = sizeof(struct triplet),
    .prepare = prepare,
    .bounds = bounds,
    .init_syn = NULL,
    .on_pre = on_pre,
};
