/* core/surrogate: the shapes (Zenke & Ganguli 2018 SuperSpike; Bellec et al. 2020 e-prop;
 * Fang et al. 2021 arctan; the logistic's derivative) and their primitives. */
#include "core/surrogate.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static const struct surr_shape shapes[SURR_NKINDS] = {
    {SURR_FAST_SIGMOID, "fast_sigmoid", "1 / (1 + |z|)^2",
     "z < 0: 1 / (1 - z); z >= 0: 2 - 1 / (1 + z)", "SuperSpike (Zenke & Ganguli 2018)", 2.0, 1.0,
     1.0},
    {SURR_PIECEWISE_LINEAR, "piecewise_linear", "max(0, 1 - |z|)",
     "0 below -1; (1 + z)^2 / 2 to 0; 1 - (1 - z)^2 / 2 to 1; 1 above",
     "e-prop (Bellec et al. 2020)", 1.0, 0.1, 0.3},
    {SURR_ARCTAN, "arctan", "1 / (1 + z^2)", "atan(z) + pi / 2", "ATan (Fang et al. 2021)", M_PI,
     1.0, 1.0},
    {SURR_LOGISTIC, "logistic", "4 sigma(z) (1 - sigma(z)), sigma(z) = 1 / (1 + exp(-z))",
     "4 sigma(z)", "derivative of a logistic (e.g. Neftci et al. 2019)", 4.0, 1.0, 1.0},
};

const char *const surr_names[SURR_NKINDS + 1] = {"fast_sigmoid", "piecewise_linear", "arctan",
                                                  "logistic", NULL};

const struct surr_shape *surr_shapes(int *n) {
    if (n) *n = SURR_NKINDS;
    return shapes;
}

const struct surr_shape *surr_find(const char *name) {
    for (int k = 0; k < SURR_NKINDS; k++)
        if (name && strcmp(name, shapes[k].name) == 0) return &shapes[k];
    return NULL;
}

/* exp(-|z|) keeps the logistic finite for any z (no exp overflow to inf / inf). */
static inline double f_logistic(double z) {
    double e = exp(-fabs(z));
    return 4.0 * e / ((1.0 + e) * (1.0 + e));
}

static inline double F_logistic(double z) {
    double e = exp(-fabs(z));
    return z >= 0 ? 4.0 / (1.0 + e) : 4.0 * e / (1.0 + e);
}

static inline double f_fast(double z) {
    double a = 1.0 + fabs(z);
    return 1.0 / (a * a);
}

static inline double F_fast(double z) {
    return z < 0 ? 1.0 / (1.0 - z) : 2.0 - 1.0 / (1.0 + z);
}

static inline double f_pwl(double z) {
    return fmax(0.0, 1.0 - fabs(z));
}

static inline double F_pwl(double z) {
    if (z <= -1.0) return 0.0;
    if (z <= 0.0) return 0.5 * (1.0 + z) * (1.0 + z);
    if (z < 1.0) return 1.0 - 0.5 * (1.0 - z) * (1.0 - z);
    return 1.0;
}

static inline double f_atan(double z) {
    return 1.0 / (1.0 + z * z);
}

/* Below zero, atan(z) + pi/2 = atan(-1/z) without the cancellation. */
static inline double F_atan(double z) {
    return z < 0 ? atan(-1.0 / z) : atan(z) + M_PI / 2;
}

double surr_f(enum surr_kind k, double z) {
    switch (k) {
    case SURR_FAST_SIGMOID:
        return f_fast(z);
    case SURR_PIECEWISE_LINEAR:
        return f_pwl(z);
    case SURR_ARCTAN:
        return f_atan(z);
    case SURR_LOGISTIC:
        return f_logistic(z);
    default:
        return NAN;
    }
}

double surr_F(enum surr_kind k, double z) {
    switch (k) {
    case SURR_FAST_SIGMOID:
        return F_fast(z);
    case SURR_PIECEWISE_LINEAR:
        return F_pwl(z);
    case SURR_ARCTAN:
        return F_atan(z);
    case SURR_LOGISTIC:
        return F_logistic(z);
    default:
        return NAN;
    }
}

int surr_init(struct surr *s, const char *name, double beta, double gamma, const char *path,
              struct err *e) {
    const struct surr_shape *sh = surr_find(name);
    if (!sh) {
        char known[256];
        size_t k = 0;
        known[0] = '\0';
        for (int i = 0; i < SURR_NKINDS; i++)
            k += (size_t)snprintf(known + k, sizeof known - k, "%s%s", i ? ", " : "",
                                  shapes[i].name);
        return err_set(e, ERR_INPUT, NULL, 0, path, "unknown surrogate shape '%s' (known: %s)",
                       name ? name : "(none)", known);
    }
    if (isnan(beta)) beta = sh->beta_default;
    if (isnan(gamma)) gamma = sh->gamma_default;
    if (!(isfinite(beta) && beta > 0))
        return err_set(e, ERR_INPUT, NULL, 0, path, "beta = %g: must be finite and > 0 (1/mV)",
                       beta);
    if (!(isfinite(gamma) && gamma > 0))
        return err_set(e, ERR_INPUT, NULL, 0, path, "gamma = %g: must be finite and > 0", gamma);
    s->shape = sh;
    s->beta = beta;
    s->gamma = gamma;
    return 0;
}

double surr_unit_gamma(const struct surr_shape *shape, double beta) {
    return beta / shape->mass;
}

double surr_psi(const struct surr *s, double x) {
    return s->gamma * surr_f(s->shape->kind, s->beta * x);
}

double surr_step(const struct surr *s, double x) {
    return s->gamma / s->beta * surr_F(s->shape->kind, s->beta * x);
}

/* One loop per shape, so each is a plain loop the vectoriser sees. */
#define SURR_LOOP(fn, scale)                                                                       \
    for (size_t i = 0; i < n; i++)                                                                 \
    out[i] = fn(b * (u[i] - theta)) * (scale)

/* Cloned like the engine's neuron loops: elementwise, the same bits in every clone. */
__attribute__((target_clones("avx512f", "avx2", "default"))) void
surr_psi_n(const struct surr *s, size_t n, const double *u, double theta, double *out) {
    const double b = s->beta, g = s->gamma;
    switch (s->shape->kind) {
    case SURR_FAST_SIGMOID:
        SURR_LOOP(f_fast, g);
        break;
    case SURR_PIECEWISE_LINEAR:
        SURR_LOOP(f_pwl, g);
        break;
    case SURR_ARCTAN:
        SURR_LOOP(f_atan, g);
        break;
    case SURR_LOGISTIC:
        SURR_LOOP(f_logistic, g);
        break;
    default:
        break;
    }
}

__attribute__((target_clones("avx512f", "avx2", "default"))) void
surr_step_n(const struct surr *s, size_t n, const double *u, double theta, double *out) {
    const double b = s->beta, g = s->gamma / s->beta;
    switch (s->shape->kind) {
    case SURR_FAST_SIGMOID:
        SURR_LOOP(F_fast, g);
        break;
    case SURR_PIECEWISE_LINEAR:
        SURR_LOOP(F_pwl, g);
        break;
    case SURR_ARCTAN:
        SURR_LOOP(F_atan, g);
        break;
    case SURR_LOGISTIC:
        SURR_LOOP(F_logistic, g);
        break;
    default:
        break;
    }
}
