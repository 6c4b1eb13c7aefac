/* tests/test_dist: synapses/dist against closed forms: binomial draws against the exact
 * binomial probabilities (chi-square). */
#include <math.h>
#include <stdlib.h>

#include "synapses/dist.h"
#include "tests/harness.h"

static double binom_pmf(uint64_t n, double p, uint64_t k)
{
    double dn = (double)n, dk = (double)k;
    return exp(lgamma(dn + 1) - lgamma(dk + 1) - lgamma(dn - dk + 1) + dk * log(p) +
               (dn - dk) * log1p(-p));
}

/* The chi-square quantile for probability 1 - 1e-4 (Wilson & Hilferty's approximation). */
static double chi2_crit(int df)
{
    double z = 3.719, a = 2.0 / (9.0 * df);
    return df * pow(1 - a + z * sqrt(a), 3);
}

/* Truth: the binomial probabilities C(n,k) p^k (1-p)^(n-k). Draws of dist_binomial are binned
 * (neighbouring values merged until each bin expects >= 20) and the chi-square statistic stays
 * below its 1 - 1e-4 quantile, for the inversion branch (n p < 10), BTRD (n p >= 10), p > 1/2
 * (drawn as n - Binomial(n, 1 - p)) and an n of 10^7. */
static void test_binomial_chi_square(void)
{
    static const struct {
        uint64_t n;
        double p;
    } cases[] = {{5, 0.5}, {40, 0.1}, {1000, 0.3}, {100, 0.9}, {10000000, 2e-4}, {120, 0.5}};
    const int draws = 200000;
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        uint64_t n = cases[c].n;
        double p = cases[c].p, mean = n * p, sd = sqrt(n * p * (1 - p));
        uint64_t lo = mean > 12 * sd ? (uint64_t)(mean - 12 * sd) : 0;
        uint64_t hi = mean + 12 * sd < n ? (uint64_t)(mean + 12 * sd) : n;
        size_t w = (size_t)(hi - lo + 1);
        double *obs = calloc(w, sizeof *obs);
        struct rng r;
        rng_init(&r, 2024, 5, (uint32_t)c, 0);
        double sum = 0, sum2 = 0;
        for (int i = 0; i < draws; i++) {
            uint64_t k = dist_binomial(&r, n, p);
            CU_ASSERT_FATAL(k <= n);
            sum += (double)k;
            sum2 += (double)k * k;
            obs[(k < lo ? lo : k > hi ? hi : k) - lo]++;
        }
        /* bins of neighbouring values, each expecting >= 20; a short remainder joins the last */
        double chi2 = 0, o = 0, e = 0, last_o = 0, last_e = 0;
        int bins = 0;
        for (uint64_t k = lo; k <= hi; k++) {
            o += obs[k - lo];
            e += draws * binom_pmf(n, p, k);
            if (e >= 20) {
                if (bins) chi2 += (last_o - last_e) * (last_o - last_e) / last_e;
                last_o = o, last_e = e, bins++;
                o = e = 0;
            }
        }
        last_o += o, last_e += e;
        chi2 += (last_o - last_e) * (last_o - last_e) / last_e;
        CU_ASSERT(bins >= 2);
        CU_ASSERT(chi2 < chi2_crit(bins - 1));
        double m = sum / draws, v = sum2 / draws - m * m;
        CU_ASSERT(fabs(m - mean) < 5 * sd / sqrt(draws) + 1e-12);
        CU_ASSERT(fabs(v - sd * sd) < 6 * sd * sd * sqrt(2.0 / draws) + 1e-9);
        free(obs);
    }
    struct rng r;
    rng_init(&r, 1, 1, 1, 1);
    CU_ASSERT_EQUAL(dist_binomial(&r, 0, 0.5), 0);
    CU_ASSERT_EQUAL(dist_binomial(&r, 17, 0), 0);
    CU_ASSERT_EQUAL(dist_binomial(&r, 17, 1), 17);
}

static int suite_dist(void)
{
    CU_pSuite s = CU_add_suite("dist", NULL, NULL);
    if (!s) return -1;
    CU_add_test(s, "binomial against its probabilities", test_binomial_chi_square);
    return 0;
}
TEST_SUITE(suite_dist)
