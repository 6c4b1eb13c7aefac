/* tests/test_vexp: neurons/vexp against libm's exp (truth: glibc's exp, correctly rounded in
 * practice) and against itself: a vectorised loop gives the bits of one-at-a-time calls. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "neurons/vexp.h"
#include "tests/harness.h"

static int64_t ulp_distance(double a, double b)
{
    int64_t x, y;
    memcpy(&x, &a, sizeof x);
    memcpy(&y, &b, sizeof y);
    return x > y ? x - y : y - x;
}

/* within 2 ulp of exp over the whole normal range and densely near 0 */
static void test_vexp_accuracy(void)
{
    int64_t worst = 0;
    for (int i = 0; i <= 400000; i++) {
        double x = -708.0 + 1417.78 * i / 400000.0;
        int64_t u = ulp_distance(vexp(x), exp(x));
        if (u > worst) worst = u;
    }
    for (int i = -100000; i <= 100000; i++) {
        double x = i * 1e-5;
        int64_t u = ulp_distance(vexp(x), exp(x));
        if (u > worst) worst = u;
    }
    CU_ASSERT(worst <= 2);
    CU_ASSERT_EQUAL(vexp(0.0), 1.0);
    CU_ASSERT(isinf(vexp(710.0)) && vexp(710.0) > 0);
    CU_ASSERT(isinf(vexp(1e300)));
    CU_ASSERT(isnan(vexp(NAN)));
    CU_ASSERT(vexp(-1e300) > 0 && vexp(-1e300) < 1e-307);
}

/* the same bits from a loop the compiler vectorises and from calls it cannot */
static void test_vexp_vector_equals_scalar(void)
{
    enum { N = 1003 }; /* odd: a vector body and a scalar remainder */
    double *x = malloc(N * sizeof *x), *y = malloc(N * sizeof *y);
    CU_ASSERT_FATAL(x && y);
    for (int i = 0; i < N; i++) x[i] = -50.0 + 0.0997 * i + 1e-7 * (i % 7);
#pragma omp simd
    for (int i = 0; i < N; i++) y[i] = vexp(x[i]);
    int same = 1;
    for (int i = 0; i < N; i++) {
        volatile double xi = x[i];
        double s = vexp(xi);
        same &= memcmp(&s, &y[i], sizeof s) == 0;
    }
    CU_ASSERT(same);
    free(x);
    free(y);
}

static int suite_vexp(void)
{
    CU_pSuite s = CU_add_suite("vexp", NULL, NULL);
    if (!s) return -1;
    CU_add_test(s, "within 2 ulp of libm exp; Inf, NaN, underflow", test_vexp_accuracy);
    CU_add_test(s, "vectorised loop gives the scalar bits", test_vexp_vector_equals_scalar);
    return 0;
}
TEST_SUITE(suite_vexp)
