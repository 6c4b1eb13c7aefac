/* learning/snn: a layered spiking network compiled from the engine's populations and
 * projections, simulated one sample at a time for training: the forward pass, the loss on the
 * readout, and two backward passes that give a weight update: the local apical rule and exact
 * surrogate-gradient BPTT. Owns the weights; knows nothing of data sets, optimizers or files.
 *
 * Layers. Layer 0 takes the input (spike source population); every layer l >= 0 is a
 * population of a trainable model (one whose ops table has `linear`: lif, mc_lif, li) fed
 * all-to-all by layer l - 1 (layer -1 = the input) on one port; hidden layers spike, the last
 * layer is the readout, a non-spiking leaky integrator (li; its potential y). A layer's state
 * relative to rest is z = (potentials coupled to the soma, the input port's synaptic current),
 * linear between spikes, as the model's `linear` hook gives it, so one step is exact:
 *
 *     z~(t) = P z(t-1) + q c(t),   c(t) = sum_j W_ji s_j(t)   (the step's input, pA),
 *     u(t)  = z~_soma(t),          s(t) = H(u - theta) (or the soft step),
 *     z(t)  = z~(t) with z_soma = z~_soma + s (r - z~_soma)   (reset to r),
 *
 * P, q (P's column for the current), theta and r (threshold and reset relative to the soma's
 * rest) from the hook (struct nrn_linear).
 *
 * Delays. Layer l's events arrive D_l = d_l + 1 steps after they happen, d_l the delay of its
 * forward projection in steps (a constant, whole number of steps): c(t) = sum_j W_ji s_j(t - D_l),
 * s_j the layer below's spikes (or the encoder's events, for layer 0), and events arriving at
 * t >= T are dropped. This is the engine's timing: a spike of update s, on a projection of d
 * steps, enters the target's current at the end of update s + d, so it moves the potential first
 * in update s + d + 1, the q c(t) term of step t = s + d + 1. D_l = 0 (set by hand after
 * snn_compile; no config gives it) is the same-step network, a perceptron when T = 1.
 *
 * Loss: per step, softmax cross-entropy of the readout potentials y(t) (or 1/2 |y - y*|^2 with
 * y* = mse_target at the label), averaged over the steps; or (CE_MEAN) one softmax cross-entropy
 * of the time-mean potential (1/T) sum_t y(t). The prediction is argmax sum_t y(t).
 * delta(t) = dLoss/dy(t) is the teacher signal.
 *
 * Apical rule (docs/learning.md): dW_ji = -lr sum_t a_i(t) psi(u_i(t)) e_j(t), where e_j is j's
 * spike train through the layer's own PSP kernel K(n) = e_soma^T P^n q (no reset) and a_i is
 * the apical potential: delta for the readout (psi = 1), a(t) = B delta_above(t + S) for a hidden
 * layer (0 where t + S >= T), with delta_above = a psi of the layer above (or the readout's
 * delta; `direct`: always the readout's) and S the steps its spikes take to reach that layer
 * (D of the layer above; `direct`: the sum of D over the layers up to the readout), so that a
 * pairs a spike with the error where it lands. B = kgain W^T (`symmetric`; kgain =
 * sum_{n<T} K_above(n), the area of the upper layer's PSP in steps counted from its arrival,
 * so that a = dLoss/ds for slowly varying errors: dLoss/ds(t) = W G_above(t + S), G_above(t')
 * = sum_n K_above(n) delta_above(t' + n)) or a fixed or learned matrix scaled alike. e_j is
 * built from j's arrivals (its events shifted by the layer's D). The sum over t is evaluated
 * backwards, m(t) = e_soma g(t) + P^T m(t+1),
 * sum_t g(t) e_j(t) = sum_{t_j} q^T m(t_j + D): the same numbers as a forward trace, at
 * O(T n + spikes x fan-out) instead of O(T x inputs x n). BPTT runs the exact adjoint of the
 * forward pass with psi for dH/du (dLoss/ds_j(t) = sum_i W_ji G_i(t + D), G = q^T m, 0 past T;
 * a weight's gradient takes G at its events' arrival steps); the reset's spike is either differentiated too (exact: the
 * finite-difference test) or held constant (`detach_reset`, as SpyTorch does; it trains better:
 * Yin-Yang 97.8 % against 86 %, configs/yinyang_apical.cfg). */
