/* tests/test_rng: core/rng against the Random123 known-answer vectors and against the
 * moments of the distributions it claims to draw from. */
#include <math.h>

#include "core/rng.h"
#include "tests/harness.h"

/* Truth: Random123's kat_vectors for philox4x32-10. */
static void test_philox_kat(void)
{
    static const uint32_t cases[3][10] = {
        {0, 0, 0, 0, 0, 0, 0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8},
        {0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0x408f276d,
         0x41c83b0e, 0xa20bc7c6, 0x6d5451fd},
        {0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, 0xa4093822, 0x299f31d0, 0xd16cfe09,
         0x94fdcceb, 0x5001e420, 0x24126ea1},
    };
    for (int c = 0; c < 3; c++) {
        uint32_t out[4];
        rng_philox(&cases[c][4], &cases[c][0], out);
        for (int i = 0; i < 4; i++) CU_ASSERT_EQUAL(out[i], cases[c][6 + i]);
    }
}

/* Truth: a draw is a pure function of its key and counter (seed, stream, id, step). */
static void test_counter_purity(void)
{
    struct rng a, b;
    rng_init(&a, 42, 7, 1234, 99);
    for (int i = 0; i < 10; i++) rng_u32(&a);
    double x = rng_uniform(&a);
    rng_init(&b, 42, 7, 1234, 99);
    for (int i = 0; i < 10; i++) rng_u32(&b);
    CU_ASSERT_EQUAL(x, rng_uniform(&b));
    rng_init(&b, 42, 7, 1235, 99);
    for (int i = 0; i < 10; i++) rng_u32(&b);
    CU_ASSERT_NOT_EQUAL(x, rng_uniform(&b));
}

/* Truth: U(0,1) has mean 1/2 and variance 1/12; N(0,1) mean 0, variance 1 (5 sigma bounds). */
static void test_uniform_normal_moments(void)
{
    struct rng r;
    rng_init(&r, 1, 2, 3, 4);
    const int n = 200000;
    double s = 0, s2 = 0, g = 0, g2 = 0;
    for (int i = 0; i < n; i++) {
        double u = rng_uniform(&r);
        CU_ASSERT(u > 0 && u < 1);
        s += u;
        s2 += u * u;
        double z = rng_normal(&r);
        g += z;
        g2 += z * z;
    }
    double m = s / n, v = s2 / n - m * m;
    CU_ASSERT(fabs(m - 0.5) < 5 * sqrt(1.0 / 12 / n));
    CU_ASSERT(fabs(v - 1.0 / 12) < 5 * sqrt(1.0 / 180 / n));
    CU_ASSERT(fabs(g / n) < 5 / sqrt(n));
    CU_ASSERT(fabs(g2 / n - 1) < 5 * sqrt(2.0 / n));
    /* the two values of a Box-Muller pair are independent: successive draws uncorrelated */
    rng_init(&r, 5, 6, 7, 8);
    double prev = rng_normal(&r), c = 0;
    for (int i = 0; i < n; i++) {
        double z = rng_normal(&r);
        c += prev * z;
        prev = z;
    }
    CU_ASSERT(fabs(c / n) < 5 / sqrt(n));
    for (uint32_t k = 1; k < 50; k += 7) {
        rng_init(&r, 9, 9, k, 0);
        for (int i = 0; i < 1000; i++) CU_ASSERT(rng_below(&r, k) < k);
    }
}

/* Truth: Poisson(mu) has mean and variance mu, for both the small-mu and the PTRS branch. */
static void test_poisson_moments(void)
{
    const double mus[] = {0.05, 0.8, 4.0, 9.9, 10.0, 37.5, 400.0};
    for (unsigned c = 0; c < sizeof mus / sizeof mus[0]; c++) {
        double mu = mus[c];
        const int n = 100000;
        double s = 0, s2 = 0;
        for (int i = 0; i < n; i++) {
            struct rng r;
            rng_init(&r, 5, 11, (uint32_t)i, (uint32_t)c);
            double k = rng_poisson(&r, mu);
            s += k;
            s2 += k * k;
        }
        double m = s / n, v = s2 / n - m * m;
        /* var of the sample mean mu/n; of the sample variance about (2 mu^2 + mu)/n */
        CU_ASSERT(fabs(m - mu) < 5 * sqrt(mu / n));
        CU_ASSERT(fabs(v - mu) < 6 * sqrt((2 * mu * mu + mu) / n));
    }
    struct rng r;
    rng_init(&r, 1, 1, 1, 1);
    CU_ASSERT_EQUAL(rng_poisson(&r, 0.0), 0);
}

static int suite_rng(void)
{
    CU_pSuite s = CU_add_suite("rng", NULL, NULL);
    if (!s) return -1;
    CU_add_test(s, "philox known answers", test_philox_kat);
    CU_add_test(s, "counter purity", test_counter_purity);
    CU_add_test(s, "uniform and normal moments", test_uniform_normal_moments);
    CU_add_test(s, "poisson moments", test_poisson_moments);
    return 0;
}
TEST_SUITE(suite_rng)
