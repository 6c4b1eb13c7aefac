/* tests/test_expm: neurons/expm against closed forms (diagonal, rotation, nilpotent, a similarity
 * transform of a diagonal) and a Taylor series at tiny norm. */
#include <math.h>
#include <string.h>

#include "neurons/expm.h"
#include "tests/harness.h"

static double max_rel(int n, const double *x, const double *ref)
{
    double worst = 0, scale = 0;
    for (int i = 0; i < n * n; i++) scale = fmax(scale, fabs(ref[i]));
    for (int i = 0; i < n * n; i++) worst = fmax(worst, fabs(x[i] - ref[i]) / scale);
    return worst;
}

/* Truth: exp(diag(d)) = diag(e^d). */
static void test_diagonal(void)
{
    double a[16] = {0}, out[16], ref[16] = {0};
    const double d[4] = {-0.5, 2.0, -30.0, 7.5};
    for (int i = 0; i < 4; i++) {
        a[i * 5] = d[i];
        ref[i * 5] = exp(d[i]);
    }
    CU_ASSERT_EQUAL(expm(4, a, out, NULL), 0);
    for (int i = 0; i < 16; i++)
        CU_ASSERT(fabs(out[i] - ref[i]) <= 1e-13 * fmax(fabs(ref[i]), 1e-300) + (ref[i] == 0 ? 1e-300 : 0));
}

/* Truth: exp([[0, -w], [w, 0]] t) is the rotation by w t. */
static void test_rotation(void)
{
    const double ws[] = {0.1, 1.0, 3.0, 50.0};
    for (int k = 0; k < 4; k++) {
        double w = ws[k], a[4] = {0, -w, w, 0}, out[4];
        double ref[4] = {cos(w), -sin(w), sin(w), cos(w)};
        CU_ASSERT_EQUAL(expm(2, a, out, NULL), 0);
        CU_ASSERT(max_rel(2, out, ref) < 1e-12 * fmax(1.0, w));
    }
}

/* Truth: for strictly upper triangular N (N^4 = 0), exp(N) = I + N + N^2/2 + N^3/6. */
static void test_nilpotent(void)
{
    double a[16] = {0, 2, -1, 3, 0, 0, 4, 0.5, 0, 0, 0, -2, 0, 0, 0, 0};
    double n2[16] = {0}, n3[16] = {0}, ref[16], out[16];
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++)
            for (int k = 0; k < 4; k++) n2[i * 4 + j] += a[i * 4 + k] * a[k * 4 + j];
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++)
            for (int k = 0; k < 4; k++) n3[i * 4 + j] += n2[i * 4 + k] * a[k * 4 + j];
    for (int i = 0; i < 16; i++) ref[i] = (i % 5 == 0) + a[i] + n2[i] / 2 + n3[i] / 6;
    CU_ASSERT_EQUAL(expm(4, a, out, NULL), 0);
    CU_ASSERT(max_rel(4, out, ref) < 1e-14);
}

/* Truth: at tiny norm the Taylor series converges in a few terms. */
static void test_taylor_tiny(void)
{
    double a[25], ref[25] = {0}, term[25] = {0}, tmp[25], out[25];
    for (int i = 0; i < 25; i++) a[i] = 1e-3 * sin(1.0 + 7.0 * i);
    for (int i = 0; i < 5; i++) term[i * 6] = 1.0;
    memcpy(ref, term, sizeof ref);
    for (int k = 1; k < 12; k++) {
        memset(tmp, 0, sizeof tmp);
        for (int i = 0; i < 5; i++)
            for (int j = 0; j < 5; j++)
                for (int m = 0; m < 5; m++) tmp[i * 5 + j] += term[i * 5 + m] * a[m * 5 + j] / k;
        memcpy(term, tmp, sizeof term);
        for (int i = 0; i < 25; i++) ref[i] += term[i];
    }
    CU_ASSERT_EQUAL(expm(5, a, out, NULL), 0);
    CU_ASSERT(max_rel(5, out, ref) < 1e-15);
}

/* Truth: exp(S D S^-1) = S exp(D) S^-1 for a stiff, passive-cable-like spectrum (scaling path). */
static void test_similarity_stiff(void)
{
    const double s[9] = {1, 0.5, 0.2, 0, 1, 0.3, 0.1, 0, 1};
    double sinv[9];
    /* inverse by cofactors */
    double det = s[0] * (s[4] * s[8] - s[5] * s[7]) - s[1] * (s[3] * s[8] - s[5] * s[6]) +
                 s[2] * (s[3] * s[7] - s[4] * s[6]);
    sinv[0] = (s[4] * s[8] - s[5] * s[7]) / det;
    sinv[1] = (s[2] * s[7] - s[1] * s[8]) / det;
    sinv[2] = (s[1] * s[5] - s[2] * s[4]) / det;
    sinv[3] = (s[5] * s[6] - s[3] * s[8]) / det;
    sinv[4] = (s[0] * s[8] - s[2] * s[6]) / det;
    sinv[5] = (s[2] * s[3] - s[0] * s[5]) / det;
    sinv[6] = (s[3] * s[7] - s[4] * s[6]) / det;
    sinv[7] = (s[1] * s[6] - s[0] * s[7]) / det;
    sinv[8] = (s[0] * s[4] - s[1] * s[3]) / det;
    const double d[3] = {-0.05, -2.0, -40.0};
    double a[9] = {0}, ref[9] = {0}, out[9];
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            for (int k = 0; k < 3; k++) {
                a[i * 3 + j] += s[i * 3 + k] * d[k] * sinv[k * 3 + j];
                ref[i * 3 + j] += s[i * 3 + k] * exp(d[k]) * sinv[k * 3 + j];
            }
    CU_ASSERT_EQUAL(expm(3, a, out, NULL), 0);
    CU_ASSERT(max_rel(3, out, ref) < 1e-12);
}

/* Truth: a NaN input cannot give a trustworthy result, and says so. */
static void test_refuses_nan(void)
{
    double a[4] = {0, NAN, 0, 0}, out[4];
    CU_ASSERT_EQUAL(expm(2, a, out, NULL), -1);
    double big[4] = {1e308, 0, 0, 1e308};
    CU_ASSERT_EQUAL(expm(2, big, out, NULL), -1);
}

static int suite_expm(void)
{
    CU_pSuite s = CU_add_suite("expm", NULL, NULL);
    if (!s) return -1;
    CU_add_test(s, "diagonal", test_diagonal);
    CU_add_test(s, "rotation", test_rotation);
    CU_add_test(s, "nilpotent", test_nilpotent);
    CU_add_test(s, "Taylor at tiny norm", test_taylor_tiny);
    CU_add_test(s, "stiff similarity transform", test_similarity_stiff);
    CU_add_test(s, "refuses non-finite", test_refuses_nan);
    return 0;
}
TEST_SUITE(suite_expm)
