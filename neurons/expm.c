/* neurons/expm: matrix exponential. The degree-13 Pade approximant r(A) = (V - U)^{-1}(V + U) is
 * accurate to double precision when ||A||_1 <= theta_13 = 5.37 (Higham 2005); larger matrices
 * are scaled by 2^-s and the result squared s times. The denominator is solved by LU with
 * partial pivoting. */
#include "neurons/expm.h"

#include <math.h>
#include <string.h>

static void matmul(int n, const double *a, const double *b, double *c)
{
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) {
            double s = 0;
            for (int k = 0; k < n; k++) s += a[i * n + k] * b[k * n + j];
            c[i * n + j] = s;
        }
}

double expm_norm1(int n, const double *a)
{
    double best = 0;
    for (int j = 0; j < n; j++) {
        double s = 0;
        for (int i = 0; i < n; i++) s += fabs(a[i * n + j]);
        if (s > best || isnan(s)) best = s;
    }
    return best;
}

/* Solves P X = Q in place (Q becomes X) by LU with partial pivoting; returns the ratio of the
 * largest to the smallest pivot magnitude (infinite when singular). */
static double solve(int n, double *p, double *q)
{
    double pmax = 0, pmin = INFINITY;
    for (int c = 0; c < n; c++) {
        int piv = c;
        for (int r = c + 1; r < n; r++)
            if (fabs(p[r * n + c]) > fabs(p[piv * n + c])) piv = r;
        if (piv != c)
            for (int k = 0; k < n; k++) {
                double t = p[c * n + k];
                p[c * n + k] = p[piv * n + k];
                p[piv * n + k] = t;
                t = q[c * n + k];
                q[c * n + k] = q[piv * n + k];
                q[piv * n + k] = t;
            }
        double d = p[c * n + c];
        if (fabs(d) > pmax) pmax = fabs(d);
        if (fabs(d) < pmin) pmin = fabs(d);
        if (d == 0) return INFINITY;
        for (int r = c + 1; r < n; r++) {
            double f = p[r * n + c] / d;
            if (f == 0) continue;
            for (int k = c; k < n; k++) p[r * n + k] -= f * p[c * n + k];
            for (int k = 0; k < n; k++) q[r * n + k] -= f * q[c * n + k];
        }
    }
    for (int c = n - 1; c >= 0; c--)
        for (int k = 0; k < n; k++) {
            double s = q[c * n + k];
            for (int j = c + 1; j < n; j++) s -= p[c * n + j] * q[j * n + k];
            q[c * n + k] = s / p[c * n + c];
        }
    return pmax / pmin;
}

int expm(int n, const double *a, double *out, double *cond)
{
    static const double b[14] = {64764752532480000.0, 32382376266240000.0, 7771770303897600.0,
                                 1187353796428800.0,  129060195264000.0,   10559470521600.0,
                                 670442572800.0,      33522128640.0,       1323241920.0,
                                 40840800.0,          960960.0,            16380.0,
                                 182.0,               1.0};
    const double theta13 = 5.371920351148152;
    if (n < 1 || n > EXPM_MAX) return -1;
    double norm = expm_norm1(n, a);
    if (!isfinite(norm)) return -1;
    int s = 0;
    if (norm > theta13) s = (int)ceil(log2(norm / theta13));
    if (s > 1000) return -1;
    const int nn = n * n;
    double A[EXPM_MAX * EXPM_MAX], A2[EXPM_MAX * EXPM_MAX], A4[EXPM_MAX * EXPM_MAX],
        A6[EXPM_MAX * EXPM_MAX], T[EXPM_MAX * EXPM_MAX], U[EXPM_MAX * EXPM_MAX],
        V[EXPM_MAX * EXPM_MAX];
    double scale = ldexp(1.0, -s);
    for (int i = 0; i < nn; i++) A[i] = a[i] * scale;
    matmul(n, A, A, A2);
    matmul(n, A2, A2, A4);
    matmul(n, A4, A2, A6);
    /* U = A [A6 (b13 A6 + b11 A4 + b9 A2) + b7 A6 + b5 A4 + b3 A2 + b1 I] */
    for (int i = 0; i < nn; i++) T[i] = b[13] * A6[i] + b[11] * A4[i] + b[9] * A2[i];
    matmul(n, A6, T, U);
    for (int i = 0; i < nn; i++) U[i] += b[7] * A6[i] + b[5] * A4[i] + b[3] * A2[i];
    for (int i = 0; i < n; i++) U[i * n + i] += b[1];
    memcpy(T, U, sizeof(double) * nn);
    matmul(n, A, T, U);
    /* V = A6 (b12 A6 + b10 A4 + b8 A2) + b6 A6 + b4 A4 + b2 A2 + b0 I */
    for (int i = 0; i < nn; i++) T[i] = b[12] * A6[i] + b[10] * A4[i] + b[8] * A2[i];
    matmul(n, A6, T, V);
    for (int i = 0; i < nn; i++) V[i] += b[6] * A6[i] + b[4] * A4[i] + b[2] * A2[i];
    for (int i = 0; i < n; i++) V[i * n + i] += b[0];
    /* R = (V - U)^{-1} (V + U) */
    for (int i = 0; i < nn; i++) {
        double v = V[i], u = U[i];
        T[i] = v - u;  /* P */
        out[i] = v + u; /* Q, becomes R */
    }
    double c = solve(n, T, out);
    if (cond) *cond = c;
    if (!isfinite(c) || c > 1e10) return -1;
    for (int k = 0; k < s; k++) {
        matmul(n, out, out, T);
        memcpy(out, T, sizeof(double) * nn);
    }
    for (int i = 0; i < nn; i++)
        if (!isfinite(out[i])) return -1;
    return 0;
}