#ifndef APICAL_SNN_H
#define APICAL_SNN_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/neuron.h"
#include "core/spec.h"
#include "core/surrogate.h"

#define SNN_MAX_LAYERS 8
#define SNN_MAX_D NRN_LIN_MAX /* core/neuron.h: 9 compartments + 1 current */
/* Philox streams of the initial forward and feedback weights (+ projection index). */
#define SNN_STREAM 0x01000300u

/* The network's vocabulary. Each enum has one name table, in enum order and NULL-terminated:
 * the names configs spell (learning.rule, a projection's feedback, learning.loss) and outputs
 * print. snn_feedback_names[SNN_FB_NONE] is "none" (a forward projection); configs do not
 * spell it, so the modes a config may name start at snn_feedback_names + 1. */
enum snn_rule { SNN_APICAL, SNN_BPTT };
enum snn_feedback { SNN_FB_NONE, SNN_FB_SYMMETRIC, SNN_FB_RANDOM, SNN_FB_DIRECT, SNN_FB_LEARNED };
enum snn_loss { SNN_LOSS_CE, SNN_LOSS_MSE, SNN_LOSS_CE_MEAN };
extern const char *const snn_rule_names[];
extern const char *const snn_feedback_names[];
extern const char *const snn_loss_names[];
/* The index of name in snn_feedback_names, or -1. */
int snn_feedback_index(const char *name);

/* The most projections a training network's config may have (snn_opts.feedback and
 * learn_spec.feedback hold one mode per projection). */
#define SNN_MAX_PROJS 256

struct snn_layer {
    char name[SPEC_NAME];
    int pop;           /* population index in the spec */
    uint32_t n, n_in;  /* units, and units of the layer below (or inputs) */
    /* from the model's linear hook (struct nrn_linear, core/neuron.h) */
    int spiking;       /* 0: the readout */
    int D;             /* state size: potentials coupled to the soma + 1 current (index D - 1) */
    double P[SNN_MAX_D * SNN_MAX_D], q[SNN_MAX_D];
    double theta, reset; /* relative to the soma's rest, mV */
    double kgain;        /* sum_{n < T} of the PSP kernel (mV per pA, times steps) */
    int proj;            /* forward projection in the spec */
    uint32_t delay;      /* steps from an event of the layer below to its arrival: the
                          * projection's delay in steps + 1 (0: the same step) */
    size_t w_off;        /* W: n_in x n, W[j * n + i] is j -> i (rows by presynaptic unit) */
    /* feedback onto this layer's apical compartment (hidden layers) */
    int fb, fb_proj, fb_src; /* mode, projection, source layer */
    size_t b_off;            /* B: n x n_src, B[i * n_src + k] is k -> i (random/direct/learned) */
};

struct snn {
    int nlayers;
    struct snn_layer L[SNN_MAX_LAYERS];
    uint32_t nin, nout, T;
    double dt;
    int soft;          /* spikes are the surrogate's smooth unit step */
    int detach_reset;  /* BPTT: no gradient through the reset's spike (SpyTorch's detach) */
    struct surr surr;
    int loss;
    double mse_target;
    double rate_target_hz, rate_strength; /* firing-rate regulariser on hidden layers */
    size_t nparams, nforward; /* all weights; the first nforward are the forward ones */
    double *params;
};

/* One input event: unit j carries value v in step t (1 for a spike; pA/unit-weight for a
 * current). Events are sorted by step. */
