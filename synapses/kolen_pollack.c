/* synapses/kolen_pollack: see kolen_pollack.h. With S the event's stamp and d the synapse's
 * delay, the event reaches the synapse at S and reads the postsynaptic trace there, that of
 * the target's spikes P with P + d < S (as istdp reads x_post), decayed to S - d:
 *   w <- clip((1 - decay) w + eta amp x_post)
 * No per-pair updates: a flush has nothing to do. */
#include "synapses/kolen_pollack.h"

#include <math.h>

enum { P_ETA, P_TAU, P_DECAY, P_W_MIN, P_W_MAX };

static const struct param params[] = {
    {"eta", "", 0.001, -1e12, 1e12, 0, 0, NULL,
     "change per unit of event amplitude and of the postsynaptic trace, in the weight's unit"},
    {"tau", "ms", 10.0, 0, 1e6, 1, 0, NULL, "time constant of the postsynaptic spike trace"},
    {"decay", "", 0.0, 0, 1, 0, 0, NULL, "fraction of the weight lost at every event"},
    {"w_min", "", -1e12, -1e12, 1e12, 0, 0, NULL, "lower bound of the weight"},
    {"w_max", "", 1e12, -1e12, 1e12, 0, 0, NULL, "upper bound of the weight"},
};

struct kp {
    double eta, tau, keep, w_min, w_max;
};

static int prepare(const double *p, double dt_ms, void *derived, struct pl_needs *needs,
                   struct err *e)
{
    (void)dt_ms;
    struct kp *s = derived;
    s->eta = p[P_ETA];
    s->tau = p[P_TAU];
    s->keep = 1.0 - p[P_DECAY];
    s->w_min = p[P_W_MIN];
    s->w_max = p[P_W_MAX];
    if (s->w_min > s->w_max)
        return err_set(e, ERR_INPUT, NULL, 0, "w_min", "%g is above w_max (%g)", s->w_min, s->w_max);
    needs->ntraces = 1;
    needs->traces[0].tau_ms = s->tau;
    needs->traces[0].nearest = 0;
    needs->npre = 0;
    needs->nsyn = 0;
    needs->changes_weight = 1;
    needs->flushes = 1;
    return 0;
}

static void bounds(const void *derived, double *lo, double *hi)
{
    const struct kp *s = derived;
    *lo = s->w_min;
    *hi = s->w_max;
}

static double on_pre(const struct pl_row *r)
{
    const struct kp *s = r->derived;
    if (r->flush) return 1.0;
    const int64_t S = r->stamp;
    const int tr = r->trace[0];
    for (uint64_t q = r->lo; q < r->hi; q++) {
        const int64_t d = r->delay ? r->delay[q] : r->delay_const;
        const struct pl_hist *h = &r->hist[r->tgt[q]];
        double x = 0;
        const uint32_t e = pl_hist_after(h, S - d - 1);
        if (e > 0)
            x = pl_hist_val(h, r->ntraces, e - 1, tr) *
                exp(-(double)(S - d - pl_hist_stamp(h, e - 1)) * r->dt_ms / s->tau);
        double w = s->keep * r->w[q] + s->eta * r->amp * x;
        w = w < s->w_min ? s->w_min : w > s->w_max ? s->w_max : w;
        r->w[q] = (float)w;
    }
    return 1.0;
}

const struct pl_rule kolen_pollack_rule = {
    .name = "kolen_pollack",
    .doc = "feedback that learns the forward weights' changes from local signals: dw = eta "
           "amp x_post per presynaptic event, with a decay",
    .params = params,
    .nparams = (int)(sizeof params / sizeof params[0]),
    .derived_size = sizeof(struct kp),
    .prepare = prepare,
    .bounds = bounds,
    .on_pre = on_pre,
};
