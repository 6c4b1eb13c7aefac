/* core/neuron: the contract between the engine and a neuron model. A model is one const
 * ops table: its parameter schema, its state variables and input ports, a prepare() that
 * derives propagators once, and an update() over a contiguous range of neurons. The engine
 * knows models only through this table. */
#ifndef APICAL_NEURON_H
#define APICAL_NEURON_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/param.h"

#define NRN_MAX_PARAMS 32
#define NRN_MAX_STATE 32 /* per neuron, all compartments together */
#define NRN_MAX_PORTS 32
#define NRN_MAX_COMPS 9 /* a soma and up to 8 dendritic compartments */
#define NRN_MAX_CPARAMS 16
#define NRN_COMP_NAME 32

/* The compartments of a population's neurons: compartment 0 is the soma; each other one names
 * its parent (an earlier compartment). Point models have one compartment and ignore the rest.
 * A compartmental model's state variables and ports repeat per compartment: variable v of
 * compartment c is state c * nstate + v, port r of compartment c is port c * nports + r. */
struct nrn_shape {
    int ncomp;
    char names[NRN_MAX_COMPS][NRN_COMP_NAME];
    int parent[NRN_MAX_COMPS];
    double cparams[NRN_MAX_COMPS][NRN_MAX_CPARAMS];
};

#define NRN_ZERO_BLOCK 256 /* most neurons a model processes in one block */

/* What update() sees: the population's arrays and this step's inputs. */
struct nrn_ctx {
    const void *derived;  /* the model's constants from prepare() */
    double *const *state; /* state[v][i], v < nstate */
    int32_t *refr;        /* refractory steps left, per neuron */
    double *const *input; /* input[port][i]: what arrives at the end of this step; update
                             consumes it and sets it back to zero */
    double *zeros;        /* models with port_state: when set, no neuron's input is read;
                             port q's input of neuron i in the block starting at b0 is
                             zeros[q * NRN_ZERO_BLOCK + i - b0] instead (zeros it stays) */
    double i_ext;         /* stimulus current (pA) applied to every neuron this step */
    uint32_t *nonfinite;  /* the model sets it to the first neuron whose membrane potential
                             became NaN or infinite (checked before reset); else untouched */
    /* for models that draw (escape noise, Poisson sources): core/rng keyed by seed and
     * stream, with the neuron as id and this step as step, never by thread */
    uint64_t seed;
    uint32_t stream;
    int64_t step;
    /* when not NULL (plasticity rules read it): v_spike[i] is set, for every neuron i that
     * spikes in this update, to its somatic potential before the reset */
    double *v_spike;
};

/* A trainable model's dynamics between spikes, linear, as learning/ compiles a layer from it.
 * The state z is taken relative to rest and restricted to what drives the soma: z[0] is the
 * somatic potential (mV), z[D-1] the synaptic current (pA) of one input port, the entries
 * between them the other potentials coupled to the soma. Over one step of dt without input,
 * z <- P z; a weight w arriving at the start of the step adds w q, q being P's column D-1 (a
 * unit jump of the current, propagated over the step). The engine adds the same w at the end
 * of its step (nrn_ctx.input), so its soma potential n steps after that one is
 * w (P^(n-1) q)[0] above rest. */
#define NRN_LIN_MAX (NRN_MAX_COMPS + 1)
struct nrn_linear {
    int reaches_soma; /* 0: the port's compartment is not coupled to the soma (nothing it
                         receives can move the soma); no other field is then set */
    int D;            /* state size, 2 .. NRN_LIN_MAX */
    double P[NRN_LIN_MAX * NRN_LIN_MAX]; /* row-major, D x D */
    double q[NRN_LIN_MAX];               /* P's column D-1 */
    int spiking;                         /* 0: never spikes (a readout) */
    double theta, reset; /* spiking models: threshold and reset, mV above the soma's rest */
    double rest;         /* the soma's potential at rest (mV) */
};

/* A quantity of a neuron that plasticity rules may read at every step besides the state
 * variables (nrn_state_lookup): what the model declares, so that a rule never guesses it. */
struct nrn_quantity {
    const char *name;
    const char *unit;
    const char *doc;
};

