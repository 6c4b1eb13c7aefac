/* synapses/kolen_pollack: feedback weights that learn what the forward weights learn, from
 * local signals (Kolen & Pollack 1994; Akrout et al. 2019). On a feedback projection from an
 * error population onto hidden neurons, every presynaptic event of amplitude delta (the error
 * of the source's class, a graded event of an online config's error population) changes the
 * synapse onto hidden neuron i by eta delta x_i, x_i the trace of i's spikes, the same
 * product of error and hidden activity that changes the forward weight from i to that class;
 * a weight decay makes both converge to each other's transpose. */
#ifndef APICAL_KOLEN_POLLACK_H
#define APICAL_KOLEN_POLLACK_H

#include "core/plast.h"

extern const struct pl_rule kolen_pollack_rule;

#endif
