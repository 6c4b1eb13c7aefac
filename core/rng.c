/* core/rng: Philox4x32-10 (Salmon et al. 2011, "Parallel random numbers: as easy as 1, 2, 3"). */
#include "core/rng.h"

#include <math.h>

void rng_philox(const uint32_t key[2], const uint32_t ctr[4], uint32_t out[4])
{
    uint32_t k0 = key[0], k1 = key[1];
    uint32_t c0 = ctr[0], c1 = ctr[1], c2 = ctr[2], c3 = ctr[3];
    for (int round = 0; round < 10; round++) {
        uint64_t p0 = (uint64_t)0xD2511F53u * c0;
        uint64_t p1 = (uint64_t)0xCD9E8D57u * c2;
        uint32_t n0 = (uint32_t)(p1 >> 32) ^ c1 ^ k0;
        uint32_t n2 = (uint32_t)(p0 >> 32) ^ c3 ^ k1;
        c0 = n0;
        c1 = (uint32_t)p1;
        c2 = n2;
        c3 = (uint32_t)p0;
        k0 += 0x9E3779B9u;
        k1 += 0xBB67AE85u;
    }
    out[0] = c0;
    out[1] = c1;
    out[2] = c2;
    out[3] = c3;
}

void rng_init(struct rng *r, uint64_t seed, uint32_t stream, uint32_t id, uint32_t step)
{
    r->key[0] = (uint32_t)seed;
    r->key[1] = (uint32_t)(seed >> 32);
    r->ctr[0] = 0;
    r->ctr[1] = step;
    r->ctr[2] = id;
    r->ctr[3] = stream;
    r->avail = 0;
    r->has_spare = 0;
}

uint32_t rng_u32(struct rng *r)
{
    if (r->avail == 0) {
        rng_philox(r->key, r->ctr, r->buf);
        r->ctr[0]++;
        r->avail = 4;
    }
    return r->buf[--r->avail];
}

double rng_uniform(struct rng *r)
{
    uint64_t a = rng_u32(r) >> 5, b = rng_u32(r) >> 6; /* 27 + 26 bits */
    return ((double)(a * 67108864u + b) + 0.5) * (1.0 / 9007199254740992.0);
}

uint32_t rng_below(struct rng *r, uint32_t n)
{
    /* Lemire's multiply-shift; the bias of at most n / 2^32 is far below any test's reach. */
    return (uint32_t)(((uint64_t)rng_u32(r) * n) >> 32);
}

double rng_normal(struct rng *r)
{
    if (r->has_spare) {
        r->has_spare = 0;
        return r->spare;
    }
    double u = rng_uniform(r), v = rng_uniform(r);
    double rad = sqrt(-2.0 * log(u)), s, c;
    sincos(6.283185307179586 * v, &s, &c);
    r->spare = rad * s;
    r->has_spare = 1;
    return rad * c;
}

static uint32_t poisson_ptrs(struct rng *r, double mu)
{
    /* Hormann 1993, "The transformed rejection method for generating Poisson random variables". */
    double smu = sqrt(mu), logmu = log(mu);
    double b = 0.931 + 2.53 * smu, a = -0.059 + 0.02483 * b;
    double inv_alpha = 1.1239 + 1.1328 / (b - 3.4), vr = 0.9277 - 3.6224 / (b - 2.0);
    for (;;) {
        double u = rng_uniform(r) - 0.5, v = rng_uniform(r);
        double us = 0.5 - fabs(u);
        double k = floor((2.0 * a / us + b) * u + mu + 0.43);
        if (us >= 0.07 && v <= vr) return (uint32_t)k;
        if (k < 0 || (us < 0.013 && v > us)) continue;
        if (log(v) + log(inv_alpha) - log(a / (us * us) + b) <= -mu + k * logmu - lgamma(k + 1.0))
            return (uint32_t)k;
    }
}

