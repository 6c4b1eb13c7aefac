/* neurons/expm: the exponential of a small dense matrix (scaling and squaring with the degree-13
 * Pade approximant, Higham 2005), for exact propagators of linear neuron dynamics. Matrices are
 * row-major n x n, n <= EXPM_MAX. */
#ifndef APICAL_EXPM_H
#define APICAL_EXPM_H

#define EXPM_MAX 40

/* out = exp(a). Returns 0, or -1 when the result cannot be trusted to about 1e-12 relative:
 * the norm is not finite or too large to scale, or the Pade denominator is near singular
 * (its pivot ratio is reported in *cond when cond is not NULL, else ignored). */
int expm(int n, const double *a, double *out, double *cond);

/* The 1-norm (largest column sum of magnitudes). */
double expm_norm1(int n, const double *a);

#endif
