/* synapses/apical: the online apical rule, a three-factor rule in which the potential of the
 * target's simulated apical compartment is the error:
 *
 *   dw_ij/dt = eta (a_i(t) - a_rest) psi(u_i(t - lag)) e_j(t - lag)
 *
 * a_i the potential of neuron i's compartment named "apical", u_i its soma's, psi the
 * surrogate derivative at u_i - v_th (core/surrogate), e_j the presynaptic trace: the somatic
 * potential one unit weight from source j would cause, through the target model's own linear
 * dynamics (nrn_ops.linear), so exactly the PSP the synapse's spikes make. With lag 0 and
 * a(t) the error of the trainer's apical rule, it is that rule's update (docs/dendritic.md).
 * Changes accumulate per synapse and are applied every `window` (every step for 0). */
#ifndef APICAL_SYN_APICAL_H
#define APICAL_SYN_APICAL_H

#include "core/plast.h"

extern const struct pl_rule apical_rule;

#endif
