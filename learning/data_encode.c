/* learning/data_encode: latency, Poisson-rate and direct-current encoders. Spikes are generated
 * input by input (the natural order for latency and for geometric gaps), then grouped by step
 * with one counting sort, which keeps units increasing within a step. */
#include "learning/data_encode.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"

int enc_spikes_init(struct enc_spikes *s, uint32_t nin, uint32_t nsteps, struct err *e)
{
    memset(s, 0, sizeof *s);
    uint64_t cap = (uint64_t)nin * nsteps;
    if (nin == 0 || nsteps == 0 || cap > ((uint64_t)1 << 30))
        return err_set(e, ERR_INPUT, NULL, 0, NULL,
                       "%u inputs x %u steps: need 1 to 2^30 input-steps", nin, nsteps);
    s->nin = nin;
    s->nsteps = nsteps;
    s->cap = (uint32_t)cap;
    s->off = calloc((size_t)nsteps + 1, sizeof *s->off);
    s->unit = malloc(cap * sizeof *s->unit);
    s->tmp = malloc(2 * cap * sizeof *s->tmp);
    if (!s->off || !s->unit || !s->tmp) {
        enc_spikes_free(s);
        return err_set(e, ERR_NOMEM, NULL, 0, NULL, "out of memory for %llu input-steps",
                       (unsigned long long)cap);
    }
    return 0;
}

void enc_spikes_free(struct enc_spikes *s)
{
    free(s->off);
    free(s->unit);
    free(s->tmp);
    memset(s, 0, sizeof *s);
}

/* tmp holds n (step, unit) pairs in unit order; group them by step into off / unit. */
static void group_by_step(struct enc_spikes *s, uint32_t n)
{
    memset(s->off, 0, ((size_t)s->nsteps + 1) * sizeof *s->off);
    for (uint32_t k = 0; k < n; k++) s->off[s->tmp[2 * k] + 1]++;
    for (uint32_t t = 0; t < s->nsteps; t++) s->off[t + 1] += s->off[t];
    /* off[t] is now the first slot of step t; advance a cursor per step, then shift back */
    for (uint32_t k = 0; k < n; k++) s->unit[s->off[s->tmp[2 * k]]++] = s->tmp[2 * k + 1];
    for (uint32_t t = s->nsteps; t > 0; t--) s->off[t] = s->off[t - 1];
    s->off[0] = 0;
    s->n = n;
}

static int check_features(const float *x, uint32_t nin, struct err *e)
{
    for (uint32_t j = 0; j < nin; j++)
        if (!(x[j] >= 0.0f && x[j] <= 1.0f))
            return err_set(e, ERR_INPUT, NULL, 0, NULL,
                           "feature %u = %g: encoders take features in [0, 1]", j, (double)x[j]);
    return 0;
}

int enc_latency_check(const struct enc_latency *p, const char *path, struct err *e)
{
    if (p->mode != ENC_LATENCY_LOG && p->mode != ENC_LATENCY_LINEAR)
        return err_set(e, ERR_INPUT, NULL, 0, path, "latency mode %d: log or linear", p->mode);
    if (!(isfinite(p->tau) && p->tau > 0))
        return err_set(e, ERR_INPUT, NULL, 0, path, "tau = %g ms: must be > 0", p->tau);
    if (!(p->thr >= 0 && p->thr < 1))
        return err_set(e, ERR_INPUT, NULL, 0, path, "thr = %g: must be in [0, 1)", p->thr);
    if (!(isfinite(p->dt) && p->dt > 0))
        return err_set(e, ERR_INPUT, NULL, 0, path, "dt = %g ms: must be > 0", p->dt);
    return 0;
}

int64_t enc_latency_step(const struct enc_latency *p, double x, uint32_t nsteps)
{
    if (!(x > p->thr)) return -1;
    double t = p->mode == ENC_LATENCY_LOG ? p->tau * log(x / (x - p->thr)) : p->tau * (1 - x);
    double k = floor(t / p->dt);
    return k < (double)nsteps ? (int64_t)k : -1;
}

int enc_latency(const struct enc_latency *p, const float *x, struct enc_spikes *s, struct err *e)
{
    int rc = enc_latency_check(p, "", e);
    if (!rc) rc = check_features(x, s->nin, e);
    if (rc) return rc;
    uint32_t n = 0;
    for (uint32_t j = 0; j < s->nin; j++) {
        int64_t k = enc_latency_step(p, x[j], s->nsteps);
        if (k < 0) continue;
        s->tmp[2 * n] = (uint32_t)k;
        s->tmp[2 * n + 1] = j;
        n++;
    }
    group_by_step(s, n);
    return 0;
}

int enc_poisson_check(const struct enc_poisson *p, const char *path, struct err *e)
{
    if (!(isfinite(p->rate_max) && p->rate_max >= 0))
        return err_set(e, ERR_INPUT, NULL, 0, path, "rate_max = %g Hz: must be >= 0", p->rate_max);
    if (!(isfinite(p->dt) && p->dt > 0))
        return err_set(e, ERR_INPUT, NULL, 0, path, "dt = %g ms: must be > 0", p->dt);
    if (p->rate_max * p->dt > 1000.0)
        return err_set(e, ERR_INPUT, NULL, 0, path,
                       "rate_max = %g Hz at dt = %g ms asks for more than one spike per step "
                       "(rate_max * dt must be <= 1000 Hz ms)",
                       p->rate_max, p->dt);
    return 0;
}

int enc_poisson(const struct enc_poisson *p, uint32_t key, const float *x, struct enc_spikes *s,
                struct err *e)
{
    /* checked here too: a NaN rate would never end the gap loop */
    int rc = enc_poisson_check(p, "", e);
    if (!rc) rc = check_features(x, s->nin, e);
    if (rc) return rc;
    const double scale = p->rate_max * p->dt * 1e-3;
    uint32_t n = 0;
    for (uint32_t j = 0; j < s->nin; j++) {
        double prob = scale * x[j];
        if (prob <= 0) continue;
        if (prob >= 1) {
            for (uint32_t t = 0; t < s->nsteps; t++, n++) {
                s->tmp[2 * n] = t;
                s->tmp[2 * n + 1] = j;
            }
            continue;
        }
        /* gaps between spikes are geometric: P(gap = g) = (1 - p)^(g - 1) p */
        struct rng r;
        rng_init(&r, p->seed, ENC_STREAM, key, j);
        const double lq = log1p(-prob);
        double t = -1;
        for (;;) {
            t += 1 + floor(log(rng_uniform(&r)) / lq);
            if (t >= (double)s->nsteps) break;
            s->tmp[2 * n] = (uint32_t)t;
            s->tmp[2 * n + 1] = j;
            n++;
        }
    }
    group_by_step(s, n);
    return 0;
}

void enc_current(double gain, double offset, const float *x, uint32_t nin, double *out)
{
    for (uint32_t j = 0; j < nin; j++) out[j] = offset + gain * (double)x[j];
}
