/* tests/test_surrogate: core/surrogate against the closed forms of learning.md §1 written out
 * again here, against central finite differences of the smooth steps (psi is their derivative),
 * and against Simpson quadrature of psi (the steps are its integrals). */
#include <math.h>
#include <string.h>

#include "core/surrogate.h"
#include "tests/harness.h"

static double rel(double a, double b) { return fabs(a - b) / fmax(fmax(fabs(a), fabs(b)), 1e-300); }

/* Truth: the published formulas, in the published parameters (x = u - theta in mV). */
/* The names a rule's parameter offers are the table's, in its order. */
static void test_names(void)
{
    int n = 0;
    const struct surr_shape *t = surr_shapes(&n);
    for (int k = 0; k < n; k++) CU_ASSERT_STRING_EQUAL(surr_names[k], t[k].name);
    CU_ASSERT_PTR_NULL(surr_names[n]);
}

static void test_closed_forms(void)
{
    struct surr s;
    for (double x = -30; x <= 30; x += 0.37) {
        /* SuperSpike: 1 / (1 + beta |x|)^2 */
        CU_ASSERT_EQUAL(surr_init(&s, "fast_sigmoid", 2.0, 1.0, "", NULL), 0);
        CU_ASSERT(rel(surr_psi(&s, x), 1.0 / pow(1 + 2.0 * fabs(x), 2)) < 1e-15);
        /* e-prop: gamma * max(0, 1 - |x| / theta_scale), theta_scale = 1 / beta */
        CU_ASSERT_EQUAL(surr_init(&s, "piecewise_linear", 1.0 / 15, 0.3, "", NULL), 0);
        double pl = 0.3 * fmax(0, 1 - fabs(x) / 15);
        CU_ASSERT(pl == 0 ? surr_psi(&s, x) == 0 : rel(surr_psi(&s, x), pl) < 1e-14);
        /* ATan (Fang et al. 2021, alpha = 2): step = atan(pi/2 alpha x) / pi + 1/2, so psi is
         * alpha / 2 / (1 + (pi/2 alpha x)^2): beta = pi/2 alpha, gamma = alpha / 2 */
        double alpha = 2.0;
        CU_ASSERT_EQUAL(surr_init(&s, "arctan", M_PI / 2 * alpha, alpha / 2, "", NULL), 0);
        double z = M_PI / 2 * alpha * x;
        CU_ASSERT(rel(surr_psi(&s, x), alpha / 2 / (1 + z * z)) < 1e-14);
        CU_ASSERT(rel(surr_step(&s, x), atan(z) / M_PI + 0.5) < 1e-13);
        /* logistic sigma(k x): its derivative k sigma (1 - sigma) is beta = k, gamma = k / 4 */
        double k = 0.8, sg = 1 / (1 + exp(-k * x)), one_minus = 1 / (1 + exp(k * x));
        CU_ASSERT_EQUAL(surr_init(&s, "logistic", k, k / 4, "", NULL), 0);
        CU_ASSERT(rel(surr_psi(&s, x), k * sg * one_minus) < 1e-14);
        CU_ASSERT(rel(surr_step(&s, x), sg) < 1e-14);
    }
    /* hand values */
    surr_init(&s, "fast_sigmoid", 2.0, 1.0, "", NULL);
    CU_ASSERT_DOUBLE_EQUAL(surr_psi(&s, 0.5), 0.25, 1e-16);
    surr_init(&s, "logistic", 1.0, 1.0, "", NULL);
    CU_ASSERT_DOUBLE_EQUAL(surr_psi(&s, log(3.0)), 0.75, 1e-15);
    surr_init(&s, "arctan", 1.0, 1.0, "", NULL);
    CU_ASSERT_DOUBLE_EQUAL(surr_psi(&s, 1.0), 0.5, 1e-16);
}

/* Truth: psi is the derivative of step: central differences of step, away from the kinks of
 * psi (z = 0 for fast_sigmoid, z = 0 and |z| = 1 for piecewise_linear), to 1e-7 relative. */
static void test_step_derivative(void)
{
    int n;
    const struct surr_shape *sh = surr_shapes(&n);
    const double betas[] = {0.1, 1.0, 7.0};
    for (int k = 0; k < n; k++)
        for (int b = 0; b < 3; b++) {
            struct surr s;
            CU_ASSERT_EQUAL_FATAL(surr_init(&s, sh[k].name, betas[b], 0.7, "", NULL), 0);
            for (double z = -6.03; z < 6; z += 0.0731) {
                if (fabs(z) < 1e-3 || fabs(fabs(z) - 1) < 1e-3) continue;
                double x = z / s.beta, h = 1e-5 / s.beta;
                double fd = (surr_step(&s, x + h) - surr_step(&s, x - h)) / (2 * h);
                double p = surr_psi(&s, x);
                if (p == 0) {
                    CU_ASSERT(fabs(fd) < 1e-9);
                } else {
                    CU_ASSERT(rel(fd, p) < 1e-7);
                }
            }
        }
}

/* Composite Simpson on [a, b] with m (even) intervals. */
static double simpson(const struct surr *s, double a, double b, int m)
{
    double h = (b - a) / m, acc = surr_psi(s, a) + surr_psi(s, b);
    for (int i = 1; i < m; i++) acc += (i % 2 ? 4 : 2) * surr_psi(s, a + i * h);
    return acc * h / 3;
}

