/* learning/optim: optimizers on flat double arrays (parameters and their gradients, same length),
 * with PyTorch's semantics: torch.optim.SGD (momentum, dampening 0, nesterov), torch.optim.Adam
 * (L2 weight decay added to the gradient, not AdamW), torch.nn.utils.clip_grad_norm_. Owns the
 * optimizer state (moments and step count) and its checkpoint format; knows nothing of networks
 * or of where the gradient came from.
 *
 * One step, in this order (t counts steps and is 1 on the first):
 *   g = clip(g)                 if clip > 0: g *= clip / (|g| + 1e-6) when that is < 1
 *   g = g + weight_decay * p    (a local copy per element: grad itself is changed only by clip)
 *   SGD:  b = g (t = 1), b = momentum b + g (t > 1);  g = nesterov ? g + momentum b : b
 *         p = p - lr g                                (momentum 0: no buffer, p = p - lr g)
 *   Adam: m = beta1 m + (1 - beta1) g,  v = beta2 v + (1 - beta2) g^2
 *         p = p - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
 * Every loop is plain and in index order, so a run is bit-reproducible. */
#ifndef APICAL_OPTIM_H
#define APICAL_OPTIM_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/err.h"

enum optim_type { OPTIM_SGD, OPTIM_ADAM };

/* The settings, named as in the config's learning.optimizer block. */
struct optim_cfg {
    int type;            /* enum optim_type */
    double lr;           /* > 0 */
    double momentum;     /* SGD: 0 <= momentum < 1 */
    double beta1, beta2; /* Adam: in [0, 1) */
    double eps;          /* Adam: > 0 */
    double weight_decay; /* >= 0, L2: added to the gradient as weight_decay * p */
    double clip;         /* >= 0, max global L2 norm of the gradient; 0 = off */
    int nesterov;        /* SGD: needs momentum > 0 (as in PyTorch) */
};

/* PyTorch's defaults for that type, with lr = 1e-3 for both: momentum 0, beta1 0.9, beta2 0.999,
 * eps 1e-8, weight_decay 0, clip 0 (off), nesterov 0. */
void optim_cfg_default(struct optim_cfg *c, int type);

/* An optimizer for n parameters. m is SGD's momentum buffer or Adam's first moment; v (Adam only,
 * else NULL) is the second moment; t the number of steps taken. m, v and t are the whole state. */
struct optim {
    struct optim_cfg c;
    size_t n;
    double *m, *v;
    uint64_t t;
};

/* Checks c (ERR_INPUT with e->path "learning.optimizer.<name>" and the bound in the message) and
 * allocates zeroed state (ERR_NOMEM). o is left empty (safe to optim_free) on failure. */
int optim_init(struct optim *o, const struct optim_cfg *c, size_t n, struct err *e);
/* optim_init's checks alone. */
int optim_check(const struct optim_cfg *c, struct err *e);
void optim_free(struct optim *o);

/* As torch.nn.utils.clip_grad_norm_: the L2 norm of g (squares summed in index order); when
 * max_norm / (norm + 1e-6) < 1, g is scaled by it. Returns the norm before clipping. */
double optim_clip(double *g, size_t n, double max_norm);

/* One step: params (n) move along grad (n); grad is changed in place by clipping and only by it. */
void optim_step(struct optim *o, double *params, double *grad);

/* Bytes optim_state_write writes: t (uint64_t), n doubles of m, and for Adam n doubles of v. */
size_t optim_state_len(const struct optim *o);
/* The state in that raw binary layout (this machine's byte order); restoring it into an optimizer
 * made with the same cfg and n continues the run bit-identically. 0, -1 on a short write or
 * read, or (read) -2 when a moment is not finite or a second moment is negative; after a failed
 * read the state is undefined. */
int optim_state_write(const struct optim *o, FILE *f);
int optim_state_read(struct optim *o, FILE *f);

#endif
