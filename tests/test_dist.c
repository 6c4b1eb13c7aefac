/* tests/test_dist: synapses/dist against closed forms: binomial draws against the exact
 * binomial probabilities (chi-square), redrawn and clipped normals against the truncated and
 * censored normal, the mass inside bounds against erf, and scaling against its definition. */
#include <math.h>
#include <stdlib.h>

#include "core/dist.h"
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

/* Truth: a normal redrawn outside [a, b] is the truncated normal, mean
 * (phi(a) - phi(b)) / (Phi(b) - Phi(a)) for N(0, 1); clipping instead puts the mass Phi(a)
 * exactly on a (the censored normal). */
static void test_redraw_and_clip(void)
{
    struct dist d = {.kind = DIST_NORMAL, .a = 0, .b = 1, .lo = 0.5, .hi = 3, .redraw = 1};
    struct rng r;
    rng_init(&r, 9, 9, 9, 9);
    const int n = 200000;
    double s = 0, s2 = 0;
    int outside = 0;
    for (int i = 0; i < n; i++) {
        double x = dist_draw(&d, &r);
        outside += x < 0.5 || x > 3 || x == 0.5 || x == 3;
        s += x;
        s2 += x * x;
    }
    CU_ASSERT_EQUAL(outside, 0);
    double pdf_a = exp(-0.125) / sqrt(2 * M_PI), pdf_b = exp(-4.5) / sqrt(2 * M_PI);
    double mass = 0.5 * (erfc(-3 / sqrt(2.0)) - erfc(-0.5 / sqrt(2.0)));
    double mean = (pdf_a - pdf_b) / mass;
    double var = 1 + (0.5 * pdf_a - 3 * pdf_b) / mass - mean * mean;
    CU_ASSERT(fabs(s / n - mean) < 5 * sqrt(var / n));
    CU_ASSERT_DOUBLE_EQUAL(dist_mass(&d), mass, 1e-12);

    d.redraw = 0;
    d.hi = INFINITY;
    int at_lo = 0;
    for (int i = 0; i < n; i++) at_lo += dist_draw(&d, &r) == 0.5;
    double p_lo = 0.5 * erfc(-0.5 / sqrt(2.0)); /* Phi(0.5) */
    CU_ASSERT(fabs((double)at_lo / n - p_lo) < 5 * sqrt(p_lo * (1 - p_lo) / n));
}

/* Truth: the mass of N(0,1) in [-1, 1] is erf(1/sqrt 2); of lognormal(0, 1) above 1 it is 1/2;
 * of U[0, 10) in [2, 5] it is 3/10; a constant has all or nothing. */
static void test_mass(void)
{
    struct dist n = {.kind = DIST_NORMAL, .a = 0, .b = 1, .lo = -1, .hi = 1};
    CU_ASSERT_DOUBLE_EQUAL(dist_mass(&n), erf(1 / sqrt(2.0)), 1e-12);
    struct dist l = {.kind = DIST_LOGNORMAL, .a = 0, .b = 1, .lo = 1, .hi = INFINITY};
    CU_ASSERT_DOUBLE_EQUAL(dist_mass(&l), 0.5, 1e-12);
    l.hi = -1;
    CU_ASSERT_EQUAL(dist_mass(&l), 0);
    struct dist u = {.kind = DIST_UNIFORM, .a = 0, .b = 10, .lo = 2, .hi = 5};
    CU_ASSERT_DOUBLE_EQUAL(dist_mass(&u), 0.3, 1e-12);
    struct dist c = {.kind = DIST_CONST, .a = 4, .lo = 5, .hi = 6};
    CU_ASSERT_EQUAL(dist_mass(&c), 0);
    c.a = 5.5;
    CU_ASSERT_EQUAL(dist_mass(&c), 1);
}

/* Truth: scaling by f multiplies every value: the mean and the bounds of each shape. */
static void test_scale(void)
{
    struct dist d[] = {{.kind = DIST_CONST, .a = -2},
                       {.kind = DIST_UNIFORM, .a = 1, .b = 3, .lo = -INFINITY, .hi = INFINITY},
                       {.kind = DIST_NORMAL, .a = -5, .b = 1, .lo = -20, .hi = 0},
                       {.kind = DIST_LOGNORMAL, .a = 0.3, .b = 0.5, .lo = 0.1, .hi = 9}};
    for (int i = 0; i < 4; i++) {
        struct dist s = d[i];
        dist_scale(&s, 2.5);
        CU_ASSERT_DOUBLE_EQUAL(dist_mean(&s), 2.5 * dist_mean(&d[i]), 1e-12);
        if (i >= 2) {
            CU_ASSERT_DOUBLE_EQUAL(s.lo, 2.5 * d[i].lo, 1e-12);
            CU_ASSERT_DOUBLE_EQUAL(s.hi, 2.5 * d[i].hi, 1e-12);
        }
    }
    struct dist s = d[2];
    dist_scale(&s, 2.5);
    CU_ASSERT_DOUBLE_EQUAL(s.b, 2.5, 1e-12); /* the standard deviation scales too */
}

static int suite_dist(void)
{
    CU_pSuite s = CU_add_suite("dist", NULL, NULL);
    if (!s) return -1;
    CU_add_test(s, "binomial against its probabilities", test_binomial_chi_square);
    CU_add_test(s, "redraw and clip", test_redraw_and_clip);
    CU_add_test(s, "mass inside bounds", test_mass);
    CU_add_test(s, "scaling", test_scale);
    return 0;
}
TEST_SUITE(suite_dist)