struct nrn_ops {
    const char *name;
    const char *doc;
    const struct param *params;
    int nparams;
    const char *const *state_names; /* state 0 is the somatic membrane potential "v" */
    const char *const *state_units;
    int nstate;
    const char *const *port_names; /* e.g. "ex", "in" */
    int nports;
    /* Compartmental models: at most max_comps compartments (0 for point models), each with
     * the parameters in cparams. */
    int max_comps;
    const struct param *cparams;
    int ncparams;
    size_t derived_size;
    /* Checks relations between parameters (e.g. v_reset < v_th) and fills derived. On error
     * returns ERR_INPUT with e->path set to the offending parameter's name (for a compartment
     * parameter: "compartments.NAME.param"). */
    int (*prepare)(const double *params, const struct nrn_shape *shape, double dt_ms, void *derived,
                   struct err *e);
    /* Default initial state of every variable (before any init distribution). */
    void (*initial)(const double *params, const struct nrn_shape *shape, double *state0);
    /* When set, the model's use of its input is `state[port_state[q]][i] = (decay term) +
     * input[q][i]` and nothing else: the caller may then hand it zeros (nrn_ctx.zeros) and add
     * the few non-zero inputs after update() returns, to the same bits, saving the reading and
     * zeroing of every input array when inputs are sparse (engine/net). */
    const int *port_state;
    /* Advances neurons [begin, end) by one step, writes the ids of those that spiked in
     * ascending order to spikes, returns how many. NULL for spike sources. */
    uint32_t (*update)(const struct nrn_ctx *c, uint32_t begin, uint32_t end, uint32_t *spikes);
    /* Trainable models (NULL: not trainable): the dynamics seen from input port `port` over
     * one step of dt_ms (struct nrn_linear), from the same constants the model's update uses.
     * The population's own settings are checked first; a port whose compartment does not
     * reach the soma then returns 0 with reaches_soma = 0, unchecked further. ERR_INPUT with
     * e->path a parameter's name (as prepare's) when the population cannot be trained (a
     * refractory period, conductance or voltage-jump synapses), or "receptor" when the port's
     * receptor cannot carry a learned weight (one that changes sign). */
    int (*linear)(const double *params, const struct nrn_shape *shape, int port, double dt_ms,
                  struct nrn_linear *out, struct err *e);
    /* What rules may read besides the state (NULL/0: nothing): quantity qi of neurons
     * [begin, end) into out[i - begin], from the state as update() left it. */
    const struct nrn_quantity *quantities;
    int nquantities;
    void (*quantity)(const void *derived, double *const *state, int qi, uint32_t begin,
                     uint32_t end, double *out);
};

int nrn_param_index(const struct nrn_ops *m, const char *name);
int nrn_state_index(const struct nrn_ops *m, const char *name);
int nrn_port_index(const struct nrn_ops *m, const char *name);
int nrn_cparam_index(const struct nrn_ops *m, const char *name);
int nrn_quantity_index(const struct nrn_ops *m, const char *name);

/* Variables and ports of a whole neuron of this shape. */
int nrn_nstate(const struct nrn_ops *m, const struct nrn_shape *s);
int nrn_nports(const struct nrn_ops *m, const struct nrn_shape *s);
/* Compartment by name (0 for the soma); -1 if none. */
int nrn_comp_index(const struct nrn_shape *s, const char *name);
/* A state variable by name: "v" (the soma's), or "COMP.v" for compartment COMP; -1 if none. */
int nrn_state_lookup(const struct nrn_ops *m, const struct nrn_shape *s, const char *name);
/* The name nrn_state_lookup accepts for state index i, into buf. */
const char *nrn_state_name(const struct nrn_ops *m, const struct nrn_shape *s, int i, char *buf,
                           size_t n);
/* A point model's shape: one compartment called "soma". */
void nrn_shape_point(struct nrn_shape *s);

/* Shared by models with exponential synaptic kernels: the propagator from a synaptic
 * current (time constant tau_s) to the membrane (tau_m, capacitance c) over one step h,
 * (h/c) e^{-h/tau_m} (1 - e^{-z})/z with z = h (1/tau_s - 1/tau_m); stable as tau_s -> tau_m. */
double nrn_psc_propagator(double h, double tau_m, double tau_s, double c);

#endif
