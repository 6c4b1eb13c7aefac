/* neurons/poisson_source: independent Poisson trains by geometric skips over blocks of neurons
 * (see poisson_source.h for the process and the draws). */
#include "neurons/poisson_source.h"

#include <math.h>

#include "core/rng.h"

static const struct param params[POIS_NPARAMS] = {
    [POIS_RATE] = {"rate", "Hz", 0.0, 0, 1e9, 0, 0, NULL, "rate of every neuron's train"},
    [POIS_START] = {"start", "ms", 0.0, 0, 1e12, 0, 0, NULL, "steps starting before it are silent"},
    [POIS_STOP] = {"stop", "ms", -1.0, -1, 1e12, 0, 0, NULL,
                   "steps starting at or after it are silent (negative: none, to the end)"},
};

struct pois_derived {
    double p;                      /* spike probability per neuron and step */
    double inv_log_q;              /* 1 / ln(1 - p): a gap is floor(ln u * inv_log_q) */
    int64_t start_step, stop_step; /* spikes in steps [start_step, stop_step) */
};

/* The first step whose start time t = step dt is at or after ms (1e-9 dt of slack for rounding,
 * as the stimuli's windows have). */
static int64_t first_step_from(double ms, double h) { return (int64_t)ceil(ms / h - 1e-9); }

static int pois_prepare(const double *p, const struct nrn_shape *shape, double h, void *out,
                        struct err *e)
{
    (void)shape;
    struct pois_derived *d = out;
    if (p[POIS_STOP] >= 0 && p[POIS_STOP] < p[POIS_START])
        return err_set(e, ERR_INPUT, NULL, 0, "stop", "%g ms is before start (%g ms)", p[POIS_STOP],
                       p[POIS_START]);
    d->p = -expm1(-p[POIS_RATE] * h * 1e-3);
    /* p = 1 (rates far above 1/dt): ln(1 - p) = -inf, every gap is 0 and every neuron spikes */
    d->inv_log_q = 1.0 / log1p(-d->p);
    d->start_step = first_step_from(p[POIS_START], h);
    d->stop_step = p[POIS_STOP] < 0 ? INT64_MAX : first_step_from(p[POIS_STOP], h);
    return 0;
}

/* Spikes of neurons [begin, end) in this step, ascending. Every block meeting the range is drawn
 * from its first neuron, so a part cut inside a block sees the same spikes as the whole. */
static uint32_t pois_update(const struct nrn_ctx *c, uint32_t begin, uint32_t end, uint32_t *spikes)
{
    const struct pois_derived *d = c->derived;
    if (c->step < d->start_step || c->step >= d->stop_step || d->p <= 0) return 0;
    uint32_t n = 0;
    for (uint64_t b = begin / POISSON_BLOCK; b * POISSON_BLOCK < end; b++) {
        const double b0 = (double)(b * POISSON_BLOCK);
        const double b1 = b0 + POISSON_BLOCK < end ? b0 + POISSON_BLOCK : end;
        struct rng r;
        rng_init(&r, c->seed, c->stream, (uint32_t)b, (uint32_t)c->step);
        /* positions as doubles: a gap may be far beyond any uint32 when p is tiny */
        for (double i = b0 + floor(log(rng_uniform(&r)) * d->inv_log_q); i < b1;
             i += 1.0 + floor(log(rng_uniform(&r)) * d->inv_log_q))
            if (i >= begin) spikes[n++] = (uint32_t)i;
    }
    return n;
}

const struct nrn_ops poisson_source_ops = {
    .name = "poisson_source",
    .doc = "independent Poisson spike trains (NEST poisson_generator into parrot neurons)",
    .params = params,
    .nparams = POIS_NPARAMS,
    .derived_size = sizeof(struct pois_derived),
    .prepare = pois_prepare,
    .update = pois_update,
};
