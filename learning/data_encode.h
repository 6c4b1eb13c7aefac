/* learning/data_encode: turns one sample's features (each in [0, 1]) into network input over a
 * presentation of nsteps steps of dt: spikes of input units (latency, Poisson rate) or constant
 * currents (direct). Owns no data set and no network; the caller feeds the result to its input
 * layer.
 *
 * Spikes come grouped by step (compressed rows): the spikes of step t are the units
 * unit[off[t] .. off[t+1]), increasing, so a consumer's cost is O(spikes), never O(T x inputs).
 *
 * - latency (at most one spike per input, the time to first spike of the SpyTorch tutorial):
 *     log:    t(x) = tau ln(x / (x - thr))  (when an LIF of time constant tau, driven by x,
 *                                            reaches thr)
 *     linear: t(x) = tau (1 - x)
 *   for x > thr; the spike is at step floor(t(x) / dt) if that is below nsteps, else none.
 * - Poisson rate: each step an input spikes with probability p = rate_max x dt (rate in Hz, dt in
 *   ms / 1000), independently (a Bernoulli process, at most one spike per step: rate_max dt <= 1).
 *   Drawn by geometric gaps, O(spikes + inputs); the draws of input j of a sample are a pure
 *   function of (seed, key, j), key being the caller's number for this presentation (e.g. epoch
 *   x samples + index).
 * - direct current: i_j = offset + gain x_j (pA) on every step. */
#ifndef APICAL_DATA_ENCODE_H
#define APICAL_DATA_ENCODE_H

#include <stdint.h>

#include "core/err.h"

/* Philox stream of the Poisson encoder (core/rng's streams stop below 0x01000000; the Yin-Yang
 * generator takes 0x01000000 + split). */
#define ENC_STREAM 0x01000100u

struct enc_spikes {
    uint32_t nin, nsteps;
    uint32_t n;     /* spikes */
    uint32_t cap;   /* room in unit and step */
    uint32_t *off;  /* nsteps + 1 */
    uint32_t *unit; /* n, grouped by step */
    uint32_t *tmp;  /* cap: scratch for the grouping */
};

/* Room for nin inputs over nsteps steps: every input may spike every step. */
int enc_spikes_init(struct enc_spikes *s, uint32_t nin, uint32_t nsteps, struct err *e);
void enc_spikes_free(struct enc_spikes *s);

enum enc_latency_mode { ENC_LATENCY_LOG, ENC_LATENCY_LINEAR };

struct enc_latency {
    enum enc_latency_mode mode;
    double tau; /* ms, > 0 */
    double thr; /* in [0, 1); features at or below it do not spike */
    double dt;  /* ms, > 0 */
};

struct enc_poisson {
    double rate_max; /* Hz at x = 1, >= 0 */
    double dt;       /* ms, > 0; rate_max * dt <= 1000 */
    uint64_t seed;
};

/* Parameter checks: ERR_INPUT naming the parameter under setting path `path`. */
int enc_latency_check(const struct enc_latency *p, const char *path, struct err *e);
int enc_poisson_check(const struct enc_poisson *p, const char *path, struct err *e);

/* The step at which feature x spikes, or -1 for none (x <= thr, or at or after nsteps). */
int64_t enc_latency_step(const struct enc_latency *p, double x, uint32_t nsteps);

/* Fill s (initialised for x's nin and the presentation's nsteps) from features x[0 .. s->nin).
 * A feature outside [0, 1] or NaN is ERR_INPUT naming its index. */
int enc_latency(const struct enc_latency *p, const float *x, struct enc_spikes *s, struct err *e);
int enc_poisson(const struct enc_poisson *p, uint32_t key, const float *x, struct enc_spikes *s,
                struct err *e);

/* out[j] = offset + gain * x[j], pA. */
void enc_current(double gain, double offset, const float *x, uint32_t nin, double *out);

#endif
