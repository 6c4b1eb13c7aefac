/* core/dist: one function per shape; constant draws consume no random numbers. */
#include "core/dist.h"

#include <math.h>

/* Redrawing stops after this many tries and clips. io/cfg refuses bounds holding less than
 * DIST_MIN_MASS of the distribution, so the cap is reached with probability below e^-100. */
#define REDRAW_TRIES 100000

static double draw_once(const struct dist *d, struct rng *r)
{
    switch (d->kind) {
    case DIST_UNIFORM: return d->a + (d->b - d->a) * rng_uniform(r);
    case DIST_NORMAL: return d->a + d->b * rng_normal(r);
    case DIST_LOGNORMAL: return exp(d->a + d->b * rng_normal(r));
    default: return d->a;
    }
}

double dist_draw(const struct dist *d, struct rng *r)
{
    if (d->kind == DIST_CONST) return d->a;
    double x = draw_once(d, r);
    for (int i = 1; d->redraw && (x < d->lo || x > d->hi) && i < REDRAW_TRIES; i++)
        x = draw_once(d, r);
    if (x < d->lo) x = d->lo;
    if (x > d->hi) x = d->hi;
    return x;
}

double dist_mean(const struct dist *d)
{
    switch (d->kind) {
    case DIST_UNIFORM: return 0.5 * (d->a + d->b);
    case DIST_LOGNORMAL: return exp(d->a + 0.5 * d->b * d->b);
    default: return d->a;
    }
}

/* P(Z <= z) for a standard normal Z. */
static double phi(double z)
{
    return 0.5 * erfc(-z / sqrt(2.0));
}

double dist_mass(const struct dist *d)
{
    double lo = d->lo, hi = d->hi;
    switch (d->kind) {
    case DIST_UNIFORM: {
        if (d->b <= d->a) return d->a >= lo && d->a <= hi;
        double a = fmax(d->a, lo), b = fmin(d->b, hi);
        return b > a ? (b - a) / (d->b - d->a) : 0;
    }
    case DIST_NORMAL:
    case DIST_LOGNORMAL: {
        double m = d->a, s = d->b;
        if (d->kind == DIST_LOGNORMAL) {
            lo = lo > 0 ? log(lo) : -INFINITY;
            hi = hi > 0 ? log(hi) : -INFINITY;
            if (hi == -INFINITY) return 0;
        }
        if (s == 0) return m >= lo && m <= hi;
        return phi((hi - m) / s) - phi((lo - m) / s);
    }
    default: return d->a >= lo && d->a <= hi;
    }
}

void dist_scale(struct dist *d, double f)
{
    if (d->kind == DIST_LOGNORMAL) {
        d->a += log(f);
    } else {
        d->a *= f;
        d->b *= f; /* uniform: high; normal: std */
    }
    d->lo *= f;
    d->hi *= f;
}

/* ---- binomial ---- */

/* log(k!) minus its Stirling approximation (k + 1/2) log(k + 1) - (k + 1) + log(2 pi)/2. */
static double stirling_tail(double k)
{
    if (k < 10) return lgamma(k + 1) - (k + 0.5) * log(k + 1) + (k + 1) - 0.5 * log(2 * M_PI);
    double r = 1.0 / (k + 1), r2 = r * r;
    return (1.0 / 12 - (1.0 / 360 - r2 / 1260) * r2) * r;
}

/* Sequential search from 0 with the recurrence f(x) = f(x-1) ((n+1)/x - 1) p/q. */
static uint64_t binomial_inversion(struct rng *r, uint64_t n, double p)
{
    double q = 1 - p, s = p / q, a = (double)(n + 1) * s;
    double f = pow(q, (double)n), u = rng_uniform(r);
    uint64_t x = 0;
    while (u > f && x < n) {
        u -= f;
        x++;
        double next = (a / (double)x - s) * f;
        /* far in the tail the terms are below rounding: stop there */
        if (next < 1e-300 || (next < 2.3e-16 && next < f)) break;
        f = next;
    }
    return x;
}

/* W. Hormann (1993), "The generation of binomial random variates", J. Stat. Comput. Simul.
 * 46:101-110, algorithm BTRD; valid for n p >= 10 and p <= 1/2. */
static uint64_t binomial_btrd(struct rng *r, uint64_t n, double p)
{
    const double dn = (double)n, m = floor((dn + 1) * p);
    const double odds = p / (1 - p), nr = (dn + 1) * odds, npq = dn * p * (1 - p);
    const double snpq = sqrt(npq), b = 1.15 + 2.53 * snpq, a = -0.0873 + 0.0248 * b + 0.01 * p;
    const double c = dn * p + 0.5, alpha = (2.83 + 5.1 / b) * snpq;
    const double vr = 0.92 - 4.2 / b, urvr = 0.86 * vr;
    for (;;) {
        double u, v = rng_uniform(r);
        if (v <= urvr) { /* the box in the centre: accept at once */
            u = v / vr - 0.43;
            return (uint64_t)floor((2 * a / (0.5 - fabs(u)) + b) * u + c);
        }
        if (v >= vr) {
            u = rng_uniform(r) - 0.5;
        } else {
            u = v / vr - 0.93;
            u = (u < 0 ? -0.5 : 0.5) - u;
            v = rng_uniform(r) * vr;
        }
        double us = 0.5 - fabs(u), k = floor((2 * a / us + b) * u + c);
        if (k < 0 || k > dn) continue;
        v = v * alpha / (a / (us * us) + b);
        double km = fabs(k - m);
        if (km <= 15) { /* near the mode: the ratio f(k)/f(m) by its recurrence */
            double f = 1;
            if (m < k)
                for (double i = m + 1; i <= k; i++) f *= nr / i - odds;
            else
                for (double i = k + 1; i <= m; i++) v *= nr / i - odds;
            if (v <= f) return (uint64_t)k;
            continue;
        }
        v = log(v); /* squeeze, then the exact log ratio with Stirling's formula */
        double rho = (km / npq) * (((km / 3 + 0.625) * km + 1.0 / 6) / npq + 0.5);
        double t = -km * km / (2 * npq);
        if (v < t - rho) return (uint64_t)k;
        if (v > t + rho) continue;
        double nm = dn - m + 1, nk = dn - k + 1;
        double h = (m + 0.5) * log((m + 1) / (odds * nm)) + stirling_tail(m) +
                   stirling_tail(dn - m);
        if (v <= h + (dn + 1) * log(nm / nk) + (k + 0.5) * log(nk * odds / (k + 1)) -
                      stirling_tail(k) - stirling_tail(dn - k))
            return (uint64_t)k;
    }
}

uint64_t dist_binomial(struct rng *r, uint64_t n, double p)
{
    if (n == 0 || p <= 0) return 0;
    if (p >= 1) return n;
    if (p > 0.5) return n - dist_binomial(r, n, 1 - p);
    if ((double)n * p < 10) return binomial_inversion(r, n, p);
    return binomial_btrd(r, n, p);
}
