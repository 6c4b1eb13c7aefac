/* synapses/stdp: with x = w / w_max, a postsynaptic spike reaching the synapse dt > 0 after a
 * presynaptic one gives x += lambda (1 - x)^mu_plus K+ (K+ = e^{-dt/tau_plus} summed over the
 * paired presynaptic spikes), a presynaptic spike dt > 0 after a postsynaptic one gives
 * x -= alpha lambda x^mu_minus K- (K- = e^{-dt/tau_minus}, likewise), and x stays in [0, 1].
 * Pairings: all_to_all (every pair), nearest_symmetric (each spike with the nearest earlier
 * spike of the other side), nearest_presynaptic (each presynaptic spike with the nearest
 * postsynaptic spike before it and the first one after it). */
#include "synapses/stdp.h"

#include <math.h>

enum { PAIR_ALL, PAIR_SYMMETRIC, PAIR_PRE_CENTRED };
static const char *const pairings[] = {"all_to_all", "nearest_symmetric", "nearest_presynaptic",
                                       NULL};

enum { P_TAU_PLUS, P_TAU_MINUS, P_LAMBDA, P_ALPHA, P_MU_PLUS, P_MU_MINUS, P_W_MAX, P_PAIRING };

static const struct param params[] = {
    {"tau_plus", "ms", 20.0, 0, 1e6, 1, 0, NULL, "time constant of the presynaptic trace"},
    {"tau_minus", "ms", 20.0, 0, 1e6, 1, 0, NULL, "time constant of the postsynaptic trace"},
    {"lambda", "", 0.01, 0, 1, 0, 0, NULL, "step size of potentiation, relative to w_max"},
    {"alpha", "", 1.0, 0, 1e6, 0, 0, NULL, "depression relative to potentiation"},
    {"mu_plus", "", 1.0, 0, 1, 0, 0, NULL,
     "weight dependence of potentiation: 0 additive, 1 multiplicative"},
    {"mu_minus", "", 1.0, 0, 1, 0, 0, NULL,
     "weight dependence of depression: 0 additive, 1 multiplicative"},
    {"w_max", "", 100.0, -1e12, 1e12, 0, 0, NULL,
     "bound of the weight (weights lie between 0 and w_max; a negative w_max for negative "
     "weights), in the projection's weight unit"},
    {"pairing", "", PAIR_ALL, 0, 0, 0, 0, pairings, "which spike pairs count"},
};

/* e^{-k dt / tau} for whole steps k < 2^16 as hi[k >> 8] * lo[k & 255]: two small tables in
 * L1 instead of an exp per pair (the product may differ from exp in the last bit; it is the
 * same on every thread and machine) */
struct decay {
    double lo[256], hi[256];
    double dt_over_tau;
};

struct stdp {
    double tau_plus, tau_minus, lambda, alpha, mu_plus, mu_minus, w_max;
    int pairing;
    struct decay plus, minus;
};

static void decay_init(struct decay *d, double dt, double tau)
{
    d->dt_over_tau = dt / tau;
    for (int i = 0; i < 256; i++) {
        d->lo[i] = exp(-(double)i * d->dt_over_tau);
        d->hi[i] = exp(-(double)(i << 8) * d->dt_over_tau);
    }
}

static inline double decay(const struct decay *d, int64_t k)
{
    if (k < 65536) return d->hi[k >> 8] * d->lo[k & 255];
    return exp(-(double)k * d->dt_over_tau);
}

static int prepare(const double *p, double dt_ms, void *derived, struct pl_needs *needs,
                   struct err *e)
{
    struct stdp *s = derived;
    s->tau_plus = p[P_TAU_PLUS];
    s->tau_minus = p[P_TAU_MINUS];
    s->lambda = p[P_LAMBDA];
    s->alpha = p[P_ALPHA];
    s->mu_plus = p[P_MU_PLUS];
    s->mu_minus = p[P_MU_MINUS];
    s->w_max = p[P_W_MAX];
    s->pairing = (int)p[P_PAIRING];
    decay_init(&s->plus, dt_ms, s->tau_plus);
    decay_init(&s->minus, dt_ms, s->tau_minus);
    if (s->w_max == 0)
        return err_set(e, ERR_INPUT, NULL, 0, "w_max", "must not be 0 (weights lie in [0, w_max])");
    needs->ntraces = 1;
    needs->traces[0].tau_ms = s->tau_minus;
    needs->traces[0].nearest = s->pairing != PAIR_ALL;
    needs->npre = 1;                                   /* K+ just after the last spike */
    needs->nsyn = s->pairing == PAIR_PRE_CENTRED ? 1 : 0; /* K+ not yet paired */
    needs->changes_weight = 1;
    needs->flushes = 1;
    return 0;
}

static void bounds(const void *derived, double *lo, double *hi)
{
    const struct stdp *s = derived;
    *lo = s->w_max < 0 ? s->w_max : 0;
    *hi = s->w_max < 0 ? 0 : s->w_max;
}

static void init_syn(const void *derived, float *syn)
{
    (void)derived;
    syn[0] = 0;
}

static double facilitate(const struct stdp *s, double x, double k)
{
    double f = s->mu_plus == 0 ? 1 : s->mu_plus == 1 ? 1 - x : pow(1 - x, s->mu_plus);
    x += s->lambda * f * k;
    return x < 1 ? x : 1;
}

static double depress(const struct stdp *s, double x, double k)
{
    double f = s->mu_minus == 0 ? 1 : s->mu_minus == 1 ? x : pow(x, s->mu_minus);
    x -= s->alpha * s->lambda * f * k;
    return x > 0 ? x : 0;
}