struct snn_input {
    uint32_t n, cap;
    uint32_t *t, *j;
    double *v;
};
int snn_input_reserve(struct snn_input *in, uint32_t cap, struct err *e);
void snn_input_free(struct snn_input *in);

/* The settings snn takes from the learning config. */
struct snn_opts {
    uint32_t T;
    int soft;
    int detach_reset;
    struct surr surr;
    int loss;
    double mse_target;
    double rate_target_hz, rate_strength;
    int feedback[SNN_MAX_PROJS]; /* per projection: enum snn_feedback (SNN_FB_NONE: forward) */
    const char *file;            /* the config, for errors */
};

/* Compiles the spec's layers. ERR_INPUT (naming the config and the setting) when the spec has
 * more than SNN_MAX_PROJS projections, when the layers do not form a chain
 * input -> spiking layers -> li readout of trainable models with
 * all_to_all forward projections, when a feedback projection does not fit its mode, when a
 * forward projection's delay is not one constant whole number of steps, or when the model
 * refuses a setting (refractory period, conductance synapses, receptor). Weights come from each
 * projection's weight distribution, a pure function of the seed. */
int snn_create(struct snn **out, const struct net_spec *s, const struct snn_opts *o, struct err *e);
void snn_destroy(struct snn *n);
/* snn_create in two steps, so that a caller can size a run before allocating its weights:
 * snn_compile checks and lays out the layers (nparams and nforward set, params NULL; also
 * ERR_INPUT when T x a layer's units would not fit the 32-bit event counts), snn_init_weights
 * allocates and draws the weights (ERR_NOMEM). */
int snn_compile(struct snn **out, const struct net_spec *s, const struct snn_opts *o,
                struct err *e);
int snn_init_weights(struct snn *n, const struct net_spec *s, struct err *e);

/* Per-thread workspace for one sample. */
struct snn_work;
struct snn_work *snn_work_create(const struct snn *n);
/* The bytes snn_work_create allocates for n (5 T x n doubles per layer and the events). */
double snn_work_bytes(const struct snn *n);
void snn_work_destroy(struct snn_work *w);

struct snn_result {
    double loss;
    int pred;
    double spikes[SNN_MAX_LAYERS]; /* per layer (spiking ones), this sample */
};

/* Forward pass from rest (the state is reset first: samples never share state). */
void snn_forward(const struct snn *n, struct snn_work *w, const struct snn_input *in, int label,
                 struct snn_result *r);
/* After snn_forward: layer l's somatic potentials relative to rest (before reset) and spikes
 * (for the readout: its potentials), T x n row-major; for tests and monitors. */
const double *snn_work_u(const struct snn_work *w, int l);
const double *snn_work_s(const struct snn_work *w, int l);
/* After snn_forward: adds scale x the gradient estimate of rule to grad (nforward values, the
 * forward weights' layout). */
void snn_backward(const struct snn *n, struct snn_work *w, const struct snn_input *in, int label,
                  int rule, double scale, double *grad);
/* After snn_forward: adds scale x the apical-rule gradient of layer l's forward weights to
 * grad (nforward values, the forward weights' layout; only layer l's block changes) for the
 * error signal x (T x n_l, row-major) in place of the one snn_backward would give it:
 * grad_ji += scale sum_t (x_i(t) + reg_i) psi(u_i(t)) e_j(t), with u_i, e_j and the regulariser's
 * reg_i (0 without rate_strength) of this forward pass and psi = 1 for the readout. The same
 * adjoint as snn_backward's apical rule; it replaces layer l's error (for the readout, the
 * dLoss/dy snn_forward left), so run snn_forward again before snn_backward. This is what
 * the online rule (synapses/apical) sums in the engine with x = a - a_rest, the simulated
 * apical potential (tests/test_online_trainer). */
void snn_layer_apical(const struct snn *n, struct snn_work *w, const struct snn_input *in, int l,
                      const double *x, double scale, double *grad);

#endif