uint32_t rng_poisson(struct rng *r, double mu)
{
    if (mu <= 0.0) return 0;
    if (mu >= 10.0) return poisson_ptrs(r, mu);
    double limit = exp(-mu), prod = rng_uniform(r);
    uint32_t k = 0;
    while (prod > limit) {
        prod *= rng_uniform(r);
        k++;
    }
    return k;
}

void rng_poisson_prepare(struct rng_poisson_table *t, double mu)
{
    t->mu = mu;
    t->n = 0;
    if (!(mu >= 0.0) || mu >= 10.0) return;
    /* terms p_k = e^-mu mu^k / k! summed in a fixed order until the tail is below 2^-60 */
    double p = exp(-mu), f = 0.0;
    int k = 0;
    for (; k < RNG_POISSON_TABLE - 1; k++) {
        f += p;
        t->cdf[k] = f;
        p *= mu / (k + 1);
        if (k > mu && p < 0x1p-60) break;
    }
    t->cdf[k] = 2.0; /* the last entry catches every uniform, rounding included */
    t->n = k + 1;
}

/* the Philox rounds of one block, inlined so that a loop over blocks vectorises */
static inline void philox_inline(uint32_t k0, uint32_t k1, uint32_t c[4])
{
    for (int round = 0; round < 10; round++) {
        uint64_t p0 = (uint64_t)0xD2511F53u * c[0];
        uint64_t p1 = (uint64_t)0xCD9E8D57u * c[2];
        uint32_t n0 = (uint32_t)(p1 >> 32) ^ c[1] ^ k0;
        uint32_t n2 = (uint32_t)(p0 >> 32) ^ c[3] ^ k1;
        c[0] = n0;
        c[1] = (uint32_t)p1;
        c[2] = n2;
        c[3] = (uint32_t)p0;
        k0 += 0x9E3779B9u;
        k1 += 0xBB67AE85u;
    }
}

static inline double words_uniform(uint32_t hi, uint32_t lo)
{
    uint64_t a = hi >> 5, b = lo >> 6; /* 27 + 26 bits, as rng_uniform */
    return ((double)(a * 67108864u + b) + 0.5) * (1.0 / 9007199254740992.0);
}

#define POIS_CHUNK 128 /* blocks per pass */

/* AVX2 clone: the block loop runs 8 Philox blocks at once; integer arithmetic, same bits */
__attribute__((target_clones("avx2", "default"))) void
rng_poisson_run(const struct rng_poisson_table *t, uint64_t seed, uint32_t stream, uint32_t step,
                uint32_t id0, uint32_t id1, uint32_t *count)
{
    if (id1 <= id0) return;
    if (t->n == 0) {
        for (uint32_t i = id0; i < id1; i++) {
            struct rng r;
            rng_init(&r, seed, stream, i, step);
            count[i - id0] = rng_poisson(&r, t->mu);
        }
        return;
    }
    const uint32_t k0 = (uint32_t)seed, k1 = (uint32_t)(seed >> 32);
    uint32_t w[4][POIS_CHUNK];
    for (uint32_t b0 = id0 / 2; b0 <= (id1 - 1) / 2; b0 += POIS_CHUNK) {
        uint32_t nb = (id1 - 1) / 2 - b0 + 1;
        if (nb > POIS_CHUNK) nb = POIS_CHUNK;
        for (uint32_t j = 0; j < nb; j++) {
            uint32_t c[4] = {0x80000000u, step, b0 + j, stream};
            philox_inline(k0, k1, c);
            w[0][j] = c[0];
            w[1][j] = c[1];
            w[2][j] = c[2];
            w[3][j] = c[3];
        }
        for (uint32_t j = 0; j < nb; j++)
            for (int half = 0; half < 2; half++) {
                uint32_t id = 2 * (b0 + j) + (uint32_t)half;
                if (id < id0 || id >= id1) continue;
                double u = words_uniform(w[2 * half][j], w[2 * half + 1][j]);
                int k = 0;
                while (u > t->cdf[k]) k++;
                count[id - id0] = (uint32_t)k;
            }
    }
}