/* Synapse q of the row with postsynaptic spikes since its last presynaptic one: pairs them
 * (potentiation), then this presynaptic spike with the trace at S - d (depression). */
static double pair_all(const struct stdp *s, const struct pl_row *r, uint64_t q,
                       const struct pl_hist *h, int64_t d, double x)
{
    const int64_t S = r->stamp, L = r->last, seen = r->seen > L ? r->seen : L;
    /* entries [first, end): the postsynaptic spikes that reached the synapse since the last
     * presynaptic one (found from the newest end: histories are short) */
    uint32_t end = h->len;
    while (end && pl_hist_stamp(h, end - 1) > S - d) end--;
    uint32_t first = end;
    if (L != PL_NEVER) {
        while (first && pl_hist_stamp(h, first - 1) > seen - d) first--;
        for (uint32_t e = first; e < end; e++) {
            const int64_t gap = pl_hist_stamp(h, e) + d - L;
            double k;
            if (s->pairing == PAIR_PRE_CENTRED) {
                k = r->syn[q] * decay(&s->plus, gap);
                r->syn[q] = 0;
            } else {
                k = r->pre[0] * decay(&s->plus, gap);
            }
            if (k > 0) x = facilitate(s, x, k);
        }
    }
    if (r->flush) return x;
    /* the postsynaptic trace where this spike reaches the synapse: from the last spike before
     * S - d (one at S - d itself is the same time: not paired) */
    uint32_t e = end;
    if (e && pl_hist_stamp(h, e - 1) == S - d) e--;
    if (e) {
        const int64_t P = pl_hist_stamp(h, e - 1);
        x = depress(s, x, pl_hist_val(h, r->ntraces, e - 1, r->trace[0]) * decay(&s->minus, S - d - P));
    }
    return x;
}

static double on_pre(const struct pl_row *r)
{
    const struct stdp *s = r->derived;
    const int64_t S = r->stamp, L = r->last;
    const double kplus = r->pre[0];
    const double inv_wmax = 1.0 / s->w_max;
    const int tr = r->trace[0], pre_centred = s->pairing == PAIR_PRE_CENTRED;
    const int64_t seen = r->seen > L ? r->seen : L;
    if (r->flush) {
        for (uint64_t q = r->lo; q < r->hi; q++) {
            const int64_t d = r->delay ? r->delay[q] : r->delay_const;
            const struct pl_hist *h = &r->hist[r->tgt[q]];
            if (!h->len || h->newest <= seen - d) continue;
            double x = fmin(fmax(r->w[q] * inv_wmax, 0.0), 1.0);
            r->w[q] = (float)(pair_all(s, r, q, h, d, x) * s->w_max);
        }
        return 1.0;
    }
    for (uint64_t q = r->lo; q < r->hi; q++) {
        /* the targets' history lines are scattered: ask for them a few synapses ahead */
        if (q + 8 < r->hi) __builtin_prefetch(&r->hist[r->tgt[q + 8]]);
        const int64_t d = r->delay ? r->delay[q] : r->delay_const;
        const struct pl_hist *h = &r->hist[r->tgt[q]];
        const int64_t N = h->len ? h->newest : PL_NEVER;
        if (N != PL_NEVER) { /* else no postsynaptic spike yet: nothing to pair */
            /* a w_max no float holds puts its float a little past 1: pow(1 - x, mu) of a
             * negative number would be NaN */
            double x = fmin(fmax(r->w[q] * inv_wmax, 0.0), 1.0);
            if (L != PL_NEVER ? N <= seen - d : N < S - d) {
                /* the common case: no postsynaptic spike since the last presynaptic one, so
                 * only the newest entry matters, read from the struct, not the ring */
                x = depress(s, x,
                            pl_hist_newest_val(h, r->ntraces, tr) * decay(&s->minus, S - d - N));
            } else if (tr < PL_HIST_INLINE && L != PL_NEVER && N <= S - d &&
                       (h->len < 2 || h->prev <= seen - d)) {
                /* the next most common: one postsynaptic spike since then (pair_all's steps,
                 * from the two entries the struct holds) */
                double k;
                if (pre_centred) {
                    k = r->syn[q] * decay(&s->plus, N + d - L);
                    r->syn[q] = 0;
                } else {
                    k = kplus * decay(&s->plus, N + d - L);
                }
                if (k > 0) x = facilitate(s, x, k);
                if (N < S - d)
                    x = depress(s, x, h->newest_val[tr] * decay(&s->minus, S - d - N));
                else if (h->len >= 2)
                    x = depress(s, x, h->prev_val[tr] * decay(&s->minus, S - d - h->prev));
            } else {
                x = pair_all(s, r, q, h, d, x);
            }
            r->w[q] = (float)(x * s->w_max);
        }
        if (pre_centred)
            r->syn[q] = (float)(r->syn[q] * (L == PL_NEVER ? 1.0 : decay(&s->plus, S - L)) + 1);
    }
    if (s->pairing == PAIR_ALL)
        r->pre[0] = (L == PL_NEVER ? 0 : kplus * decay(&s->plus, S - L)) + 1;
    else
        r->pre[0] = 1;
    return 1.0;
}

const struct pl_rule stdp_rule = {
    .name = "stdp",
    .doc = "pair-based STDP (NEST stdp_synapse): additive, multiplicative or power-law",
    .params = params,
    .nparams = (int)(sizeof params / sizeof params[0]),
    .derived_size = sizeof(struct stdp),
    .prepare = prepare,
    .bounds = bounds,
    .init_syn = init_syn,
    .on_pre = on_pre,
};
