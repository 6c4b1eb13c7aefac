/* core/rng: counter-based random numbers (Philox4x32-10). A draw is a pure function of
 * (seed, stream, id, step, index), so results never depend on which thread asks or when. */
#ifndef APICAL_RNG_H
#define APICAL_RNG_H

#include <stdint.h>

/* Streams keep unrelated uses of randomness apart. Projections and stimuli add their index. */
enum {
    RNG_STREAM_INIT = 1,           /* initial state of neurons: + population index */
    RNG_STREAM_CONN = 0x100,       /* connectivity, weights, delays: + projection index */
    RNG_STREAM_STIM = 0x10000,     /* stimuli: + stimulus index */
    RNG_STREAM_NEURON = 0x20000,   /* a model's own draws (nrn_ctx): + population index */
    RNG_STREAM_RECORD = 0x30000,   /* recorders' samples (record.weights): id = entry index */
    RNG_STREAM_PRESENT = 0x40000,  /* the order of presented samples: id = epoch */
};

/* One keyed counter; draws advance only the index word. */
struct rng {
    uint32_t key[2];
    uint32_t ctr[4]; /* index, step, id, stream */
    uint32_t buf[4];
    int avail;
    int has_spare; /* rng_normal's second Box-Muller value is waiting */
    double spare;
};

void rng_init(struct rng *r, uint64_t seed, uint32_t stream, uint32_t id, uint32_t step);
uint32_t rng_u32(struct rng *r);
/* Uniform in the open interval (0, 1), 53 bits. */
double rng_uniform(struct rng *r);
/* Uniform integer in [0, n), n >= 1. */
uint32_t rng_below(struct rng *r, uint32_t n);
/* Standard normal: Box-Muller, both values of a pair used in turn. */
double rng_normal(struct rng *r);
/* Poisson with mean mu >= 0: multiplication below 10, transformed rejection (PTRS) above. */
uint32_t rng_poisson(struct rng *r, double mu);

/* Poisson counts for a run of ids at one step, the fast way for stimuli: the inverse of a
 * tabulated CDF applied to one 53-bit uniform per id, two ids per Philox block (block id / 2 of
 * the stream, counter index 0x80000000 so it meets no rng_init draw). An id's count depends
 * only on (seed, stream, id, step), not on the run it is drawn in. Means of 10 and above fall
 * back to rng_poisson with rng_init(seed, stream, id, step). */
#define RNG_POISSON_TABLE 64
struct rng_poisson_table {
    double mu;
    int n;                          /* entries of cdf; 0 for the fallback */
    double cdf[RNG_POISSON_TABLE];  /* P(K <= k) */
};
void rng_poisson_prepare(struct rng_poisson_table *t, double mu);
void rng_poisson_run(const struct rng_poisson_table *t, uint64_t seed, uint32_t stream,
                     uint32_t step, uint32_t id0, uint32_t id1, uint32_t *count);

/* The raw block function, exposed for tests against published known-answer vectors. */
void rng_philox(const uint32_t key[2], const uint32_t ctr[4], uint32_t out[4]);

#endif
