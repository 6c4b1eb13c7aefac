/* neurons/li: the leaky integrator readout (snnTorch's and Norse's LI): lif's membrane and
 * exponential synaptic currents without threshold, reset or refractory period. It never spikes;
 * its potential v is the output (a trained network's readout, learning/snn).
 *
 *   c_m dv/dt = -(c_m/tau_m)(v - e_l) + i_ex + i_in + i_e + i_stim
 *   di_x/dt   = -i_x / tau_syn_x,   a spike of weight w adds w to i_x (pA)
 *
 * integrated exactly with lif's propagators and in lif's order: v advances with the currents
 * at the start of the step, then input arriving in the step is added to i_x at its end. */
#ifndef APICAL_LI_H
#define APICAL_LI_H

#include "core/neuron.h"

enum { LI_V, LI_I_EX, LI_I_IN };
enum { LI_PORT_EX, LI_PORT_IN };
enum { LI_C_M, LI_TAU_M, LI_E_L, LI_TAU_SYN_EX, LI_TAU_SYN_IN, LI_I_E, LI_NPARAMS };

extern const struct nrn_ops li_ops;

#endif
