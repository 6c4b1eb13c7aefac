/* tests/test_data_encode: learning/data_encode against the closed forms (the SpyTorch tutorial's
 * latency t = tau ln(x / (x - thr)), t = tau (1 - x), i = offset + gain x), against the moments of
 * a Bernoulli spike process (per-step probability p: counts over T steps have mean T p and variance
 * T p (1 - p), successive steps independent), and against itself for determinism. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "learning/data_encode.h"
#include "tests/harness.h"

/* The layout's invariants: offsets monotone, units in range and increasing within a step. */
static void check_layout(const struct enc_spikes *s)
{
    CU_ASSERT_EQUAL(s->off[0], 0);
    CU_ASSERT_EQUAL(s->off[s->nsteps], s->n);
    for (uint32_t t = 0; t < s->nsteps; t++) {
        CU_ASSERT(s->off[t] <= s->off[t + 1]);
        for (uint32_t k = s->off[t]; k < s->off[t + 1]; k++) {
            CU_ASSERT(s->unit[k] < s->nin);
            if (k > s->off[t]) CU_ASSERT(s->unit[k] > s->unit[k - 1]);
        }
    }
}

/* Truth: SpyTorch's current2firing_time (tau_eff = 20 steps, thr 0.2, int() of the time): one
 * spike per input above threshold at floor(tau ln(x / (x - thr)) / dt); hand values too. */
static void test_latency(void)
{
    enum { NIN = 300, T = 100 };
    float x[NIN];
    for (int j = 0; j < NIN; j++) x[j] = (float)((j * 37 % NIN) / (double)(NIN - 1));
    struct enc_latency p = {ENC_LATENCY_LOG, 20.0, 0.2, 1.0};
    CU_ASSERT_EQUAL(enc_latency_check(&p, "", NULL), 0);
    struct enc_spikes s;
    CU_ASSERT_EQUAL_FATAL(enc_spikes_init(&s, NIN, T, NULL), 0);
    CU_ASSERT_EQUAL_FATAL(enc_latency(&p, x, &s, NULL), 0);
    check_layout(&s);
    int seen[NIN];
    memset(seen, 0xff, sizeof seen);
    for (uint32_t t = 0; t < T; t++)
        for (uint32_t k = s.off[t]; k < s.off[t + 1]; k++) {
            CU_ASSERT(seen[s.unit[k]] < 0); /* at most one spike per input */
            seen[s.unit[k]] = (int)t;
        }
    for (int j = 0; j < NIN; j++) {
        double xj = x[j];
        int want = -1;
        if (xj > 0.2) {
            int k = (int)(20.0 * log(xj / (xj - 0.2)));
            want = k < T ? k : -1;
        }
        CU_ASSERT_EQUAL(seen[j], want);
    }
    CU_ASSERT_EQUAL(enc_latency_step(&p, 1.0, T), 4);    /* 20 ln 1.25 = 4.46 */
    CU_ASSERT_EQUAL(enc_latency_step(&p, 0.25, T), 32);  /* 20 ln 5 = 32.19 */
    CU_ASSERT_EQUAL(enc_latency_step(&p, 0.21, T), 60);  /* 20 ln 21 = 60.89 */
    CU_ASSERT_EQUAL(enc_latency_step(&p, 0.21, 60), -1); /* after the presentation */
    CU_ASSERT_EQUAL(enc_latency_step(&p, 0.2, T), -1);   /* at threshold: none */
    CU_ASSERT_EQUAL(enc_latency_step(&p, 0.0, T), -1);
    p.dt = 0.5;
    CU_ASSERT_EQUAL(enc_latency_step(&p, 1.0, T), 8); /* 8.93 steps of 0.5 ms */
    struct enc_latency lin = {ENC_LATENCY_LINEAR, 100.0, 0.0, 1.0};
    CU_ASSERT_EQUAL(enc_latency_step(&lin, 0.5, T), 50);
    CU_ASSERT_EQUAL(enc_latency_step(&lin, 1.0, T), 0);
    CU_ASSERT_EQUAL(enc_latency_step(&lin, 0.004, T), 99);
    CU_ASSERT_EQUAL(enc_latency_step(&lin, 0.0, T), -1); /* x <= thr = 0 */
    /* brighter is never later */
    p.dt = 1.0;
    for (double a = 0.21; a < 1; a += 0.01)
        CU_ASSERT(enc_latency_step(&p, a + 0.01, 1000) <= enc_latency_step(&p, a, 1000));
    enc_spikes_free(&s);
}

