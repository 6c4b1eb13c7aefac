/* synapses/stp: the n-th spike of a source delivers w u_n x_n, in NEST tsodyks2_synapse's order:
 *   first spike:  u_1 = u0, x_1 = x0;
 *   spike n > 1, h = t_n - t_{n-1}:
 *     x_n = 1 + (x_{n-1} - u_{n-1} x_{n-1} - 1) e^{-h/tau_rec}   (the previous spike's release,
 *                                                               then recovery towards 1)
 *     u_n = U + u_{n-1} (1 - U) e^{-h/tau_fac}                   (decay towards 0, then the
 *                                                               jump of this spike; tau_fac = 0:
 *                                                               u_n = U, no facilitation)
 *   then the spike uses u_n x_n.
 * The state depends on the presynaptic spikes only, so it is kept per (source, part), not per
 * synapse: every synapse of a source shares it, as the parameters are the projection's. */
#include "synapses/stp.h"

#include <math.h>

enum { P_U, P_U0, P_X0, P_TAU_REC, P_TAU_FAC };

/* u0 defaults to U: NAN marks "not set" (io/cfg refuses a non-finite value from a config, so
 * only the default can be NAN). */
static const struct param params[] = {
    {"U", "", 0.5, 0, 1, 1, 0, NULL, "increment of u at each spike (utilisation), in (0, 1]"},
    {"u0", "", NAN, 0, 1, 0, 0, NULL, "u at the first spike (default: U)"},
    {"x0", "", 1.0, 0, 1, 0, 0, NULL, "x at the first spike: the available fraction of resources"},
    {"tau_rec", "ms", 800.0, 0, 1e6, 1, 0, NULL, "time constant of recovery (depression)"},
    {"tau_fac", "ms", 0.0, 0, 1e6, 0, 0, NULL, "time constant of facilitation; 0: none"},
};

struct stp {
    double U, u0, x0, tau_rec, tau_fac;
};

static int prepare(const double *p, double dt_ms, void *derived, struct pl_needs *needs,
                   struct err *e)
{
    (void)dt_ms;
    (void)e;
    struct stp *s = derived;
    s->U = p[P_U];
    s->u0 = isnan(p[P_U0]) ? p[P_U] : p[P_U0];
    s->x0 = p[P_X0];
    s->tau_rec = p[P_TAU_REC];
    s->tau_fac = p[P_TAU_FAC];
    needs->ntraces = 0;
    needs->npre = 2; /* u and x as the source's last spike used them */
    needs->nsyn = 0;
    needs->changes_weight = 0;
    return 0;
}

static double on_pre(const struct pl_row *r)
{
    const struct stp *s = r->derived;
    double *ux = r->pre;
    if (r->last == PL_NEVER) {
        ux[0] = s->u0;
        ux[1] = s->x0;
    } else {
        const double h = (double)(r->stamp - r->last) * r->dt_ms;
        const double u = ux[0], x = ux[1];
        const double fac = s->tau_fac == 0 ? 0 : exp(-h / s->tau_fac);
        ux[1] = 1 + (x - x * u - 1) * exp(-h / s->tau_rec);
        ux[0] = s->U + u * (1 - s->U) * fac;
    }
    return ux[0] * ux[1];
}

const struct pl_rule stp_rule = {
    .name = "stp",
    .doc = "Tsodyks-Markram short-term depression and facilitation (NEST tsodyks2_synapse)",
    .params = params,
    .nparams = (int)(sizeof params / sizeof params[0]),
    .derived_size = sizeof(struct stp),
    .prepare = prepare,
    .bounds = NULL, /* weights do not change */
    .init_syn = NULL,
    .on_pre = on_pre,
};
