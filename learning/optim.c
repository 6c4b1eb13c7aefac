/* learning/optim: SGD and Adam steps, gradient clipping, and the state's checkpoint format. The
 * arithmetic follows torch.optim's single-tensor code operation for operation (Adam's step size
 * lr / (1 - beta1^t) and sqrt(1 - beta2^t) once per step), except Adam's first moment: torch
 * writes it as m.lerp_(g, 1 - beta1), we as the paper's beta1 m + (1 - beta1) g, which can round
 * differently in the last bit. */
#include "learning/optim.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define OPTIM_PATH "learning.optimizer."

void optim_cfg_default(struct optim_cfg *c, int type)
{
    memset(c, 0, sizeof *c);
    c->type = type;
    c->lr = 1e-3;
    c->momentum = 0.0;
    c->beta1 = 0.9;
    c->beta2 = 0.999;
    c->eps = 1e-8;
    c->weight_decay = 0.0;
    c->clip = 0.0;
    c->nesterov = 0;
}

/* ERR_INPUT for the setting `name` whose value x is outside `bound`. */
static int bad(struct err *e, const char *name, double x, const char *bound)
{
    char path[64];
    snprintf(path, sizeof path, OPTIM_PATH "%s", name);
    return err_set(e, ERR_INPUT, NULL, 0, path, "%s = %g: must be %s", name, x, bound);
}

int optim_check(const struct optim_cfg *c, struct err *e)
{
    if (c->type != OPTIM_SGD && c->type != OPTIM_ADAM)
        return err_set(e, ERR_INPUT, NULL, 0, OPTIM_PATH "type",
                       "unknown optimizer type %d: sgd or adam", c->type);
    /* Written as !(ok) so that NaN fails every check. */
    if (!(c->lr > 0 && isfinite(c->lr))) return bad(e, "lr", c->lr, "finite and > 0");
    if (!(c->momentum >= 0 && c->momentum < 1))
        return bad(e, "momentum", c->momentum, "in [0, 1)");
    if (!(c->beta1 >= 0 && c->beta1 < 1)) return bad(e, "beta1", c->beta1, "in [0, 1)");
    if (!(c->beta2 >= 0 && c->beta2 < 1)) return bad(e, "beta2", c->beta2, "in [0, 1)");
    if (!(c->eps > 0 && isfinite(c->eps))) return bad(e, "eps", c->eps, "finite and > 0");
    if (!(c->weight_decay >= 0 && isfinite(c->weight_decay)))
        return bad(e, "weight_decay", c->weight_decay, "finite and >= 0");
    if (!(c->clip >= 0 && isfinite(c->clip)))
        return bad(e, "clip", c->clip, "finite and >= 0 (0 = off)");
    /* PyTorch refuses it too: with no momentum, nesterov would silently be plain SGD. */
    if (c->type == OPTIM_SGD && c->nesterov && c->momentum == 0)
        return err_set(e, ERR_INPUT, NULL, 0, OPTIM_PATH "nesterov",
                       "nesterov needs momentum > 0 (momentum = 0)");
    return 0;
}

int optim_init(struct optim *o, const struct optim_cfg *c, size_t n, struct err *e)
{
    memset(o, 0, sizeof *o);
    int rc = optim_check(c, e);
    if (rc) return rc;
    /* One element at least, so that n = 0 is not mistaken for a failed allocation. */
    size_t k = n ? n : 1;
    double *m = calloc(k, sizeof *m);
    double *v = c->type == OPTIM_ADAM ? calloc(k, sizeof *v) : NULL;
    if (!m || (c->type == OPTIM_ADAM && !v)) {
        free(m);
        free(v);
        return err_set(e, ERR_NOMEM, NULL, 0, NULL,
                       "out of memory for the optimizer state of %zu parameters", n);
    }
    o->c = *c;
    o->n = n;
    o->m = m;
    o->v = v;
    return 0;
}

void optim_free(struct optim *o)
{
    if (!o) return;
    free(o->m);
    free(o->v);
    memset(o, 0, sizeof *o);
}

double optim_clip(double *g, size_t n, double max_norm)
{
    double ss = 0;
    for (size_t i = 0; i < n; i++) ss += g[i] * g[i];
    double norm = sqrt(ss);
    /* torch clamps the coefficient at 1 and always multiplies; multiplying by 1 changes nothing,
     * so scaling only below 1 is the same, bit for bit. */
    double coef = max_norm / (norm + 1e-6);
    if (coef < 1)
        for (size_t i = 0; i < n; i++) g[i] *= coef;
    return norm;
}

static void sgd_step(struct optim *o, double *p, const double *grad)
{
    const double lr = o->c.lr, wd = o->c.weight_decay, mu = o->c.momentum;
    double *b = o->m;
    if (mu == 0) {
        for (size_t i = 0; i < o->n; i++) p[i] -= lr * (grad[i] + wd * p[i]);
        return;
    }
    const int first = o->t == 1, nesterov = o->c.nesterov;
    for (size_t i = 0; i < o->n; i++) {
        double g = grad[i] + wd * p[i];
        b[i] = first ? g : mu * b[i] + g;
        p[i] -= lr * (nesterov ? g + mu * b[i] : b[i]);
    }
}

static void adam_step(struct optim *o, double *p, const double *grad)
{
    const double b1 = o->c.beta1, b2 = o->c.beta2, eps = o->c.eps, wd = o->c.weight_decay;
    const double step = o->c.lr / (1 - pow(b1, (double)o->t));
    const double bc2 = sqrt(1 - pow(b2, (double)o->t));
    double *m = o->m, *v = o->v;
    for (size_t i = 0; i < o->n; i++) {
        double g = grad[i] + wd * p[i];
        m[i] = b1 * m[i] + (1 - b1) * g;
        v[i] = b2 * v[i] + (1 - b2) * (g * g);
        p[i] -= step * (m[i] / (sqrt(v[i]) / bc2 + eps));
    }
}

void optim_step(struct optim *o, double *params, double *grad)
{
    o->t++;
    if (o->c.clip > 0) optim_clip(grad, o->n, o->c.clip);
    if (o->c.type == OPTIM_ADAM)
        adam_step(o, params, grad);
    else
        sgd_step(o, params, grad);
}

size_t optim_state_len(const struct optim *o)
{
    return sizeof o->t + (o->v ? 2 : 1) * o->n * sizeof(double);
}

int optim_state_write(const struct optim *o, FILE *f)
{
    if (fwrite(&o->t, sizeof o->t, 1, f) != 1) return -1;
    if (fwrite(o->m, sizeof(double), o->n, f) != o->n) return -1;
    if (o->v && fwrite(o->v, sizeof(double), o->n, f) != o->n) return -1;
    return 0;
}

int optim_state_read(struct optim *o, FILE *f)
{
    if (fread(&o->t, sizeof o->t, 1, f) != 1) return -1;
    if (fread(o->m, sizeof(double), o->n, f) != o->n) return -1;
    if (o->v && fread(o->v, sizeof(double), o->n, f) != o->n) return -1;
    for (size_t i = 0; i < o->n; i++)
        if (!isfinite(o->m[i]) || (o->v && !(isfinite(o->v[i]) && o->v[i] >= 0))) return -2;
    return 0;
}