/* Truth: Binomial(T, p) counts per input; P(spike at step t) = p at the first and last steps;
 * P(spikes at t and t + 1) = p^2 (no dead time, no memory). 5-6 sigma bounds. */
static void test_poisson_moments(void)
{
    enum { NIN = 40, T = 400, REPS = 300 };
    const double levels[4] = {0.05, 0.3, 0.7, 1.0};
    float x[NIN];
    for (int j = 0; j < NIN; j++) x[j] = (float)levels[j % 4];
    struct enc_poisson p = {250.0, 1.0, 99}; /* p = 0.25 x */
    CU_ASSERT_EQUAL(enc_poisson_check(&p, "", NULL), 0);
    struct enc_spikes s;
    CU_ASSERT_EQUAL_FATAL(enc_spikes_init(&s, NIN, T, NULL), 0);
    double sum[4] = {0}, sum2[4] = {0}, first[4] = {0}, last[4] = {0}, pair[4] = {0};
    int count[NIN];
    unsigned char *on = malloc((size_t)NIN * T);
    for (uint32_t rep = 0; rep < REPS; rep++) {
        CU_ASSERT_EQUAL_FATAL(enc_poisson(&p, rep, x, &s, NULL), 0);
        if (rep < 3) check_layout(&s);
        memset(count, 0, sizeof count);
        memset(on, 0, (size_t)NIN * T);
        for (uint32_t t = 0; t < T; t++)
            for (uint32_t k = s.off[t]; k < s.off[t + 1]; k++) {
                count[s.unit[k]]++;
                on[s.unit[k] * T + t] = 1;
            }
        for (int j = 0; j < NIN; j++) {
            sum[j % 4] += count[j];
            sum2[j % 4] += (double)count[j] * count[j];
            first[j % 4] += on[j * T];
            last[j % 4] += on[j * T + T - 1];
            for (int t = 0; t + 1 < T; t++) pair[j % 4] += on[j * T + t] & on[j * T + t + 1];
        }
    }
    const double m = (double)NIN / 4 * REPS; /* trains per level */
    for (int l = 0; l < 4; l++) {
        double q = 0.25 * levels[l], mean = sum[l] / m, var = sum2[l] / m - mean * mean;
        double vt = T * q * (1 - q);
        CU_ASSERT(fabs(mean - T * q) < 5 * sqrt(vt / m));
        CU_ASSERT(fabs(var - vt) < 6 * vt * sqrt(2.0 / m));
        CU_ASSERT(fabs(first[l] / m - q) < 5 * sqrt(q * (1 - q) / m));
        CU_ASSERT(fabs(last[l] / m - q) < 5 * sqrt(q * (1 - q) / m));
        /* overlapping pairs: var of their count is np q^2 (1 + 2q - 3q^2) */
        double np = m * (T - 1);
        CU_ASSERT(fabs(pair[l] / np - q * q) < 5 * sqrt(q * q * (1 + 2 * q - 3 * q * q) / np));
    }
    /* p = 1: every step; rate 0: nothing */
    struct enc_poisson full = {1000.0, 1.0, 1}, none = {0.0, 1.0, 1};
    float ones[NIN];
    for (int j = 0; j < NIN; j++) ones[j] = 1.0f;
    CU_ASSERT_EQUAL(enc_poisson(&full, 0, ones, &s, NULL), 0);
    CU_ASSERT_EQUAL(s.n, NIN * T);
    check_layout(&s);
    CU_ASSERT_EQUAL(enc_poisson(&none, 0, ones, &s, NULL), 0);
    CU_ASSERT_EQUAL(s.n, 0);
    free(on);
    enc_spikes_free(&s);
}

/* Truth: an input's train is a pure function of (seed, key, input): the same key repeats it, the
 * other inputs' features do not change it, another key or seed gives another train. */
