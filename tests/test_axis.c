/* tests/test_axis: io/axis windows and ticks. Truth: IEEE-754 double arithmetic; a window is
 * drawable when every value in it maps to a finite position and its ticks are distinct, finite,
 * in the window and few; a window from data is widened until it is, or refused. */
#include <CUnit/CUnit.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/axis.h"
#include "tests/harness.h"

/* Ticks of [lo, hi] are strictly increasing, finite, inside the window (to a billionth of a
 * step), and there are at least two; their labels are distinct. */
static void check_ticks(double lo, double hi, double want, double min_step)
{
    double t[AXIS_MAX_TICKS], step;
    int n = axis_ticks(lo, hi, want, min_step, t, AXIS_MAX_TICKS, &step);
    CU_ASSERT(n >= 1 && n <= AXIS_MAX_TICKS);
    CU_ASSERT(step > 0 && isfinite(step));
    if (min_step <= 0) CU_ASSERT(n >= 2);
    char a[AXIS_LABEL_LEN], b[AXIS_LABEL_LEN];
    for (int k = 0; k < n; k++) {
        CU_ASSERT(isfinite(t[k]));
        CU_ASSERT(t[k] >= lo - step * 1e-9 && t[k] <= hi + step * 1e-9);
        if (k) {
            CU_ASSERT(t[k] > t[k - 1]);
            CU_ASSERT(strcmp(axis_label(t[k - 1], step, a), axis_label(t[k], step, b)) != 0);
        }
    }
}

/* (v - lo) / (hi - lo) is finite and in [0, 1] at both ends and the middle. */
static void check_maps(double lo, double hi)
{
    double w = hi - lo;
    CU_ASSERT(isfinite(w) && w > 0);
    double mid = lo + w / 2;
    CU_ASSERT((lo - lo) / w == 0);
    CU_ASSERT(fabs((hi - lo) / w - 1) < 1e-12);
    CU_ASSERT((mid - lo) / w > 0.4 && (mid - lo) / w < 0.6);
}

static void test_fit_degenerate(void)
{
    /* A single value anywhere on the double line becomes a drawable window containing it. */
    const double at[] = {0,     1,      -1,      1e-300,   -1e-300, 5e-324,       1e15,
                         1e300, -1e300, DBL_MAX, -DBL_MAX, 1e17,    123456789.125};
    for (size_t i = 0; i < sizeof at / sizeof at[0]; i++) {
        double lo = at[i], hi = at[i];
        CU_ASSERT(!axis_usable(lo, hi));
        CU_ASSERT_FATAL(axis_fit(&lo, &hi, 1) == 0);
        CU_ASSERT(axis_usable(lo, hi));
        CU_ASSERT(lo <= at[i] && at[i] <= hi);
        check_maps(lo, hi);
        check_ticks(lo, hi, 8, 0);
    }
    /* near 0 the pad decides: t0 + 1 ms, as before */
    double lo = 3, hi = 3;
    CU_ASSERT(axis_fit(&lo, &hi, 1) == 0 && lo == 3 && hi == 4);
    /* two values one ulp apart far from 0 (t0 + 1 == t0 there) */
    lo = 1e300, hi = nextafter(1e300, INFINITY);
    CU_ASSERT(axis_fit(&lo, &hi, 1) == 0 && axis_usable(lo, hi) && lo == 1e300);
    /* a window wide enough is left alone */
    lo = -2, hi = 0.5;
    CU_ASSERT(axis_fit(&lo, &hi, 1) == 0 && lo == -2 && hi == 0.5);
}