/* Truth: step is the integral of psi: Simpson quadrature of psi between points (on both sides of
 * the kinks, each panel smooth) equals the difference of step; step runs from 0 to
 * gamma * mass / beta, and is a unit step at gamma = beta / mass. */
static void test_step_integral(void)
{
    int n;
    const struct surr_shape *sh = surr_shapes(&n);
    const double pts[] = {-9.5, -1.0, -0.25, 0.0, 0.6, 1.0, 3.0, 12.0};
    for (int k = 0; k < n; k++) {
        struct surr s;
        CU_ASSERT_EQUAL_FATAL(surr_init(&s, sh[k].name, 0.5, 1.3, "", NULL), 0);
        for (int i = 0; i + 1 < 8; i++) {
            double a = pts[i] / s.beta, b = pts[i + 1] / s.beta;
            double q = simpson(&s, a, b, 2000);
            CU_ASSERT(fabs(q - (surr_step(&s, b) - surr_step(&s, a))) < 1e-10);
        }
        CU_ASSERT_EQUAL(surr_step(&s, -INFINITY), 0.0);
        CU_ASSERT(rel(surr_step(&s, INFINITY), 1.3 * sh[k].mass / 0.5) < 1e-15);
        CU_ASSERT_EQUAL(surr_init(&s, sh[k].name, 3.0, surr_unit_gamma(&sh[k], 3.0), "", NULL), 0);
        CU_ASSERT(rel(surr_step(&s, INFINITY), 1.0) < 1e-15);
        CU_ASSERT(fabs(surr_step(&s, 0.0) - 0.5) < 1e-15); /* symmetric bump: half way at theta */
        /* peak 1 at the threshold, symmetric, F(z) + F(-z) = mass */
        CU_ASSERT_EQUAL(surr_f(sh[k].kind, 0.0), 1.0);
        for (double z = 0.1; z < 20; z *= 1.7) {
            CU_ASSERT(surr_f(sh[k].kind, z) < 1.0);
            CU_ASSERT_EQUAL(surr_f(sh[k].kind, z), surr_f(sh[k].kind, -z));
            CU_ASSERT(fabs(surr_F(sh[k].kind, z) + surr_F(sh[k].kind, -z) - sh[k].mass) < 1e-14);
        }
        /* tails: finite, no NaN from overflow */
        CU_ASSERT(isfinite(surr_psi(&s, 1e300)) && isfinite(surr_step(&s, -1e300)));
    }
}

/* Truth: the population loops compute the scalar functions. */
static void test_arrays(void)
{
    int n;
    const struct surr_shape *sh = surr_shapes(&n);
    double u[257], p[257], st[257];
    for (int i = 0; i < 257; i++) u[i] = -80 + 0.13 * i;
    for (int k = 0; k < n; k++) {
        struct surr s;
        surr_init(&s, sh[k].name, NAN, NAN, "", NULL);
        CU_ASSERT_EQUAL(s.beta, sh[k].beta_default);
        CU_ASSERT_EQUAL(s.gamma, sh[k].gamma_default);
        surr_psi_n(&s, 257, u, -50.0, p);
        surr_step_n(&s, 257, u, -50.0, st);
        for (int i = 0; i < 257; i++) {
            CU_ASSERT(fabs(p[i] - surr_psi(&s, u[i] + 50.0)) <= 1e-15 * fabs(p[i]));
            CU_ASSERT(fabs(st[i] - surr_step(&s, u[i] + 50.0)) <= 1e-15 * fabs(st[i]));
        }
    }
}

/* Truth: bad settings are input errors naming the setting, never silent defaults. */
static void test_errors(void)
{
    struct surr s;
    struct err e;
    memset(&e, 0, sizeof e);
    CU_ASSERT_EQUAL(surr_init(&s, "fast_sigmiod", 1, 1, "learning.surrogate", &e), ERR_INPUT);
    CU_ASSERT(strstr(e.msg, "fast_sigmiod") && strstr(e.msg, "piecewise_linear"));
    CU_ASSERT_STRING_EQUAL(e.path, "learning.surrogate");
    CU_ASSERT_EQUAL(surr_init(&s, "arctan", 0.0, 1, "", &e), ERR_INPUT);
    CU_ASSERT(strstr(e.msg, "beta") != NULL);
    CU_ASSERT_EQUAL(surr_init(&s, "arctan", INFINITY, 1, "", &e), ERR_INPUT);
    CU_ASSERT_EQUAL(surr_init(&s, "arctan", 1, -1, "", &e), ERR_INPUT);
    CU_ASSERT(strstr(e.msg, "gamma") != NULL);
    CU_ASSERT_EQUAL(surr_init(&s, NULL, 1, 1, "", &e), ERR_INPUT);
    CU_ASSERT(surr_find("logistic") == &surr_shapes(NULL)[SURR_LOGISTIC]);
}

static int suite_surrogate(void)
{
    CU_pSuite s = CU_add_suite("surrogate", NULL, NULL);
    if (!s) return -1;
    CU_add_test(s, "closed forms", test_closed_forms);
    CU_add_test(s, "surr_names is the table's names", test_names);
    CU_add_test(s, "psi is the derivative of step", test_step_derivative);
    CU_add_test(s, "step is the integral of psi", test_step_integral);
    CU_add_test(s, "population loops", test_arrays);
    CU_add_test(s, "bad settings", test_errors);
    return 0;
}
TEST_SUITE(suite_surrogate)
