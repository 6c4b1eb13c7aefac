/* learning/mlp: a plain dense multilayer perceptron with backpropagation, in double precision.
 * It is the independent truth the spiking rules are checked against (with one time step and
 * instantaneous compartments, the apical rule with symmetric feedback must give its gradient),
 * so it stays a textbook implementation: loops over dense matrices, nothing clever.
 *
 * Layer l = 0 .. L-1 maps h_{l-1} (h_{-1} = x) to
 *     z_l = W_l h_{l-1} + b_l,   h_l = act_l(z_l),
 * and backpropagation runs
 *     delta_{L-1} = dLoss/dh_{L-1} (.) act'(z_{L-1}),
 *     delta_l     = (W_{l+1}^T delta_{l+1}) (.) act'(z_l),
 *     dLoss/dW_l  = delta_l h_{l-1}^T,   dLoss/db_l = delta_l.
 * Under symmetric feedback the apical compartments of layer l hold a_l = dLoss/dh_l
 * (= W_{l+1}^T delta_{l+1}; the teacher signal dLoss/dy for the output layer), and the apical
 * rule's a psi(z) is delta_l: both are kept per layer for that comparison.
 *
 * Parameters live in one block, layer by layer: W_0 (row-major, W[i * n_in + j] is j -> i), b_0,
 * W_1, b_1, ...; gradients have the same layout, so optimizers see two flat arrays. */
#ifndef APICAL_MLP_H
#define APICAL_MLP_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/surrogate.h"

#define MLP_MAX_LAYERS 8
/* Philox stream of the initial weights (+ layer). */
#define MLP_STREAM 0x01000200u

enum mlp_act {
    MLP_IDENTITY,
    MLP_SIGMOID,
    MLP_TANH,
    MLP_RELU,
    MLP_SOFT,  /* h = surr_step(z), act' = psi(z): z is the distance to threshold (b = -theta) */
    MLP_SPIKE, /* h = H(z) (1 if z > 0), act' := psi(z): the surrogate gradient, not a derivative */
};

/* Softmax cross-entropy on the last layer's h (the logits): L = -sum_k t_k log softmax(h)_k,
 * dL/dh = softmax(h) - t for targets t summing to 1. Mean squared error: L = 1/2 sum_k (h_k -
 * t_k)^2, dL/dh = h - t. A batch's loss and gradient are means over its samples. */
enum mlp_loss { MLP_SOFTMAX_CE, MLP_MSE };

struct mlp {
    int nlayers;                      /* L: weight layers */
    int size[MLP_MAX_LAYERS + 1];     /* size[0] inputs, size[l + 1] units of layer l */
    enum mlp_act act[MLP_MAX_LAYERS]; /* of layer l */
    struct surr surr;                 /* for MLP_SOFT and MLP_SPIKE layers */
    size_t nparams;
    double *params;                                /* nparams: W_0, b_0, W_1, b_1, ... */
    double *w[MLP_MAX_LAYERS], *b[MLP_MAX_LAYERS]; /* into params */
};

/* A gradient (or any per-parameter array) in the layout of its mlp. */
struct mlp_grad {
    size_t nparams;
    double *flat;
    double *w[MLP_MAX_LAYERS], *b[MLP_MAX_LAYERS];
};

/* One sample's forward and backward state. */
struct mlp_work {
    double *z[MLP_MAX_LAYERS];     /* pre-activations */
    double *h[MLP_MAX_LAYERS];     /* activations; h[L-1] is the output */
    double *dh[MLP_MAX_LAYERS];    /* dLoss/dh after mlp_backprop */
    double *delta[MLP_MAX_LAYERS]; /* dLoss/dz after mlp_backprop */
};

/* nlayers in 1 .. MLP_MAX_LAYERS, every size >= 1; surr is needed (non-NULL) only when a layer is
 * MLP_SOFT or MLP_SPIKE. ERR_INPUT for a bad shape, ERR_NOMEM. Weights start at zero. */
int mlp_create(struct mlp **out, int nlayers, const int *size, const enum mlp_act *act,
               const struct surr *surr, struct err *e);
void mlp_destroy(struct mlp *m);
/* Glorot-uniform weights (+-sqrt(6 / (n_in + n_out))), zero biases; a pure function of seed. */
void mlp_init(struct mlp *m, uint64_t seed);

struct mlp_grad *mlp_grad_create(const struct mlp *m);
void mlp_grad_destroy(struct mlp_grad *g);
void mlp_grad_zero(struct mlp_grad *g);

struct mlp_work *mlp_work_create(const struct mlp *m);
void mlp_work_destroy(struct mlp_work *w);

/* Forward pass of one sample; returns the output h[L-1] (inside w). */
const double *mlp_forward(const struct mlp *m, struct mlp_work *w, const double *x);
/* The loss of output y (n values) for target t; dy (may be NULL) gets dLoss/dy. */
double mlp_loss(enum mlp_loss loss, int n, const double *y, const double *t, double *dy);
/* Forward and backward pass of one sample: adds scale * its gradient to g (g may be NULL: only
 * the deltas in w are wanted) and returns its loss. */
double mlp_backprop(const struct mlp *m, struct mlp_work *w, const double *x, enum mlp_loss loss,
                    const double *t, double scale, struct mlp_grad *g);
/* Mean loss and gradient over n samples (x: n x size[0], t: n x size[L], row-major), summed in
 * sample order; g is overwritten. */
double mlp_batch(const struct mlp *m, struct mlp_work *w, size_t n, const double *x,
                 enum mlp_loss loss, const double *t, struct mlp_grad *g);
/* params -= lr * g */
void mlp_sgd(struct mlp *m, const struct mlp_grad *g, double lr);
/* Index of the largest output (the first of equals). */
int mlp_argmax(int n, const double *y);

#endif