static void test_refused(void)
{
    /* Non-finite ends, a reversed window, or a width past DBL_MAX: -1 and nothing changed. */
    const double bad[][2] = {{NAN, 1},       {0, NAN}, {-INFINITY, 0},
                             {0, INFINITY},  {2, 1},   {-DBL_MAX, DBL_MAX},
                             {-1e308, 1e308}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        double lo = bad[i][0], hi = bad[i][1];
        CU_ASSERT(!axis_usable(lo, hi));
        CU_ASSERT(axis_fit(&lo, &hi, 1) == -1);
        CU_ASSERT(memcmp(&lo, &bad[i][0], sizeof lo) == 0 &&
                  memcmp(&hi, &bad[i][1], sizeof hi) == 0);
        double t[AXIS_MAX_TICKS], step = 1;
        CU_ASSERT(axis_ticks(bad[i][0], bad[i][1], 8, 0, t, AXIS_MAX_TICKS, &step) == 0);
        CU_ASSERT(step == 0);
    }
    /* too narrow for its magnitude, as given: not usable, no ticks */
    double t[AXIS_MAX_TICKS];
    CU_ASSERT(!axis_usable(1e300, 1e300 * (1 + 1e-12)));
    CU_ASSERT(axis_ticks(1e300, 1e300 * (1 + 1e-12), 8, 0, t, AXIS_MAX_TICKS, NULL) == 0);
    CU_ASSERT(axis_step(0) == 0 && axis_step(-1) == 0 && axis_step(NAN) == 0);
    CU_ASSERT(axis_step(INFINITY) == 0 && axis_step(DBL_MAX) == 0);
}

static void test_ticks_everywhere(void)
{
    /* Windows of every magnitude and width that axis_usable accepts have good ticks; the usual
     * ones keep their usual labels. */
    for (int i = -300; i <= 300; i += 7)
        for (int j = -9; j <= 6; j += 3) {
            double lo = pow(10, i), w = fabs(lo) * pow(10, j);
            if (!axis_usable(lo, lo + w)) continue;
            check_ticks(lo, lo + w, 8, 0);
            check_ticks(-lo - w, -lo, 4, 0);
            check_ticks(lo, lo + w, 2.5, 0);
        }
    check_ticks(0, DBL_MAX, 8, 0);
    check_ticks(-DBL_MAX / 2, DBL_MAX / 2, 5, 0);
    check_ticks(0.5, 1.5, 8, 1);
    double t[AXIS_MAX_TICKS], step;
    int n = axis_ticks(0, 100, 8, 0, t, AXIS_MAX_TICKS, &step);
    CU_ASSERT(n == 11 && step == 10 && t[0] == 0 && t[10] == 100);
    char buf[AXIS_LABEL_LEN];
    CU_ASSERT(!strcmp(axis_label(250, 50, buf), "250"));
    CU_ASSERT(!strcmp(axis_label(0.1, 0.05, buf), "0.1"));
    CU_ASSERT(!strcmp(axis_label(1000000, 1, buf), "1000000"));
    CU_ASSERT(!strcmp(axis_label(1.000000002e300, 2e290, buf), "1.000000002e+300"));
}

static void test_round_out(void)
{
    /* Truth: a usable range grows to multiples of its step; one whose multiples overflow stays. */
    double lo = -63.2, hi = -41.7, step;
    axis_round_out(&lo, &hi, 4, &step);
    CU_ASSERT(step == 5 && lo == -65 && hi == -40);
    lo = -1.6e308, hi = 1e307; /* multiples of 5e307 around it pass -DBL_MAX */
    CU_ASSERT_FATAL(axis_usable(lo, hi));
    axis_round_out(&lo, &hi, 4, &step);
    CU_ASSERT(lo == -1.6e308 && hi == 1e307 && step > 0 && isfinite(step));
}

static int suite_axis(void)
{
    CU_pSuite s = CU_add_suite("axis", NULL, NULL);
    if (!s) return -1;
    if (!CU_add_test(s, "degenerate windows widen", test_fit_degenerate) ||
        !CU_add_test(s, "undrawable windows refused", test_refused) ||
        !CU_add_test(s, "ticks at every magnitude", test_ticks_everywhere) ||
        !CU_add_test(s, "round out", test_round_out))
        return -1;
    return 0;
}
TEST_SUITE(suite_axis)
