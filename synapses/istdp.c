/* synapses/istdp: with x_pre and x_post the all-to-all traces of the two sides' spikes (each
 * spike adds 1, both decay with tau), a postsynaptic spike reaching the synapse gives
 * |w| += eta x_pre and a presynaptic spike gives |w| += eta (x_post - alpha), with
 * alpha = 2 rho0 tau for a target rate rho0; |w| stays in [0, |w_max|] and w keeps the sign of
 * w_max (negative weights for current-based inhibition). As in NEST, a presynaptic spike
 * first adds eta x_post (capped at |w_max|), then subtracts eta alpha (floored at 0).
 * Why it balances: averaged over uncorrelated spikes, d|w|/dt = eta rho_pre
 * (2 tau rho_post - alpha), which is zero exactly at rho_post = alpha / (2 tau) = rho0. */
#include "synapses/istdp.h"

#include <math.h>

enum { P_TAU, P_ETA, P_ALPHA, P_TARGET_RATE, P_W_MAX };

/* alpha and target_rate: exactly one is set; NaN (which no config value can be) means unset */
static const struct param params[] = {
    {"tau", "ms", 20.0, 0, 1e6, 1, 0, NULL, "time constant of both traces (the STDP window)"},
    {"eta", "", 0.001, 0, 1e12, 0, 0, NULL,
     "learning rate: the change of |w| per unit of trace, in the projection's weight unit"},
    {"alpha", "", NAN, 0, 1e6, 0, 0, NULL,
     "depression per presynaptic spike, relative to eta (= 2 target_rate tau); or target_rate"},
    {"target_rate", "Hz", NAN, 0, 1e6, 0, 0, NULL,
     "postsynaptic rate the rule settles at (alpha = 2 target_rate tau); or alpha"},
    {"w_max", "", 1.0, -1e12, 1e12, 0, 0, NULL,
     "bound of the weight (weights lie between 0 and w_max; a negative w_max for negative "
     "weights), in the projection's weight unit"},
};

struct istdp {
    double tau, eta, alpha, w_max;
};

static int prepare(const double *p, double dt_ms, void *derived, struct pl_needs *needs,
                   struct err *e)
{
    (void)dt_ms;
    struct istdp *s = derived;
    const int has_alpha = !isnan(p[P_ALPHA]), has_rate = !isnan(p[P_TARGET_RATE]);
    if (has_alpha && has_rate)
        return err_set(e, ERR_INPUT, NULL, 0, "target_rate",
                       "set either alpha or target_rate, not both (alpha = 2 target_rate tau)");
    if (!has_alpha && !has_rate)
        return err_set(e, ERR_INPUT, NULL, 0, "target_rate",
                       "is required (Hz), or alpha instead (alpha = 2 target_rate tau)");
    s->tau = p[P_TAU];
    s->eta = p[P_ETA];
    s->alpha = has_alpha ? p[P_ALPHA] : 2.0 * p[P_TARGET_RATE] * 1e-3 * s->tau;
    s->w_max = p[P_W_MAX];
    if (s->w_max == 0)
        return err_set(e, ERR_INPUT, NULL, 0, "w_max", "must not be 0 (weights lie in [0, w_max])");
    needs->ntraces = 1;
    needs->traces[0].tau_ms = s->tau;
    needs->traces[0].nearest = 0;
    needs->npre = 1; /* x_pre just after the source's last spike */
    needs->nsyn = 0;
    needs->changes_weight = 1;
    needs->flushes = 1;
    return 0;
}

static void bounds(const void *derived, double *lo, double *hi)
{
    const struct istdp *s = derived;
    *lo = s->w_max < 0 ? s->w_max : 0;
    *hi = s->w_max < 0 ? 0 : s->w_max;
}

static double on_pre(const struct pl_row *r)
{
    const struct istdp *s = r->derived;
    const int64_t S = r->stamp, L = r->last, seen = r->seen > L ? r->seen : L;
    const double xpre = r->pre[0], dt = r->dt_ms;
    const double sign = s->w_max < 0 ? -1.0 : 1.0, amax = fabs(s->w_max);
    const double drop = s->eta * s->alpha;
    const int tr = r->trace[0];
    for (uint64_t q = r->lo; q < r->hi; q++) {
        const int64_t d = r->delay ? r->delay[q] : r->delay_const;
        const struct pl_hist *h = &r->hist[r->tgt[q]];
        double a = sign * r->w[q]; /* |w| */
        if (L != PL_NEVER) {
            /* postsynaptic spikes that reached the synapse since the last presynaptic one,
             * each with x_pre where it arrived */
            for (uint32_t e = pl_hist_after(h, seen - d); e < h->len; e++) {
                const int64_t P = pl_hist_stamp(h, e);
                if (P > S - d) break;
                a += s->eta * xpre * exp(-(double)(P + d - L) * dt / s->tau);
                if (a > amax) a = amax;
            }
        }
        if (r->flush) { /* pairings so far only (core/plast.h) */
            r->w[q] = a > 0 ? (float)(sign * a) : 0.0f;
            continue;
        }
        /* x_post where this spike reaches the synapse */
        const uint32_t e = pl_hist_after(h, S - d - 1);
        if (e > 0) {
            const int64_t P = pl_hist_stamp(h, e - 1);
            a += s->eta * pl_hist_val(h, r->ntraces, e - 1, tr) *
                 exp(-(double)(S - d - P) * dt / s->tau);
            if (a > amax) a = amax;
        }
        a -= drop;
        if (a < 0) a = 0;
        r->w[q] = a > 0 ? (float)(sign * a) : 0.0f; /* 0, not -0 */
    }
    if (!r->flush)
        r->pre[0] = (L == PL_NEVER ? 0 : xpre * exp(-(double)(S - L) * dt / s->tau)) + 1;
    return 1.0;
}

const struct pl_rule istdp_rule = {
    .name = "istdp",
    .doc = "inhibitory STDP (Vogels et al. 2011; NEST vogels_sprekeler_synapse): symmetric "
           "window, constant depression per presynaptic spike, a target rate",
    .params = params,
    .nparams = (int)(sizeof params / sizeof params[0]),
    .derived_size = sizeof(struct istdp),
    .prepare = prepare,
    .bounds = bounds,
    .on_pre = on_pre,
};