static void test_poisson_determinism(void)
{
    enum { NIN = 64, T = 200 };
    float x[NIN];
    for (int j = 0; j < NIN; j++) x[j] = (float)(j + 1) / NIN;
    struct enc_poisson p = {100.0, 1.0, 5};
    struct enc_spikes a, b;
    enc_spikes_init(&a, NIN, T, NULL);
    enc_spikes_init(&b, NIN, T, NULL);
    enc_poisson(&p, 17, x, &a, NULL);
    enc_poisson(&p, 17, x, &b, NULL);
    CU_ASSERT(a.n == b.n && memcmp(a.unit, b.unit, a.n * 4) == 0 &&
              memcmp(a.off, b.off, (T + 1) * 4) == 0);
    /* input 5's train alone, with every other input silenced */
    uint32_t t5[T], n5 = 0;
    for (uint32_t t = 0; t < T; t++)
        for (uint32_t k = a.off[t]; k < a.off[t + 1]; k++)
            if (a.unit[k] == 5) t5[n5++] = t;
    float y[NIN];
    memset(y, 0, sizeof y);
    y[5] = x[5];
    enc_poisson(&p, 17, y, &b, NULL);
    CU_ASSERT_EQUAL_FATAL(b.n, n5);
    for (uint32_t t = 0, i = 0; t < T; t++)
        for (uint32_t k = b.off[t]; k < b.off[t + 1]; k++) CU_ASSERT_EQUAL(t, t5[i++]);
    enc_poisson(&p, 18, x, &b, NULL);
    CU_ASSERT(a.n != b.n || memcmp(a.unit, b.unit, a.n * 4) != 0);
    p.seed = 6;
    enc_poisson(&p, 17, x, &b, NULL);
    CU_ASSERT(a.n != b.n || memcmp(a.unit, b.unit, a.n * 4) != 0);
    enc_spikes_free(&a);
    enc_spikes_free(&b);
}

/* Truth: i = offset + gain x; and bad settings or features are input errors. */
static void test_current_and_errors(void)
{
    float x[3] = {0.0f, 0.5f, 1.0f};
    double i[3];
    enc_current(400.0, -20.0, x, 3, i);
    CU_ASSERT(i[0] == -20.0 && i[1] == 180.0 && i[2] == 380.0);

    struct err e;
    struct enc_spikes s;
    CU_ASSERT_EQUAL_FATAL(enc_spikes_init(&s, 3, 10, &e), 0);
    float bad[3] = {0.1f, 1.5f, 0.2f};
    struct enc_latency l = {ENC_LATENCY_LOG, 20, 0.2, 1};
    CU_ASSERT_EQUAL(enc_latency(&l, bad, &s, &e), ERR_INPUT);
    CU_ASSERT(strstr(e.msg, "feature 1") != NULL);
    bad[1] = NAN;
    struct enc_poisson p = {100, 1, 1};
    CU_ASSERT_EQUAL(enc_poisson(&p, 0, bad, &s, &e), ERR_INPUT);
    l.tau = 0;
    CU_ASSERT_EQUAL(enc_latency_check(&l, "encoder", &e), ERR_INPUT);
    CU_ASSERT(strstr(e.msg, "tau") && strcmp(e.path, "encoder") == 0);
    l.tau = 20;
    l.thr = 1.0;
    CU_ASSERT_EQUAL(enc_latency_check(&l, "", &e), ERR_INPUT);
    p.rate_max = 2000;
    CU_ASSERT_EQUAL(enc_poisson_check(&p, "", &e), ERR_INPUT);
    CU_ASSERT(strstr(e.msg, "one spike per step") != NULL);
    float good[3] = {0.1f, 0.5f, 0.2f};
    p.rate_max = NAN; /* refused by the encoder itself, not only by the check */
    CU_ASSERT_EQUAL(enc_poisson(&p, 0, good, &s, &e), ERR_INPUT);
    CU_ASSERT_EQUAL(enc_latency(&l, good, &s, &e), ERR_INPUT); /* thr = 1 */
    enc_spikes_free(&s);
    CU_ASSERT_EQUAL(enc_spikes_init(&s, 0, 10, &e), ERR_INPUT);
}

static int suite_data_encode(void)
{
    CU_pSuite s = CU_add_suite("data_encode", NULL, NULL);
    if (!s) return -1;
    CU_add_test(s, "latency closed forms", test_latency);
    CU_add_test(s, "Poisson rate: Bernoulli moments", test_poisson_moments);
    CU_add_test(s, "Poisson rate: determinism", test_poisson_determinism);
    CU_add_test(s, "direct current, bad input", test_current_and_errors);
    return 0;
}
TEST_SUITE(suite_data_encode)
