/* core/surrogate: pseudo-derivatives of the spike nonlinearity s = H(u - theta), and the smooth
 * steps they are the exact derivatives of. Owns the immutable table of shapes; knows nothing of
 * neurons or of how a rule uses psi.
 *
 * Every shape is one peak-1 bump f(z) of the scaled distance to threshold z = beta * (u - theta):
 *
 *   psi(u)  = gamma * f(beta * (u - theta))           the surrogate derivative; psi(theta) = gamma
 *   step(u) = (gamma / beta) * F(beta * (u - theta))  F' = f, F(-inf) = 0: d step / du = psi
 *
 * step rises from 0 to gamma * mass / beta, where mass = F(+inf) is the area under f; with
 * gamma = beta / mass (surr_unit_gamma) it is a smooth unit step, the `soft` spike whose exact
 * derivative is psi. beta (1/mV) sets the width, gamma the height. */
#ifndef APICAL_SURROGATE_H
#define APICAL_SURROGATE_H

#include <stddef.h>

#include "core/err.h"

enum surr_kind {
    SURR_FAST_SIGMOID,
    SURR_PIECEWISE_LINEAR,
    SURR_ARCTAN,
    SURR_LOGISTIC,
    SURR_NKINDS
};

/* One row of the table. */
struct surr_shape {
    enum surr_kind kind;
    const char *name;    /* the config's value: "fast_sigmoid", "piecewise_linear", ... */
    const char *f_doc;   /* f(z) as text */
    const char *F_doc;   /* F(z) as text */
    const char *source;  /* who used it */
    double mass;         /* F(+inf), the area under f */
    double beta_default; /* 1/mV */
    double gamma_default;
};

/* The shapes' names in enum order, NULL-terminated (a parameter's choices, core/param.h). */
extern const char *const surr_names[SURR_NKINDS + 1];

/* The table, in enum order; *n gets its length. */
const struct surr_shape *surr_shapes(int *n);
/* The shape of that name, or NULL. */
const struct surr_shape *surr_find(const char *name);

/* f and F of a shape at the scaled distance z. */
double surr_f(enum surr_kind k, double z);
double surr_F(enum surr_kind k, double z);

/* A chosen surrogate: a shape and its two parameters. Plain data, copy it freely. */
struct surr {
    const struct surr_shape *shape;
    double beta;  /* 1/mV, > 0 */
    double gamma; /* psi at threshold, > 0 */
};

/* Fills s from a shape name and parameters (pass NAN for a shape's default). An unknown name or
 * a parameter that is not finite and positive is ERR_INPUT naming the setting path `path`
 * (e.g. "learning.surrogate"; "" for none) and, for a name, the known shapes. */
int surr_init(struct surr *s, const char *name, double beta, double gamma, const char *path,
              struct err *e);

/* The gamma that makes step() a unit step (0 to 1): beta / mass. */
double surr_unit_gamma(const struct surr_shape *shape, double beta);

/* psi and step at the distance to threshold x = u - theta (mV). */
double surr_psi(const struct surr *s, double x);
double surr_step(const struct surr *s, double x);

/* out[i] = psi(u[i] - theta) for a population: the shape is dispatched once, the loop is plain. */
void surr_psi_n(const struct surr *s, size_t n, const double *u, double theta, double *out);
/* out[i] = step(u[i] - theta), likewise (the `soft` spike of a population). */
void surr_step_n(const struct surr *s, size_t n, const double *u, double theta, double *out);

#endif
